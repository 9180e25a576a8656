package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * config.md "Process" and config-linux.md attributes applied to the process: capabilities,
 * noNewPrivileges, rlimits, oomScoreAdj, sysctl, maskedPaths and readonlyPaths.
 */
class ProcessIT extends ContainerTest {

    @Test
    void processAttributesFromInside() {
        Bundle b = bundle("b");
        b.process().put("oomScoreAdj", 123).put("noNewPrivileges", true);
        b.process().putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("soft", 512).put("hard", 1024);
        ObjectNode sysctl = b.linux().putObject("sysctl");
        sysctl.put("net.ipv4.ip_forward", "1");
        sysctl.put("kernel.shm_rmid_forced", "1");
        b.sh("grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status | tr -d ' \\t' | tr : =;"
                + "echo oom=$(cat /proc/self/oom_score_adj);"
                + "echo nofile=$(grep 'Max open files' /proc/self/limits | awk '{print $4\"/\"$5}');"
                + "echo ip_forward=$(cat /proc/sys/net/ipv4/ip_forward);"
                + "echo shm_rmid_forced=$(cat /proc/sys/kernel/shm_rmid_forced);"
                + "echo timer_list=$(wc -c < /proc/timer_list);"
                + "echo firmware=$(ls /sys/firmware | wc -l);"
                + "echo proc_sys=$(awk '$5 == \"/proc/sys\" {print $6}' /proc/self/mountinfo);"
                + "echo proc_irq=$(awk '$5 == \"/proc/irq\" {print $6}' /proc/self/mountinfo);"
                + "echo keys=$(wc -c < /proc/keys);"
                + "echo fds=$(ls /proc/self/fd | tr '\\n' ' ')");
        String id = newId("proc");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        // jrunc spec's default: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE everywhere but inheritable;
        // the kernel only raises ambient capabilities that are also inheritable, so none are (as with runc).
        String caps = "0000000020000420";
        assertFact(f, "CapBnd", caps);
        assertFact(f, "CapPrm", caps);
        assertFact(f, "CapEff", caps);
        assertFact(f, "CapAmb", "0000000000000000");
        assertFact(f, "CapInh", "0000000000000000");
        assertFact(f, "NoNewPrivs", "1");
        assertFact(f, "oom", "123");
        assertFact(f, "nofile", "512/1024");
        assertFact(f, "ip_forward", "1");
        assertFact(f, "shm_rmid_forced", "1");
        assertFact(f, "timer_list", "0");
        assertFact(f, "firmware", "0");
        assertFact(f, "keys", "0");
        // stdio, and ls's own directory fd: nothing of jrunc's (jars, sockets, the fifo) leaks in.
        assertFact(f, "fds", "0 1 2 3");
        assertTrue(f.get("proc_sys").startsWith("ro"), "readonlyPaths /proc/sys: " + f);
        assertTrue(f.get("proc_irq").startsWith("ro"), "readonlyPaths /proc/irq: " + f);
        assertNothingLeftBehind(id);
    }

    @Test
    void rlimitsBindTheProgramOnly() {
        // Set in the init JVM, RLIMIT_AS of 1 GiB killed it (ENOMEM); they are set just before execve.
        Bundle b = bundle("b");
        com.fasterxml.jackson.databind.node.ArrayNode rl = b.process().putArray("rlimits");
        rl.addObject().put("type", "RLIMIT_AS").put("soft", 1L << 30).put("hard", 1L << 30);
        rl.addObject().put("type", "RLIMIT_NOFILE").put("soft", 100).put("hard", 200);
        rl.addObject().put("type", "RLIMIT_NPROC").put("soft", 50).put("hard", 60);
        b.process().putObject("user").put("uid", 1000).put("gid", 1000);
        b.sh("grep -E '^Max (address space|open files|processes) ' /proc/self/limits"
                + " | sed -E 's/^Max ([a-z ]+[a-z]) +([0-9a-z]+) +([0-9a-z]+).*/\\1=\\2\\/\\3/'");
        String id = newId("rlimits");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertFact(f, "address space", (1L << 30) + "/" + (1L << 30));
        assertFact(f, "open files", "100/200");
        assertFact(f, "processes", "50/60");
        assertNothingLeftBehind(id);
    }

    @Test
    void aConfigWithoutMountsRuns() {
        // No /proc in the container: the last stage learns the last capability from the runtime.
        Bundle b = bundle("b");
        b.mounts().removeAll();
        b.sh("echo procfs=$(ls /proc | wc -l); echo hello");
        String id = newId("nomounts");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertFact(f, "procfs", "0");
        assertNothingLeftBehind(id);
    }

    @Test
    void aCwdOnlyRootCanReachWorksForAnotherUser() throws Exception {
        // The chdir comes before the uid change, as in runc; the program keeps that cwd.
        Bundle b = bundle("b");
        java.nio.file.Path secret = java.nio.file.Files.createDirectories(b.rootfs.resolve("secret"));
        java.nio.file.Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        b.process().put("cwd", "/secret");
        b.process().putObject("user").put("uid", 1000).put("gid", 1000);
        b.sh("echo cwd=$(pwd -P); echo uid=$(id -u); ls . >/dev/null 2>&1 && echo list=yes || echo list=no");
        String id = newId("cwd");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertFact(f, "cwd", "/secret");
        assertFact(f, "uid", "1000");
        assertFact(f, "list", "no");
        assertNothingLeftBehind(id);
    }

    @Test
    void ambientCapabilitiesSurviveANonRootUser() {
        Bundle b = bundle("b");
        b.process().putObject("user").put("uid", 1000).put("gid", 1000);
        ObjectNode caps = b.process().putObject("capabilities");
        for (String set : java.util.List.of("bounding", "effective", "permitted", "inheritable", "ambient")) {
            caps.putArray(set).add("CAP_NET_BIND_SERVICE");
        }
        b.sh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status | tr -d ' \\t' | tr : =; echo uid=$(id -u)");
        String id = newId("ambient");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertFact(f, "uid", "1000");
        for (String set : java.util.List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertFact(f, set, "0000000000000400");
        }
        assertNothingLeftBehind(id);
    }

    @Test
    void preserveFdsPassesExtraDescriptors() throws Exception {
        java.nio.file.Path file = tmp.resolve("passed.txt");
        java.nio.file.Files.writeString(file, "through-fd-3\n");
        Bundle b = bundle("b").sh("echo fd3=$(cat /proc/self/fd/3 <&3); echo fds=$(ls /proc/self/fd | tr '\\n' ' ')").save();
        String id = newId("preserve");
        String cmd = "exec 3<'" + file + "'; exec '" + Jrunc.binary() + "' --root '" + jrunc.root() + "' run --preserve-fds 1 --bundle '"
                + b.dir + "' " + id;
        Jrunc.Result r = jrunc.exec(java.util.List.of("sh", "-c", cmd), Jrunc.DEFAULT_TIMEOUT, null, null).assertOk();
        Map<String, String> f = facts(r.out());
        assertFact(f, "fd3", "through-fd-3");
        assertFact(f, "fds", "0 1 2 3 4");
        assertNothingLeftBehind(id);
    }
}
