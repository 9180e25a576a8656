package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config-linux.md "Namespaces": new ones, joined ones, user mappings and time offsets. */
class NamespacesIT extends ContainerTest {
    private static final List<String> TYPES = List.of("pid", "net", "ipc", "uts", "mnt", "cgroup");

    private static String nsScript() {
        StringBuilder s = new StringBuilder();
        for (String t : TYPES) s.append("echo ns_").append(t).append("=$(readlink /proc/self/ns/").append(t).append(");");
        return s.toString();
    }

    @Test
    void newNamespacesAreNotTheHosts() {
        Bundle b = bundle("b").hostname("conformance-host").namespace("cgroup", null)
                .sh(nsScript()
                        + "echo mypid=$$; echo \"pid1=$(tr '\\0' ' ' < /proc/1/cmdline)\";"
                        + "echo procs=$(ls -d /proc/[0-9]* | wc -l);"
                        + "echo hostname=$(hostname);"
                        + "echo netdevs=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ');"
                        + "echo ipcs=$(cat /proc/sysvipc/shm | wc -l)");
        String id = newId("ns");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        for (String t : TYPES) {
            String inside = f.get("ns_" + t);
            assertTrue(inside != null && inside.startsWith(t + ":["), "ns " + t + " readable inside: " + f);
            assertNotEquals(hostNs(t), inside, "container has its own " + t + " namespace");
        }
        assertFact(f, "mypid", "1");
        assertTrue(f.get("pid1").startsWith("sh -c "), "PID 1 is the user's program: " + f);
        // sh, the $(...) subshell, ls and wc
                assertTrue(Integer.parseInt(f.get("procs")) <= 4, "only the container's processes are visible: " + f);
        assertFact(f, "hostname", "conformance-host");
        assertFact(f, "netdevs", "lo");
        assertNothingLeftBehind(id);
    }

    @Test
    void userNamespaceWithMappings() {
        Bundle b = bundle("b").namespace("user", null).idMappings(0, 100000, 65536)
                .sh("echo uidmap=$(cat /proc/self/uid_map); echo gidmap=$(cat /proc/self/gid_map);"
                        + " echo uid=$(id -u); echo ns_user=$(readlink /proc/self/ns/user);"
                        + " echo owner=$(stat -c %u:%g /bin/busybox); echo null=$(echo x > /dev/null && echo ok)");
        b.chownRootfs(100000, 100000);
        String id = newId("userns");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertEquals("0 100000 65536", f.get("uidmap").replaceAll("\\s+", " "), f.toString());
        assertEquals("0 100000 65536", f.get("gidmap").replaceAll("\\s+", " "), f.toString());
        assertFact(f, "uid", "0");
        assertFact(f, "owner", "0:0");
        assertFact(f, "null", "ok");
        assertNotEquals(hostNs("user"), f.get("ns_user"));
        assertNothingLeftBehind(id);
    }

    @Test
    void timeNamespaceOffsetsBoottime() throws Exception {
        long offset = 10 * 86400;
        Bundle b = bundle("b").namespace("time", null).sh("echo uptime=$(cut -d' ' -f1 /proc/uptime)");
        ObjectNode offsets = b.linux().putObject("timeOffsets");
        offsets.putObject("boottime").put("secs", offset).put("nanosecs", 0);
        offsets.putObject("monotonic").put("secs", 3600).put("nanosecs", 0);
        String id = newId("timens");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        double host = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        double inside = Double.parseDouble(f.get("uptime"));
        double diff = inside - host;
        assertTrue(diff > offset - 60 && diff < offset + 1, "inside uptime " + inside + " vs host " + host);
        assertNothingLeftBehind(id);
    }

    @Test
    void joinsAnExistingNetworkNamespaceByPath() throws Exception {
        Bundle first = bundle("first").args("sleep", "30");
        String holder = newId("netholder");
        Path pidFile = tmp.resolve("holder.pid");
        run(first, holder, "-d", "--pid-file", pidFile.toString()).assertOk();
        long pid = Long.parseLong(Jrunc.read(pidFile).trim());
        String holderNs = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")).toString();
        assertNotEquals(hostNs("net"), holderNs);

        Bundle second = bundle("second").namespace("network", "/proc/" + pid + "/ns/net")
                .sh("echo ns_net=$(readlink /proc/self/ns/net); echo ns_uts=$(readlink /proc/self/ns/uts)");
        String joiner = newId("netjoin");
        Map<String, String> f = facts(run(second, joiner).assertOk().out());
        assertFact(f, "ns_net", holderNs);
        assertNotEquals(Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/uts")).toString(), f.get("ns_uts"),
                "only the network namespace is shared");
        assertNothingLeftBehind(joiner);
    }
}
