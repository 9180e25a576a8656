package dev.jrunc.conformance;

import static dev.jrunc.conformance.SecurityTestSupport.JSON;
import static dev.jrunc.conformance.SecurityTestSupport.statusField;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.conformance.SecurityTestSupport.Bundle;
import dev.jrunc.conformance.SecurityTestSupport.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process security (config.md process.*, config-linux.md sysctl, maskedPaths, readonlyPaths,
 * personality, seccomp) and regression tests for known runtime escapes, each checked from inside
 * a real container.
 */
class SecurityIT {
    @TempDir
    Path tmp;

    SecurityTestSupport t;

    @BeforeEach
    void setUp() throws IOException {
        t = new SecurityTestSupport(tmp);
    }

    private static ArrayNode names(ObjectNode parent, String field, String... caps) {
        ArrayNode a = parent.putArray(field);
        for (String c : caps) a.add(c);
        return a;
    }

    private static void caps(Bundle b) {
        ObjectNode c = b.process().putObject("capabilities");
        names(c, "bounding", "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN");
        names(c, "effective", "CAP_CHOWN");
        names(c, "permitted", "CAP_CHOWN", "CAP_NET_RAW");
        names(c, "inheritable", "CAP_KILL", "CAP_NET_RAW");
        names(c, "ambient", "CAP_NET_RAW");
    }

    private static void assertOk(Result r) {
        assertEquals(0, r.exit(), () -> "exit " + r.exit() + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
    }

    private void assertNothingLeft() throws Exception {
        Result l = t.jrunc("list", "-q");
        assertEquals("", l.out().trim(), "a refused create left a container behind");
    }

    // ------------------------------------------------------------------ capabilities

    @Test
    void eachCapabilitySetIsExactlyAsConfiguredBeforeExec() throws Exception {
        Bundle b = t.bundle("sleep", "30");
        caps(b);
        String id = t.create(b);
        try {
            // The last stage has applied the sets and waits for start: read them from the host.
            String status = Files.readString(Path.of("/proc/" + t.pid(id) + "/status"));
            assertEquals("0000000000202021", statusField(status, "CapBnd"));
            assertEquals("0000000000000001", statusField(status, "CapEff"));
            assertEquals("0000000000002001", statusField(status, "CapPrm"));
            assertEquals("0000000000002020", statusField(status, "CapInh"));
            assertEquals("0000000000002000", statusField(status, "CapAmb"));
        } finally {
            t.jrunc("delete", "-f", id);
        }
    }

    @Test
    void capabilitiesOfANonRootProgramAfterExec() throws Exception {
        Bundle b = t.bundle();
        b.sh("grep -E '^Cap' /proc/self/status");
        caps(b);
        ObjectNode user = b.process().putObject("user");
        user.put("uid", 1000).put("gid", 1000);
        Result r = t.run(b);
        assertOk(r);
        // execve of a file without file capabilities by a non-root user: permitted and effective
        // become the ambient set; inheritable and bounding carry over.
        assertEquals("0000000000202021", statusField(r.out(), "CapBnd"));
        assertEquals("0000000000002020", statusField(r.out(), "CapInh"));
        assertEquals("0000000000002000", statusField(r.out(), "CapAmb"));
        assertEquals("0000000000002000", statusField(r.out(), "CapPrm"));
        assertEquals("0000000000002000", statusField(r.out(), "CapEff"));
    }

    @Test
    void capabilitiesOfRootAfterExec() throws Exception {
        Bundle b = t.bundle();
        b.sh("grep -E '^Cap' /proc/self/status");
        caps(b);
        b.process().put("noNewPrivileges", false);
        Result r = t.run(b);
        assertOk(r);
        // root execs with the full file sets: permitted = bounding | inheritable, all effective
        assertEquals("0000000000202021", statusField(r.out(), "CapBnd"));
        assertEquals("0000000000202021", statusField(r.out(), "CapEff"));
        assertEquals("0000000000202021", statusField(r.out(), "CapPrm"));
        assertEquals("0000000000002020", statusField(r.out(), "CapInh"));

        // with no_new_privs the exec cannot gain: permitted stays exactly the configured set
        b.process().put("noNewPrivileges", true);
        r = t.run(b);
        assertOk(r);
        assertEquals("0000000000202021", statusField(r.out(), "CapBnd"));
        assertEquals("0000000000002001", statusField(r.out(), "CapPrm"));
        assertEquals("0000000000002001", statusField(r.out(), "CapEff"));
        assertEquals("0000000000002020", statusField(r.out(), "CapInh"));
    }

    @Test
    void unknownCapabilityIsAnErrorNamingIt() throws Exception {
        Bundle b = t.bundle("true");
        caps(b);
        ((ArrayNode) b.process().get("capabilities").get("permitted")).add("CAP_NOT_A_CAP");
        Result r = t.run(b);
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("CAP_NOT_A_CAP") && r.err().contains("$.process.capabilities.permitted[2]"), r.err());
        assertNothingLeft();
    }

