package dev.jrunc.conformance;

import static dev.jrunc.conformance.CgroupTestSupport.JSON;
import static dev.jrunc.conformance.CgroupTestSupport.resources;
import static dev.jrunc.conformance.CgroupTestSupport.sub;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.conformance.CgroupTestSupport.Result;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * linux.resources and the cgroup verbs on real containers: the limits are read back from the
 * cgroup files (inside the container and on the host) and seen to bite; pause/resume, update,
 * events, ps, kill --all and delete --force act on the container's cgroup. Host: cgroup v1 (or
 * the v1/v2 hybrid); the pure cgroup2 variant is scripts/cgroup2-tests.sh (make test-cgroup2).
 */
class CgroupsIT {
    private static final long MIB = 1024 * 1024;
    private static CgroupTestSupport t;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(CgroupTestSupport.isV1("memory"), "needs the cgroup v1 memory hierarchy at /sys/fs/cgroup/memory");
        t = new CgroupTestSupport();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (t != null) t.close();
    }

    private static ObjectNode limited(long memoryBytes, long pids, String... args) {
        ObjectNode c = t.config(args);
        ObjectNode r = resources(c);
        if (memoryBytes > 0) sub(r, "memory").put("limit", memoryBytes);
        if (pids > 0) sub(r, "pids").put("limit", pids);
        return c;
    }

    @Test
    void smallMemoryAndPidsLimitsStillRunTrue() throws Exception {
        String id = t.uniqueId("small");
        Result r = t.runToEnd(id, limited(16 * MIB, 4, "true"));
        assertEquals(0, r.exit(), r.toString());
        t.assertNothingLeft(id);
    }

    @Test
    void memoryAndPidsLimitsReadBackInsideAndOnTheHost() throws Exception {
        String id = t.uniqueId("readback");
        Path out = t.inRootfs("/tmp/" + id);
        t.runDetached(id, limited(16 * MIB, 4, "sh", "-c",
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max > /tmp/" + id
                        + "; sleep 1000"));
        CgroupTestSupport.waitFor("the container's report", Duration.ofSeconds(10),
                () -> Files.exists(out) && lines(out).size() == 2);
        assertEquals(List.of(Long.toString(16 * MIB), "4"), lines(out));
        assertEquals(Long.toString(16 * MIB), t.cgroupFile(id, "memory", "memory.limit_in_bytes"));
        assertEquals("4", t.cgroupFile(id, "pids", "pids.max"));
        t.remove(id);
    }

    @Test
    void pidsLimitRefusesTheNextFork() throws Exception {
        String id = t.uniqueId("pids");
        Result r = t.runToEnd(id, limited(0, 4, "sh", "-c", "for i in 1 2 3 4 5 6; do sleep 1 & done; wait"));
        assertTrue(r.all().contains("can't fork"), "the fifth process must be refused: " + r);
        t.assertNothingLeft(id);
    }

    @Test
    void memoryLimitOomKillsTheInit() throws Exception {
        String id = t.uniqueId("oom");
        Result r = t.runToEnd(id, limited(16 * MIB, 0, "sh", "-c", "x=a; while true; do x=$x$x; done"));
        assertEquals(137, r.exit(), "killed by SIGKILL (128+9): " + r);
        t.assertNothingLeft(id);
    }

    @Test
    void oomKillOfAChildShowsInEventsStats() throws Exception {
        String id = t.uniqueId("oomstats");
        Path marker = t.inRootfs("/tmp/" + id);
        t.runDetached(id, limited(16 * MIB, 0, "sh", "-c",
                "sh -c 'x=a; while true; do x=$x$x; done'; echo $? > /tmp/" + id + "; sleep 1000"));
        CgroupTestSupport.waitFor("the child's exit status", Duration.ofSeconds(20),
                () -> Files.exists(marker) && !lines(marker).isEmpty());
        assertEquals(List.of("137"), lines(marker));
        Result ev = t.jrunc("events", "--stats", id).ok();
        JsonNode e = JSON.readTree(ev.out());
        assertEquals("stats", e.get("type").asText());
        assertEquals(id, e.get("id").asText());
        JsonNode mem = e.get("data").get("memory");
        assertEquals(16 * MIB, mem.get("usage").get("limit").asLong());
        assertTrue(mem.get("usage").get("failcnt").asLong() > 0, "memory failcnt: " + mem);
        assertTrue(mem.get("oom_kill").asLong() >= 1, "oom_kill: " + mem);
        assertEquals("running", t.status(id));
        t.remove(id);
    }

    @Test
    void eventsStreamsStatsAndOomUntilTheContainerStops() throws Exception {
        String id = t.uniqueId("events");
        t.runDetached(id, limited(16 * MIB, 0, "sh", "-c",
                "sleep 3; sh -c 'x=a; while true; do x=$x$x; done'; sleep 2"));
        Result ev = t.jrunc("events", "--interval", "500ms", id).ok();
        List<String> types = new ArrayList<>();
        for (String line : ev.out().split("\n")) {
            if (line.isBlank()) continue;
            JsonNode e = JSON.readTree(line);
            assertEquals(id, e.get("id").asText());
            types.add(e.get("type").asText());
        }
        assertTrue(types.contains("oom"), "an oom event: " + ev);
        assertTrue(types.stream().filter("stats"::equals).count() >= 2, "stats every 500ms: " + ev);
        assertEquals("stopped", t.status(id));
        t.remove(id);
    }

    @Test
    void deniedDeviceCannotBeOpened() throws Exception {
        // /dev/fuse (c 10:229) bind-mounted from the host, allowed then denied: the last rule wins.
        // (The standard nodes such as /dev/null stay allowed whatever the config says, as in runc.)
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse on the host");
        String id = t.uniqueId("devdeny");
        Result r = t.runToEnd(id, withFuse(true, "sh", "-c", "exec 3</dev/fuse && echo opened"));
        assertTrue(r.all().contains("Operation not permitted"), r.toString());
        assertFalse(r.out().contains("opened"), r.toString());
        t.assertNothingLeft(id);

        String ok = t.uniqueId("devallow");
        Result r2 = t.runToEnd(ok, withFuse(false, "sh", "-c", "exec 3</dev/fuse && echo opened"));
        assertTrue(r2.out().contains("opened"), "allowed without the deny rule: " + r2);
        t.assertNothingLeft(ok);
    }

    private static ObjectNode withFuse(boolean deny, String... args) {
        ObjectNode c = t.config(args);
        ArrayNode mounts = (ArrayNode) c.get("mounts");
        ObjectNode m = mounts.addObject();
        m.put("destination", "/dev/fuse").put("type", "bind").put("source", "/dev/fuse");
        m.putArray("options").add("bind");
        ArrayNode devices = resources(c).putArray("devices");
        devices.addObject().put("allow", false).put("access", "rwm");
        devices.addObject().put("allow", true).put("type", "c").put("major", 10).put("minor", 229).put("access", "rwm");
        if (deny) {
            devices.addObject().put("allow", false).put("type", "c").put("major", 10).put("minor", 229).put("access", "rwm");
        }
        return c;
    }

    @Test
    void pauseFreezesACountingProcessAndResumeThawsIt() throws Exception {
        String id = t.uniqueId("freeze");
        Path count = t.inRootfs("/tmp/" + id);
        t.runDetached(id, t.config("sh", "-c",
                "i=0; while true; i=$((i+1)); do echo $i > /tmp/" + id + ".new; mv /tmp/" + id + ".new /tmp/" + id
                        + "; usleep 20000; done"));
        CgroupTestSupport.waitFor("the counter", Duration.ofSeconds(10), () -> counter(count) > 0);
        assertEquals("running", t.status(id));
        Result bad = t.jrunc("resume", id);
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("not paused") && bad.err().contains("running"), bad.toString());

        t.jrunc("pause", id).ok();
        assertEquals("paused", t.status(id));
        assertEquals("FROZEN", t.cgroupFile(id, "freezer", "freezer.state"));
        long frozenAt = counter(count);
        CgroupTestSupport.sleep(500);
        assertEquals(frozenAt, counter(count), "the counter moved while paused");
        Result again = t.jrunc("pause", id);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("paused"), again.toString());

        t.jrunc("resume", id).ok();
        assertEquals("running", t.status(id));
        CgroupTestSupport.waitFor("the counter to move after resume", Duration.ofSeconds(5),
                () -> counter(count) > frozenAt);
        t.remove(id);
    }

    @Test
    void aCreatedContainerPausesAndResumesToCreated() throws Exception {
        String id = t.uniqueId("pausecreated");
        Path out = t.inRootfs("/tmp/" + id);
        t.create(id, t.config("sh", "-c", "echo started > /tmp/" + id)).ok();
        t.jrunc("pause", id).ok();
        assertEquals("paused", t.status(id));
        assertEquals("FROZEN", t.cgroupFile(id, "freezer", "freezer.state"));
        Result start = t.jrunc("start", id);
        assertEquals(1, start.exit());
        assertTrue(start.err().contains("paused"), start.toString());
        t.jrunc("resume", id).ok();
        assertEquals("created", t.status(id));
        t.jrunc("start", id).ok();
        CgroupTestSupport.waitFor("the process to run", Duration.ofSeconds(10),
                () -> java.nio.file.Files.exists(out));
        t.remove(id);
    }

    @Test
    void deleteForceRemovesAPausedContainer() throws Exception {
        String id = t.uniqueId("pausedel");
        int pid = t.runDetached(id, t.config("sh", "-c", "sleep 1000 & sleep 1000"));
        t.jrunc("pause", id).ok();
        Result plain = t.jrunc("delete", id);
        assertEquals(1, plain.exit());
        assertTrue(plain.err().contains("paused"), plain.toString());
        t.remove(id);
        assertFalse(CgroupTestSupport.alive(pid));
    }

    @Test
    void pauseOfAStoppedContainerNamesItsState() throws Exception {
        String id = t.uniqueId("stopped");
        t.runDetached(id, t.config("true"));
        CgroupTestSupport.waitFor("the container to stop", Duration.ofSeconds(10),
                () -> statusQuietly(id).equals("stopped"));
        Result r = t.jrunc("pause", id);
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("not running") && r.err().contains("stopped"), r.toString());
        t.remove(id);
    }

    @Test
    void updateChangesARunningContainersLimitsAndSavesThem() throws Exception {
        String id = t.uniqueId("update");
        t.runDetached(id, limited(32 * MIB, 10, "sleep", "1000"));
        assertEquals(Long.toString(32 * MIB), t.cgroupFile(id, "memory", "memory.limit_in_bytes"));

        t.jrunc("update", id, "--memory", "64m", "--pids-limit", "20", "--cpu-shares", "256").ok();
        assertEquals(Long.toString(64 * MIB), t.cgroupFile(id, "memory", "memory.limit_in_bytes"));
        assertEquals("20", t.cgroupFile(id, "pids", "pids.max"));
        assertEquals("256", t.cgroupFile(id, "cpu", "cpu.shares"));
        JsonNode saved = t.stateFile(id).get("config").get("linux").get("resources");
        assertEquals(64 * MIB, saved.get("memory").get("limit").asLong());
        assertEquals(20, saved.get("pids").get("limit").asLong());
        assertEquals(256, saved.get("cpu").get("shares").asLong());

        byte[] doc = "{\"memory\":{\"limit\":100663296},\"cpu\":{\"quota\":20000,\"period\":100000}}"
                .getBytes(StandardCharsets.UTF_8);
        t.jruncIn(doc, "update", "--resources", "-", id).ok();
        assertEquals("100663296", t.cgroupFile(id, "memory", "memory.limit_in_bytes"));
        assertEquals("20000", t.cgroupFile(id, "cpu", "cpu.cfs_quota_us"));
        assertEquals("100000", t.cgroupFile(id, "cpu", "cpu.cfs_period_us"));
        saved = t.stateFile(id).get("config").get("linux").get("resources");
        assertEquals(100663296L, saved.get("memory").get("limit").asLong());
        assertEquals(256, saved.get("cpu").get("shares").asLong(), "earlier values stay");

        Result bad = t.jrunc("update", id, "--memory", "12q");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("memory"), bad.toString());
        t.remove(id);
    }

    @Test
    void cpuAndCpusetLimitsReadBack() throws Exception {
        String id = t.uniqueId("cpu");
        ObjectNode c = t.config("sh", "-c",
                "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us"
                        + " /sys/fs/cgroup/cpuset/cpuset.cpus > /tmp/" + id + "; sleep 1000");
        sub(resources(c), "cpu").put("shares", 512).put("quota", 50000).put("period", 100000)
                .put("cpus", "0").put("mems", "0");
        Path out = t.inRootfs("/tmp/" + id);
        t.runDetached(id, c);
        CgroupTestSupport.waitFor("the container's report", Duration.ofSeconds(10),
                () -> Files.exists(out) && lines(out).size() == 4);
        assertEquals(List.of("512", "50000", "100000", "0"), lines(out));
        assertEquals("512", t.cgroupFile(id, "cpu", "cpu.shares"));
        assertEquals("50000", t.cgroupFile(id, "cpu", "cpu.cfs_quota_us"));
        assertEquals("100000", t.cgroupFile(id, "cpu", "cpu.cfs_period_us"));
        assertEquals("0", t.cgroupFile(id, "cpuset", "cpuset.cpus"));
        assertEquals("0", t.cgroupFile(id, "cpuset", "cpuset.mems"));
        t.remove(id);
    }

    @Test
    void blkioWeightReadsBack() throws Exception {
        assumeTrue(CgroupTestSupport.isV1("blkio"), "needs the cgroup v1 blkio hierarchy");
        String id = t.uniqueId("blkio");
        t.runDetached(id, t.config("sleep", "1000"));
        Path dir = t.cgroupDir(id, "blkio");
        // the root cgroup has no weight file: look in the container's
        String file = Files.exists(dir.resolve("blkio.weight")) ? "blkio.weight"
                : Files.exists(dir.resolve("blkio.bfq.weight")) ? "blkio.bfq.weight" : null;
        if (file == null) t.remove(id);
        assumeTrue(file != null, "this kernel has neither blkio.weight nor blkio.bfq.weight");
        t.jrunc("update", "--blkio-weight", "400", id).ok();
        assertTrue(t.cgroupFile(id, "blkio", file).matches("(default )?400"), t.cgroupFile(id, "blkio", file));
        t.remove(id);

        String id2 = t.uniqueId("blkio");
        ObjectNode c = t.config("sleep", "1000");
        sub(resources(c), "blockIO").put("weight", 300);
        t.runDetached(id2, c);
        assertTrue(t.cgroupFile(id2, "blkio", file).matches("(default )?300"), t.cgroupFile(id2, "blkio", file));
        t.remove(id2);
    }

    @Test
    void theOtherMemoryCpuAndBlkioFieldsReadBackOnV1() throws Exception {
        assumeTrue(CgroupTestSupport.isV1("memory") && CgroupTestSupport.isV1("cpu") && CgroupTestSupport.isV1("blkio"),
                "needs the cgroup v1 memory, cpu and blkio hierarchies");
        String[] disk = blockDevice();
        assumeTrue(disk != null, "needs a block device to throttle");
        String id = t.uniqueId("v1all");
        ObjectNode c = t.config("sleep", "1000");
        ObjectNode r = resources(c);
        sub(r, "memory").put("limit", 64 * MIB).put("reservation", 32 * MIB).put("swap", 128 * MIB)
                .put("kernelTCP", 16 * MIB).put("swappiness", 10).put("disableOOMKiller", true);
        sub(r, "cpu").put("shares", 256).put("quota", 20000).put("period", 100000).put("burst", 10000)
                .put("realtimePeriod", 1000000).put("realtimeRuntime", 10000);
        ObjectNode io = sub(r, "blockIO");
        io.putArray("throttleReadBpsDevice").addObject().put("major", Long.parseLong(disk[0]))
                .put("minor", Long.parseLong(disk[1])).put("rate", MIB);
        io.putArray("throttleWriteIOPSDevice").addObject().put("major", Long.parseLong(disk[0]))
                .put("minor", Long.parseLong(disk[1])).put("rate", 100);
        t.runDetached(id, c);
        assertEquals(Long.toString(64 * MIB), t.cgroupFile(id, "memory", "memory.limit_in_bytes"));
        assertEquals(Long.toString(32 * MIB), t.cgroupFile(id, "memory", "memory.soft_limit_in_bytes"));
        assertEquals(Long.toString(128 * MIB), t.cgroupFile(id, "memory", "memory.memsw.limit_in_bytes"));
        assertEquals(Long.toString(16 * MIB), t.cgroupFile(id, "memory", "memory.kmem.tcp.limit_in_bytes"));
        assertEquals("10", t.cgroupFile(id, "memory", "memory.swappiness"));
        assertTrue(t.cgroupFile(id, "memory", "memory.oom_control").contains("oom_kill_disable 1"));
        assertEquals("256", t.cgroupFile(id, "cpu", "cpu.shares"));
        assertEquals("20000", t.cgroupFile(id, "cpu", "cpu.cfs_quota_us"));
        assertEquals("10000", t.cgroupFile(id, "cpu", "cpu.cfs_burst_us"));
        assertEquals("1000000", t.cgroupFile(id, "cpu", "cpu.rt_period_us"));
        assertEquals("10000", t.cgroupFile(id, "cpu", "cpu.rt_runtime_us"));
        String dev = disk[0] + ":" + disk[1];
        assertEquals(dev + " " + MIB, t.cgroupFile(id, "blkio", "blkio.throttle.read_bps_device"));
        assertEquals(dev + " 100", t.cgroupFile(id, "blkio", "blkio.throttle.write_iops_device"));
        t.remove(id);
    }

    /** major and minor of a whole disk on this machine (/sys/block/NAME/dev), or null. */
    private static String[] blockDevice() throws java.io.IOException {
        try (var disks = Files.list(Path.of("/sys/block"))) {
            for (Path d : disks.sorted().toList()) {
                String name = d.getFileName().toString();
                if (name.startsWith("loop") || name.startsWith("ram") || !Files.exists(d.resolve("dev"))) continue;
                return Files.readString(d.resolve("dev")).trim().split(":");
            }
        }
        return null;
    }

    @Test
    void aControllerThisHostLacksIsAnErrorNamingTheField() throws Exception {
        assumeTrue(!CgroupTestSupport.isV1("net_cls") && !Files.exists(Path.of("/sys/fs/cgroup/net_cls,net_prio")),
                "needs a host without the net_cls hierarchy");
        ObjectNode c = t.config("true");
        sub(resources(c), "network").put("classID", 0x100001);
        badCreate(c, "linux.resources.network.classID");
    }

    @Test
    void badValuesFailCreateNamingTheFieldAndLeaveNothing() throws Exception {
        ObjectNode negShares = t.config("true");
        sub(resources(negShares), "cpu").put("shares", -1);
        badCreate(negShares, "shares");

        ObjectNode openRange = t.config("true");
        sub(resources(openRange), "cpu").put("cpus", "0-");
        badCreate(openRange, "cpus");

        ObjectNode badType = t.config("true");
        resources(badType).putArray("devices").addObject().put("allow", false).put("type", "x").put("access", "rwm");
        badCreate(badType, "devices");
    }

    private static void badCreate(ObjectNode config, String field) throws Exception {
        String id = t.uniqueId("bad");
        Result r = t.create(id, config);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(field), "the message names " + field + ": " + r);
        t.assertNothingLeft(id);
    }

    @Test
    void psListsTheInitAndItsChild() throws Exception {
        String id = t.uniqueId("ps");
        int pid = t.runDetached(id, t.config("sh", "-c", "sleep 1000 & sleep 1000"));
        CgroupTestSupport.waitFor("two processes", Duration.ofSeconds(10), () -> psJson(id).size() >= 2);
        List<Long> pids = psJson(id);
        assertTrue(pids.contains((long) pid), "init " + pid + " in " + pids);
        Result table = t.jrunc("ps", id).ok();
        String[] rows = table.out().split("\n");
        assertTrue(rows[0].contains("PID"), table.out());
        assertEquals(pids.size() + 1, rows.length, table.out());
        Result custom = t.jrunc("ps", id, "-o", "pid,comm").ok();
        assertTrue(custom.out().contains("sleep"), custom.out());
        t.remove(id);
    }

    @Test
    void killAllSignalsABackgroundChildToo() throws Exception {
        String id = t.uniqueId("killall");
        int pid = t.runDetached(id, t.config("sh", "-c", "sleep 1000 & wait"));
        CgroupTestSupport.waitFor("the child", Duration.ofSeconds(10), () -> psJson(id).size() == 2);
        long child = psJson(id).stream().filter(p -> p != pid).findFirst().orElseThrow();
        t.jrunc("kill", "--all", id, "KILL").ok();
        CgroupTestSupport.waitFor("the child to die", Duration.ofSeconds(10), () -> !CgroupTestSupport.alive(child));
        CgroupTestSupport.waitFor("the init to die", Duration.ofSeconds(10), () -> !CgroupTestSupport.alive(pid));
        assertEquals("stopped", t.status(id));
        t.jrunc("delete", id).ok();
        t.assertNothingLeft(id);
    }

    @Test
    void killAllWithTermReachesTheChildWhileTheInitIgnoresIt() throws Exception {
        // the init is PID 1 of its namespace: without a handler, SIGTERM from outside is ignored
        String id = t.uniqueId("killterm");
        int pid = t.runDetached(id, t.config("sh", "-c", "sleep 1000 & wait; sleep 1000"));
        CgroupTestSupport.waitFor("the child", Duration.ofSeconds(10), () -> psJson(id).size() == 2);
        long child = psJson(id).stream().filter(p -> p != pid).findFirst().orElseThrow();
        t.jrunc("kill", "--all", id, "TERM").ok();
        CgroupTestSupport.waitFor("the child to die", Duration.ofSeconds(10), () -> !CgroupTestSupport.alive(child));
        assertTrue(CgroupTestSupport.alive(pid));
        assertEquals("running", t.status(id));
        t.remove(id);
    }

    @Test
    void deleteForceKillsARunningContainerWithChildren() throws Exception {
        String id = t.uniqueId("forcedel");
        int pid = t.runDetached(id, t.config("sh", "-c", "sleep 1000 & sleep 1000 & wait"));
        CgroupTestSupport.waitFor("the children", Duration.ofSeconds(10), () -> psJson(id).size() == 3);
        List<Long> all = psJson(id);
        Result plain = t.jrunc("delete", id);
        assertEquals(1, plain.exit());
        assertTrue(plain.err().contains("running"), plain.toString());
        t.remove(id);
        for (long p : all) assertFalse(CgroupTestSupport.alive(p), "process " + p + " survived delete --force");
        assertNotEquals(0, pid);
    }

    private static List<Long> psJson(String id) {
        Result r = t.jrunc("ps", "--format", "json", id);
        if (r.exit() != 0) return List.of();
        List<Long> out = new ArrayList<>();
        try {
            for (JsonNode n : JSON.readTree(r.out())) out.add(n.asLong());
        } catch (java.io.IOException e) {
            throw new AssertionError(r.toString(), e);
        }
        return out;
    }

    private static String statusQuietly(String id) {
        try {
            return t.status(id);
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static long counter(Path f) {
        try {
            String s = Files.readString(f).trim();
            return s.isEmpty() ? 0 : Long.parseLong(s);
        } catch (Exception e) {
            return 0;
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        } catch (Exception e) {
            return List.of();
        }
    }
}
