package dev.jrunc.container;

import dev.jrunc.cgroups.CgroupLayout;
import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What state.json under --root holds for one container: enough to answer every later verb
 * without the bundle (which the engine may already have removed).
 *
 * @param initStartTime the init's start time in clock ticks (/proc/PID/stat field 22), so a
 *     recycled pid is never mistaken for the container's init.
 * @param notifySocket the caller's NOTIFY_SOCKET, or null: `start` relays the container's READY=1 to it
 */
public record ContainerRecord(
        String ociVersion,
        String id,
        int pid,
        long initStartTime,
        String bundle,
        String rootfs,
        String created,
        String owner,
        boolean systemdCgroup,
        Map<String, String> cgroupPaths,
        List<String> cgroupCreated,
        String notifySocket,
        Spec config) {

    /** The container's cgroup, reopened from what create recorded. */
    public CgroupManager cgroup() {
        Map<String, Path> paths = new LinkedHashMap<>();
        cgroupPaths.forEach((k, v) -> paths.put(k, Path.of(v)));
        return CgroupManager.open(CgroupLayout.detect(), paths, cgroupCreated.stream().map(Path::of).toList());
    }

    public Map<String, String> annotations() {
        return config == null ? Map.of() : config.annotationsOrEmpty();
    }

    public ContainerState toState(Status status) {
        int shownPid = status == Status.STOPPED ? 0 : pid;
        return new ContainerState(ociVersion, id, shownPid, status.text(), bundle, rootfs, created,
                annotations(), owner);
    }
}