    // ------------------------------------------------------------------ process attributes

    @Test
    void userGroupsUmaskOomScoreNoNewPrivsAndRlimits() throws Exception {
        Bundle b = t.bundle();
        b.sh("grep -E '^(Uid|Gid|Groups|NoNewPrivs):' /proc/self/status; echo umask=$(umask);"
                + " echo oom=$(cat /proc/self/oom_score_adj); echo soft=$(ulimit -Sn) hard=$(ulimit -Hn);"
                + " echo core=$(ulimit -Sc)/$(ulimit -Hc)");
        ObjectNode user = b.process().putObject("user");
        user.put("uid", 1000).put("gid", 1001).put("umask", 027);
        user.putArray("additionalGids").add(10).add(20);
        b.process().put("oomScoreAdj", 123).put("noNewPrivileges", true);
        ArrayNode rl = b.process().putArray("rlimits");
        rl.addObject().put("type", "RLIMIT_NOFILE").put("soft", 512).put("hard", 1000);
        rl.addObject().put("type", "RLIMIT_CORE").put("soft", 4096).put("hard", 8192);
        Result r = t.run(b);
        assertOk(r);
        assertTrue(statusField(r.out(), "Uid").startsWith("1000\t1000\t1000"), r.out());
        assertTrue(statusField(r.out(), "Gid").startsWith("1001\t1001\t1001"), r.out());
        assertEquals("10 20", statusField(r.out(), "Groups"));
        assertEquals("1", statusField(r.out(), "NoNewPrivs"));
        assertTrue(r.out().contains("umask=0027"), r.out());
        assertTrue(r.out().contains("oom=123"), r.out());
        assertTrue(r.out().contains("soft=512 hard=1000"), r.out());
        // busybox ash counts ulimit -c in 512-byte blocks
        assertTrue(r.out().contains("core=8/16"), r.out());
    }

    @Test
    void noNewPrivilegesFalseLeavesTheBitClear() throws Exception {
        Bundle b = t.bundle();
        b.sh("grep NoNewPrivs /proc/self/status");
        b.process().put("noNewPrivileges", false);
        Result r = t.run(b);
        assertOk(r);
        assertEquals("0", statusField(r.out(), "NoNewPrivs"));
    }

