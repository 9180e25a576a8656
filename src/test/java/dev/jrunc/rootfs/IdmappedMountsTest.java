package dev.jrunc.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdmappedMountsTest {
    private static final List<LinuxSpec.IdMapping> MAP = List.of(new LinuxSpec.IdMapping(0, 100000, 65536));

    private static Spec withMounts(Spec.Mount... mounts) {
        Spec s = DefaultSpec.example();
        return new Spec(s.ociVersion(), s.root(), List.of(mounts), s.process(), s.hostname(), s.domainname(), s.hooks(),
                s.annotations(), s.linux());
    }

    private static Spec.Mount mount(String type, List<LinuxSpec.IdMapping> uid, List<LinuxSpec.IdMapping> gid,
            String... options) {
        return new Spec.Mount("/data", type, "/host/vol", List.of(options), uid, gid);
    }

    private static ConfigException refused(Spec spec, boolean userns) {
        return assertThrows(ConfigException.class, () -> IdmappedMounts.check(spec, userns));
    }

    @Test
    void whichMountsWantAnIdmapping() {
        assertTrue(IdmappedMounts.wanted(mount(null, MAP, MAP, "bind")), "mappings alone");
        assertTrue(IdmappedMounts.wanted(mount(null, null, null, "rbind", "ridmap")));
        assertFalse(IdmappedMounts.wanted(mount(null, null, null, "rbind")));
    }

    @Test
    void configRules() {
        assertEquals("$.mounts[0].gidMappings", refused(withMounts(mount(null, MAP, null, "bind")), true).path());
        assertEquals("$.mounts[0].uidMappings", refused(withMounts(mount(null, null, MAP, "bind")), true).path());
        ConfigException notBind = refused(withMounts(mount("tmpfs", MAP, MAP, "idmap")), true);
        assertEquals("$.mounts[0].options", notBind.path());
        assertTrue(notBind.getMessage().contains("bind mounts only"), notBind.getMessage());
        ConfigException noUserns = refused(withMounts(mount(null, null, null, "bind", "idmap")), false);
        assertEquals("$.mounts[0].options", noUserns.path());
        assertEquals("$.mounts[0].uidMappings", refused(withMounts(mount(null, List.of(), MAP, "bind")), true).path());
        IdmappedMounts.check(withMounts(mount(null, null, null, "bind", "idmap")), true);
        IdmappedMounts.check(withMounts(mount("bind", MAP, MAP)), false);
        IdmappedMounts.check(withMounts(mount(null, null, null, "rbind")), false);
    }

    @Test
    void theContainersOwnUserNamespaceIdmapsADetachedClone() {
        RecordingSyscalls sys = new RecordingSyscalls().dir("/host/vol").file("/proc/1000/ns/user");
        Spec spec = withMounts(mount(null, null, null, "rbind", "ridmap"));
        Map<Integer, Integer> trees = IdmappedMounts.open(sys, spec, Path.of("/bundle"), "/proc/1000/ns/user", "/helper");
        assertEquals(List.of(0), List.copyOf(trees.keySet()));
        assertEquals(List.of(
                "open_tree(AT_FDCWD, \"/host/vol\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC|AT_RECURSIVE) = " + trees.get(0),
                "mount_setattr(@/host/vol, \"\", AT_EMPTY_PATH|AT_RECURSIVE, set=IDMAP, clr=0, userns=@/proc/1000/ns/user)"),
                sys.mounts());
        assertEquals(Map.of(trees.get(0), "/host/vol"), sys.openFds(), "only the tree stays open, for the init");
        assertEquals(List.of(), sys.calls("spawn"), "no helper for the container's own mapping");
    }

    @Test
    void aPlainIdmapIsNotRecursive() {
        RecordingSyscalls sys = new RecordingSyscalls().dir("/host/vol").file("/proc/1000/ns/user");
        IdmappedMounts.open(sys, withMounts(mount(null, null, null, "bind", "idmap")), Path.of("/bundle"),
                "/proc/1000/ns/user", "/helper");
        assertEquals("open_tree(AT_FDCWD, \"/host/vol\", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) = 4", sys.mounts().get(0));
        assertTrue(sys.mounts().get(1).contains(", AT_EMPTY_PATH, set=IDMAP"), sys.mounts().get(1));
    }

    @Test
    void aFilesystemThatCannotBeIdmappedNamesTheMountAndClosesTheClone() {
        RecordingSyscalls sys = new RecordingSyscalls().dir("/host/vol").file("/proc/1000/ns/user");
        sys.failNext("mount_setattr", c -> true, Errno.EINVAL);
        JruncException e = assertThrows(JruncException.class, () -> IdmappedMounts.open(sys,
                withMounts(mount(null, null, null, "bind", "idmap")), Path.of("/bundle"), "/proc/1000/ns/user", "/helper"));
        assertTrue(e.getMessage().startsWith("$.mounts[0]: cannot idmap /host/vol"), e.getMessage());
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void aMissingSourceNamesTheField() {
        RecordingSyscalls sys = new RecordingSyscalls().file("/proc/1000/ns/user");
        JruncException e = assertThrows(JruncException.class, () -> IdmappedMounts.open(sys,
                withMounts(mount(null, null, null, "bind", "idmap")), Path.of("/bundle"), "/proc/1000/ns/user", "/helper"));
        assertTrue(e.getMessage().startsWith("$.mounts[0].source: /host/vol: open_tree("), e.getMessage());
        assertEquals(Map.of(), sys.openFds());
    }
}
