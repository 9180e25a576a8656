package dev.jrunc.cgroups;

import static dev.jrunc.cgroups.V1ResourcesTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class V2ResourcesTest {
    @TempDir
    Path tmp;
    FakeHost host;
    CgroupManager m;
    Path dir;

    @BeforeEach
    void setUp() throws IOException {
        host = FakeHost.v2Host(tmp);
        m = host.created("/machine/ctr");
        dir = m.paths().get("");
        host.fs.writes.clear();
    }

    String last(String file) {
        return host.fs.last(dir.resolve(file));
    }

    @Test
    void createEnablesControllersFromTheRootDown() throws IOException {
        assertTrue(m instanceof V2Manager);
        assertEquals(tmp.resolve("machine/ctr"), dir);
        String all = "+cpuset +cpu +io +memory +hugetlb +pids +rdma";
        assertEquals(all, Files.readString(tmp.resolve("cgroup.subtree_control")));
        assertEquals(all, Files.readString(tmp.resolve("machine/cgroup.subtree_control")));
        assertEquals("", Files.readString(dir.resolve("cgroup.subtree_control")));
    }

    @Test
    void relativePathsGoBesideOwnCgroup() {
        CgroupManager rel = host.manager(null, "abc");
        assertEquals(tmp.resolve("user.slice/abc"), rel.paths().get(""));
    }

    @Test
    void memory() {
        m.apply(R.memory(new Resources.Memory(100L << 20, 50L << 20, 300L << 20, 1L << 20, null, null, true, false, null)));
        assertEquals(Long.toString(100L << 20), last("memory.max"));
        assertEquals(Long.toString(200L << 20), last("memory.swap.max"));
        assertEquals(Long.toString(50L << 20), last("memory.low"));
    }

    @Test
    void swapConversion() {
        assertEquals(-1, MemoryV2.swapMax(0, -1));
        assertEquals(-1, MemoryV2.swapMax(-1, 100));
        assertEquals(0, MemoryV2.swapMax(0, 100));
        assertEquals(0, MemoryV2.swapMax(100, 100));
        assertEquals(50, MemoryV2.swapMax(150, 100));
        assertThrows(CgroupException.class, () -> MemoryV2.swapMax(50, 100));
        assertMentions(assertThrows(CgroupException.class, () -> MemoryV2.swapMax(50, 0)),
                "linux.resources.memory.swap");
        m.apply(R.memory(R.mem(-1L, null)));
        assertEquals("max", last("memory.max"));
        assertEquals("max", last("memory.swap.max"));
    }

    @Test
    void swapEqualToLimitTurnsSwapOff() throws IOException {
        Files.writeString(dir.resolve("memory.swap.max"), "max");
        m.apply(R.memory(R.mem(32L << 20, 32L << 20)));
        assertEquals(Long.toString(32L << 20), last("memory.max"));
        assertEquals("0", last("memory.swap.max"));
    }

    @Test
    void v1OnlyMemoryFieldsAreRefused() {
        var sw = new Resources.Memory(null, null, null, null, null, 30L, null, null, null);
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(sw))),
                "linux.resources.memory.swappiness", "v2");
        var tcp = new Resources.Memory(null, null, null, null, 5L, null, null, null, null);
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(tcp))),
                "linux.resources.memory.kernelTCP");
    }

    @Test
    void checkBeforeUpdateReadsMemoryCurrent() throws IOException {
        Files.writeString(dir.resolve("memory.current"), "9000");
        var mem = new Resources.Memory(8000L, null, null, null, null, null, null, null, true);
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(mem))), "memory.current");
    }

    @Test
    void cpuWeightUsesRuncsConversion() {
        assertEquals(1, CpuV2.sharesToWeight(2));
        assertEquals(39, CpuV2.sharesToWeight(1024));
        assertEquals(10000, CpuV2.sharesToWeight(262144));
        m.apply(R.cpu(R.shares(1024)));
        assertEquals("39", last("cpu.weight"));
    }

    @Test
    void cpuMax() {
        m.apply(R.cpu(R.quota(50000L, 100000L)));
        assertEquals("50000 100000", last("cpu.max"));
        m.apply(R.cpu(R.quota(-1L, 200000L)));
        assertEquals("max 200000", last("cpu.max"));
        m.apply(R.cpu(R.quota(20000L, null)));
        assertEquals("20000", last("cpu.max"));
        m.apply(R.cpu(new Resources.Cpu(null, null, 3000L, null, null, null, null, null, 1L)));
        assertEquals("3000", last("cpu.max.burst"));
        assertEquals("1", last("cpu.idle"));
    }

    @Test
    void realtimeIsRefusedOnV2() {
        var rt = new Resources.Cpu(null, null, null, null, 1000L, null, null, null, null);
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.cpu(rt))),
                "linux.resources.cpu.realtimeRuntime", "v2");
    }

    @Test
    void cpusetAndPids() {
        m.apply(R.cpu(R.cpus("0,2-3", "0")));
        assertEquals("0,2-3", last("cpuset.cpus"));
        assertEquals("0", last("cpuset.mems"));
        m.apply(R.pids(42));
        assertEquals("42", last("pids.max"));
    }

    @Test
    void io() {
        assertEquals(1, IoV2.blkioWeightToIoWeight(10));
        assertEquals(10000, IoV2.blkioWeightToIoWeight(1000));
        assertEquals(4950, IoV2.blkioWeightToIoWeight(500));
        m.apply(R.blkio(new Resources.BlockIO(500, null, List.of(new Resources.WeightDevice(8, 0, 1000, null)),
                List.of(new Resources.ThrottleDevice(8, 0, 1000), new Resources.ThrottleDevice(8, 16, 5)),
                List.of(new Resources.ThrottleDevice(8, 0, 0)),
                List.of(new Resources.ThrottleDevice(8, 0, 10)), null)));
        assertEquals(List.of("default 4950", "8:0 10000"), host.fs.writesTo(dir.resolve("io.weight")));
        assertEquals(List.of("8:0 rbps=1000 wbps=max riops=10", "8:16 rbps=5"), host.fs.writesTo(dir.resolve("io.max")));
    }

    @Test
    void ioUsesBfqWeightsUnconvertedWhenPresent() throws IOException {
        Files.writeString(dir.resolve("io.bfq.weight"), "default 100");
        m.apply(R.blkio(R.weight(300)));
        assertEquals("default 300", last("io.bfq.weight"));
    }

    @Test
    void hugepagesAndRdma() {
        m.apply(R.hugepages(new Resources.HugepageLimit("2MB", 2097152), new Resources.HugepageLimit("1GB", -1)));
        assertEquals("2097152", last("hugetlb.2MB.max"));
        assertEquals("max", last("hugetlb.1GB.max"));
        m.apply(R.rdma(Map.of("mlx4_0", new Resources.Rdma(null, 7L))));
        assertEquals("mlx4_0 hca_object=7", last("rdma.max"));
    }

    @Test
    void networkIsRefusedOnV2() {
        assertMentions(assertThrows(CgroupException.class,
                () -> m.apply(R.network(new Resources.Network(5L, null)))), "linux.resources.network.classID");
    }

    @Test
    void unifiedIsWrittenVerbatim() throws IOException {
        Files.writeString(dir.resolve("memory.high"), "max");
        Map<String, String> u = new LinkedHashMap<>();
        u.put("memory.high", "123456");
        u.put("cgroup.freeze", "0");
        m.apply(R.unified(u));
        assertEquals("123456", last("memory.high"));
        assertEquals("0", last("cgroup.freeze"));
    }

    @Test
    void unifiedErrorsNameTheKey() throws IOException {
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.unified(Map.of("misc.max", "x")))),
                "linux.resources.unified[\"misc.max\"]", "misc");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.unified(Map.of("memory.nope", "1")))),
                "linux.resources.unified[\"memory.nope\"]", "memory.nope");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.unified(Map.of("../x.y", "1")))),
                "linux.resources.unified[\"../x.y\"]");
    }

    @Test
    void controllerNotEnabledForTheCgroup() throws IOException {
        Files.writeString(dir.resolve("cgroup.controllers"), "cpu pids\n");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(R.mem(1L << 20, null)))),
                "linux.resources.memory", "memory controller", "cgroup.controllers: cpu pids");
    }

    @Test
    void devicesBecomeABpfProgram() {
        m.apply(R.devices(R.rule(false, null, null, null, "rwm"), R.rule(true, "c", 1L, 3L, "rwm")));
        byte[] prog = host.fs.devicePrograms.get(dir);
        assertNotNull(prog);
        BpfInterpreter vm = new BpfInterpreter(prog);
        assertEquals(1, vm.run('c', 1, 3, "rw"));
        assertEquals(0, vm.run('c', 1, 5, "r"));
    }

    @Test
    void freezeKillAndStats() throws IOException {
        m.freeze();
        assertTrue(m.isFrozen());
        assertEquals("1", last("cgroup.freeze"));
        m.thaw();
        assertEquals(false, m.isFrozen());
        m.killAll(9, (pid, sig) -> { throw new AssertionError("cgroup.kill should be used"); }, FakeHost.NONE_FOREIGN);
        assertEquals("1", last("cgroup.kill"));
        Files.writeString(dir.resolve("cgroup.procs"), "12\n13\n");
        List<Long> signalled = new java.util.ArrayList<>();
        m.killAll(15, (pid, sig) -> signalled.add(pid * 100 + sig), FakeHost.NONE_FOREIGN);
        assertEquals(List.of(1215L, 1315L), signalled);
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 5\nuser_usec 3\nsystem_usec 2\nnr_periods 4\nnr_throttled 1\nthrottled_usec 7\n");
        Files.writeString(dir.resolve("memory.current"), "1000");
        Files.writeString(dir.resolve("memory.max"), "2000");
        Files.writeString(dir.resolve("memory.swap.current"), "10");
        Files.writeString(dir.resolve("memory.swap.max"), "max");
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n");
        Files.writeString(dir.resolve("io.stat"), "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
        Files.writeString(dir.resolve("pids.current"), "2");
        Files.writeString(dir.resolve("pids.max"), "42");
        CgroupStats s = m.stats();
        assertEquals(5000, s.cpu().usage().total());
        assertEquals(3000, s.cpu().usage().user());
        assertEquals(7000, s.cpu().throttling().throttledTime());
        assertEquals(1000, s.memory().usage().usage());
        assertEquals(2000, s.memory().usage().limit());
        assertEquals(4, s.memory().usage().failcnt());
        assertEquals(1010, s.memory().swap().usage());
        assertEquals(Long.MAX_VALUE, s.memory().swap().limit());
        assertEquals(List.of(new CgroupStats.BlkioEntry(8, 0, "Read", 100), new CgroupStats.BlkioEntry(8, 0, "Write", 200)),
                s.blkio().ioServiceBytesRecursive());
        assertEquals(new CgroupStats.Pids(2, 42), s.pids());
        assertTrue(s.hugetlb().containsKey("2MB"));
        assertEquals(1, m.oomKillCount());
    }
}
