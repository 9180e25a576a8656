package dev.jrunc.conformance;

import static dev.jrunc.conformance.ExecTestSupport.read;
import static dev.jrunc.conformance.ExecTestSupport.readLink;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `create` runs no JVM inside the container: the rootfs is built by a thread of the runtime that
 * joins the container's namespaces and ends, while PID 1 (the small native helper) waits. Nothing
 * of the runtime keeps the container's namespaces afterwards. A container with a user namespace
 * too: its PID 1 makes every filesystem, and what the thread creates belongs to the namespace's
 * root. (The cases that still get an init JVM: see ContainerCreator.initInThread.)
 */
class InitWithoutJvmIT {
    /** A JVM costs tens of MB; the helper's last stage under 2 MB. */
    static final long HELPER_RSS_LIMIT_KB = 4096;

    @TempDir Path tmp;
    ExecTestSupport t;

    @BeforeEach
    void setUp() {
        t = new ExecTestSupport(tmp);
    }

    @AfterEach
    void cleanUp() {
        t.deleteAll();
    }

    @Test
    void duringCreateContainerHooksOnlyTheHelperIsInTheContainer() throws IOException {
        Path log = tmp.resolve("hook.log");
        // The hook runs in the container's namespaces before pivot_root, in the rootfs: ./proc is
        // the container's proc (its PID namespace); every process there but the hook's own.
        String script = "for p in proc/[0-9]*; do n=${p#proc/}; [ \"$n\" = \"$$\" ] && continue;"
                + " printf '%s %s|%s\\n' \"$n\" \"$(readlink $p/exe)\" \"$(tr '\\000' ' ' < $p/cmdline)\"; done > " + log
                + "; grep VmRSS proc/1/status >> " + log;
        ObjectNode c = t.config("true");
        ArrayNode hooks = c.putObject("hooks").putArray("createContainer");
        ObjectNode h = hooks.addObject();
        h.put("path", "/bin/sh");
        h.putArray("args").add("sh").add("-c").add(script);
        t.jrunc("create", "--bundle", t.bundle("hooked", c).toString(), "hooked").expect(0);

        List<String> lines = Files.readAllLines(log);
        List<String> processes = new ArrayList<>();
        long rss = -1;
        for (String line : lines) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (!line.isBlank()) {
                processes.add(line);
            }
        }
        // pid 1 and the hook's own children (the shell's subshells, readlink, tr, grep) only
        String init = processes.stream().filter(p -> p.startsWith("1 ")).findFirst().orElse(null);
        assertTrue(init != null && init.contains("jrunc-nsexec"), "PID 1 during createContainer is the native helper: " + lines);
        for (String p : processes) {
            assertFalse(p.contains("java"), "no JVM in the container's PID namespace during create: " + lines);
        }
        assertTrue(rss > 0 && rss < HELPER_RSS_LIMIT_KB, "PID 1's RSS during createContainer is the helper's: " + lines);
    }

    @Test
    void afterCreateTheInitIsTheHelperAndTheRuntimeKeepsNoNamespace() throws IOException {
        ObjectNode c = t.config("true");
        t.jrunc("create", "--bundle", t.bundle("created", c).toString(), "created").expect(0);
        int pid = t.initPid("created");
        assertTrue(readLink("/proc/" + pid + "/exe").contains("jrunc-nsexec"), "init is the helper: " + readLink("/proc/" + pid + "/exe"));
        long rss = Long.parseLong(read(Path.of("/proc/" + pid + "/status")).lines().filter(l -> l.startsWith("VmRSS:"))
                .findFirst().orElseThrow().replaceAll("[^0-9]", ""));
        assertTrue(rss < HELPER_RSS_LIMIT_KB, "the created container's init stays small: " + rss + " kB");
        for (String ns : List.of("mnt", "uts", "ipc", "net", "pid")) {
            assertFalse(readLink("/proc/" + pid + "/ns/" + ns).equals(readLink("/proc/self/ns/" + ns)),
                    "the container has a " + ns + " namespace of its own");
        }

        long engine = enginePid();
        if (engine <= 0) return; // direct mode: the JVM that built the rootfs has exited
        List<String> containerNs = new ArrayList<>();
        for (String ns : List.of("mnt", "uts", "ipc", "net", "pid")) containerNs.add(readLink("/proc/" + pid + "/ns/" + ns));
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + engine + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String ns : List.of("mnt", "uts", "ipc", "net", "pid_for_children")) {
                        assertEquals(readLink("/proc/self/ns/" + ns), readLink(task + "/ns/" + ns),
                                "engine thread " + task.getFileName() + " is back in (or never left) the host's " + ns + " namespace");
                    }
                    assertEquals("/", readLink(task + "/root"), "engine thread " + task.getFileName() + "'s root");
                } catch (java.io.UncheckedIOException e) {
                    // a thread that ended since the listing holds nothing
                    if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) throw e;
                }
            }
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + engine + "/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException gone) {
                    continue;
                }
                assertFalse(containerNs.contains(target), "the engine holds no fd of the container's namespaces: " + fd + " -> " + target);
                assertFalse(target.startsWith(ExecTestSupport.rootfs().toString()) && !target.equals(ExecTestSupport.rootfs().toString()),
                        "the engine holds nothing inside the rootfs: " + fd + " -> " + target);
            }
        }
    }

    /**
     * A user namespace's container is built without a JVM too, and the result is what an init
     * inside would have made: the filesystems belong to the namespace (its root may remount them,
     * their uid=/gid= options are its ids), and what was created in them is its root's.
     */
    @Test
    void aUserNamespaceContainerGetsNoJvmAndItsRootOwnsWhatWasMade() throws IOException {
        Path log = tmp.resolve("hook.log");
        ObjectNode c = t.config("sh", "-c", "cd /tmp/work && echo cwd=$(pwd);"
                + " for f in /dev /dev/shm /dev/mqueue /dev/fd /tmp /tmp/inner /tmp/inner/deep /tmp/work; do"
                + " echo \"$f=$(stat -c %u:%g $f)\"; done;"
                + " echo remount=$(mount -o remount,size=2m shm /dev/shm 2>&1 && echo ok);"
                + " echo map=$(cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')");
        ObjectNode linux = (ObjectNode) c.get("linux");
        ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
        for (String f : List.of("uidMappings", "gidMappings")) {
            linux.putArray(f).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        }
        ObjectNode process = (ObjectNode) c.get("process");
        process.put("cwd", "/tmp/work");
        ObjectNode caps = (ObjectNode) process.get("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) ((ArrayNode) caps.get(set)).add("CAP_SYS_ADMIN");
        ArrayNode mounts = (ArrayNode) c.get("mounts");
        ObjectNode tmpMount = mounts.addObject().put("destination", "/tmp").put("type", "tmpfs").put("source", "tmpfs");
        tmpMount.putArray("options").add("nosuid").add("mode=755");
        ObjectNode deep = mounts.addObject().put("destination", "/tmp/inner/deep").put("type", "tmpfs").put("source", "tmpfs");
        deep.putArray("options").add("nosuid").add("uid=1000").add("gid=1000");
        // during create, before the rootfs is built: who is PID 1 of the container
        ArrayNode hooks = c.putObject("hooks").putArray("createRuntime");
        ObjectNode h = hooks.addObject();
        h.put("path", "/bin/sh");
        h.putArray("args").add("sh").add("-c").add("pid=$(sed -n 's/.*\"pid\": *\\([0-9]*\\).*/\\1/p');"
                + " { readlink /proc/$pid/exe; grep VmRSS /proc/$pid/status; } > " + log);

        String out = t.jrunc("run", "--bundle", t.bundle("userns", c).toString(), "userns").expect(0).out();
        List<String> pid1 = Files.readAllLines(log);
        assertEquals(2, pid1.size(), "PID 1 during create: " + pid1);
        assertFalse(pid1.getFirst().contains("java"), "PID 1 during create is the helper, not a JVM: " + pid1);
        long rss = Long.parseLong(pid1.get(1).replaceAll("[^0-9]", ""));
        assertTrue(rss < HELPER_RSS_LIMIT_KB, "PID 1's RSS during create is the helper's: " + pid1);

        Map<String, String> facts = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) facts.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertEquals("0 100000 65536", facts.get("map"), out);
        assertEquals("/tmp/work", facts.get("cwd"), "process.cwd, made for the process: " + out);
        // made in the rootfs or a new filesystem by the thread: the namespace's root's, not nobody's
        for (String f : List.of("/dev", "/dev/shm", "/dev/mqueue", "/dev/fd", "/tmp", "/tmp/inner", "/tmp/work")) {
            assertEquals("0:0", facts.get(f), f + ": " + out);
        }
        // uid=/gid= are the container's ids
        assertEquals("1000:1000", facts.get("/tmp/inner/deep"), out);
        // the namespace's root may remount /dev/shm: its superblock belongs to the namespace
        assertEquals("ok", facts.get("remount"), out);
    }

    /**
     * The thread builds a user namespace's container as the init JVM builds it (which it still
     * does with createContainer hooks): the container sees the same owners, modes and mounts.
     */
    @Test
    void aUserNamespaceContainerLooksTheSameBuiltByTheThreadOrByTheInitJvm() throws IOException {
        Path source = Files.createDirectories(tmp.resolve("source/sub"));
        String probe = "for f in / /dev /dev/* /dev/pts/ptmx /dev/shm /dev/mqueue /proc /sys /etc /data /tools /tools/sub;"
                + " do stat -c '%n %u:%g %a %F' $f; done 2>&1; cut -d' ' -f4- /proc/self/mountinfo";
        for (String variant : List.of("default", "no network namespace", "options")) {
            Map<String, String> views = new java.util.HashMap<>();
            for (String path : List.of("thread", "jvm")) {
                ObjectNode c = t.config("sh", "-c", probe);
                ObjectNode linux = (ObjectNode) c.get("linux");
                ArrayNode namespaces = (ArrayNode) linux.get("namespaces");
                namespaces.addObject().put("type", "user");
                for (String f : List.of("uidMappings", "gidMappings")) {
                    linux.putArray(f).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
                }
                if (variant.equals("no network namespace")) {
                    // sysfs is refused to the namespace's root: the host's /sys, read-only
                    for (int i = namespaces.size() - 1; i >= 0; i--) {
                        if (namespaces.get(i).path("type").asText().equals("network")) namespaces.remove(i);
                    }
                }
                ArrayNode mounts = (ArrayNode) c.get("mounts");
                if (variant.equals("options")) {
                    for (var m : mounts) {
                        if (m.path("destination").asText().equals("/dev")) ((ArrayNode) m.get("options")).add("ro");
                    }
                    mounts.addObject().put("destination", "/etc").put("type", "tmpfs").put("source", "tmpfs")
                            .putArray("options").add("tmpcopyup").add("mode=755");
                    mounts.addObject().put("destination", "/data").put("type", "tmpfs").put("source", "tmpfs")
                            .putArray("options").add("nosuid").add("uid=5").add("gid=6").add("mode=700");
                    mounts.addObject().put("destination", "/tools").put("type", "bind").put("source", source.getParent().toString())
                            .putArray("options").add("rbind").add("rro");
                }
                if (path.equals("jvm")) {
                    c.putObject("hooks").putArray("createContainer").addObject().put("path", "/bin/true");
                }
                String id = "parity-" + path;
                String out = t.jrunc("run", "--bundle", t.bundle(id + "-" + variant.replace(' ', '-'), c).toString(), id).expect(0).out();
                views.put(path, out.replace(id, "ID"));
            }
            assertEquals(views.get("jvm"), views.get("thread"), variant);
            assertTrue(views.get("thread").contains("/dev 0:0 755 directory"), variant + ": " + views.get("thread"));
        }
    }

    /** The engine's pid when the suite runs through it (the front), else 0. */
    private long enginePid() {
        if (ExecTestSupport.JRUNC.getFileName().toString().equals("jrunc-direct")
                || "off".equals(System.getenv("JRUNC_ENGINE"))) {
            return 0;
        }
        ExecTestSupport.Result r = ExecTestSupport.runCommand(List.of(ExecTestSupport.JRUNC.toString(), "engine", "start"),
                Map.of(), null, tmp, 60).expect(0);
        for (String line : r.out().split("\n")) {
            if (line.startsWith("pid ")) return Long.parseLong(line.substring(4).trim());
        }
        return 0;
    }
}
