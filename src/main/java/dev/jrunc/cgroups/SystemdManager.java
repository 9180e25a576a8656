package dev.jrunc.cgroups;

import dev.jrunc.Log;
import dev.jrunc.spec.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The systemd cgroup driver (--systemd-cgroup): the container's cgroup belongs to a transient
 * systemd unit (a scope with Delegate=yes, or a slice), started over D-Bus when the container's
 * init is placed in it, and stopped on delete. Its slice is started first, so systemd owns every
 * directory above the container's. Limits systemd has a property for are set on the
 * unit ({@link SystemdProperties}) and, like every other limit, written to the unit's cgroup
 * through the cgroupfs manager of the same directories, which also does freeze, kill, pids and
 * stats. Hierarchies and controllers systemd does not manage (v1 cpuset and freezer, v2 hugetlb
 * and rdma, ...) are made and enabled by that manager.
 *
 * <p>jrunc makes only the unit's own directory (before the unit starts, for the init's cgroup
 * mount), and directories in v1 hierarchies systemd does not manage; it stops only a unit it
 * started (or that a container record says it started).
 */
public final class SystemdManager implements CgroupManager {
    /** Where a booted systemd leaves its mark (sd_booted(3)). */
    static final Path SYSTEMD_RUNNING = Path.of("/run/systemd/system");

    private final CgroupManager cgroupfs;
    private final CgroupMode mode;
    private final SystemdUnit unit;
    private final String description;
    private final SystemdBus.Connector connector;
    private final Path runningMarker;
    /** Whether the unit exists on this manager's account: started here, or recorded as started. */
    private boolean started;
    private Resources pending;
    private SystemdBus bus;
    private int version = Integer.MIN_VALUE;

    SystemdManager(CgroupManager cgroupfs, CgroupMode mode, SystemdUnit unit, String description,
            SystemdBus.Connector connector, Path runningMarker, boolean started) {
        this.cgroupfs = cgroupfs;
        this.mode = mode;
        this.unit = unit;
        this.description = description;
        this.connector = connector;
        this.runningMarker = runningMarker;
        this.started = started;
    }

    /**
     * The driver for a container being created, whose cgroup is the unit at cgroupPath (as
     * {@link CgroupsPath#resolve} gives it) and whose directories cgroupfs manages.
     */
    static SystemdManager forNewContainer(CgroupManager cgroupfs, CgroupMode mode, String cgroupPath, String containerId) {
        return new SystemdManager(cgroupfs, mode, SystemdUnit.forCgroupPath(cgroupPath), "jrunc container " + containerId,
                DBusSystemdBus::openSystem, SYSTEMD_RUNNING, false);
    }

    /**
     * The driver for a rootless container (cgroup v2 only): its unit belongs to the calling user's
     * systemd instance, reached over the user's bus, and lives under that instance's own cgroup
     * (the manager's ControlGroup, e.g. /user.slice/user-1000.slice/user@1000.service), in
     * "user.slice" unless cgroupsPath names another slice of the user's.
     */
    public static CgroupManager forNewUserContainer(CgroupLayout layout, String cgroupsPath, String containerId, long uid,
            java.util.function.Function<String, String> env, Path runtimeDir) {
        String address = DBusSystemdBus.userBusAddress(env, runtimeDir);
        return forNewUserContainer(layout, cgroupsPath, containerId, () -> DBusSystemdBus.openUser(address, uid), CgroupFs.REAL,
                SYSTEMD_RUNNING);
    }

