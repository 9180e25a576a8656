package dev.jrunc.cgroups;

import static dev.jrunc.cgroups.V1ResourcesTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HybridManagerTest {
    @TempDir
    Path tmp;
    FakeHost host;
    CgroupManager m;

    @BeforeEach
    void setUp() throws IOException {
        host = FakeHost.hybridHost(tmp);
        m = host.created("ctr");
        host.fs.writes.clear();
    }

    @Test
    void placesInV1AndUnifiedRelativeToOwnCgroups() {
        assertTrue(m instanceof HybridManager);
        assertEquals(tmp.resolve("memory/process_api/abc/ctr"), m.paths().get("memory"));
        assertEquals(tmp.resolve("pids/ctr"), m.paths().get("pids"));
        assertEquals(tmp.resolve("systemd/ctr"), m.paths().get("name=systemd"));
        assertEquals(tmp.resolve("unified/ctr"), m.paths().get(""));
        assertTrue(Files.isDirectory(tmp.resolve("unified/ctr")));
        // hybrid enables cgroup2 controllers only when a limit needs them
        assertEquals(List.of(), host.fs.writesTo(tmp.resolve("unified/cgroup.subtree_control")));
    }

    @Test
    void addProcessWritesEveryHierarchyIncludingNamedAndUnified() {
        m.addProcess(4242);
        List<String> procs = host.fs.writes.stream().filter(w -> w.endsWith("cgroup.procs=4242")).toList();
        assertEquals(10, procs.size(), procs.toString());
        assertTrue(procs.stream().anyMatch(w -> w.contains("/systemd/ctr/")));
        assertTrue(procs.stream().anyMatch(w -> w.contains("/unified/ctr/")));
    }

    @Test
    void v1LimitsGoToV1AndHugetlbToTheUnifiedHierarchy() {
        m.apply(new Resources(null, R.mem(1L << 20, null), R.shares(512), new Resources.Pids(10L), null,
                List.of(new Resources.HugepageLimit("2MB", 4L << 20)), null, null, null));
        assertEquals(Long.toString(1L << 20), host.fs.last(m.paths().get("memory").resolve("memory.limit_in_bytes")));
        assertEquals("512", host.fs.last(m.paths().get("cpu").resolve("cpu.shares")));
        assertEquals("10", host.fs.last(m.paths().get("pids").resolve("pids.max")));
        assertEquals("+hugetlb", host.fs.last(tmp.resolve("unified/cgroup.subtree_control")));
        assertEquals(Long.toString(4L << 20), host.fs.last(tmp.resolve("unified/ctr/hugetlb.2MB.max")));
    }

    @Test
    void unifiedOnlyForControllersTheUnifiedMountHas() {
        m.apply(R.unified(Map.of("hugetlb.1GB.max", "0")));
        assertEquals("0", host.fs.last(tmp.resolve("unified/ctr/hugetlb.1GB.max")));
        var e = assertThrows(CgroupException.class, () -> m.apply(R.unified(Map.of("memory.high", "5"))));
        assertMentions(e, "linux.resources.unified[\"memory.high\"]", "memory", "hugetlb");
    }

    @Test
    void freezesWithTheV1Freezer() {
        m.freeze();
        assertTrue(m.isFrozen());
        assertEquals("FROZEN", host.fs.last(m.paths().get("freezer").resolve("freezer.state")));
        m.thaw();
        assertFalse(m.isFrozen());
    }

    @Test
    void devicesUseTheV1Controller() {
        m.apply(R.devices(DeviceRules.denyAll(), R.rule(true, "c", 1L, 3L, "rwm")));
        assertEquals("c 1:3 rwm", host.fs.last(m.paths().get("devices").resolve("devices.allow")));
        assertTrue(host.fs.devicePrograms.isEmpty());
    }

    @Test
    void statsTakeHugetlbFromTheUnifiedHierarchy() throws IOException {
        Files.writeString(tmp.resolve("unified/ctr/hugetlb.2MB.current"), "2097152");
        assertEquals(2097152, m.stats().hugetlb().get("2MB").usage());
    }

    @Test
    void destroyRemovesBothSides() {
        host.destroy(m);
        assertFalse(Files.exists(tmp.resolve("unified/ctr")));
        assertFalse(Files.exists(tmp.resolve("memory/process_api/abc/ctr")));
        // the fake host had no process_api cgroup, so create() made it and destroy() removes it
        assertFalse(Files.exists(tmp.resolve("memory/process_api")));
    }
}
