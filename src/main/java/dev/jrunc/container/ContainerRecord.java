package dev.jrunc.container;

import dev.jrunc.spec.Spec;
import java.util.Map;

/**
 * What state.json under --root holds for one container: enough to answer every later verb
 * without the bundle (which the engine may already have removed).
 *
 * @param initStartTime the init's start time in clock ticks (/proc/PID/stat field 22), so a
 *     recycled pid is never mistaken for the container's init.
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
        Spec config) {

    public Map<String, String> annotations() {
        return config == null ? Map.of() : config.annotationsOrEmpty();
    }

    public ContainerState toState(Status status) {
        int shownPid = status == Status.STOPPED ? 0 : pid;
        return new ContainerState(ociVersion, id, shownPid, status.text(), bundle, rootfs, created,
                annotations(), owner);
    }
}