    static SystemdManager forNewUserContainer(CgroupLayout layout, String cgroupsPath, String containerId,
            SystemdBus.Connector connector, CgroupFs fs, Path runningMarker) {
        if (layout.mode() != CgroupMode.V2) {
            throw new CgroupException("--systemd-cgroup: a rootless container's unit needs cgroup v2 (a user's systemd"
                    + " cannot delegate a cgroup on cgroup v1 or hybrid)");
        }
        String inManager = CgroupsPath.resolve(cgroupsPath, containerId, true, CgroupsPath.DEFAULT_USER_SLICE);
        String root;
        try (SystemdBus bus = connector.open()) {
            root = bus.controlGroup();
        }
        root = root.replaceAll("/+$", "");
        if (root.isEmpty()) {
            throw new CgroupException("--systemd-cgroup: the user's bus leads to a systemd whose units live at the cgroup"
                    + " root (the system instance?), not to the user's own instance");
        }
        String path = root + inManager;
        Map<String, Path> placement = layout.placement(path);
        layout.checkPlacement(path, placement);
        CgroupManager cgroupfs = CgroupManager.open(layout, placement, List.of(), List.of(), fs);
        return new SystemdManager(cgroupfs, layout.mode(), SystemdUnit.forCgroupPath(inManager), "jrunc container "
                + containerId, connector, runningMarker, false);
    }

    /**
     * The driver for a container whose unit a container record says was started: a unit under a
     * user's instance (a "user@UID.service" directory above it) belongs to that user's systemd,
     * reached at /run/user/UID/bus, where systemd's user instance serves its bus.
     */
    public static CgroupManager forRecordedContainer(CgroupManager cgroupfs, CgroupMode mode) {
        Path dir = cgroupfs.paths().values().iterator().next();
        long uid = userInstanceOwner(dir);
        SystemdBus.Connector connector = uid < 0 ? DBusSystemdBus::openSystem
                : () -> DBusSystemdBus.openUser("unix:path=/run/user/" + uid + "/bus", uid);
        return new SystemdManager(cgroupfs, mode, SystemdUnit.forCgroupDir(dir), "", connector, SYSTEMD_RUNNING, true);
    }

    /** UID when dir lies under a user's systemd instance (user@UID.service), else -1. */
    static long userInstanceOwner(Path dir) {
        for (Path part : dir) {
            java.util.regex.Matcher m = USER_INSTANCE.matcher(part.toString());
            if (m.matches()) {
                return Long.parseLong(m.group(1));
            }
        }
        return -1;
    }

    private static final java.util.regex.Pattern USER_INSTANCE = java.util.regex.Pattern.compile("user@(\\d{1,10})\\.service");

    public SystemdUnit unit() {
        return unit;
    }

    /**
     * Checks that systemd runs, has it start the unit's slice (and the slices above it), then
     * makes the unit's own directory: the init's root filesystem mounts it before the init, the
     * unit's first process, is placed in it ({@link #addProcess}), and systemd adopts it then.
     */
    @Override
    public List<Path> missingDirs() {
        return cgroupfs.missingDirs();
    }

    @Override
    public void create(CgroupRegistry registry) {
        if (!Files.isDirectory(runningMarker)) {
            throw new CgroupException("--systemd-cgroup: systemd is not running on this host (" + runningMarker
                    + " does not exist), so it cannot hold the container's cgroup; run without --systemd-cgroup"
                    + " to use the cgroupfs driver");
        }
        for (Path dir : cgroupfs.paths().values()) {
            if (Files.exists(dir)) {
                throw new CgroupException("linux.cgroupsPath: the cgroup of systemd unit " + unit.name() + " already exists ("
                        + dir + "): another container, or a unit of the same name");
            }
        }
        if (!unit.slice().equals("-.slice")) {
            bus().startUnit(unit.slice());
        }
        cgroupfs.create(registry);
    }

    /**
     * The limits go to cgroupfs at once (as with the cgroupfs driver) and to systemd as unit
     * properties: with the unit's start, or by SetUnitProperties once it runs.
     */
    @Override
    public void apply(Resources resources) {
        if (resources == null) {
            return;
        }
        SystemdProperties.Mapped mapped = SystemdProperties.forResources(resources, mode, version());
        if (!started) {
            pending = resources;
            cgroupfs.apply(mapped.forCgroupfs());
            return;
        }
        try {
            bus().setUnitProperties(unit.name(), mapped.properties());
        } finally {
            closeBus();
        }
        cgroupfs.apply(mapped.forCgroupfs());
    }

