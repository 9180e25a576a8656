package dev.jrunc.cgroups;

import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The cgroup of one container, in every hierarchy the host mounts. Build one with
 * {@link #forContainer} when creating a container, and with {@link #open} from the saved
 * {@link #paths()}, {@link #createdDirs()} and {@link #joinedDirs()} for later commands on it.
 */
public sealed interface CgroupManager permits V1Manager, V2Manager, HybridManager, SystemdManager, NoCgroup {

    /** The directories {@link #create} would make, parents first: record them before making them. */
    List<Path> missingDirs();

    /**
     * Refuses a frozen cgroup (or one under a frozen parent), then makes the directories that are
     * missing, each recorded in registry before it is made, and remembers which it made and which
     * existing ones on the way jrunc made for another container ({@link #joinedDirs()}).
     */
    void create(CgroupRegistry registry);

    /** Writes the limits; also what `update` uses. Unset fields leave the kernel's values alone. */
    void apply(Resources resources);

    /** Moves pid into the container's cgroup in every hierarchy. */
    void addProcess(long pid);

    /**
     * Moves pid into the directories of {@link SubCgroups#resolve}: a sub-cgroup where one is
     * given, the container's own cgroup in the other hierarchies.
     */
    void addProcess(long pid, Map<String, Path> dirs);

    /** The container's directories that hold processes already (another container shares them). */
    List<Path> occupied();

    /**
     * Removes the directories jrunc made for this container ({@link #createdDirs()}) or for another
     * one it shares them with ({@link #joinedDirs()}) and that registry still holds as jrunc's:
     * the container's own cgroup with the sub-cgroups made in it, once none of its processes is
     * left in it, and the parents once empty. A cgroup a process of another container still
     * uses (foreign) stays for that container's delete; one jrunc did not make is never touched.
     */
    void destroy(CgroupRegistry registry, LongPredicate foreign);

    void freeze();

    void thaw();

    boolean isFrozen();

    /** Every process in the container's cgroup and its sub-cgroups. */
    Set<Long> pids();

    /**
     * Sends signal to every process of the cgroup but the foreign ones (those of another
     * container sharing it); the cgroup is frozen meanwhile, so none can fork away, when it holds
     * only this container's processes.
     */
    void killAll(int signal, Signaller signaller, LongPredicate foreign);

    /**
     * killAll's signalling for a cgroup whose pids are all: frozen first when freeze is true and
     * the freezer obliges, so none can fork away; a cgroup that will not freeze is still
     * signalled, accepting the fork race.
     */
    default void signalEach(Set<Long> all, boolean freeze, int signal, Signaller signaller, LongPredicate foreign) {
        if (freeze) {
            try {
                freeze();
            } catch (CgroupException e) {
                freeze = false;
            }
        }
        try {
            for (long pid : freeze ? pids() : all) {
                if (!foreign.test(pid)) {
                    signaller.signal(pid, signal);
                }
            }
        } finally {
            if (freeze) {
                thaw();
            }
        }
    }

    CgroupStats stats();

    /** How many processes the OOM killer has killed in this cgroup. */
    long oomKillCount();

    /** Directory per hierarchy key (controller, "name=...", or "" for cgroup2). */
    Map<String, Path> paths();

    /** Directories {@link #create} made, parents first; persist them for {@link #open}. */
    List<Path> createdDirs();

    /** Existing directories on the container's paths that jrunc made for another container. */
    List<Path> joinedDirs();

    /**
     * The directories for `exec --cgroup`: requested maps a controller ("" for all) to a path
     * inside the container's cgroup, as {@link SubCgroups#parse} reads it.
     */
    default Map<String, Path> subCgroups(Map<String, String> requested) {
        return SubCgroups.resolve(paths(), requested, this instanceof V2Manager);
    }

    /**
     * The manager for a container being created on this host: linux.cgroupsPath (absent means a
     * path derived from the id) under the cgroupfs or, with systemd, the systemd layout.
     */
    static CgroupManager forSpec(Spec spec, String containerId, boolean systemd) {
        String path = spec.linux() == null ? null : spec.linux().cgroupsPath();
        return forContainer(CgroupLayout.detect(), path, containerId, systemd);
    }

    /**
     * What {@link #apply} should get at create time: linux.resources with the device rules
     * completed by {@link DeviceRules#forContainer}. `update` passes its document as it is.
     */
    static Resources initialResources(LinuxSpec linux) {
        Resources r = linux == null ? null : linux.resources();
        List<Resources.DeviceRule> devices = DeviceRules.forContainer(linux);
        if (r == null) {
            return new Resources(devices, null, null, null, null, null, null, null, null);
        }
        return new Resources(devices, r.memory(), r.cpu(), r.pids(), r.blockIO(), r.hugepageLimits(), r.network(),
                r.rdma(), r.unified());
    }

    /** The manager for a container being created, from linux.cgroupsPath and the id. */
    static CgroupManager forContainer(CgroupLayout layout, String cgroupsPath, String containerId, boolean systemd) {
        return forContainer(layout, cgroupsPath, containerId, systemd, CgroupFs.REAL);
    }

    /**
     * The manager for a container being created: refuses a path that would put it in the root of
     * a hierarchy, in jrunc's own cgroup or in one of its ancestors (see {@link CgroupLayout#checkPlacement}).
     */
    static CgroupManager forContainer(CgroupLayout layout, String cgroupsPath, String containerId, boolean systemd,
            CgroupFs fs) {
        String path = CgroupsPath.resolve(cgroupsPath, containerId, systemd);
        Map<String, Path> placement = layout.placement(path);
        layout.checkPlacement(cgroupsPath == null || cgroupsPath.isEmpty() ? path : cgroupsPath, placement);
        CgroupManager cgroupfs = open(layout, placement, List.of(), List.of(), fs);
        return systemd ? SystemdManager.forNewContainer(cgroupfs, layout.mode(), path, containerId) : cgroupfs;
    }

    /** A manager for directories resolved earlier (by another jrunc process). */
    static CgroupManager open(CgroupLayout layout, Map<String, Path> paths, List<Path> createdDirs,
            List<Path> joinedDirs) {
        return open(layout, paths, createdDirs, joinedDirs, CgroupFs.REAL);
    }

    static CgroupManager open(CgroupLayout layout, Map<String, Path> paths, List<Path> createdDirs,
            List<Path> joinedDirs, CgroupFs fs) {
        return switch (layout.mode()) {
            case V1 -> new V1Manager(fs, layout, paths, createdDirs, joinedDirs);
            case V2 -> new V2Manager(fs, layout, paths.get(CgroupLayout.UNIFIED), createdDirs, joinedDirs, true);
            case HYBRID -> new HybridManager(fs, layout, paths, createdDirs, joinedDirs);
        };
    }
}
