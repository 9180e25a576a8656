package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CallerIdentityTest {
    private static final CallerIdentity ROOT = new CallerIdentity(0, 0, Map.<String, String>of()::get);
    private static final CallerIdentity USER = new CallerIdentity(1000, 1000, Map.of("XDG_RUNTIME_DIR", "/run/user/1000x")::get);
    private static final CallerIdentity USER_NO_XDG = new CallerIdentity(1000, 1000, Map.<String, String>of()::get);

    @Test
    void autoMeansRootlessForANonZeroEuid() {
        assertFalse(ROOT.rootless(null));
        assertFalse(ROOT.rootless("auto"));
        assertTrue(USER.rootless(null));
        assertTrue(USER.rootless("auto"));
        assertTrue(ROOT.rootless("true"));
        assertFalse(USER.rootless("false"));
        assertThrows(JruncException.class, () -> USER.rootless("yes"));
    }

    @Test
    void rootOfAnotherUserNamespaceIsRootlessButNotUnprivileged(@org.junit.jupiter.api.io.TempDir Path dir)
            throws java.io.IOException {
        CallerIdentity podman = new CallerIdentity(0, 0, true, Map.of("XDG_RUNTIME_DIR", "/tmp/xdg")::get);
        assertTrue(podman.rootless(null));
        assertFalse(podman.unprivileged());
        assertEquals(Path.of("/tmp/xdg/jrunc"), podman.defaultStateRoot(true));
        assertEquals(Path.of("/run/jrunc"), new CallerIdentity(0, 0, true, Map.<String, String>of()::get).defaultStateRoot(true));
        java.nio.file.Files.writeString(dir.resolve("host"), "         0          0 4294967295\n");
        java.nio.file.Files.writeString(dir.resolve("podman"), "         0       1001          1\n         1     100000      65536\n");
        assertTrue(CallerIdentity.isInitialUserNamespace(dir.resolve("host")));
        assertFalse(CallerIdentity.isInitialUserNamespace(dir.resolve("podman")));
    }

    @Test
    void stateGoesUnderTheRuntimeDirWhenRootless() {
        assertEquals(Path.of("/run/jrunc"), ROOT.defaultStateRoot(false));
        assertEquals(Path.of("/run/user/1000x/jrunc"), USER.defaultStateRoot(true));
        assertEquals(Path.of("/run/user/1000/jrunc"), USER_NO_XDG.defaultStateRoot(true));
        assertEquals(Path.of("/run/user/1000/jrunc-cgroups"), USER_NO_XDG.cgroupRegistryDir(true));
        assertEquals(Path.of("/run/jrunc-cgroups"), ROOT.cgroupRegistryDir(false));
    }

    @Test
    void uidZeroOfAUserNamespaceStandsForTheUsersHostUid(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path map = java.nio.file.Files.writeString(dir.resolve("uid_map"), "         0       1000          1\n         1     100000      65536\n");
        assertEquals(1000, CallerIdentity.hostId(map, 0));
        assertEquals(100004, CallerIdentity.hostId(map, 5));
        assertEquals(-1, CallerIdentity.hostId(map, 65537));
        assertEquals(-1, CallerIdentity.hostId(dir.resolve("missing"), 0));
    }
}
