package dev.jrunc.conformance;

import static dev.jrunc.conformance.ExecTestSupport.JSON;
import static dev.jrunc.conformance.ExecTestSupport.alive;
import static dev.jrunc.conformance.ExecTestSupport.lines;
import static dev.jrunc.conformance.ExecTestSupport.read;
import static dev.jrunc.conformance.ExecTestSupport.readLink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jrunc exec`: a new process in a running container, checked from inside. One long-lived
 * container (user namespace, seccomp rule, its own tmpfs and hostname) serves most tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecIT {
    static final String ID = "exec-main";

    Path tmp;
    ExecTestSupport t;
    int initPid;

    @BeforeAll
    void startMainContainer(@TempDir Path dir) {
        tmp = dir;
        t = new ExecTestSupport(tmp);
        ObjectNode c = t.config("sleep", "1000");
        c.put("hostname", "exec-test");
        ExecTestSupport.process(c).put("noNewPrivileges", false);
        ExecTestSupport.addMount(c, "/only-here", "tmpfs", "tmpfs", "size=1232k");
        ExecTestSupport.addTmp(c);
        ObjectNode linux = (ObjectNode) c.get("linux");
        ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
        for (String f : List.of("uidMappings", "gidMappings")) {
            linux.putArray(f).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        }
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
        ObjectNode rule = seccomp.putArray("syscalls").addObject();
        rule.putArray("names").add("mkdir").add("mkdirat");
        rule.put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1);
        initPid = t.runDetached(ID, c);
    }

    @AfterEach
    void removeOthers() {
        try (Stream<Path> dirs = Files.list(t.root)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                if (!d.getFileName().toString().equals(ID)) t.jrunc("delete", "--force", d.getFileName().toString());
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    void removeMain() {
        t.deleteAll();
    }

    @Test
    void outputAndExitStatusComeBack() {
        ExecTestSupport.Result r = t.jrunc("exec", ID, "sh", "-c", "echo out-$((6*7)); echo err-text >&2; exit 7");
        assertEquals(7, r.exit(), r.toString());
        assertEquals("out-42\n", r.out());
        assertTrue(r.err().contains("err-text"), r.toString());
    }

    @Test
    void missingProgramIs255AndNamed() {
        ExecTestSupport.Result abs = t.jrunc("exec", ID, "/no/such-program");
        assertEquals(255, abs.exit(), abs.toString());
        assertTrue(abs.err().contains("/no/such-program"), abs.toString());
        ExecTestSupport.Result byPath = t.jrunc("exec", ID, "no-such-program-in-path");
        assertEquals(255, byPath.exit(), byPath.toString());
        assertTrue(byPath.err().contains("no-such-program-in-path"), byPath.toString());
        assertTrue(alive(initPid), "the container's init survives a failed exec");
    }

    @Test
    void seesTheContainersNamespacesCgroupAndSeccomp() {
        String script = String.join("; ",
                "echo == ps; ps -o pid,args",
                "echo == hostname; hostname",
                "echo == mounts; grep ' /only-here ' /proc/mounts",
                "echo == uidmap; cat /proc/self/uid_map",
                "echo == ns; for n in mnt pid net ipc uts user; do [ $(readlink /proc/self/ns/$n) = $(readlink /proc/1/ns/$n) ] && echo $n-same || echo $n-differs; done",
                "echo == cgroup; cat /proc/self/cgroup > /tmp/self; cat /proc/1/cgroup > /tmp/init; cmp /tmp/self /tmp/init && echo cgroup-same",
                "echo == nnp; grep NoNewPrivs /proc/self/status",
                "echo == mkdir; mkdir /tmp/newdir 2>&1; echo mkdir-status=$?",
                "echo == end");
        ExecTestSupport.Result r = t.jrunc("exec", ID, "sh", "-c", script).expect(0);
        Map<String, List<String>> s = sections(r.out());
        assertTrue(s.get("ps").stream().anyMatch(l -> l.matches("\\s*1\\s+sleep 1000")), r.out());
        assertEquals(List.of("exec-test"), s.get("hostname"));
        assertEquals(1, s.get("mounts").size(), r.out());
        assertTrue(s.get("mounts").getFirst().contains("tmpfs") && s.get("mounts").getFirst().contains("size=1232k"), r.out());
        assertEquals(List.of("0", "100000", "65536"), List.of(s.get("uidmap").getFirst().trim().split("\\s+")));
        assertEquals(List.of("mnt-same", "pid-same", "net-same", "ipc-same", "uts-same", "user-same"), s.get("ns"));
        assertEquals(List.of("cgroup-same"), s.get("cgroup"), r.out());
        assertEquals(List.of("NoNewPrivs:\t0"), s.get("nnp"));
        assertTrue(s.get("mkdir").getFirst().contains("Operation not permitted"), r.out());
        assertEquals("mkdir-status=1", s.get("mkdir").getLast());
        // The tmpfs is the container's alone: the host has no such mount.
        assertFalse(read(Path.of("/proc/self/mounts")).contains("size=1232k"));
    }

    @Test
    void processFileSetsUserCapsEnvAndCwd() throws Exception {
        ObjectNode p = JSON.createObjectNode();
        p.put("terminal", false);
        p.putObject("user").put("uid", 1000).put("gid", 1000);
        p.putArray("args").add("sh").add("-c")
                .add("id -u; id -g; grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status; echo $FROM_FILE; pwd");
        p.putArray("env").add("PATH=/bin").add("FROM_FILE=yes");
        p.put("cwd", "/only-here");
        // A non-root user keeps capabilities across execve only through the ambient set.
        ObjectNode caps = p.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
            caps.putArray(set).add("CAP_NET_RAW");
        }
        Path file = tmp.resolve("process.json");
        JSON.writeValue(file.toFile(), p);
        ExecTestSupport.Result r = t.jrunc("exec", "--process", file.toString(), ID).expect(0);
        assertEquals(List.of("1000", "1000", "CapPrm:\t0000000000002000", "CapEff:\t0000000000002000",
                "CapBnd:\t0000000000002000", "CapAmb:\t0000000000002000", "yes", "/only-here"), lines(r.out()));
    }

    /**
     * The environment of an exec at execve's limit: shrunk by the figures of each refusal until it
     * is accepted (first the program's execve, then the helper's, which carries a few more bytes);
     * there the process sees every byte, and one byte more is refused naming $.env, never a bare E2BIG.
     */
    @Test
    void anEnvironmentUpToExecvesLimitIsCarriedOneByteMoreIsRefused() throws Exception {
        java.util.regex.Pattern figures = java.util.regex.Pattern.compile("need (\\d+) bytes; execve\\(2\\) grants (\\d+)");
        Path file = tmp.resolve("big-env.json");
        int fill = 100_000;
        long grant = -1;
        ExecTestSupport.Result r = null;
        for (int round = 0; round < 4; round++) {
            JSON.writeValue(file.toFile(), bigEnvProcess(fill));
            r = t.jrunc("exec", "--process", file.toString(), ID);
            if (r.exit() == 0) break;
            assertEquals(255, r.exit(), r.toString());
            assertTrue(r.err().contains("$.env") && !r.err().contains("\tat "), r.toString());
            java.util.regex.Matcher m = figures.matcher(r.err());
            assertTrue(m.find(), r.toString());
            grant = Long.parseLong(m.group(2));
            fill -= (int) (Long.parseLong(m.group(1)) - grant);
        }
        assertTrue(grant > 0, "the first try was over the limit");
        assertEquals(List.of("fill=" + fill), lines(r.expect(0).out()), "the whole environment arrived");
        JSON.writeValue(file.toFile(), bigEnvProcess(fill + 1));
        ExecTestSupport.Result over = t.jrunc("exec", "--process", file.toString(), ID);
        assertEquals(255, over.exit(), over.toString());
        assertTrue(over.err().contains("$.env") && over.err().contains("need " + (grant + 1) + " bytes; execve(2) grants " + grant),
                over.toString());
    }

    private static ObjectNode bigEnvProcess(int fill) {
        ObjectNode p = JSON.createObjectNode();
        p.putArray("args").add("sh").add("-c").add("echo fill=${#FILL}");
        p.put("cwd", "/");
        ArrayNode env = p.putArray("env").add("PATH=/bin");
        for (int i = 0; i < 20; i++) env.add("V" + i + "=" + "v".repeat(100_000));
        env.add("FILL=" + "f".repeat(fill));
        return p;
    }

    @Test
    void flagsTakeEffect() {
        ExecTestSupport.Result r = t.jrunc("exec", "-e", "FOO=bar baz", "--cwd", "/tmp", "-u", "1000:1000", "-g", "44",
                "-g", "55", "--cap", "CAP_NET_RAW", "--no-new-privs", ID, "sh", "-c",
                "echo \"$FOO\"; pwd; id -u; id -g; grep -E '^(Groups|CapBnd|NoNewPrivs)' /proc/self/status").expect(0);
        // The container's bounding set (AUDIT_WRITE, KILL, NET_BIND_SERVICE) plus NET_RAW. (As
        // with runc, --cap puts nothing in the ambient set, so uid 1000 has no effective caps.)
        assertEquals(List.of("bar baz", "/tmp", "1000", "1000", "Groups:\t44 55", "CapBnd:\t0000000020002420",
                "NoNewPrivs:\t1"), lines(r.out()));
        ExecTestSupport.Result asRoot = t.jrunc("exec", "--cap", "NET_RAW", ID, "grep", "CapEff", "/proc/self/status");
        assertEquals("CapEff:\t0000000020002420\n", asRoot.expect(0).out());
    }

    @Test
    void detachWritesThePidOfAProcessInTheContainer() throws Exception {
        Path pidFile = tmp.resolve("exec.pid");
        long t0 = System.nanoTime();
        t.jrunc("exec", "--detach", "--pid-file", pidFile.toString(), ID, "sleep", "999").expect(0);
        assertTrue(System.nanoTime() - t0 < 20_000_000_000L, "exec --detach returns without waiting");
        int pid = Integer.parseInt(read(pidFile).trim());
        try {
            assertTrue(alive(pid), "pid " + pid + " from --pid-file is alive");
            assertEquals(read(Path.of("/proc/" + initPid + "/cgroup")), read(Path.of("/proc/" + pid + "/cgroup")));
            assertEquals(readLink("/proc/" + initPid + "/ns/pid"), readLink("/proc/" + pid + "/ns/pid"));
            assertTrue(read(Path.of("/proc/" + pid + "/cmdline")).startsWith("sleep\0" + "999"));
            // and the container sees it too
            String ps = t.jrunc("exec", ID, "ps", "-o", "args").expect(0).out();
            assertTrue(ps.contains("sleep 999"), ps);
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void execAsAUserIntoACwdOnlyRootCanReach() {
        String id = "exec-cwd";
        ObjectNode c = t.config("sleep", "1000");
        ExecTestSupport.addMount(c, "/data", "tmpfs", "tmpfs", "mode=700", "size=64k");
        t.runDetached(id, c);
        // root changes into it before becoming uid 1000, as runc does
        ExecTestSupport.Result r = t.jrunc("exec", "--user", "1000:1000", "--cwd", "/data", id, "sh", "-c",
                "pwd -P; id -u; ls . >/dev/null 2>&1 && echo list=yes || echo list=no").expect(0);
        assertEquals(List.of("/data", "1000", "list=no"), lines(r.out()));
    }

    @Test
    void theExecHelpersCommandLineShowsNoHostPidOrPath() throws Exception {
        // Paused, the container holds the helper in its cgroup before it execs: its command line
        // (the container can read it in /proc) stays there to be read.
        String hostNs = readLink("/proc/" + initPid + "/ns/pid");
        t.jrunc("pause", ID).expect(0);
        Process exec = new ProcessBuilder(ExecTestSupport.JRUNC.toString(), "--root", t.root.toString(), "exec",
                "--ignore-paused", ID, "true").redirectErrorStream(true).redirectOutput(tmp.resolve("paused-exec.out").toFile())
                .start();
        try {
            int[] helper = {0};
            ExecTestSupport.waitUntil("the exec helper in the container's pid namespace", 20_000, () -> {
                try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                    for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                        int pid = Integer.parseInt(p.getFileName().toString());
                        try {
                            // an earlier test's exited exec may linger as the init's zombie
                            if (pid != initPid && ExecTestSupport.alive(pid)
                                    && Files.readSymbolicLink(p.resolve("ns/pid")).toString().equals(hostNs)) {
                                helper[0] = pid;
                                return true;
                            }
                        } catch (java.io.IOException gone) {
                            // not ours to read, or gone
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return false;
            });
            String cmdline = read(Path.of("/proc/" + helper[0] + "/cmdline")).replace('\0', ' ');
            assertTrue(cmdline.startsWith("jrunc-nsexec "), cmdline);
            assertFalse(cmdline.contains("/"), "a path on the helper's command line: " + cmdline);
            assertFalse(List.of(cmdline.split(" ")).contains(Integer.toString(initPid)), cmdline);
        } finally {
            t.jrunc("resume", ID).expect(0);
            assertTrue(exec.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertEquals(0, exec.exitValue(), read(tmp.resolve("paused-exec.out")));
    }

    @Test
    void stdinIsPassedThrough() {
        ExecTestSupport.Result r = t.jruncIn("hi\nsecond line\n", "exec", ID, "cat").expect(0);
        assertEquals("hi\nsecond line\n", r.out());
    }

    @Test
    void execIntoAStoppedContainerFailsCleanly() throws Exception {
        String id = "exec-stopped";
        int pid = t.runDetached(id, t.config("true"));
        ExecTestSupport.waitUntil("the container to stop", 10_000, () -> !alive(pid));
        JsonNode before = t.state(id);
        assertEquals("stopped", before.get("status").asText());
        List<String> filesBefore = listing(t.root.resolve(id));

        ExecTestSupport.Result r = t.jrunc("exec", id, "echo", "should-not-run");
        assertEquals(255, r.exit(), r.toString());
        assertFalse(r.out().contains("should-not-run"));
        assertTrue(r.err().contains("stopped") && r.err().contains(id), r.toString());

        assertEquals(before, t.state(id));
        assertEquals(filesBefore, listing(t.root.resolve(id)));
        t.jrunc("delete", id).expect(0);
    }

    private static List<String> listing(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /** Splits output at the marker lines ("== ps", "== hostname", ...) the script echoes. */
    private static Map<String, List<String>> sections(String out) {
        Map<String, List<String>> s = new TreeMap<>();
        List<String> current = null;
        for (String line : lines(out)) {
            if (line.startsWith("== ")) {
                current = new java.util.ArrayList<>();
                s.put(line.substring(3), current);
            } else if (current != null) {
                current.add(line);
            }
        }
        return s;
    }
}
