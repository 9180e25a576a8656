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
