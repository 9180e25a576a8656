package dev.jrunc.namespaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.RecordingSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NamespaceKindTest {
    /** The CLONE_NEW* values of <linux/sched.h>, by name. */
    private static final Map<String, Long> SCHED_H = Map.of(
            "CLONE_NEWTIME", 0x00000080L, "CLONE_NEWNS", 0x00020000L, "CLONE_NEWCGROUP", 0x02000000L,
            "CLONE_NEWUTS", 0x04000000L, "CLONE_NEWIPC", 0x08000000L, "CLONE_NEWUSER", 0x10000000L,
            "CLONE_NEWPID", 0x20000000L, "CLONE_NEWNET", 0x40000000L);

    /** config-linux.md type -> (proc entry, sched.h flag name), written out from the kernel and the spec. */
    private static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("user", List.of("user", "CLONE_NEWUSER"));
        EXPECTED.put("mount", List.of("mnt", "CLONE_NEWNS"));
        EXPECTED.put("pid", List.of("pid", "CLONE_NEWPID"));
        EXPECTED.put("network", List.of("net", "CLONE_NEWNET"));
        EXPECTED.put("ipc", List.of("ipc", "CLONE_NEWIPC"));
        EXPECTED.put("uts", List.of("uts", "CLONE_NEWUTS"));
        EXPECTED.put("cgroup", List.of("cgroup", "CLONE_NEWCGROUP"));
        EXPECTED.put("time", List.of("time", "CLONE_NEWTIME"));
    }

    @Test
    void everySpecTypeMapsToItsProcEntryAndCloneFlag() {
        assertEquals(EXPECTED.size(), NamespaceKind.values().length);
        for (var e : EXPECTED.entrySet()) {
            NamespaceKind kind = NamespaceKind.ofSpecName(e.getKey(), "$.t");
            assertEquals(e.getKey(), kind.specName());
            assertEquals(e.getValue().get(0), kind.procName(), e.getKey());
            assertEquals(SCHED_H.get(e.getValue().get(1)), kind.cloneFlag(), e.getKey());
        }
    }

    @Test
    void theFlagsAreTheInstalledKernelHeadersOwn() throws IOException {
        Path header = Path.of("/usr/include/linux/sched.h");
        assumeTrue(Files.isReadable(header), "no kernel headers installed");
        Map<String, Long> found = new TreeMap<>();
        Matcher m = Pattern.compile("#define\\s+(CLONE_NEW[A-Z]+)\\s+0x([0-9a-fA-F]+)").matcher(Files.readString(header));
        while (m.find()) found.put(m.group(1), Long.parseLong(m.group(2), 16));
        assertEquals(new TreeMap<>(SCHED_H), found);
    }

    @Test
    void flagsAndNamesAreDistinct() {
        long all = 0;
        for (NamespaceKind k : NamespaceKind.values()) {
            assertEquals(1, Long.bitCount(k.cloneFlag()), k + " is one flag");
            assertEquals(0, all & k.cloneFlag(), k + " shares a flag");
            all |= k.cloneFlag();
        }
        assertEquals(8, NamespaceKind.values().length);
        assertEquals(8, NamespaceKind.all().stream().map(NamespaceKind::procName).distinct().count());
    }

    @Test
    void specNamesRoundTrip() {
        for (NamespaceKind k : NamespaceKind.values()) {
            assertEquals(Optional.of(k), NamespaceKind.bySpecName(k.specName()));
            assertEquals(k, NamespaceKind.ofSpecName(k.specName(), "$.x"));
        }
        assertEquals(List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"), NamespaceKind.specNames());
    }

    @Test
    void procNamesAreNotSpecNames() {
        // "net" and "mnt" name /proc entries, not config-linux.md types; case matters too.
        for (String name : List.of("net", "mnt", "Network", "PID", "", "pid_for_children")) {
            assertTrue(NamespaceKind.bySpecName(name).isEmpty(), name);
        }
        assertTrue(NamespaceKind.bySpecName(null).isEmpty());
    }

    @Test
    void anUnknownTypeIsATypedErrorNamingTheField() {
        UnknownNamespaceTypeException e = assertThrows(UnknownNamespaceTypeException.class,
                () -> NamespaceKind.ofSpecName("net", "$.linux.namespaces[1].type"));
        assertEquals("$.linux.namespaces[1].type", e.field());
        assertEquals("net", e.type());
        assertEquals("$.linux.namespaces[1].type: unknown namespace type \"net\"", e.getMessage());
        assertTrue(e instanceof JruncException, "reported like every other jrunc error");
        UnknownNamespaceTypeException missing = assertThrows(UnknownNamespaceTypeException.class,
                () -> NamespaceKind.ofSpecName(null, "$.linux.namespaces[0].type"));
        assertEquals("$.linux.namespaces[0].type: unknown namespace type null", missing.getMessage());
    }

    @Test
    void theJoinOrderPutsTheUserNamespaceFirst() {
        // exec joins in this order: the user namespace decides what the other joins may do.
        assertEquals(List.of(NamespaceKind.USER, NamespaceKind.MOUNT, NamespaceKind.PID, NamespaceKind.NETWORK,
                NamespaceKind.IPC, NamespaceKind.UTS, NamespaceKind.CGROUP, NamespaceKind.TIME), NamespaceKind.all());
    }

    @Test
    void pathsAndLinks() throws IOException {
        assertEquals("/proc/42/ns/net", NamespaceKind.NETWORK.procPath(42));
        assertEquals(Path.of("/proc/self/ns/mnt"), NamespaceKind.MOUNT.ownPath());
        for (NamespaceKind k : NamespaceKind.values()) {
            Path own = Path.of("/proc/self/ns", k.procName());
            if (!Files.exists(own, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue; // a kernel without it
            String link = Files.readSymbolicLink(own).toString();
            assertEquals(link, k.ownLink());
            assertEquals(link, k.linkOf(ProcessHandle.current().pid()));
            assertTrue(link.startsWith(k.procName() + ":["), link);
        }
        assertNull(NamespaceKind.PID.linkOf(Integer.MAX_VALUE), "no such process");
    }

    @Test
    void openTakesTheProcEntryReadOnlyAndCloseOnExec() {
        RecordingSyscalls sys = new RecordingSyscalls().file("/proc/7/ns/net");
        int fd = NamespaceKind.NETWORK.open(sys, 7);
        assertTrue(fd >= 0);
        assertTrue(sys.calls().stream().anyMatch(c -> c.startsWith("open(\"/proc/7/ns/net\"") && c.contains("O_CLOEXEC")),
                sys.calls().toString());
    }

    /** The native helper names namespaces by their proc entry in --join and --join-fd: its table must agree. */
    @Test
    void theNativeHelpersTableAgrees() throws IOException {
        String c = Files.readString(Path.of("native-helpers/nsexec.c"));
        Matcher table = Pattern.compile("static int ns_type\\(const char \\*name\\) \\{(.*?)\\};", Pattern.DOTALL).matcher(c);
        assertTrue(table.find(), "nsexec.c has no ns_type table");
        Map<String, Long> helper = new TreeMap<>();
        Matcher entry = Pattern.compile("\\{\"([a-z]+)\", (CLONE_NEW[A-Z]+)\\}").matcher(table.group(1));
        while (entry.find()) helper.put(entry.group(1), SCHED_H.get(entry.group(2)));
        Map<String, Long> java = new TreeMap<>();
        for (NamespaceKind k : NamespaceKind.values()) java.put(k.procName(), k.cloneFlag());
        assertEquals(java, helper, "native-helpers/nsexec.c's ns_type and NamespaceKind disagree");
    }
}