    @Test
    void hardLimitTheInitCannotSetIsRefusedBeforeAnythingIsCreated() throws Exception {
        long nrOpen = Long.parseLong(Files.readString(Path.of("/proc/sys/fs/nr_open")).trim());
        Bundle b = t.bundle("true");
        ObjectNode lim = b.process().putArray("rlimits").addObject();
        lim.put("type", "RLIMIT_NOFILE");
        lim.put("soft", 1024L);
        lim.put("hard", Math.max(nrOpen, 1L << 40) + 1);
        Result r = t.run(b);
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("RLIMIT_NOFILE") && r.err().contains("$.process.rlimits[0].hard"), r.err());
        assertNothingLeft();
    }

    @Test
    void hardLimitAboveTheRuntimesOwnIsRefusedInANewUserNamespace() throws Exception {
        String limits = Files.readString(Path.of("/proc/self/limits"));
        String line = Arrays.stream(limits.split("\n")).filter(l -> l.startsWith("Max processes")).findFirst().orElseThrow();
        String hard = line.substring(26).trim().split("\\s+")[1];
        org.junit.jupiter.api.Assumptions.assumeFalse(hard.equals("unlimited"));
        Bundle b = t.bundle("true");
        userNamespace(b);
        b.process().putArray("rlimits").addObject().put("type", "RLIMIT_NPROC").put("soft", 10)
                .put("hard", Long.parseLong(hard) + 1);
        Result r = t.run(b);
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("RLIMIT_NPROC") && r.err().contains("hard limit"), r.err());
        assertNothingLeft();
    }

    private static void userNamespace(Bundle b) {
        b.addNamespace("user", null);
        for (String f : List.of("uidMappings", "gidMappings")) {
            b.linux().putArray(f).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
        }
    }

    @Test
    void additionalGidsInAUserNamespace() throws Exception {
        Bundle b = t.bundle();
        b.sh("grep -E '^(Groups|Gid):' /proc/self/status; cat /proc/self/setgroups");
        userNamespace(b);
        b.process().putObject("user").put("uid", 0).put("gid", 0).putArray("additionalGids").add(10).add(11);
        Result r = t.run(b);
        assertOk(r);
        assertEquals("10 11", statusField(r.out(), "Groups"));
        assertTrue(r.out().contains("allow"), r.out());
    }

    /**
     * The container's process gets its scheduler, I/O priority and personality; not
     * execCPUAffinity, which config.md says is not for the init (only exec'd processes: ExecIT).
     */
    @Test
    void schedulerIoPriorityAndPersonalityButNotExecCpuAffinity() throws Exception {
        Bundle b = t.bundle();
        // /proc/self/stat: field 19 nice, 41 policy; SCHED_BATCH is 3.
        b.sh("cut -d' ' -f19,41 /proc/self/stat; ionice; uname -m; grep Cpus_allowed_list /proc/self/status");
        b.process().putObject("scheduler").put("policy", "SCHED_BATCH").put("nice", 7);
        b.process().putObject("ioPriority").put("class", "IOPRIO_CLASS_BE").put("priority", 3);
        b.linux().putObject("personality").put("domain", "LINUX32");
        b.process().putObject("execCPUAffinity").put("initial", "0").put("final", "0");
        Result r = t.run(b);
        assertOk(r);
        List<String> lines = r.out().lines().toList();
        assertEquals("7 3", lines.get(0));
        assertEquals("best-effort: prio 3", lines.get(1));
        assertEquals("i686", lines.get(2));
        // the CPUs jrunc (started by this test) may use, not execCPUAffinity's
        assertEquals(statusField(Files.readString(Path.of("/proc/self/status")), "Cpus_allowed_list"),
                statusField(r.out(), "Cpus_allowed_list"));
    }

    @Test
    void idleSchedulerAndIdleIoClass() throws Exception {
        Bundle b = t.bundle();
        // field 41 policy: SCHED_IDLE = 5
        b.sh("cut -d' ' -f41 /proc/self/stat; ionice");
        b.process().putObject("scheduler").put("policy", "SCHED_IDLE");
        b.process().putObject("ioPriority").put("class", "IOPRIO_CLASS_IDLE").put("priority", 0);
        Result r = t.run(b);
        assertOk(r);
        assertEquals(List.of("5", "idle"), r.out().lines().toList());
    }

    @Test
    void realtimeSchedulerIsSetOrItsFailureNamed() throws Exception {
        Bundle b = t.bundle();
        // field 40 rt_priority, 41 policy: SCHED_RR = 2
        b.sh("cut -d' ' -f40,41 /proc/self/stat");
        b.process().putObject("scheduler").put("policy", "SCHED_RR").put("priority", 10);
        Result r = t.run(b);
        if (r.exit() == 0) {
            assertEquals("10 2", r.out().trim());
        } else {
            // a cgroup without real-time runtime (CONFIG_RT_GROUP_SCHED) refuses RT policies
            assertTrue(r.err().contains("sched_setattr(policy 2") && r.err().contains("priority 10"), r.err());
            assertNothingLeft();
        }
    }

    @Test
    void invalidSchedulerIsRefusedNamingTheField() throws Exception {
        Bundle b = t.bundle("true");
        b.process().putObject("scheduler").put("policy", "SCHED_OTHER").put("priority", 5);
        Result r = t.run(b);
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("$.process.scheduler.priority"), r.err());
        b.process().putObject("scheduler").put("policy", "SCHED_NOPE");
        r = t.run(b);
        assertTrue(r.err().contains("$.process.scheduler.policy"), r.err());
        assertNothingLeft();
    }

    @Test
    void appArmorProfileWithoutAppArmorIsAnErrorAsInRunc() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/sys/kernel/security/apparmor")));
        Bundle b = t.bundle("true");
        b.process().put("apparmorProfile", "some-profile");
        Result r = t.run(b);
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("$.process.apparmorProfile") && r.err().contains("AppArmor is not enabled"), r.err());
        assertNothingLeft();
    }

    @Test
    void selinuxLabelWithoutSelinuxIsAnErrorAndMountLabelIsIgnored() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/sys/fs/selinux/enforce")));
        Bundle b = t.bundle("true");
        b.process().put("selinuxLabel", "system_u:system_r:container_t:s0");
        Result r = t.run(b);
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("$.process.selinuxLabel"), r.err());
        b.process().remove("selinuxLabel");
        b.linux().put("mountLabel", "system_u:object_r:container_file_t:s0");
        assertOk(t.run(b));
    }

    // ------------------------------------------------------------------ paths and sysctl

    @Test
    void maskedPathsReadEmptyAndReadonlyPathsRefuseWrites() throws Exception {
        Bundle b = t.bundle();
        Path data = b.rootfs().resolve("data");
        Files.createDirectories(data.resolve("sdir"));
        Files.createDirectories(data.resolve("ro"));
        Files.writeString(data.resolve("secret"), "s3cret");
        Files.writeString(data.resolve("sdir/inner"), "x");
        ((ArrayNode) b.linux().get("maskedPaths")).add("/data/secret").add("/data/sdir");
        ((ArrayNode) b.linux().get("readonlyPaths")).add("/data/ro");
        b.sh("echo secret=[$(cat /data/secret)] sdir=$(ls -A /data/sdir | wc -l)"
                + " firmware=$(ls -A /sys/firmware | wc -l);"
                + " touch /data/ro/x 2>/dev/null && echo ro-written || echo ro-refused;"
                + " echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-written || echo sys-refused;"
                + " touch /data/rw && echo rw-ok");
        Result r = t.run(b);
        assertOk(r);
        assertTrue(r.out().contains("secret=[] sdir=0 firmware=0"), r.out());
        assertTrue(r.out().contains("ro-refused"), r.out());
        assertTrue(r.out().contains("sys-refused"), r.out());
        assertTrue(r.out().contains("rw-ok"), r.out());
        assertEquals("s3cret", Files.readString(data.resolve("secret")));
    }

    @Test
    void namespacedSysctlsAreSetAndReadBack() throws Exception {
        Bundle b = t.bundle();
        b.sh("cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname"
                + " /proc/sys/net/ipv4/ip_default_ttl /proc/sys/fs/mqueue/msg_max");
        ObjectNode s = b.linux().putObject("sysctl");
        s.put("kernel.shmmax", "123456789").put("net.ipv4.ip_forward", "1").put("kernel.domainname", "example.org")
                .put("net/ipv4/ip_default_ttl", "33").put("fs.mqueue.msg_max", "20");
        Result r = t.run(b);
        assertOk(r);
        assertEquals(List.of("123456789", "1", "example.org", "33", "20"), r.out().lines().toList());
    }

    private void assertSysctlRefused(Bundle b, String key, String value, String why) throws Exception {
        b.linux().putObject("sysctl").put(key, value);
        Result r = t.run(b);
        assertNotEquals(0, r.exit(), key);
        assertTrue(r.err().contains(key) && r.err().contains(why), r.err());
        assertNothingLeft();
    }

    @Test
    void sysctlsOutsideTheContainersNamespacesAreRefused() throws Exception {
        assertSysctlRefused(t.bundle("true"), "vm.swappiness", "10", "not in a separate kernel namespace");
        assertSysctlRefused(t.bundle("true"), "kernel.hostname", "x", "conflicts with $.hostname");
        assertSysctlRefused(t.bundle("true").removeNamespace("ipc"), "kernel.shmmax", "1", "IPC namespace");
        assertSysctlRefused(t.bundle("true").removeNamespace("network"), "net.ipv4.ip_forward", "1", "network namespace");
        assertSysctlRefused(t.bundle("true").addNamespace("network", "/proc/self/ns/net"),
                "net.ipv4.ip_forward", "1", "network namespace");
        Bundle noUts = t.bundle("true").removeNamespace("uts");
        noUts.config.remove("hostname");
        assertSysctlRefused(noUts, "kernel.domainname", "x",
                "not in a separate kernel namespace");
    }

    // ------------------------------------------------------------------ known escapes

    @Test
    void createdInitIsASealedCopyAndNotReachableFromTheContainer() throws Exception {
        Path helper = SecurityTestSupport.PROJECT.resolve("target/jrunc-nsexec");
        Path jar = SecurityTestSupport.PROJECT.resolve("target/jrunc.jar");
        byte[] helperBefore = Files.readAllBytes(helper);
        byte[] jarBefore = Files.readAllBytes(jar);
        Bundle a = t.bundle("sleep", "60");
        String id = t.create(a);
        try {
            int pid = t.pid(id);
            assertTrue(Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString().startsWith("/memfd:"),
                    "the last stage runs from a sealed memfd");
            Bundle b = t.bundle();
            b.addNamespace("pid", "/proc/" + pid + "/ns/pid");
            b.sh("cat /proc/1/cmdline >/dev/null && echo SAW-INIT;"
                    + " echo x > /proc/1/exe 2>/dev/null && echo WROTE-EXE;"
                    + " cat /proc/1/exe > /dev/null 2>&1 && echo READ-EXE;"
                    + " cat /proc/1/environ > /dev/null 2>&1 && echo READ-ENV;"
                    + " readlink /proc/1/fd/0 > /dev/null 2>&1 && echo READ-FD-LINK;"
                    + " cat /proc/1/maps > /dev/null 2>&1 && echo READ-MAPS;"
                    + " ls /proc/1/root/ > /dev/null 2>&1 && echo LIST-ROOT; true");
            Result r = t.run(b);
            assertOk(r);
            assertTrue(r.out().contains("SAW-INIT"), "the second container sees the first's init: " + r.out());
            for (String bad : List.of("WROTE-EXE", "READ-EXE", "READ-ENV", "READ-FD-LINK", "READ-MAPS", "LIST-ROOT")) {
                assertFalse(r.out().contains(bad), bad + ": " + r.out());
            }
            // Even the host's root, which may open it, cannot write the sealed copy.
            IOException e = assertThrows(IOException.class,
                    () -> Files.write(Path.of("/proc/" + pid + "/exe"), new byte[] {1}, java.nio.file.StandardOpenOption.WRITE));
            assertNotNull(e);
        } finally {
            t.jrunc("delete", "-f", id);
        }
        assertArrayEquals(helperBefore, Files.readAllBytes(helper));
        assertArrayEquals(jarBefore, Files.readAllBytes(jar));
    }

    @Test
    void onlyStdioReachesTheContainer() throws Exception {
        Bundle b = t.bundle("ls", "/proc/self/fd");
        Result r = t.run(b);
        assertOk(r);
        // ls's own directory fd is 3
        assertEquals(List.of("0", "1", "2", "3"), r.out().lines().toList());
    }

    @Test
    void preserveFdsPassesExactlyThatMany() throws Exception {
        Bundle b = t.bundle("ls", "/proc/self/fd");
        b.save();
        String id = t.newId();
        Result r = SecurityTestSupport.exec(List.of("/bin/sh", "-c", "exec 3</dev/null 4</dev/null 5</dev/null; exec \"$0\" --root \"$1\" run --preserve-fds 2 -b \"$2\" \"$3\"",
                SecurityTestSupport.JRUNC.toString(), t.root.toString(), b.dir.toString(), id), null);
        t.jrunc("delete", "-f", id);
        assertOk(r);
        assertEquals(List.of("0", "1", "2", "3", "4", "5"), r.out().lines().toList());
    }

    @Test
    void cwdThroughALeakedHostDirectoryFdIsRefused() throws Exception {
        Bundle b = t.bundle("sh", "-c", "pwd; ls");
        b.process().put("cwd", "/proc/self/fd/3");
        b.save();
        String id = t.newId();
        Result r = SecurityTestSupport.exec(List.of("/bin/sh", "-c", "exec 3</etc; exec \"$0\" --root \"$1\" run --preserve-fds 1 -b \"$2\" \"$3\"",
                SecurityTestSupport.JRUNC.toString(), t.root.toString(), b.dir.toString(), id), null);
        t.jrunc("delete", "-f", id);
        assertNotEquals(0, r.exit(), r.all());
        assertFalse(r.out().contains("passwd"), "the container listed the host's /etc: " + r.out());
        assertTrue(r.err().contains("outside the container's root"), r.err());
    }

    @Test
    void mountDestinationThroughASymlinkStaysInsideTheRootfs() throws Exception {
        Bundle b = t.bundle("cat", "/etc/jrunc-sec-mark");
        Files.createSymbolicLink(b.rootfs().resolve("evil"), Path.of("/etc"));
        Path src = tmp.resolve("mark");
        Files.writeString(src, "inside\n");
        ObjectNode m = ((ArrayNode) b.config.get("mounts")).addObject();
        m.put("destination", "/evil/jrunc-sec-mark").put("type", "bind").put("source", src.toString());
        m.putArray("options").add("bind").add("ro");
        Result r = t.run(b);
        assertOk(r);
        assertEquals("inside", r.out().trim());
        assertFalse(Files.exists(Path.of("/etc/jrunc-sec-mark")), "the mount went to the host's /etc");
        assertTrue(Files.exists(b.rootfs().resolve("etc/jrunc-sec-mark")));
    }

    @Test
    void procAndSysMountsOnPlantedSymlinksAreRefused() throws Exception {
        for (String target : List.of("proc", "sys")) {
            Bundle b = t.bundle("true");
            Files.delete(b.rootfs().resolve(target));
            Files.createDirectories(b.rootfs().resolve("tmp/elsewhere"));
            Files.createSymbolicLink(b.rootfs().resolve(target), Path.of("/tmp/elsewhere"));
            Result r = t.run(b);
            assertNotEquals(0, r.exit(), target);
            assertTrue(r.err().contains("/" + target) && r.err().contains("symlink"), r.err());
            assertNothingLeft();
        }
    }

    // ------------------------------------------------------------------ seccomp

    private static ObjectNode seccomp(Bundle b, String defaultAction) {
        ObjectNode s = b.linux().putObject("seccomp");
        s.put("defaultAction", defaultAction);
        s.putArray("architectures").add("SCMP_ARCH_X86_64");
        s.putArray("syscalls");
        return s;
    }

    private static ObjectNode rule(ObjectNode seccomp, String action, String... syscalls) {
        ObjectNode r = ((ArrayNode) seccomp.get("syscalls")).addObject();
        ArrayNode n = r.putArray("names");
        for (String s : syscalls) n.add(s);
        r.put("action", action);
        return r;
    }

    @Test
    void blockedSyscallReturnsTheConfiguredErrno() throws Exception {
        Bundle b = t.bundle();
        b.sh("mkdir /tmp/a 2>&1; touch /tmp/b && echo touched");
        rule(seccomp(b, "SCMP_ACT_ALLOW"), "SCMP_ACT_ERRNO", "mkdir", "mkdirat").put("errnoRet", 122);
        Result r = t.run(b);
        assertOk(r);
        assertTrue(r.out().contains("Disk quota exceeded"), r.out()); // EDQUOT = 122
        assertTrue(r.out().contains("touched"), r.out());
    }

    @Test
    void argumentFilterBlocksOnlyTheFilteredValue() throws Exception {
        Bundle b = t.bundle();
        b.sh("linux32 uname -m 2>&1; linux64 uname -m 2>&1");
        ObjectNode r = rule(seccomp(b, "SCMP_ACT_ALLOW"), "SCMP_ACT_ERRNO", "personality");
        r.put("errnoRet", 1);
        r.putArray("args").addObject().put("index", 0).put("value", 8).put("op", "SCMP_CMP_EQ"); // PER_LINUX32
        Result res = t.run(b);
        assertOk(res);
        List<String> lines = res.out().lines().toList();
        assertTrue(lines.get(0).contains("Operation not permitted"), res.out());
        assertEquals("x86_64", lines.get(1));
    }

    @Test
    void killActionKillsWithSigsys() throws Exception {
        Bundle b = t.bundle("mkdir", "/tmp/a");
        rule(seccomp(b, "SCMP_ACT_ALLOW"), "SCMP_ACT_KILL", "mkdir", "mkdirat");
        Result r = t.run(b);
        assertEquals(128 + 31, r.exit(), r.all());
    }

    @Test
    void defaultErrnoRetAppliesToEverySyscallNotListed() throws Exception {
        Bundle b = t.bundle();
        b.sh("unshare -m true 2>&1; echo done");
        ObjectNode s = (ObjectNode) SecurityTestSupport.seccompOf("containerd-ctr-run-seccomp.json").deepCopy();
        s.put("defaultErrnoRet", 95); // EOPNOTSUPP
        b.linux().set("seccomp", s);
        Result r = t.run(b);
        assertOk(r);
        assertTrue(r.out().contains("Not supported") || r.out().contains("Operation not supported"), r.out());
    }

    /** x86_64 syscalls numbered 434 and up (pidfd_open onwards), but faccessat2 (439). */
    private static final java.util.Set<String> NEWER_THAN_433 = java.util.Set.of("pidfd_open", "clone3",
            "close_range", "openat2", "pidfd_getfd", "process_madvise", "epoll_pwait2", "mount_setattr",
            "quotactl_fd", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
            "process_mrelease", "futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2",
            "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue", "statmount", "listmount",
            "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal");

    @Test
    void syscallsNewerThanTheProfileAndAnUnnamedClone3GetEnosys() throws Exception {
        Bundle b = t.bundle("/probe", "434", "435", "439", "440");
        ExecTestSupport.compileStatic("syscall-probe.c", b.rootfs(), "probe");
        // containerd's profile without any syscall numbered above 433 but faccessat2 (439)
        ObjectNode s = (ObjectNode) SecurityTestSupport.seccompOf("containerd-ctr-run-seccomp.json").deepCopy();
        ArrayNode rules = (ArrayNode) s.get("syscalls");
        for (int i = rules.size() - 1; i >= 0; i--) {
            ArrayNode names = (ArrayNode) rules.get(i).get("names");
            for (int n = names.size() - 1; n >= 0; n--) {
                if (NEWER_THAN_433.contains(names.get(n).asText())) names.remove(n);
            }
            if (names.isEmpty()) rules.remove(i);
        }
        b.linux().set("seccomp", s);
        Result r = t.run(b);
        assertOk(r);
        List<String> lines = r.out().lines().toList();
        assertEquals("434=1", lines.get(0), r.out()); // pidfd_open: older than faccessat2, unlisted: EPERM
        assertEquals("435=38", lines.get(1), r.out()); // clone3, unnamed: ENOSYS, so glibc falls back to clone
        assertEquals("439=14", lines.get(2), r.out()); // faccessat2 allowed: the kernel's EFAULT for the NULL path
        assertEquals("440=38", lines.get(3), r.out()); // process_madvise: newer than the profile: ENOSYS
    }

    @Test
    void engineProfilesRunBusybox() throws Exception {
        for (String fixture : List.of("containerd-ctr-run-seccomp.json", "podman-run.json")) {
            Bundle b = t.bundle();
            b.sh("grep -E '^Seccomp:' /proc/self/status; ls / >/dev/null && echo ls-ok; date >/dev/null && echo date-ok;"
                    + " echo hi > /tmp/f && cat /tmp/f; hostname other 2>&1; true");
            b.linux().set("seccomp", SecurityTestSupport.seccompOf(fixture).deepCopy());
            Result r = t.run(b);
            assertOk(r);
            assertTrue(r.out().contains("Seccomp:\t2"), fixture + ": " + r.out());
            assertTrue(r.out().contains("ls-ok") && r.out().contains("date-ok") && r.out().contains("hi"), r.out());
            assertTrue(r.out().contains("sethostname: Operation not permitted"), fixture + ": " + r.out());
        }
    }

    @Test
    void podmanProfileDeniesWhatItLists() throws Exception {
        Bundle b = t.bundle();
        b.sh("hostname other 2>&1 && hostname; true");
        // With CAP_SYS_ADMIN the container may set its hostname; podman's profile still denies it.
        for (String set : List.of("bounding", "effective", "permitted")) {
            ((ArrayNode) b.process().get("capabilities").get(set)).add("CAP_SYS_ADMIN");
        }
        Result without = t.run(b);
        assertOk(without);
        assertEquals("other", without.out().trim());
        b.linux().set("seccomp", SecurityTestSupport.seccompOf("podman-run.json").deepCopy());
        Result r = t.run(b);
        assertOk(r);
        assertTrue(r.out().contains("sethostname: Operation not permitted"), r.out());
    }

    /** x86_64 numbers: getcwd, close_range, and the stat and access families. */
    private static final List<String> STAT_AND_ACCESS = List.of("stat", "lstat", "newfstatat", "statx", "access",
            "faccessat", "faccessat2");

    @Test
    void nothingJruncDoesAfterTheFilterCanBeDeniedByIt() throws Exception {
        for (boolean nnp : List.of(true, false)) {
            // getcwd (the cwd check), close_range, stat and access (finding the program): the
            // program sees them fail (EPERM = 1); the kernel would say EFAULT or EINVAL.
            Bundle b = t.bundle("/probe", "79", "436", "4", "21", "262", "269");
            ExecTestSupport.compileStatic("syscall-probe.c", b.rootfs(), "probe");
            b.process().put("noNewPrivileges", nnp);
            ObjectNode s = seccomp(b, "SCMP_ACT_ALLOW");
            rule(s, "SCMP_ACT_ERRNO", "getcwd", "close_range").put("errnoRet", 1);
            rule(s, "SCMP_ACT_ERRNO", STAT_AND_ACCESS.toArray(String[]::new)).put("errnoRet", 1);
            Result r = t.run(b);
            assertOk(r);
            assertEquals(List.of("79=1", "436=1", "4=1", "21=1", "262=1", "269=1"), r.out().lines().toList(),
                    "noNewPrivileges " + nnp);

            // write: the program cannot write, but starts (the exec fifo is written before the filter)
            Bundle w = t.bundle("sh", "-c", "echo x > /dev/null && exit 3 || exit 4");
            w.process().put("noNewPrivileges", nnp);
            rule(seccomp(w, "SCMP_ACT_ALLOW"), "SCMP_ACT_ERRNO", "write", "writev", "pwrite64").put("errnoRet", 1);
            Result wr = t.run(w);
            assertEquals(4, wr.exit(), "noNewPrivileges " + nnp + ": " + wr.all());
        }
    }

    @Test
    void execIntoAContainerWhoseFilterDeniesGetcwdAndStat() throws Exception {
        Bundle b = t.bundle("sleep", "1000");
        ExecTestSupport.compileStatic("syscall-probe.c", b.rootfs(), "probe");
        b.process().put("noNewPrivileges", false);
        ObjectNode s = seccomp(b, "SCMP_ACT_ALLOW");
        rule(s, "SCMP_ACT_ERRNO", "getcwd", "close_range").put("errnoRet", 1);
        rule(s, "SCMP_ACT_ERRNO", STAT_AND_ACCESS.toArray(String[]::new)).put("errnoRet", 1);
        String id = t.create(b);
        try {
            assertOk(t.jrunc("start", id));
            Result r = t.jrunc("exec", "--cwd", "/tmp", id, "/probe", "79", "4");
            assertOk(r);
            assertEquals(List.of("79=1", "4=1"), r.out().lines().toList());
        } finally {
            t.jrunc("delete", "-f", id);
        }
    }

    @Test
    void notifyOnWhatJruncUsedToCallReachesTheAgentOnlyFromTheProgram() throws Exception {
        for (boolean nnp : List.of(true, false)) {
            Path sockPath = tmp.resolve("agent-" + nnp + ".sock");
            try (SeccompAgent agent = SeccompAgent.listen(sockPath)) {
                Bundle b = t.bundle("/probe", "79", "436", "4", "21");
                ExecTestSupport.compileStatic("syscall-probe.c", b.rootfs(), "probe");
                b.process().put("noNewPrivileges", nnp);
                ObjectNode s = seccomp(b, "SCMP_ACT_ALLOW");
                s.put("listenerPath", sockPath.toString());
                List<String> notified = new java.util.ArrayList<>(List.of("getcwd", "close_range", "write", "writev"));
                notified.addAll(STAT_AND_ACCESS);
                rule(s, "SCMP_ACT_NOTIFY", notified.toArray(String[]::new));
                // The agent fails the probe's four calls with EXDEV (18) and lets everything else run.
                java.util.concurrent.CompletableFuture<List<Integer>> seen = new java.util.concurrent.CompletableFuture<>();
                Thread.ofPlatform().start(() -> {
                    try {
                        SeccompAgent.Received got = agent.accept();
                        seen.complete(SeccompAgent.answerAll(got.fd(), java.util.Map.of(79, 18, 436, 18, 4, 18, 21, 18)));
                    } catch (Throwable e) {
                        seen.completeExceptionally(e);
                    }
                });
                Result r = t.run(b);
                assertOk(r);
                assertEquals(List.of("79=18", "436=18", "4=18", "21=18"), r.out().lines().toList(), "nnp " + nnp);
                List<Integer> calls = seen.get(30, java.util.concurrent.TimeUnit.SECONDS);
                // The first notification is the program's getcwd: jrunc made none of these calls
                // once the filter was on.
                assertEquals(79, calls.getFirst(), "notified: " + calls);
            }
        }
    }

    @Test
    void notifyWorksForExecToo() throws Exception {
        Path sockPath = tmp.resolve("exec-agent.sock");
        try (SeccompAgent agent = SeccompAgent.listen(sockPath)) {
            Bundle b = t.bundle("sleep", "1000");
            ObjectNode s = seccomp(b, "SCMP_ACT_ALLOW");
            s.put("listenerPath", sockPath.toString()).put("listenerMetadata", "exec-meta");
            rule(s, "SCMP_ACT_NOTIFY", "mkdir", "mkdirat");
            // One connection per process: the init's (no notification comes), then the exec's.
            java.util.concurrent.CompletableFuture<SeccompAgent.Received> init = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<SeccompAgent.Received> exec = new java.util.concurrent.CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    init.complete(agent.accept());
                    SeccompAgent.Received got = agent.accept();
                    exec.complete(got);
                    SeccompAgent.answerOne(got.fd(), -18);
                } catch (Throwable e) {
                    init.completeExceptionally(e);
                    exec.completeExceptionally(e);
                }
            });
            String id = t.create(b);
            try {
                assertOk(t.jrunc("start", id));
                init.get(30, java.util.concurrent.TimeUnit.SECONDS);
                Result r = t.jrunc("exec", id, "sh", "-c", "mkdir /tmp/e 2>&1; echo pid=$$");
                assertOk(r);
                assertTrue(r.out().contains("Invalid cross-device link"), r.out());
                SeccompAgent.Received got = exec.get(30, java.util.concurrent.TimeUnit.SECONDS);
                JsonNode state = JSON.readTree(got.payload());
                assertEquals("seccompFd", state.get("fds").get(0).asText());
                assertEquals("exec-meta", state.get("metadata").asText());
                assertEquals(id, state.get("state").get("id").asText());
                assertEquals("running", state.get("state").get("status").asText());
                assertEquals(t.pid(id), state.get("state").get("pid").asInt());
                // the exec'd process's own (host) pid, not the init's
                assertNotEquals(t.pid(id), state.get("pid").asInt());
                assertFalse(Files.exists(b.rootfs().resolve("tmp/e")));
            } finally {
                t.jrunc("delete", "-f", id);
            }
        }
    }

    @Test
    void notifyHandsTheListenerToTheAgentWithTheProcessState() throws Exception {
        Path sockPath = tmp.resolve("agent.sock");
        try (SeccompAgent agent = SeccompAgent.listen(sockPath)) {
            Bundle b = t.bundle();
            b.sh("mkdir /tmp/n 2>&1; echo after");
            ObjectNode s = seccomp(b, "SCMP_ACT_ALLOW");
            s.put("listenerPath", sockPath.toString()).put("listenerMetadata", "meta-42");
            rule(s, "SCMP_ACT_NOTIFY", "mkdir", "mkdirat");
            // The runtime connects at create; the listener comes once the filter is on, just
            // before the program runs (`start`). The agent answers one notification: EXDEV (18).
            java.util.concurrent.CompletableFuture<SeccompAgent.Received> received = new java.util.concurrent.CompletableFuture<>();
            Thread agentThread = Thread.ofPlatform().start(() -> {
                try {
                    SeccompAgent.Received got = agent.accept();
                    received.complete(got);
                    SeccompAgent.answerOne(got.fd(), -18);
                } catch (Throwable e) {
                    received.completeExceptionally(e);
                }
            });
            String id = t.create(b);
            try {
                int pid = t.pid(id);
                Result start = t.jrunc("start", id);
                assertOk(start);
                SeccompAgent.Received got = received.get(30, java.util.concurrent.TimeUnit.SECONDS);
                JsonNode state = JSON.readTree(got.payload());
                assertEquals("seccompFd", state.get("fds").get(0).asText());
                assertEquals(pid, state.get("pid").asInt());
                assertEquals("meta-42", state.get("metadata").asText());
                assertEquals(id, state.get("state").get("id").asText());
                assertEquals("creating", state.get("state").get("status").asText());
                assertNotNull(state.get("ociVersion"));
                String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + got.fd())).toString();
                assertTrue(link.contains("seccomp"), link);
                agentThread.join(30_000);
                assertTrue(SeccompAgent.lastSyscall == 83 || SeccompAgent.lastSyscall == 258,
                        "the agent saw mkdir/mkdirat: " + SeccompAgent.lastSyscall);
                Path marker = b.rootfs().resolve("tmp/n");
                assertFalse(Files.exists(marker));
            } finally {
                t.jrunc("delete", "-f", id);
            }
        }
    }
}
