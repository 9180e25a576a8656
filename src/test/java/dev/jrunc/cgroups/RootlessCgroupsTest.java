package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootlessCgroupsTest {
    @TempDir Path mount;

    private final List<String> warnings = new ArrayList<>();

    private static Spec withResources(String cgroupsPath, Resources r) {
        Spec s = DefaultSpec.rootless();
        LinuxSpec l = s.linux();
        LinuxSpec linux = new LinuxSpec(l.namespaces(), l.uidMappings(), l.gidMappings(), null, null, cgroupsPath, r,
                null, null, null, null, null, null, null, null, null, null);
        return new Spec(s.ociVersion(), s.root(), s.mounts(), s.process(), s.hostname(), s.domainname(), s.hooks(),
                s.annotations(), linux);
    }

    private static final Resources MEMORY = new Resources(null,
            new Resources.Memory(33554432L, null, null, null, null, null, null, null, null), null,
            new Resources.Pids(10L), null, null, null, null, null);

    private CgroupLayout v2() {
        return new CgroupLayout(Map.of(), mount, Set.of("memory", "pids"), Map.of("", "/deleg/session"));
    }

    private void delegated() throws IOException {
        Files.createDirectories(mount.resolve("deleg"));
        Files.writeString(mount.resolve("deleg/cgroup.procs"), "");
        Files.writeString(mount.resolve("deleg/cgroup.subtree_control"), "");
    }

    @Test
    void aDelegatedV2SubtreeGivesTheContainerItsCgroup() throws IOException {
        delegated();
        Set<Path> writable = Set.of(mount.resolve("deleg"), mount.resolve("deleg/cgroup.procs"),
                mount.resolve("deleg/cgroup.subtree_control"));
        CgroupManager m = RootlessCgroups.select(v2(), withResources("c1", MEMORY), "c1", writable::contains, warnings::add);
        assertInstanceOf(V2Manager.class, m);
        assertEquals(mount.resolve("deleg/c1"), m.paths().get(CgroupLayout.UNIFIED));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aSubtreeNotWritableGivesNoCgroupAndAWarningNamingTheLimits() throws IOException {
        delegated();
        Set<Path> writable = Set.of(mount.resolve("deleg")); // cgroup.procs is root's
        CgroupManager m = RootlessCgroups.select(v2(), withResources("c1", MEMORY), "c1", writable::contains, warnings::add);
        assertInstanceOf(NoCgroup.class, m);
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("not applied: memory, pids"), warnings.getFirst());
        assertTrue(warnings.getFirst().contains(mount.resolve("deleg").toString()), warnings.getFirst());
    }

    @Test
    void cgroupV1IsNeverDelegatedAndAConfigWithoutLimitsWarnsOfNothing() {
        CgroupLayout v1 = new CgroupLayout(Map.of("memory", mount.resolve("memory")), null, Set.of(), Map.of("memory", "/"));
        assertInstanceOf(NoCgroup.class, RootlessCgroups.select(v1, withResources(null, MEMORY), "c1", p -> true, warnings::add));
        assertTrue(warnings.getFirst().contains("cgroup v1"), warnings.getFirst());
        warnings.clear();
        // the device allow-list is no limit: a rootless container gets no more than the user has
        Resources devicesOnly = new Resources(List.of(new Resources.DeviceRule(false, null, null, null, "rwm")),
                null, null, null, null, null, null, null, null);
        RootlessCgroups.select(v1, withResources(null, devicesOnly), "c1", p -> true, warnings::add);
        assertEquals(List.of(), warnings);
        assertEquals(null, RootlessCgroups.withoutDevices(devicesOnly).devices());
    }

    @Test
    void withoutACgroupTheVerbsThatNeedOneSaySo() {
        NoCgroup none = new NoCgroup(null, 0);
        assertTrue(assertThrows(CgroupException.class, none::freeze).getMessage().contains("cannot pause"));
        assertTrue(assertThrows(CgroupException.class, none::thaw).getMessage().contains("cannot resume"));
        assertTrue(assertThrows(CgroupException.class, () -> none.apply(MEMORY)).getMessage().contains("cannot set limits"));
        assertThrows(CgroupException.class, none::stats);
        none.apply(new Resources(null, null, null, null, null, null, null, null, null)); // nothing to set: fine
        assertEquals(Map.of(), none.paths());
    }

    @Test
    void theProcessesOfANoCgroupContainerAreThoseOfItsPidNamespace() throws IOException {
        Path proc = mount.resolve("proc");
        for (String[] p : new String[][] {{"self", "pid:[1]"}, {"10", "pid:[1]"}, {"20", "pid:[7]"}, {"21", "pid:[7]"}}) {
            Files.createDirectories(proc.resolve(p[0]).resolve("ns"));
            Files.createSymbolicLink(proc.resolve(p[0]).resolve("ns/pid"), Path.of(p[1]));
        }
        assertEquals(Set.of(20L, 21L), new NoCgroup("pid:[7]", 20, proc).pids());
        // sharing the host's PID namespace: the init alone, never the host's processes
        assertEquals(Set.of(10L), new NoCgroup("pid:[1]", 10, proc).pids());
    }
}
