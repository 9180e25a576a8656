package dev.jrunc.cgroups;

import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cgroup of one container, in every hierarchy the host mounts. Build one with
 * {@link #forContainer} when creating a container, and with {@link #open} from the saved
 * {@link #paths()} and {@link #createdDirs()} for later commands on it.
 */
public sealed interface CgroupManager permits V1Manager, V2Manager, HybridManager, SystemdManager {

    /** Makes the directories that are missing (parents too) and remembers which it made. */
    void create();

    /** Writes the limits; also what `update` uses. Unset fields leave the kernel's values alone. */
    void apply(Resources resources);

    /** Moves pid into the container's cgroup in every hierarchy. */
    void addProcess(long pid);

    /** Removes the container's cgroup (and sub-cgroups) and the parents {@link #create()} made. */
    void destroy();

    void freeze();

    void thaw();

    boolean isFrozen();

    /** Every process in the container's cgroup and its sub-cgroups. */
    Set<Long> pids();

    /** Sends signal to every process; frozen meanwhile when possible so none can fork away. */
    void killAll(int signal, Signaller signaller);

    CgroupStats stats();

    /** How many processes the OOM killer has killed in this cgroup. */
    long oomKillCount();

    /** Directory per hierarchy key (controller, "name=...", or "" for cgroup2). */
    Map<String, Path> paths();

    /** Directories {@link #create()} made, parents first; persist them for {@link #open}. */
    List<Path> createdDirs();

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

    static CgroupManager forContainer(CgroupLayout layout, String cgroupsPath, String containerId, boolean systemd,
            CgroupFs fs) {
        String path = CgroupsPath.resolve(cgroupsPath, containerId, systemd);
        CgroupManager cgroupfs = open(layout, layout.placement(path), List.of(), fs);
        return systemd ? SystemdManager.forNewContainer(cgroupfs, layout.mode(), path, containerId) : cgroupfs;
    }

    /** A manager for directories resolved earlier (by another jrunc process). */
    static CgroupManager open(CgroupLayout layout, Map<String, Path> paths, List<Path> createdDirs) {
        return open(layout, paths, createdDirs, CgroupFs.REAL);
    }

    static CgroupManager open(CgroupLayout layout, Map<String, Path> paths, List<Path> createdDirs, CgroupFs fs) {
        return switch (layout.mode()) {
            case V1 -> new V1Manager(fs, paths, createdDirs);
            case V2 -> new V2Manager(fs, layout, paths.get(CgroupLayout.UNIFIED), createdDirs, true);
            case HYBRID -> new HybridManager(fs, layout, paths, createdDirs);
        };
    }
}
