package dev.jrunc.conformance;

import static dev.jrunc.conformance.CgroupTestSupport.JSON;
import static dev.jrunc.conformance.CgroupTestSupport.resources;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.conformance.CgroupTestSupport.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * jrunc never harms the host's cgroups or another container's processes: dangerous
 * linux.cgroupsPath values are refused; delete and the undo of a failed create remove only
 * what jrunc made; a shared cgroup survives until the last container using it is deleted; a
 * frozen cgroup is refused at once; `exec --cgroup` stays inside the container's cgroup; empty
 * v1 cpuset parents are filled; a device node gets no rule of its own. Every test works under a
 * cgroup parent of its own ({@link TestCgroupParent}) and checks its siblings survive.
 */
class CgroupSafetyIT {
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

    private static ObjectNode at(ObjectNode config, String cgroupsPath) {
        ((ObjectNode) config.get("linux")).put("cgroupsPath", cgroupsPath);
        return config;
    }

    /** This JVM's (and so jrunc's) cgroup in the memory hierarchy. */
    private static String ownMemoryCgroup() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) return f[2];
        }
        return "/";
    }

    private static String procs(Path cgroup) throws IOException {
        return Files.readString(cgroup.resolve("cgroup.procs")).trim();
    }

    @Test
    void cgroupsPathsReachingARootOrJruncsOwnCgroupAreRefusedAndHarmNothing() throws Exception {
        try (TestCgroupParent p = new TestCgroupParent()) {
            Process sibling = p.sleeper("sibling");
            List<String> before = p.tree();
            List<String> paths = new ArrayList<>(List.of("..", "/", ".", "a/..", "/..", "../..", p.path("..")));
            String own = ownMemoryCgroup();
            if (!own.equals("/")) {
                paths.add(own);
                String parent = own.substring(0, own.lastIndexOf('/'));
                if (!parent.isEmpty()) paths.add(parent);
            }
            for (String path : paths) {
                String id = t.uniqueId("refused");
                Result r = t.create(id, at(t.config("true"), path));
                assertEquals(1, r.exit(), r.toString());
                assertTrue(r.err().contains("$.linux.cgroupsPath: \"" + path + "\" resolves to "), r.toString());
                assertTrue(r.err().contains("jrunc never places a container there"), r.toString());
                assertFalse(r.err().contains("\tat "), "no stack trace: " + r);
                t.assertNothingLeft(id);
            }
            assertEquals(before, p.tree());
            assertTrue(sibling.isAlive());
            assertEquals(Long.toString(sibling.pid()), procs(p.dir("memory", "sibling")));
        }
    }

    @Test
    void deleteAndUndoRemoveOnlyTheCgroupsJruncMade() throws Exception {
        try (TestCgroupParent p = new TestCgroupParent()) {
            Process sibling = p.sleeper("sibling");
            p.make("pre");
            // (only where it does not stop the container's own limits: a v1 devices cgroup with
            // children cannot be reset to deny-all)
            p.makeIn(TestCgroupParent.CGROUP_ROOT.resolve("memory"), "pre/keep");
            p.makeIn(TestCgroupParent.CGROUP_ROOT.resolve("pids"), "pre/keep");
            List<String> before = p.tree();

            // a cgroup jrunc makes goes with the container
            String made = t.uniqueId("made");
            t.runDetached(made, at(t.config("sleep", "1000"), p.path("new")));
            for (Path m : p.mounts.values()) assertTrue(Files.isDirectory(p.dir(m, "new")), m.toString());
            t.remove(made);
            assertEquals(before, p.tree());

            // a pre-existing one stays, with the sub-cgroup it held; the container's processes go
            String inPre = t.uniqueId("inpre");
            int init = t.runDetached(inPre, at(t.config("sh", "-c", "sleep 1000 & sleep 1000"), p.path("pre")));
            // the shell forks its background sleep in its own time after start
            List<Long> pids = pidsIn(p.dir("pids", "pre"));
            for (long end = System.nanoTime() + 10_000_000_000L; pids.size() < 2 && System.nanoTime() < end; ) {
                Thread.sleep(50);
                pids = pidsIn(p.dir("pids", "pre"));
            }
            assertTrue(pids.size() >= 2 && pids.contains((long) init), pids.toString());
            t.remove(inPre);
            for (long pid : pids) assertFalse(CgroupTestSupport.alive(pid), "process " + pid + " survived delete");
            assertEquals(before, p.tree());

            // the undo of a failed create: the same, for a new and for a pre-existing cgroup
            for (String where : List.of("new2", "pre")) {
                String bad = t.uniqueId("undo");
                ObjectNode c = at(t.config("true"), p.path(where));
                CgroupTestSupport.sub(resources(c), "cpu").put("shares", -1);
                Result r = t.create(bad, c);
                assertEquals(1, r.exit(), r.toString());
                assertTrue(r.err().contains("shares"), r.toString());
                t.assertNothingLeft(bad);
                assertEquals(before, p.tree(), where);
            }
            assertTrue(sibling.isAlive());
            assertEquals(Long.toString(sibling.pid()), procs(p.dir("memory", "sibling")));
            assertEquals(List.of(), p.registryEntries());
        }
    }

    @Test
    void twoRootsSharingACgroupNeverKillOrRemoveEachOthersInEitherOrder() throws Exception {
        // a makes the shared cgroup, b joins it; then either a or b is killed and deleted first
        for (boolean creatorGoesFirst : new boolean[] {true, false}) {
            try (TestCgroupParent p = new TestCgroupParent()) {
                Process sibling = p.sleeper("sibling");
                List<String> before = p.tree();
                Path rootA = t.root();
                Path rootB = t.root().resolveSibling("root-b");
                String a = t.uniqueId("share-a");
                String b = t.uniqueId("share-b");
                Path log = rootB.resolveSibling(b + ".log");

                try {
                    shareAndDelete(p, creatorGoesFirst, rootA, rootB, a, b, log);
                } finally {
                    t.jruncAt(rootA, Map.of(), Duration.ofSeconds(60), "delete", "--force", a);
                    t.jruncAt(rootB, Map.of(), Duration.ofSeconds(60), "delete", "--force", b);
                }
                assertEquals(before, p.tree(), "everything jrunc made is gone");
                assertEquals(List.of(), p.registryEntries());
                assertFalse(Files.exists(rootA.resolve(a)) || Files.exists(rootB.resolve(b)));
                assertTrue(sibling.isAlive());
            }
        }
    }

    private static void shareAndDelete(TestCgroupParent p, boolean creatorGoesFirst, Path rootA, Path rootB, String a,
            String b, Path log) throws IOException {
        String shared = p.path("shared");
        String threeProcesses = "sleep 1000 & sleep 1000 & wait";
        t.jruncAt(rootA, Map.of(), Duration.ofSeconds(60), "run", "--detach", "--bundle",
                t.bundle(a, at(t.config("sh", "-c", threeProcesses), shared)).toString(), a).ok();
        Result rb = t.jruncAt(rootB, Map.of(), Duration.ofSeconds(60), "--log", log.toString(), "run",
                "--detach", "--bundle", t.bundle(b, at(t.config("sh", "-c", threeProcesses), shared)).toString(), b).ok();
        // the second container is told it shares a cgroup that already holds processes
        assertTrue(rb.err().contains("already holds processes"), rb.toString());
        assertTrue(Files.readString(log).contains("already holds processes"), Files.readString(log));
        Path sharedPids = p.dir("pids", "shared");
        int initA = pidAt(rootA, a);
        int initB = pidAt(rootB, b);
        CgroupTestSupport.waitFor("three processes in each container", Duration.ofSeconds(10),
                () -> inPidNamespaceOf(initA, pidsIn(sharedPids)).size() == 3
                        && inPidNamespaceOf(initB, pidsIn(sharedPids)).size() == 3);
        List<Long> procsA = inPidNamespaceOf(initA, pidsIn(sharedPids));
        List<Long> procsB = inPidNamespaceOf(initB, pidsIn(sharedPids));

        Path firstRoot = creatorGoesFirst ? rootA : rootB;
        Path secondRoot = creatorGoesFirst ? rootB : rootA;
        String first = creatorGoesFirst ? a : b;
        String second = creatorGoesFirst ? b : a;
        List<Long> firstProcs = creatorGoesFirst ? procsA : procsB;
        List<Long> secondProcs = creatorGoesFirst ? procsB : procsA;

        // kill --all reaches only the container's own processes
        t.jruncAt(firstRoot, Map.of(), Duration.ofSeconds(60), "kill", "--all", first, "KILL").ok();
        CgroupTestSupport.waitFor(first + "'s processes to die", Duration.ofSeconds(10),
                () -> firstProcs.stream().noneMatch(CgroupTestSupport::alive));
        for (long pid : secondProcs) {
            assertTrue(CgroupTestSupport.alive(pid), second + "'s " + pid + " killed by kill --all " + first);
        }
        t.jruncAt(firstRoot, Map.of(), Duration.ofSeconds(60), "delete", "--force", first).ok();
        for (long pid : secondProcs) {
            assertTrue(CgroupTestSupport.alive(pid), second + "'s " + pid + " killed by delete --force " + first);
        }
        for (Path m : p.mounts.values()) {
            assertTrue(Files.isDirectory(p.dir(m, "shared")), "removed while " + second + " uses it: " + m);
        }
        t.jruncAt(secondRoot, Map.of(), Duration.ofSeconds(60), "delete", "--force", second).ok();
        for (long pid : secondProcs) assertFalse(CgroupTestSupport.alive(pid), "process " + pid + " survived its delete");
    }

    private static int pidAt(Path root, String id) throws IOException {
        return JSON.readTree(t.jruncAt(root, Map.of(), Duration.ofSeconds(60), "state", id).ok().out()).get("pid").asInt();
    }

    private static List<Long> pidsIn(Path cgroup) {
        List<Long> out = new ArrayList<>();
        for (String line : read(cgroup.resolve("cgroup.procs")).split("\n")) {
            if (!line.isBlank()) out.add(Long.parseLong(line.trim()));
        }
        return out;
    }

    private static List<Long> inPidNamespaceOf(long init, List<Long> pids) {
        String ns;
        try {
            ns = Files.readSymbolicLink(Path.of("/proc/" + init + "/ns/pid")).toString();
        } catch (IOException e) {
            return List.of();
        }
        List<Long> out = new ArrayList<>();
        for (long pid : pids) {
            try {
                if (Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString().equals(ns)) out.add(pid);
            } catch (IOException e) {
                // exited
            }
        }
        return out;
    }

    @Test
    void aFrozenCgroupIsRefusedAtOnceNamingIt() throws Exception {
        assumeTrue(CgroupTestSupport.isV1("freezer"), "needs the v1 freezer");
        try (TestCgroupParent p = new TestCgroupParent()) {
            Path cold = p.dir("freezer", "cold");
            TestCgroupParent.mkdir(cold);
            Files.writeString(cold.resolve("freezer.state"), "FROZEN");
            CgroupTestSupport.waitFor("the test cgroup to freeze", Duration.ofSeconds(5),
                    () -> read(cold.resolve("freezer.state")).equals("FROZEN"));
            List<String> before = p.tree();
            String id = t.uniqueId("frozen");
            long start = System.nanoTime();
            Result r = t.jruncAt(t.root(), Map.of(), Duration.ofSeconds(30), "create", "--bundle",
                    t.bundle(id, at(t.config("true"), p.path("cold"))).toString(), id);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("$.linux.cgroupsPath: cgroup " + cold + " is frozen"), r.toString());
            assertTrue(System.nanoTime() - start < 15_000_000_000L, "refused at once");
            assertFalse(Files.exists(t.root().resolve(id)));
            assertEquals(before, p.tree(), "nothing made in the other hierarchies");
            assertEquals("", procs(cold), "no process left in the frozen cgroup");
            assertEquals(List.of(), p.registryEntries());

            // a new cgroup under the frozen one: refused before it is made, in any hierarchy
            String under = t.uniqueId("frozen");
            long start2 = System.nanoTime();
            Result r2 = t.jruncAt(t.root(), Map.of(), Duration.ofSeconds(30), "create", "--bundle",
                    t.bundle(under, at(t.config("true"), p.path("cold/ctr"))).toString(), under);
            assertEquals(1, r2.exit(), r2.toString());
            assertTrue(r2.err().contains("$.linux.cgroupsPath: the new cgroup's parent " + cold + " is frozen"), r2.toString());
            assertFalse(r2.err().contains("\tat "), r2.toString());
            assertTrue(System.nanoTime() - start2 < 15_000_000_000L, "refused at once");
            assertFalse(Files.exists(t.root().resolve(under)));
            assertEquals(before, p.tree(), "no cgroup made under the frozen one, nor elsewhere");
            assertEquals("", procs(cold), "no process left in the frozen cgroup");
            assertEquals(List.of(), p.registryEntries());
        }
    }

    @Test
    void execCgroupRunsInASubCgroupAndNeverOutsideTheContainers() throws Exception {
        try (TestCgroupParent p = new TestCgroupParent()) {
            String id = t.uniqueId("execcg");
            String ctr = p.path("ctr");
            t.runDetached(id, at(t.config("sleep", "1000"), ctr));
            TestCgroupParent.mkdir(p.dir("memory", "ctr/sub"));

            Map<String, String> one = cgroupLines(t.jrunc("exec", "--cgroup", "memory:sub", id,
                    "cat", "/proc/self/cgroup").ok().out());
            assertEquals(ctr + "/sub", one.get("memory"), one.toString());
            assertEquals(ctr, one.get("pids"), one.toString());
            assertEquals(ctr, one.get("cpu"), one.toString());

            // one path for every hierarchy: the sub-cgroup must exist in each
            for (Path m : p.mounts.values()) {
                if (!Files.isDirectory(p.dir(m, "ctr/sub"))) p.makeIn(m, "ctr/sub");
            }
            Map<String, String> all = cgroupLines(t.jrunc("exec", "--cgroup", "sub", id, "cat", "/proc/self/cgroup")
                    .ok().out());
            for (var e : all.entrySet()) assertEquals(ctr + "/sub", e.getValue(), "hierarchy " + e.getKey() + ": " + all);

            for (String escape : List.of("..", "../sibling", "/../..", "memory:sub/../..")) {
                Result r = t.jrunc("exec", "--cgroup", escape, id, "true");
                assertEquals(255, r.exit(), r.toString());
                assertTrue(r.err().contains("--cgroup " + escape + ": ") && r.err().contains("outside the container's cgroup"),
                        r.toString());
            }
            Result missing = t.jrunc("exec", "--cgroup", "memory:nosuch", id, "true");
            assertEquals(255, missing.exit(), missing.toString());
            assertTrue(missing.err().contains("no sub-cgroup " + p.dir("memory", "ctr/nosuch")), missing.toString());
            // the sub-cgroups made in the container's cgroup go with it
            t.remove(id);
            for (Path m : p.mounts.values()) assertFalse(Files.exists(p.dir(m, "ctr")), m.toString());
        }
    }

    /** /proc/self/cgroup as hierarchy name (first controller, or "" for cgroup2) to path. */
    private static Map<String, String> cgroupLines(String out) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(":", 3);
            if (f.length == 3) m.put(f[1].split(",")[0], f[2]);
        }
        return m;
    }

    @Test
    void emptyCpusetParentsAreFilledAndSetOnesKept() throws Exception {
        assumeTrue(CgroupTestSupport.isV1("cpuset"), "needs the v1 cpuset hierarchy");
        try (TestCgroupParent p = new TestCgroupParent()) {
            String all = read(p.dir("cpuset", "").resolve("cpuset.cpus"));
            // a pod cgroup an engine made: a new v1 cpuset cgroup has empty cpus and mems
            Path pod = p.makeEmptyCpuset("pod");
            assertEquals("", read(pod.resolve("cpuset.cpus")));
            String id = t.uniqueId("cpuset");
            Result r = t.runToEnd(id, at(t.config("cat", "/sys/fs/cgroup/cpuset/cpuset.cpus"), p.path("pod/ctr")));
            assertEquals(0, r.exit(), r.toString());
            assertEquals(all, r.out().trim());
            assertEquals(all, read(pod.resolve("cpuset.cpus")));
            assertFalse(read(pod.resolve("cpuset.mems")).isEmpty());
            t.assertNothingLeft(id);

            // a parent narrowed on purpose keeps its value, and the container inherits it
            Path narrow = p.makeEmptyCpuset("narrow");
            Files.writeString(narrow.resolve("cpuset.cpus"), "0");
            Files.writeString(narrow.resolve("cpuset.mems"), read(p.dir("cpuset", "").resolve("cpuset.mems")));
            String id2 = t.uniqueId("cpuset");
            Result r2 = t.runToEnd(id2, at(t.config("cat", "/sys/fs/cgroup/cpuset/cpuset.cpus"), p.path("narrow/ctr")));
            assertEquals(0, r2.exit(), r2.toString());
            assertEquals("0", r2.out().trim());
            assertEquals("0", read(narrow.resolve("cpuset.cpus")));
            t.assertNothingLeft(id2);
        }
    }

    @Test
    void aDeviceNodeOfLinuxDevicesIsUsableOnlyIfTheRulesAllowIt() throws Exception {
        // /dev/kmsg (c 1:11) made in the container; the config's rules deny every device
        String denied = t.uniqueId("kmsg");
        Result r = t.runToEnd(denied, withKmsg(false, "sh", "-c", "echo x > /dev/kmsg && echo wrote"));
        assertTrue(r.all().contains("Operation not permitted"), r.toString());
        assertFalse(r.out().contains("wrote"), r.toString());
        t.assertNothingLeft(denied);

        // allowed by a rule, the same node opens for writing (nothing is written)
        String allowed = t.uniqueId("kmsg");
        Result r2 = t.runToEnd(allowed, withKmsg(true, "sh", "-c", "exec 3>/dev/kmsg && echo opened"));
        assertTrue(r2.out().contains("opened"), r2.toString());
        t.assertNothingLeft(allowed);
    }

    private static ObjectNode withKmsg(boolean allow, String... args) {
        ObjectNode c = t.config(args);
        ObjectNode linux = (ObjectNode) c.get("linux");
        ArrayNode devs = linux.has("devices") ? (ArrayNode) linux.get("devices") : linux.putArray("devices");
        devs.addObject().put("path", "/dev/kmsg").put("type", "c").put("major", 1).put("minor", 11)
                .put("fileMode", 0666).put("uid", 0).put("gid", 0);
        ArrayNode rules = resources(c).putArray("devices");
        rules.addObject().put("allow", false).put("access", "rwm");
        if (allow) rules.addObject().put("allow", true).put("type", "c").put("major", 1).put("minor", 11).put("access", "w");
        return c;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
