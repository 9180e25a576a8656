package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

class V1ResourcesTest {
    @TempDir
    Path tmp;
    FakeHost host;
    CgroupManager m;

    @BeforeEach
    void setUp() throws IOException {
        host = FakeHost.v1Host(tmp);
        m = host.created("/ctr");
        host.fs.writes.clear();
    }

    Path f(String controller, String file) {
        return m.paths().get(controller).resolve(file);
    }

    String last(String controller, String file) {
        return host.fs.last(f(controller, file));
    }

    static void assertMentions(CgroupException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "\"" + e.getMessage() + "\" should mention " + p);
        }
    }

    @Test
    void placesEveryHierarchyAtTheAbsolutePath() {
        assertTrue(m instanceof V1Manager);
        assertEquals(tmp.resolve("memory/ctr"), m.paths().get("memory"));
        assertEquals(tmp.resolve("systemd/ctr"), m.paths().get("name=systemd"));
        assertEquals(tmp.resolve("net_cls,net_prio/ctr"), m.paths().get("net_prio"));
        assertTrue(Files.isDirectory(tmp.resolve("cpuacct/ctr")));
    }

    @Test
    void memoryLimitAndSwapAreWrittenInAnOrderTheKernelAccepts() {
        m.apply(R.memory(R.mem(100L << 20, 200L << 20)));
        // current limit (unlimited) is above the new memsw, so memory goes down first
        assertEquals(List.of(f("memory", "memory.limit_in_bytes") + "=" + (100L << 20),
                f("memory", "memory.memsw.limit_in_bytes") + "=" + (200L << 20)),
                host.fs.writes.stream().filter(w -> w.contains("memory.")).toList());
    }

    @Test
    void growingLimitsWriteSwapFirst() throws IOException {
        Files.writeString(f("memory", "memory.limit_in_bytes"), Long.toString(10L << 20));
        m.apply(R.memory(R.mem(100L << 20, 200L << 20)));
        List<String> w = host.fs.writes.stream().filter(x -> x.contains("memory.")).toList();
        assertTrue(w.get(0).contains("memsw"), w.toString());
    }

    @Test
    void unlimitedMemoryMeansUnlimitedSwapToo() {
        m.apply(R.memory(R.mem(-1L, null)));
        assertEquals("-1", last("memory", "memory.limit_in_bytes"));
        assertEquals("-1", last("memory", "memory.memsw.limit_in_bytes"));
    }

    @Test
    void otherMemoryFields() {
        m.apply(R.memory(new Resources.Memory(null, 50L << 20, null, 1L << 20, 2L << 20, 10L, true, true, null)));
        assertEquals(Long.toString(50L << 20), last("memory", "memory.soft_limit_in_bytes"));
        assertEquals(Long.toString(1L << 20), last("memory", "memory.kmem.limit_in_bytes"));
        assertEquals(Long.toString(2L << 20), last("memory", "memory.kmem.tcp.limit_in_bytes"));
        assertEquals("10", last("memory", "memory.swappiness"));
        assertEquals("1", last("memory", "memory.oom_control"));
        assertEquals("1", last("memory", "memory.use_hierarchy"));
    }

    @Test
    void kernelMemoryIsIgnoredWhenTheKernelDroppedIt() throws IOException {
        Files.delete(f("memory", "memory.kmem.limit_in_bytes"));
        m.apply(R.memory(new Resources.Memory(null, null, null, 1L << 20, null, null, null, null, null)));
        assertTrue(host.fs.writes.isEmpty());
    }

    @Test
    void swapWithoutSwapAccountingNamesKeyAndFile() throws IOException {
        Files.delete(f("memory", "memory.memsw.limit_in_bytes"));
        var e = assertThrows(CgroupException.class, () -> m.apply(R.memory(R.mem(null, 1L << 30))));
        assertMentions(e, "linux.resources.memory.swap", "memory.memsw.limit_in_bytes");
    }

    @Test
    void invalidMemoryValues() {
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(R.mem(200L, 100L)))),
                "linux.resources.memory.swap", ">= memory limit");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(R.mem(-5L, null)))),
                "linux.resources.memory.limit");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(
                new Resources.Memory(null, null, null, null, null, 101L, null, null, null)))),
                "linux.resources.memory.swappiness");
    }

    @Test
    void checkBeforeUpdateRefusesALimitBelowUsage() throws IOException {
        Files.writeString(f("memory", "memory.usage_in_bytes"), "5000000");
        var mem = new Resources.Memory(1_000_000L, null, null, null, null, null, null, null, true);
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.memory(mem))),
                "linux.resources.memory.limit", "5000000", "memory.usage_in_bytes");
        m.apply(R.memory(new Resources.Memory(6_000_000L, null, null, null, null, null, null, null, true)));
        assertEquals("6000000", last("memory", "memory.limit_in_bytes"));
    }

    @Test
    void cpu() {
        m.apply(R.cpu(new Resources.Cpu(512L, 50000L, 1000L, 100000L, 5000L, 1000000L, null, null, 1L)));
        assertEquals("512", last("cpu", "cpu.shares"));
        assertEquals("50000", last("cpu", "cpu.cfs_quota_us"));
        assertEquals("100000", last("cpu", "cpu.cfs_period_us"));
        assertEquals("1000", last("cpu", "cpu.cfs_burst_us"));
        assertEquals("5000", last("cpu", "cpu.rt_runtime_us"));
        assertEquals("1000000", last("cpu", "cpu.rt_period_us"));
        assertEquals("1", last("cpu", "cpu.idle"));
        assertNull(last("cpuset", "cpuset.cpus"));
    }

    @Test
    void invalidCpuValuesNameTheField() {
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.cpu(R.shares(-3)))),
                "linux.resources.cpu.shares");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.cpu(R.cpus("0-", null)))),
                "linux.resources.cpu.cpus", "0-");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.cpu(R.cpus(null, "3-1")))),
                "linux.resources.cpu.mems", "descending");
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.cpu(R.quota(-2L, null)))),
                "linux.resources.cpu.quota");
    }

    @Test
    void cpusetCgroupsInheritTheParentsCpusAndMems() {
        CgroupManager nested = host.created("/a/b/c");
        Path base = tmp.resolve("cpuset");
        assertEquals("0-3", host.fs.last(base.resolve("a/cpuset.cpus")));
        assertEquals("0", host.fs.last(base.resolve("a/b/c/cpuset.mems")));
        nested.apply(R.cpu(R.cpus("1-2", "0")));
        assertEquals("1-2", host.fs.last(base.resolve("a/b/c/cpuset.cpus")));
    }

    @Test
    void pids() {
        m.apply(R.pids(100));
        assertEquals("100", last("pids", "pids.max"));
        m.apply(R.pids(-1));
        assertEquals("max", last("pids", "pids.max"));
    }

    @Test
    void blkio() {
        var t = new Resources.ThrottleDevice(8, 0, 1048576);
        var t2 = new Resources.ThrottleDevice(8, 16, 2097152);
        m.apply(R.blkio(new Resources.BlockIO(300, 200,
                List.of(new Resources.WeightDevice(8, 0, 400, 50)),
                List.of(t, t2), List.of(t), List.of(new Resources.ThrottleDevice(8, 0, 100)),
                List.of(new Resources.ThrottleDevice(8, 0, 200)))));
        assertEquals("300", last("blkio", "blkio.weight"));
        assertEquals("200", last("blkio", "blkio.leaf_weight"));
        assertEquals("8:0 400", last("blkio", "blkio.weight_device"));
        assertEquals("8:0 50", last("blkio", "blkio.leaf_weight_device"));
        assertEquals(List.of("8:0 1048576", "8:16 2097152"), host.fs.writesTo(f("blkio", "blkio.throttle.read_bps_device")));
        assertEquals("8:0 1048576", last("blkio", "blkio.throttle.write_bps_device"));
        assertEquals("8:0 100", last("blkio", "blkio.throttle.read_iops_device"));
        assertEquals("8:0 200", last("blkio", "blkio.throttle.write_iops_device"));
    }

    @Test
    void blkioUsesBfqWeightWhenThatIsAllThereIs() throws IOException {
        Files.delete(f("blkio", "blkio.weight"));
        Files.writeString(f("blkio", "blkio.bfq.weight"), "100");
        m.apply(R.blkio(R.weight(300)));
        assertEquals("300", last("blkio", "blkio.bfq.weight"));
        assertMentions(assertThrows(CgroupException.class, () -> m.apply(R.blkio(R.weight(5)))),
                "linux.resources.blockIO.weight");
    }

    @Test
    void hugepages() {
        m.apply(R.hugepages(new Resources.HugepageLimit("2MB", 4L << 20), new Resources.HugepageLimit("1GB", 0)));
        assertEquals(Long.toString(4L << 20), last("hugetlb", "hugetlb.2MB.limit_in_bytes"));
        assertEquals("0", last("hugetlb", "hugetlb.1GB.limit_in_bytes"));
        var e = assertThrows(CgroupException.class, () -> m.apply(R.hugepages(new Resources.HugepageLimit("64KB", 1))));
        assertMentions(e, "linux.resources.hugepageLimits[0].pageSize", "hugetlb.64KB.limit_in_bytes");
        e = assertThrows(CgroupException.class, () -> m.apply(R.hugepages(new Resources.HugepageLimit("2M", 1))));
        assertMentions(e, "linux.resources.hugepageLimits[0].pageSize", "2M");
    }

    @Test
    void network() {
        m.apply(R.network(new Resources.Network(0x100001L,
                List.of(new Resources.NetPriority("eth0", 5), new Resources.NetPriority("lo", 1)))));
        assertEquals("1048577", last("net_cls", "net_cls.classid"));
        assertEquals(List.of("eth0 5", "lo 1"), host.fs.writesTo(f("net_prio", "net_prio.ifpriomap")));
    }

    @Test
    void networkWithoutTheControllerNamesTheKey() throws IOException {
        FakeHost bare = new FakeHost(tmp.resolve("bare")).v1("memory", "memory", "/");
        CgroupManager mm = bare.created("/x");
        var e = assertThrows(CgroupException.class,
                () -> mm.apply(R.network(new Resources.Network(1L, null))));
        assertMentions(e, "linux.resources.network.classID", "net_cls");
        e = assertThrows(CgroupException.class, () -> mm.apply(R.pids(5)));
        assertMentions(e, "linux.resources.pids", "pids");
    }

    @Test
    void rdma() {
        m.apply(R.rdma(Map.of("mlx5_0", new Resources.Rdma(3L, 4L))));
        assertEquals("mlx5_0 hca_handle=3 hca_object=4", last("rdma", "rdma.max"));
    }

    @Test
    void unifiedIsRefusedOnV1() {
        var e = assertThrows(CgroupException.class, () -> m.apply(R.unified(Map.of("memory.high", "1000"))));
        assertMentions(e, "linux.resources.unified[\"memory.high\"]", "v1");
    }

    @Test
    void devicesStartingWithDenyAllResetFirst() {
        m.apply(R.devices(R.rule(false, null, null, null, "rwm"), R.rule(true, "c", 1L, 3L, "rwm"),
                R.rule(true, "c", 136L, null, "rw"), R.rule(false, "a", 7L, null, "w")));
        assertEquals(List.of(f("devices", "devices.deny") + "=a", f("devices", "devices.allow") + "=c 1:3 rwm",
                f("devices", "devices.allow") + "=c 136:* rw", f("devices", "devices.deny") + "=c 7:* w",
                f("devices", "devices.deny") + "=b 7:* w"), host.fs.writes);
    }

    @Test
    void invalidDeviceRulesNameTheField() {
        var e = assertThrows(CgroupException.class, () -> m.apply(R.devices(R.rule(true, "x", 1L, 1L, "r"))));
        assertMentions(e, "linux.resources.devices[0].type", "x");
        e = assertThrows(CgroupException.class, () -> m.apply(R.devices(R.rule(true, "c", 1L, 1L, "rq"))));
        assertMentions(e, "linux.resources.devices[0].access");
    }

    @Test
    void statsAndOomKills() throws IOException {
        Files.writeString(f("memory", "memory.usage_in_bytes"), "4096");
        Files.writeString(f("memory", "memory.limit_in_bytes"), "8192");
        Files.writeString(f("memory", "memory.failcnt"), "3");
        Files.writeString(f("memory", "memory.stat"), "cache 100\nrss 200\n");
        Files.writeString(f("memory", "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        Files.writeString(f("cpuacct", "cpuacct.usage"), "123456");
        Files.writeString(f("cpuacct", "cpuacct.usage_percpu"), "100000 23456 ");
        Files.writeString(f("cpuacct", "cpuacct.stat"), "user 3\nsystem 2\n");
        Files.writeString(f("cpu", "cpu.stat"), "nr_periods 10\nnr_throttled 2\nthrottled_time 999\n");
        Files.writeString(f("pids", "pids.current"), "7");
        Files.writeString(f("pids", "pids.max"), "max");
        Files.writeString(f("blkio", "blkio.throttle.io_service_bytes_recursive"), "8:0 Read 10\n8:0 Write 20\nTotal 30\n");
        Files.writeString(f("hugetlb", "hugetlb.2MB.usage_in_bytes"), "2097152");
        CgroupStats s = m.stats();
        assertEquals(4096, s.memory().usage().usage());
        assertEquals(8192, s.memory().usage().limit());
        assertEquals(3, s.memory().usage().failcnt());
        assertEquals(100, s.memory().cache());
        assertEquals(200, s.memory().raw().get("rss"));
        assertEquals(123456, s.cpu().usage().total());
        assertEquals(List.of(100000L, 23456L), s.cpu().usage().percpu());
        assertEquals(30_000_000, s.cpu().usage().user());
        assertEquals(20_000_000, s.cpu().usage().kernel());
        assertEquals(2, s.cpu().throttling().throttledPeriods());
        assertEquals(7, s.pids().current());
        assertEquals(0, s.pids().limit());
        assertEquals(List.of(new CgroupStats.BlkioEntry(8, 0, "Read", 10), new CgroupStats.BlkioEntry(8, 0, "Write", 20)),
                s.blkio().ioServiceBytesRecursive());
        assertEquals(2097152, s.hugetlb().get("2MB").usage());
        assertEquals(2, m.oomKillCount());
    }
}
