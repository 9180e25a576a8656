package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.*;

import dev.jrunc.spec.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemdManagerTest {
    @TempDir Path tmp;

    private Path running() throws IOException {
        return Files.createDirectories(tmp.resolve("run-systemd-system"));
    }

    private SystemdManager manager(FakeHost host, FakeSystemd systemd, String cgroupsPath, String id) throws IOException {
        String path = CgroupsPath.resolve(cgroupsPath, id, true);
        CgroupLayout layout = host.layout();
        CgroupManager cgroupfs = CgroupManager.open(layout, layout.placement(path), List.of(), List.of(), host.fs);
        return new SystemdManager(cgroupfs, layout.mode(), SystemdUnit.forCgroupPath(path), "jrunc container " + id,
                systemd, running(), false);
    }

    private static Resources limits() {
        return new Resources(null, new Resources.Memory(33554432L, null, null, null, null, null, null, null, null),
                new Resources.Cpu(512L, 12345L, null, 100000L, null, null, "0-1", null, null),
                new Resources.Pids(10L), null, null, null, null, null);
    }

    @Test
    void theUnitStartsWithTheInitAndItsLimitsGoToSystemdAndCgroupfs() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        SystemdManager m = manager(host, systemd, "kubepods-besteffort-pod1234.slice:cri-containerd:abc", "abc");
        m.create(host.registry);
        m.apply(limits());
        assertEquals(List.of("activate kubepods-besteffort-pod1234.slice"), systemd.calls,
                "the slice starts first, the unit only once the init is there");
        // the unit's directory is there for the init's cgroup mount, with its limits
        Path dir = host.root.resolve("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-abc.scope");
        assertTrue(Files.isDirectory(dir));
        assertEquals("33554432", host.fs.last(dir.resolve("memory.max")));

        m.addProcess(4242);
        String start = systemd.call("start ");
        assertTrue(start.startsWith("start cri-containerd-abc.scope ["), start);
        for (String p : List.of("Description=jrunc container abc", "Slice=kubepods-besteffort-pod1234.slice", "Delegate=true",
                "PIDs=4242", "MemoryAccounting=true", "CPUAccounting=true", "IOAccounting=true", "TasksAccounting=true",
                "DefaultDependencies=false", "MemoryMax=33554432", "CPUWeight=20", "CPUQuotaPeriodUSec=100000",
                "CPUQuotaPerSecUSec=130000", "AllowedCPUs=03", "TasksMax=10")) {
            assertTrue(start.contains(p), p + " in " + start);
        }
        assertEquals(dir, m.paths().get(CgroupLayout.UNIFIED));
        assertEquals("33554432", host.fs.last(dir.resolve("memory.max")));
        assertEquals("10", host.fs.last(dir.resolve("pids.max")));
        // systemd keeps whole percents: 12.345% becomes 13%, and cgroupfs gets the same
        assertEquals("13000 100000", host.fs.last(dir.resolve("cpu.max")));
        assertEquals("0-1", host.fs.last(dir.resolve("cpuset.cpus")));
        // systemd owns the slices: jrunc makes only the unit's directory and enables what systemd does not manage
        assertEquals(List.of(dir), m.createdDirs());
        assertEquals(List.of("+hugetlb +rdma"), host.fs.writesTo(host.root.resolve("kubepods.slice/cgroup.subtree_control")));
        assertEquals(0, systemd.open, "the bus is closed after the start");
    }

    @Test
    void deleteStopsTheUnitAndResetsItIfFailed() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        SystemdManager m = manager(host, systemd, null, "c1");
        m.create(host.registry);
        m.addProcess(7);
        Path dir = host.root.resolve("system.slice/jrunc-c1.scope");
        assertTrue(Files.isDirectory(dir));
        Files.writeString(dir.resolve("cgroup.procs"), "");

        // a later jrunc (delete) knows the unit from the recorded directory
        CgroupManager cgroupfs = CgroupManager.open(host.layout(), m.paths(), m.createdDirs(), List.of(), host.fs);
        CgroupManager recorded = SystemdManager.forRecordedContainer(cgroupfs, CgroupMode.V2);
        SystemdUnit unit = assertInstanceOf(SystemdManager.class, recorded).unit();
        assertEquals(new SystemdUnit("jrunc-c1.scope", "system.slice"), unit);
        new SystemdManager(cgroupfs, CgroupMode.V2, unit, "", systemd, running(), true).destroy(host.registry, FakeHost.NONE_FOREIGN);
        assertEquals(List.of("stop jrunc-c1.scope", "reset-failed jrunc-c1.scope"),
                systemd.calls.subList(2, systemd.calls.size()));
        assertFalse(Files.exists(dir));
        assertTrue(Files.isDirectory(host.root.resolve("system.slice")), "the slice is systemd's, not removed");
    }

    @Test
    void aFailedCreateStopsNothingItDidNotStart() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        // another container's unit of the same name, alive
        Path other = host.root.resolve("system.slice/jrunc-dup.scope");
        Files.createDirectories(other);
        Files.writeString(other.resolve("cgroup.procs"), "99\n");
        systemd.existing.put("jrunc-dup.scope", true);
        SystemdManager m = manager(host, systemd, null, "dup");
        CgroupException e = assertThrows(CgroupException.class, () -> m.create(host.registry));
        assertTrue(e.getMessage().startsWith("linux.cgroupsPath: the cgroup of systemd unit jrunc-dup.scope already exists"),
                e.getMessage());
        m.destroy(host.registry, FakeHost.NONE_FOREIGN);
        assertTrue(systemd.calls.stream().noneMatch(c -> c.startsWith("stop")), systemd.calls.toString());
        assertTrue(Files.isDirectory(other));
        assertEquals(0, systemd.open);
    }

    @Test
    void aUnitNameTakenMeanwhileIsAnErrorAndItsCgroupStays() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        SystemdManager m = manager(host, systemd, null, "late");
        m.create(host.registry);
        systemd.existing.put("jrunc-late.scope", true);
        CgroupException e = assertThrows(CgroupException.class, () -> m.addProcess(5));
        assertTrue(e.getMessage().contains("linux.cgroupsPath: systemd unit jrunc-late.scope already exists"), e.getMessage());
        m.destroy(host.registry, FakeHost.NONE_FOREIGN);
        assertTrue(systemd.calls.stream().noneMatch(c -> c.startsWith("stop")), systemd.calls.toString());
        assertFalse(Files.exists(host.root.resolve("system.slice/jrunc-late.scope")), "the directory create() made goes");
        assertEquals(0, systemd.open);
    }

    @Test
    void aFailedLeftoverUnitIsResetAndStartedAgain() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        systemd.existing.put("jrunc-x.scope", false);
        SystemdManager m = manager(host, systemd, null, "x");
        m.create(host.registry);
        m.addProcess(5);
        assertEquals(List.of("activate system.slice", "start jrunc-x.scope", "reset-failed jrunc-x.scope", "start jrunc-x.scope"),
                systemd.calls.stream().map(c -> c.replaceAll(" \\[.*", "")).toList());
    }

    @Test
    void withoutSystemdCreateFailsAndTouchesNothing() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        String path = CgroupsPath.resolve(null, "c", true);
        CgroupLayout layout = host.layout();
        SystemdManager m = new SystemdManager(CgroupManager.open(layout, layout.placement(path), List.of(), List.of(), host.fs),
                CgroupMode.V2, SystemdUnit.forCgroupPath(path), "", systemd, tmp.resolve("no-such-dir"), false);
        CgroupException e = assertThrows(CgroupException.class, () -> m.create(host.registry));
        assertTrue(e.getMessage().startsWith("--systemd-cgroup: systemd is not running on this host"), e.getMessage());
        m.destroy(host.registry, FakeHost.NONE_FOREIGN);
        assertEquals(0, systemd.opened);
        assertTrue(host.fs.writes.isEmpty());
        assertFalse(Files.exists(host.root.resolve("system.slice")));
    }

    @Test
    void updateSetsTheUnitPropertiesAndTheFiles() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = new FakeSystemd(host.root).on(host);
        SystemdManager m = manager(host, systemd, "system.slice:jrunc:u", "u");
        m.create(host.registry);
        m.addProcess(3);
        m.apply(new Resources(null, new Resources.Memory(67108864L, null, null, null, null, null, null, null, null), null,
                new Resources.Pids(20L), new Resources.BlockIO(300, null, null, null, null, null, null), null, null, null, null));
        String set = systemd.call("set");
        assertEquals("set jrunc-u.scope [MemoryMax=67108864, TasksMax=20, IOWeight=2930]", set);
        Path dir = host.root.resolve("system.slice/jrunc-u.scope");
        assertEquals("67108864", host.fs.last(dir.resolve("memory.max")));
        assertEquals("20", host.fs.last(dir.resolve("pids.max")));
        assertEquals("default 2930", host.fs.last(dir.resolve("io.weight")));
        assertEquals(0, systemd.open);
    }

    @Test
    void v1HierarchiesSystemdDoesNotManageAreMadeAndRemovedByJrunc() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp.resolve("cg"));
        Path r = host.root;
        FakeSystemd systemd = new FakeSystemd(r.resolve("cpu"), r.resolve("cpuacct"), r.resolve("memory"),
                r.resolve("devices"), r.resolve("pids"), r.resolve("blkio"), r.resolve("systemd")).on(host);
        SystemdManager m = manager(host, systemd, "system.slice:docker:v1", "v1");
        m.create(host.registry);
        m.apply(limits());
        m.addProcess(77);
        String start = systemd.call("start");
        assertTrue(start.contains("BlockIOAccounting=true") && start.contains("MemoryLimit=33554432")
                && start.contains("CPUShares=512"), start);
        assertFalse(start.contains("MemoryMax"), start);
        Path freezer = r.resolve("freezer/system.slice/docker-v1.scope");
        assertTrue(Files.isDirectory(freezer));
        assertEquals("77", host.fs.last(freezer.resolve("cgroup.procs")));
        assertEquals("0-1", host.fs.last(r.resolve("cpuset/system.slice/docker-v1.scope/cpuset.cpus")));
        assertTrue(m.createdDirs().contains(freezer), m.createdDirs().toString());
        assertFalse(m.createdDirs().contains(r.resolve("memory/system.slice")), "the slice is systemd's");
        for (Path d : m.paths().values()) {
            Files.writeString(d.resolve("cgroup.procs"), "");
        }
        m.destroy(host.registry, FakeHost.NONE_FOREIGN);
        assertFalse(Files.exists(freezer));
        assertFalse(Files.exists(r.resolve("freezer/system.slice")), "jrunc made it, jrunc removes it");
        assertFalse(Files.exists(r.resolve("memory/system.slice/docker-v1.scope")));
    }

    private static final String USER_MANAGER = "/user.slice/user-1000.slice/user@1000.service";

    /** A v2 host whose user 1000 runs a systemd instance of its own. */
    private static FakeSystemd userInstance(FakeHost host) throws IOException {
        Path managerDir = Files.createDirectories(host.root.resolve(USER_MANAGER.substring(1)));
        FakeSystemd systemd = new FakeSystemd(managerDir).on(host);
        systemd.controlGroup = USER_MANAGER;
        return systemd;
    }

    @Test
    void aRootlessUnitLivesInUserSliceUnderTheUsersOwnInstance() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = userInstance(host);
        SystemdManager m = SystemdManager.forNewUserContainer(host.layout(), null, "c1", systemd, host.fs, running());
        assertEquals(new SystemdUnit("jrunc-c1.scope", "user.slice"), m.unit());
        Path dir = host.root.resolve(USER_MANAGER.substring(1) + "/user.slice/jrunc-c1.scope");
        assertEquals(dir, m.paths().get(CgroupLayout.UNIFIED), "found through the manager's ControlGroup");
        assertEquals(List.of("get ControlGroup"), systemd.calls);
        assertEquals(0, systemd.open);

        m.create(host.registry);
        m.apply(limits());
        assertEquals("33554432", host.fs.last(dir.resolve("memory.max")));
        m.addProcess(4242);
        String start = systemd.call("start ");
        assertTrue(start.startsWith("start jrunc-c1.scope ["), start);
        for (String p : List.of("Slice=user.slice", "Delegate=true", "PIDs=4242", "MemoryMax=33554432", "TasksMax=10")) {
            assertTrue(start.contains(p), p + " in " + start);
        }
        assertEquals("activate user.slice", systemd.calls.get(1), "the user's slice starts first");
        assertEquals(List.of(dir), m.createdDirs());

        // delete: the recorded directory names the user's instance, and the unit is stopped there
        assertEquals(1000, SystemdManager.userInstanceOwner(dir));
        m.destroy(host.registry, FakeHost.NONE_FOREIGN);
        assertEquals(List.of("stop jrunc-c1.scope", "reset-failed jrunc-c1.scope"),
                systemd.calls.subList(systemd.calls.size() - 2, systemd.calls.size()));
        assertFalse(Files.exists(dir));
        assertEquals(0, systemd.open);
    }

    @Test
    void aRootlessCgroupsPathNamesASliceOfTheUsersInstanceAndAnEmptySliceIsUserSlice() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp.resolve("cg"));
        FakeSystemd systemd = userInstance(host);
        SystemdManager named = SystemdManager.forNewUserContainer(host.layout(), "user-app.slice:jrunc:a", "a", systemd,
                host.fs, running());
        assertEquals(new SystemdUnit("jrunc-a.scope", "user-app.slice"), named.unit());
        assertEquals(host.root.resolve(USER_MANAGER.substring(1) + "/user.slice/user-app.slice/jrunc-a.scope"),
                named.paths().get(CgroupLayout.UNIFIED));
        SystemdManager empty = SystemdManager.forNewUserContainer(host.layout(), ":pod:b", "b", systemd, host.fs, running());
        assertEquals(new SystemdUnit("pod-b.scope", "user.slice"), empty.unit());
        // root's driver keeps system.slice for an empty slice
        assertEquals("/system.slice/pod-b.scope", CgroupsPath.resolve(":pod:b", "b", true));
    }

    @Test
    void aRootlessUnitNeedsCgroupV2AndTheUsersOwnInstance() throws IOException {
        FakeHost v1 = FakeHost.v1Host(tmp.resolve("v1"));
        FakeSystemd systemd = new FakeSystemd(v1.root).on(v1);
        CgroupException e = assertThrows(CgroupException.class,
                () -> SystemdManager.forNewUserContainer(v1.layout(), null, "c", systemd, v1.fs, running()));
        assertTrue(e.getMessage().contains("needs cgroup v2"), e.getMessage());
        assertEquals(List.of(), systemd.calls, "no bus for a layout that cannot work");

        FakeHost v2 = FakeHost.v2Host(tmp.resolve("v2"));
        FakeSystemd system = new FakeSystemd(v2.root).on(v2);
        e = assertThrows(CgroupException.class,
                () -> SystemdManager.forNewUserContainer(v2.layout(), null, "c", system, v2.fs, running()));
        assertTrue(e.getMessage().contains("not to the user's own instance"), e.getMessage());
        assertEquals(0, system.open);
        assertEquals(-1, SystemdManager.userInstanceOwner(v2.root.resolve("system.slice/jrunc-c.scope")));
    }

    @Test
    void theUsersBusComesFromTheCallersEnvironment() {
        Path runtime = Path.of("/run/user/1000");
        assertEquals("unix:path=/tmp/b", DBusSystemdBus.userBusAddress(
                k -> k.equals("DBUS_SESSION_BUS_ADDRESS") ? "unix:path=/tmp/b" : null, runtime));
        assertEquals("unix:path=/run/user/1000/bus", DBusSystemdBus.userBusAddress(k -> null, runtime));
        assertEquals("unix:path=/run/user/1000/bus", DBusSystemdBus.userBusAddress(k -> "", runtime));
    }

    @Test
    void withoutAUserBusTheErrorNamesTheUid() throws IOException {
        String address = "unix:path=" + tmp.resolve("no-such-bus");
        CgroupException e = assertThrows(CgroupException.class, () -> DBusSystemdBus.openUser(address, 4321));
        assertTrue(e.getMessage().startsWith("--systemd-cgroup: no systemd user instance for uid 4321: "), e.getMessage());
        assertTrue(e.getMessage().contains(address), e.getMessage());
    }
}
