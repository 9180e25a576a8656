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

    /** The CPUs this test (and so jrunc, and the container) may run on, as /proc/PID/status lists them. */
    private static String cpusAllowed(String pid) {
        for (String line : lines(read(Path.of("/proc", pid, "status")))) {
            if (line.startsWith("Cpus_allowed_list:")) return line.substring(18).trim();
        }
        throw new AssertionError("no Cpus_allowed_list in /proc/" + pid + "/status");
    }

    /** The tests of CPU affinity pin processes to CPU 0 or 1: both must be there to use. */
    private static void assumeCpus0And1() {
        java.util.Set<Integer> cpus = new java.util.HashSet<>();
        for (String part : cpusAllowed("self").split(",")) {
            String[] r = part.split("-");
            for (int c = Integer.parseInt(r[0]); c <= Integer.parseInt(r[r.length - 1]); c++) cpus.add(c);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(cpus.contains(0) && cpus.contains(1),
                "needs CPUs 0 and 1, may use " + cpusAllowed("self"));
    }

    /**
     * What the exec'd process reads of itself: /proc/self/stat fields 19 (nice) and 41 (policy:
     * SCHED_BATCH is 3, SCHED_IDLE 5), its I/O class, the CPUs it may run on and its machine.
     */
    private static final String SHOW_ATTRIBUTES =
            "cut -d' ' -f19,41 /proc/self/stat; ionice; grep Cpus_allowed_list /proc/self/status | cut -f2; uname -m";

    private Path processFile(String name, ObjectNode p) throws Exception {
        Path file = tmp.resolve(name);
        JSON.writeValue(file.toFile(), p);
        return file;
    }

    private static ObjectNode shProcess(String script) {
        ObjectNode p = JSON.createObjectNode();
        p.putArray("args").add("sh").add("-c").add(script);
        p.putArray("env").add("PATH=/bin");
        p.put("cwd", "/");
        return p;
    }

    /**
     * process.scheduler, process.ioPriority and process.execCPUAffinity of an exec process file
     * reach the exec'd process (runc applies all three to exec'd processes; config.md's
     * execCPUAffinity is for them alone): "initial" before it joins the container's cgroup,
     * "final" after.
     */
    @Test
    void processFileSetsSchedulerIoPriorityAndCpuAffinity() throws Exception {
        assumeCpus0And1();
        ObjectNode p = shProcess(SHOW_ATTRIBUTES);
        p.putObject("scheduler").put("policy", "SCHED_BATCH").put("nice", 7);
        p.putObject("ioPriority").put("class", "IOPRIO_CLASS_BE").put("priority", 3);
        p.putObject("execCPUAffinity").put("initial", "0").put("final", "1");
        ExecTestSupport.Result r = t.jrunc("exec", "--process", processFile("attrs.json", p).toString(), ID).expect(0);
        assertEquals(List.of("7 3", "best-effort: prio 3", "1", "x86_64"), lines(r.out()));

        // only "initial": the process keeps it once in the cgroup (whose cpuset holds CPU 1)
        p.putObject("execCPUAffinity").put("initial", "1");
        r = t.jrunc("exec", "--process", processFile("initial.json", p).toString(), ID).expect(0);
        assertEquals("1", lines(r.out()).get(2), r.toString());

        // and without any, nothing of it: the CPUs jrunc itself may use
        r = t.jrunc("exec", ID, "sh", "-c", SHOW_ATTRIBUTES).expect(0);
        assertEquals(List.of("0 0", "none: prio 0", cpusAllowed("self"), "x86_64"), lines(r.out()));
    }

    /**
     * A container whose process sets a scheduler, an I/O priority and execCPUAffinity, with
     * linux.personality: its init runs with all but execCPUAffinity (config.md: not for the
     * init); a process exec'd by flags, or from a process file that leaves them out, runs with
     * all of them, as runc's does; one that sets its own runs with its own.
     */
    @Test
    void execdProcessesTakeTheContainersAttributesUnlessTheyGiveTheirOwn() throws Exception {
        assumeCpus0And1();
        String id = "exec-attrs";
        ObjectNode c = t.config("sleep", "1000");
        ExecTestSupport.process(c).putObject("scheduler").put("policy", "SCHED_BATCH").put("nice", 5);
        ExecTestSupport.process(c).putObject("ioPriority").put("class", "IOPRIO_CLASS_IDLE").put("priority", 0);
        ExecTestSupport.process(c).putObject("execCPUAffinity").put("final", "1");
        ((ObjectNode) c.get("linux")).putObject("personality").put("domain", "LINUX32");
        int init = t.runDetached(id, c);
        assertEquals(cpusAllowed("self"), cpusAllowed(Integer.toString(init)), "execCPUAffinity is not the init's");
        String stat = read(Path.of("/proc/" + init + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields from the third on: nice is field 19, policy 41
        assertEquals(List.of("5", "3"), List.of(fields[19 - 3], fields[41 - 3]), stat);

        List<String> inherited = List.of("5 3", "idle", "1", "i686");
        assertEquals(inherited, lines(t.jrunc("exec", id, "sh", "-c", SHOW_ATTRIBUTES).expect(0).out()));
        Path bare = processFile("bare.json", shProcess(SHOW_ATTRIBUTES));
        assertEquals(inherited, lines(t.jrunc("exec", "--process", bare.toString(), id).expect(0).out()));

        ObjectNode own = shProcess(SHOW_ATTRIBUTES);
        own.putObject("scheduler").put("policy", "SCHED_IDLE");
        own.putObject("ioPriority").put("class", "IOPRIO_CLASS_BE").put("priority", 6);
        own.putObject("execCPUAffinity").put("final", "0");
        assertEquals(List.of("0 5", "best-effort: prio 6", "0", "i686"),
                lines(t.jrunc("exec", "--process", processFile("own.json", own).toString(), id).expect(0).out()));
    }

    /**
     * A bad attribute of an exec process file is refused naming its path in that file, and an
     * LSM label this host cannot apply naming the field or the flag; nothing is started.
     */
    @Test
    void badAttributesOfAnExecAreRefusedNamingThemAndNothingRuns() throws Exception {
        String marker = "/tmp/ran-" + System.nanoTime();
        String script = "echo ran > " + marker;
        ObjectNode p = shProcess(script);
        p.putObject("scheduler").put("policy", "SCHED_OTHER").put("priority", 5);
        assertRefused(t.jrunc("exec", "--process", processFile("bad-sched.json", p).toString(), ID),
                "bad-sched.json: $.scheduler.priority");
        p.remove("scheduler");
        p.putObject("ioPriority").put("class", "IOPRIO_CLASS_NOPE").put("priority", 0);
        assertRefused(t.jrunc("exec", "--process", processFile("bad-io.json", p).toString(), ID),
                "bad-io.json: $.ioPriority.class");
        p.remove("ioPriority");
        p.putObject("execCPUAffinity").put("initial", "3-1");
        assertRefused(t.jrunc("exec", "--process", processFile("bad-cpus.json", p).toString(), ID),
                "bad-cpus.json: $.execCPUAffinity.initial");
        p.remove("execCPUAffinity");
        // Without AppArmor (or SELinux) on this host a profile (label) cannot be applied: refused
        // before anything starts, as create refuses it.
        if (!Files.exists(Path.of("/sys/kernel/security/apparmor"))) {
            p.put("apparmorProfile", "jrunc-test");
            assertRefused(t.jrunc("exec", "--process", processFile("bad-aa.json", p).toString(), ID),
                    "bad-aa.json: $.apparmorProfile");
            p.remove("apparmorProfile");
            assertRefused(t.jrunc("exec", "--apparmor", "jrunc-test", ID, "sh", "-c", script), "--apparmor");
        }
        if (!Files.exists(Path.of("/sys/fs/selinux/enforce"))) {
            p.put("selinuxLabel", "system_u:system_r:container_t:s0");
            assertRefused(t.jrunc("exec", "--process", processFile("bad-se.json", p).toString(), ID),
                    "bad-se.json: $.selinuxLabel");
            assertRefused(t.jrunc("exec", "--process-label", "system_u:system_r:container_t:s0", ID, "sh", "-c", script),
                    "--process-label");
        }
        assertFalse(Files.exists(Path.of("/proc/" + initPid + "/root" + marker)), "a refused exec ran its program");
    }

    private void assertRefused(ExecTestSupport.Result r, String names) {
        assertEquals(255, r.exit(), r.toString());
        assertTrue(r.err().contains(names), "expected the error to name " + names + ": " + r);
        assertFalse(r.err().contains("\tat "), "a stack trace: " + r);
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
