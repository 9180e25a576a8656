package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Resources.DeviceRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jrunc never harms the host's cgroups: it refuses to place a container in a hierarchy's root,
 * its own cgroup or an ancestor of it; removes only what it made; leaves other containers'
 * processes and a frozen cgroup alone; fills empty cpuset ancestors; keeps exec inside the
 * container's cgroup; and allows only the configured and the standard devices.
 */
class CgroupSafetyTest {
    @TempDir
    Path tmp;

    /** Every file and directory under the fake mounts, to show that nothing changed. */
    private List<String> tree() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.map(p -> tmp.relativize(p).toString()).filter(p -> !p.startsWith(".jrunc-cgroups")).sorted().toList();
        }
    }

    private CgroupException refused(FakeHost host, String cgroupsPath, boolean systemd) throws IOException {
        List<String> before = tree();
        CgroupException e = assertThrows(CgroupException.class,
                () -> CgroupManager.forContainer(host.layout(), cgroupsPath, "ctr", systemd, host.fs).create(host.registry),
                cgroupsPath);
        assertTrue(e.getMessage().startsWith("$.linux.cgroupsPath: \"" + cgroupsPath + "\" resolves to "), e.getMessage());
        assertEquals(before, tree(), "nothing made for " + cgroupsPath);
        assertTrue(host.fs.writes.isEmpty(), "nothing written for " + cgroupsPath + ": " + host.fs.writes);
        return e;
    }

    @Test
    void pathsThatReachTheRootOfAHierarchyAreRefused() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        for (String p : List.of("..", "/", ".", "a/..", "/..", "/a/../..", "../../..")) {
            CgroupException e = refused(host, p, false);
            assertTrue(e.getMessage().contains("the root of the"), e.getMessage());
        }
        // the default (the id) and an ordinary path are fine
        assertEquals(tmp.resolve("memory/ctr"), host.manager(null, "ctr").paths().get("memory"));
        assertEquals(tmp.resolve("memory/ctr"), host.manager("", "ctr").paths().get("memory"));
    }

    @Test
    void jruncsOwnCgroupAndItsAncestorsAreRefused() throws IOException {
        // on the hybrid fake, jrunc runs in /process_api/abc in the memory hierarchy
        FakeHost host = FakeHost.hybridHost(tmp);
        Files.createDirectories(tmp.resolve("memory/process_api/abc"));
        refused(host, ".", false);
        refused(host, "x/..", false);
        CgroupException own = refused(host, "/process_api/abc", false);
        assertTrue(own.getMessage().contains("jrunc's own cgroup in the memory hierarchy"), own.getMessage());
        CgroupException up = refused(host, "/process_api", false);
        assertTrue(up.getMessage().contains("an ancestor of jrunc's own cgroup"), up.getMessage());
        // below jrunc's own cgroup is where a relative path goes
        assertEquals(tmp.resolve("memory/process_api/abc/x"), host.manager("x", "ctr").paths().get("memory"));
    }

    @Test
    void onCgroupV2ARelativePathCannotClimbToTheParentItHangsOff() throws IOException {
        // pure v2: relative paths hang off the parent of jrunc's own cgroup (/user.slice/user@0.service)
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupException e = refused(host, "..", false);
        assertTrue(e.getMessage().contains("an ancestor of jrunc's own cgroup"), e.getMessage());
        refused(host, "/user.slice", false);
        refused(host, "/user.slice/user@0.service", false);
        assertEquals(tmp.resolve("user.slice/ctr"), host.manager(null, "ctr").paths().get(""));
    }

    @Test
    void theSystemdFormIsCheckedToo() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        // "-.slice" is the root slice; a unit named like a slice is the cgroup itself
        CgroupException e = refused(host, "-.slice::user.slice", true);
        assertTrue(e.getMessage().contains("ancestor"), e.getMessage());
        assertEquals(tmp.resolve("system.slice/jrunc-ctr.scope"),
                CgroupManager.forContainer(host.layout(), null, "ctr", true, host.fs).paths().get(""));
    }

    @Test
    void aCgroupJruncDidNotMakeAndEverythingInItStay() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        host.fs.mkdir(tmp.resolve("memory/existing"));
        host.fs.mkdir(tmp.resolve("memory/existing/sibling"));
        CgroupManager m = host.created("/existing");
        assertFalse(m.createdDirs().contains(tmp.resolve("memory/existing")));
        assertTrue(m.createdDirs().contains(tmp.resolve("pids/existing")), "made where it was missing");
        host.destroy(m);
        assertTrue(Files.isDirectory(tmp.resolve("memory/existing/sibling")));
        assertTrue(Files.isDirectory(tmp.resolve("memory/existing")));
        assertFalse(Files.exists(tmp.resolve("pids/existing")));
    }

    @Test
    void aDirectoryRecordedAsJruncsButMadeAgainBySomeoneElseStays() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager m = host.created("/x");
        // removed and made again behind jrunc's back: cgroupfs gives the new one another inode
        Path entry = host.registry.entry(tmp.resolve("x"));
        Files.writeString(entry, tmp.resolve("x") + "\n" + (host.fs.inode(tmp.resolve("x")) + 1) + "\n");
        host.destroy(m);
        assertTrue(Files.isDirectory(tmp.resolve("x")));
        host.fs.rmdir(tmp.resolve("x"));
        // an entry whose directory is gone is dropped when looked at
        assertFalse(host.registry.locked(() -> host.registry.madeByJrunc(tmp.resolve("x"))));
        assertFalse(Files.exists(host.registry.entry(tmp.resolve("x"))));
    }

    @Test
    void aSharedCgroupStaysUntilTheLastContainerIsDeletedInEitherOrder() throws IOException {
        for (boolean firstGoesFirst : new boolean[] {true, false}) {
            Path root = Files.createDirectories(tmp.resolve(firstGoesFirst ? "one" : "two"));
            FakeHost host = FakeHost.v2Host(root);
            Path shared = root.resolve("parent/shared");
            CgroupManager a = host.created("/parent/shared");
            CgroupManager b = host.created("/parent/shared");
            assertEquals(List.of(), b.createdDirs());
            assertEquals(List.of(shared, root.resolve("parent")), b.joinedDirs());
            // a's init is pid 10, b's is 20: each is foreign to the other
            Files.writeString(shared.resolve("cgroup.procs"), "10\n20\n");
            CgroupManager first = firstGoesFirst ? a : b;
            CgroupManager second = firstGoesFirst ? b : a;
            long firstPid = firstGoesFirst ? 10 : 20;
            long secondPid = firstGoesFirst ? 20 : 10;
            List<Long> signalled = new ArrayList<>();
            first.killAll(9, (pid, sig) -> signalled.add(pid), pid -> pid == secondPid);
            assertEquals(List.of(firstPid), signalled, "only its own process");
            assertTrue(host.fs.writesTo(shared.resolve("cgroup.kill")).isEmpty(), "no cgroup.kill on a shared cgroup");
            assertTrue(host.fs.writesTo(shared.resolve("cgroup.freeze")).isEmpty(), "no freeze of a shared cgroup");
            Files.writeString(shared.resolve("cgroup.procs"), secondPid + "\n");
            first.destroy(host.registry, pid -> pid == secondPid);
            assertTrue(Files.isDirectory(shared), "the other container still lives in it");
            Files.writeString(shared.resolve("cgroup.procs"), "");
            second.destroy(host.registry, pid -> pid == firstPid);
            assertFalse(Files.exists(root.resolve("parent")), "the last one out removes what jrunc made");
            try (Stream<Path> entries = Files.list(host.registry.dir())) {
                assertEquals(List.of(".lock"), entries.map(p -> p.getFileName().toString()).toList());
            }
        }
    }

    @Test
    void subCgroupsOfACgroupJruncMadeGoWithIt() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        CgroupManager m = host.created("/ctr");
        host.fs.mkdir(tmp.resolve("memory/ctr/inner"));
        host.destroy(m);
        assertFalse(Files.exists(tmp.resolve("memory/ctr")));
    }

    @Test
    void killAllFreezesOnlyACgroupHoldingNothingButTheContainer() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        CgroupManager m = host.created("/ctr");
        Files.writeString(tmp.resolve("pids/ctr/cgroup.procs"), "5\n6\n");
        List<Long> seen = new ArrayList<>();
        m.killAll(15, (pid, sig) -> seen.add(pid), pid -> pid == 6);
        assertEquals(List.of(5L), seen);
        assertTrue(host.fs.writesTo(tmp.resolve("freezer/ctr/freezer.state")).isEmpty());
    }

    @Test
    void aFrozenCgroupIsRefusedBeforeAnythingIsMade() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        host.fs.mkdir(tmp.resolve("freezer/cold"));
        Files.writeString(tmp.resolve("freezer/cold/freezer.state"), "FROZEN\n");
        List<String> before = tree();
        CgroupManager m = host.manager("/cold", "ctr");
        CgroupException e = assertThrows(CgroupException.class, () -> m.create(host.registry));
        assertEquals("$.linux.cgroupsPath: cgroup " + tmp.resolve("freezer/cold") + " is frozen (freezer.state FROZEN):"
                + " a container placed there could never run; thaw it or use another cgroup", e.getMessage());
        assertEquals(before, tree());
        CgroupException under = assertThrows(CgroupException.class, () -> host.manager("/cold/ctr", "ctr").create(host.registry));
        assertTrue(under.getMessage().contains("the new cgroup's parent " + tmp.resolve("freezer/cold")), under.getMessage());
        assertEquals(before, tree());
    }

    @Test
    void aFrozenCgroupIsRefusedOnV2AndInTheHybridsUnifiedHierarchy() throws IOException {
        FakeHost v2 = FakeHost.v2Host(Files.createDirectories(tmp.resolve("v2")));
        v2.fs.mkdir(tmp.resolve("v2/cold"));
        Files.writeString(tmp.resolve("v2/cold/cgroup.events"), "populated 0\nfrozen 1\n");
        assertThrows(CgroupException.class, () -> v2.manager("/cold", "ctr").create(v2.registry));
        assertFalse(Files.exists(tmp.resolve("v2/cold/cgroup.procs").resolveSibling("ctr")));

        FakeHost hybrid = FakeHost.hybridHost(Files.createDirectories(tmp.resolve("hy")));
        hybrid.fs.mkdir(tmp.resolve("hy/unified/cold"));
        Files.writeString(tmp.resolve("hy/unified/cold/cgroup.freeze"), "1");
        CgroupException e = assertThrows(CgroupException.class, () -> hybrid.manager("/cold", "ctr").create(hybrid.registry));
        assertTrue(e.getMessage().contains(tmp.resolve("hy/unified/cold").toString()), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("hy/memory/cold")), "refused before the v1 side was made");
    }

    @Test
    void emptyCpusetAncestorsAreFilledFromTheTopAndSetOnesKept() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        // a pod cgroup an engine made: empty cpus and mems, as a new v1 cpuset cgroup starts
        host.fs.mkdir(tmp.resolve("cpuset/pod"));
        // another whose cpus were narrowed on purpose
        host.fs.mkdir(tmp.resolve("cpuset/narrow"));
        Files.writeString(tmp.resolve("cpuset/narrow/cpuset.cpus"), "1\n");
        Files.writeString(tmp.resolve("cpuset/narrow/cpuset.mems"), "0\n");
        host.created("/pod/mid/ctr");
        for (String d : List.of("pod", "pod/mid", "pod/mid/ctr")) {
            assertEquals("0-3", Files.readString(tmp.resolve("cpuset/" + d + "/cpuset.cpus")).trim(), d);
            assertEquals("0", Files.readString(tmp.resolve("cpuset/" + d + "/cpuset.mems")).trim(), d);
        }
        host.fs.writes.clear();
        host.created("/narrow/ctr");
        assertEquals("1", Files.readString(tmp.resolve("cpuset/narrow/cpuset.cpus")).trim());
        assertTrue(host.fs.writesTo(tmp.resolve("cpuset/narrow/cpuset.cpus")).isEmpty(), "a set value is never changed");
        assertEquals("1", Files.readString(tmp.resolve("cpuset/narrow/ctr/cpuset.cpus")).trim());
    }

    @Test
    void occupiedNamesTheDirectoriesThatHoldProcesses() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        host.fs.mkdir(tmp.resolve("busy"));
        Files.writeString(tmp.resolve("busy/cgroup.procs"), "77\n");
        assertEquals(List.of(tmp.resolve("busy")), host.created("/busy").occupied());
        assertEquals(List.of(), host.created("/quiet").occupied());
    }

    @Test
    void execSubCgroupsParseLikeRunc() {
        assertEquals(Map.of("", "sub"), SubCgroups.parse(List.of("sub")));
        assertEquals(Map.of("memory", "a", "cpu", "b", "cpuacct", "b"), SubCgroups.parse(List.of("memory:a", "cpu,cpuacct:b")));
        assertThrows(CgroupException.class, () -> SubCgroups.parse(List.of("a", "memory:b")));
        assertThrows(CgroupException.class, () -> SubCgroups.parse(List.of(":x")));
        assertThrows(CgroupException.class, () -> SubCgroups.parse(List.of("memory:a", "memory:b")));
    }

    @Test
    void execSubCgroupsStayInsideTheContainersCgroup() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        CgroupManager m = host.created("/ctr");
        host.fs.mkdir(tmp.resolve("memory/ctr/sub"));
        Map<String, Path> dirs = m.subCgroups(Map.of("memory", "sub"));
        assertEquals(tmp.resolve("memory/ctr/sub"), dirs.get("memory"));
        assertEquals(tmp.resolve("pids/ctr"), dirs.get("pids"), "other hierarchies: the container's own");
        assertEquals(m.paths(), m.subCgroups(Map.of("", "/")), "\"/\" is the container's cgroup itself");
        for (String bad : List.of("..", "../x", "/../..", "sub/../../y")) {
            CgroupException e = assertThrows(CgroupException.class, () -> m.subCgroups(Map.of("memory", bad)));
            assertTrue(e.getMessage().startsWith("--cgroup memory:" + bad + ": ") && e.getMessage().contains("outside"),
                    e.getMessage());
        }
        CgroupException missing = assertThrows(CgroupException.class, () -> m.subCgroups(Map.of("", "sub")));
        assertTrue(missing.getMessage().contains("no sub-cgroup " + tmp.resolve("cpu/ctr/sub")), missing.getMessage());
        assertThrows(CgroupException.class, () -> m.subCgroups(Map.of("nosuch", "sub")));

        Files.writeString(tmp.resolve("memory/ctr/sub/cgroup.procs"), "");
        m.addProcess(42, dirs);
        assertEquals(List.of("42"), host.fs.writesTo(tmp.resolve("memory/ctr/sub/cgroup.procs")));
        assertEquals(List.of("42"), host.fs.writesTo(tmp.resolve("pids/ctr/cgroup.procs")));
        assertTrue(host.fs.writesTo(tmp.resolve("memory/ctr/cgroup.procs")).isEmpty());
    }

    @Test
    void onCgroupV2ExecTakesAPathWithoutController() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager m = host.created("/ctr");
        host.fs.mkdir(tmp.resolve("ctr/sub"));
        assertEquals(tmp.resolve("ctr/sub"), m.subCgroups(Map.of("", "sub")).get(""));
        assertThrows(CgroupException.class, () -> m.subCgroups(Map.of("memory", "sub")));
    }

    @Test
    void aNodeInLinuxDevicesGetsNoRuleOfItsOwn() {
        // /dev/kmsg (c 1:11) made in the container and denied by linux.resources.devices
        var kmsg = new LinuxSpec.Device("c", "/dev/kmsg", 1L, 11L, 0666, 0L, 0L);
        var deny = new Resources(List.of(DeviceRules.denyAll(), new DeviceRule(false, "c", 1L, 11L, "rwm")),
                null, null, null, null, null, null, null, null);
        List<DeviceRule> rules = CgroupManager.initialResources(InitialResourcesTest.linux(List.of(kmsg), deny)).devices();
        assertEquals(DeviceRules.withDefaults(deny.devices()), rules);
        BpfInterpreter vm = new BpfInterpreter(DeviceBpfProgram.build(rules));
        assertEquals(0, vm.run('c', 1, 11, "w"), "v2: writing /dev/kmsg is denied");
        assertEquals(1, vm.run('c', 1, 3, "rw"), "v2: /dev/null stays allowed");
        for (DeviceRule r : rules) {
            assertFalse(r.allow() && Long.valueOf(1).equals(r.major()) && Long.valueOf(11).equals(r.minor()),
                    "no allow rule for 1:11 on v1: " + r);
        }
    }
}