    /**
     * The container's init: systemd starts the unit with it inside. Later processes (exec) join
     * the unit's cgroup directly, as they do with the cgroupfs driver.
     */
    @Override
    public void addProcess(long pid) {
        if (started) {
            cgroupfs.addProcess(pid);
            return;
        }
        SystemdProperties.Mapped mapped = SystemdProperties.forResources(pending, mode, version());
        List<UnitProperty> props = new java.util.ArrayList<>(SystemdProperties.forNewUnit(unit, description, pid, mode));
        props.addAll(mapped.properties());
        Log.debug("systemd: starting " + unit.name() + " " + props);
        try {
            startUnit(props);
        } finally {
            closeBus();
        }
        started = true;
        // v1 hierarchies systemd does not manage (cpuset, freezer, ...) get the pid from jrunc
        cgroupfs.addProcess(pid);
    }

    @Override
    public void addProcess(long pid, Map<String, Path> dirs) {
        cgroupfs.addProcess(pid, dirs);
    }

    @Override
    public List<Path> occupied() {
        return cgroupfs.occupied();
    }

    private void startUnit(List<UnitProperty> props) {
        try {
            bus().startTransientUnit(unit.name(), props);
        } catch (SystemdBus.UnitExistsException e) {
            // a failed unit of the same name stays loaded until reset; a live one is another container's
            bus().resetFailedUnit(unit.name());
            try {
                bus().startTransientUnit(unit.name(), props);
            } catch (SystemdBus.UnitExistsException again) {
                throw new CgroupException("linux.cgroupsPath: systemd unit " + unit.name()
                        + " already exists (another container, or a unit of the same name)", again);
            }
        }
    }

    /** Stops the unit (systemd removes its cgroup), lets systemd forget it if it failed, then removes what is left. */
    @Override
    public void destroy(CgroupRegistry registry, java.util.function.LongPredicate foreign) {
        if (!started) {
            closeBus();
            // only what create() made: a directory that was there before is another unit's
            if (!cgroupfs.createdDirs().isEmpty()) {
                cgroupfs.destroy(registry, foreign);
            }
            return;
        }
        try {
            bus().stopUnit(unit.name());
            bus().resetFailedUnit(unit.name());
        } finally {
            closeBus();
        }
        cgroupfs.destroy(registry, foreign);
    }

    @Override
    public void freeze() {
        cgroupfs.freeze();
    }

    @Override
    public void thaw() {
        cgroupfs.thaw();
    }

    @Override
    public boolean isFrozen() {
        return cgroupfs.isFrozen();
    }

    @Override
    public Set<Long> pids() {
        return cgroupfs.pids();
    }

    @Override
    public void killAll(int signal, Signaller signaller, java.util.function.LongPredicate foreign) {
        cgroupfs.killAll(signal, signaller, foreign);
    }

    @Override
    public CgroupStats stats() {
        return cgroupfs.stats();
    }

    @Override
    public long oomKillCount() {
        return cgroupfs.oomKillCount();
    }

    @Override
    public Map<String, Path> paths() {
        return cgroupfs.paths();
    }

    @Override
    public List<Path> createdDirs() {
        return cgroupfs.createdDirs();
    }

    @Override
    public List<Path> joinedDirs() {
        return cgroupfs.joinedDirs();
    }

    @Override
    public Map<String, Path> subCgroups(Map<String, String> requested) {
        return cgroupfs.subCgroups(requested);
    }

    private SystemdBus bus() {
        if (bus == null) {
            bus = connector.open();
        }
        return bus;
    }

    private int version() {
        if (version == Integer.MIN_VALUE) {
            version = bus().version();
        }
        return version;
    }

    private void closeBus() {
        if (bus != null) {
            try {
                bus.close();
            } finally {
                bus = null;
            }
        }
    }
}
