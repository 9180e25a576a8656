package dev.jrunc.namespaces;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.linux.Linux;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinedNamespacesTest {
    private static LinuxSpec joining(String type, String path) {
        List<LinuxSpec.Namespace> ns = new ArrayList<>();
        ns.add(new LinuxSpec.Namespace("pid", null));
        ns.add(new LinuxSpec.Namespace(type, path));
        return new LinuxSpec(ns, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void aNamespaceOfTheEntrysTypeIsAccepted() {
        RecordingSyscalls sys = new RecordingSyscalls().namespaceFile("/run/netns/a", Linux.CLONE_NEWNET);
        JoinedNamespaces.check(sys, joining("network", "/run/netns/a"));
        assertEquals(List.of("namespaceType(\"/run/netns/a\")"), sys.calls());
    }

    /** The check's refusal of the second entry (type, path), which must name that entry's path. */
    private static ConfigException refused(RecordingSyscalls sys, String type, String path) {
        ConfigException e = assertThrows(ConfigException.class, () -> JoinedNamespaces.check(sys, joining(type, path)));
        assertEquals("$.linux.namespaces[1].path", e.path());
        return e;
    }

    @Test
    void aFileThatIsNoNamespaceIsRefusedNamingTheEntry() {
        ConfigException e = refused(new RecordingSyscalls().file("/etc/hostname"), "network", "/etc/hostname");
        assertTrue(e.getMessage().endsWith("$.linux.namespaces[1].path: /etc/hostname is not a namespace"), e.getMessage());
    }

    @Test
    void aNamespaceOfAnotherTypeIsRefusedNamingBoth() {
        ConfigException e = refused(new RecordingSyscalls().namespaceFile("/proc/7/ns/ipc", Linux.CLONE_NEWIPC),
                "network", "/proc/7/ns/ipc");
        assertTrue(e.getMessage().contains("/proc/7/ns/ipc is a namespace of type ipc, not network"), e.getMessage());
    }

    @Test
    void aPathThatDoesNotOpenIsRefusedWithTheErrno() {
        ConfigException e = refused(new RecordingSyscalls(), "uts", "/proc/99999/ns/uts");
        assertTrue(e.getMessage().contains("cannot open /proc/99999/ns/uts") && e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void newNamespacesAreNotOpened() {
        RecordingSyscalls sys = new RecordingSyscalls();
        JoinedNamespaces.check(sys, joining("network", null));
        JoinedNamespaces.check(sys, joining("network", ""));
        JoinedNamespaces.check(sys, null);
        assertEquals(List.of(), sys.calls());
    }
}
