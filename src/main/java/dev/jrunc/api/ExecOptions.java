package dev.jrunc.api;

import java.nio.file.Path;
import java.util.Map;

/**
 * runc's exec flags besides the process.
 *
 * @param consoleSocket AF_UNIX socket that receives the pty master when process.terminal is true
 * @param detach return once the process runs rather than when it exits
 * @param pidFile where to write the process's pid, or null
 * @param preserveFds pass the caller's fds 3 .. 3+N-1 to the process
 * @param ignorePaused exec even into a paused container
 * @param subCgroups exec --cgroup: controller ("" for every hierarchy) to an existing sub-cgroup of
 *     the container's cgroup to run the process in (see {@link dev.jrunc.cgroups.SubCgroups#parse})
 */
public record ExecOptions(String consoleSocket, boolean detach, Path pidFile, int preserveFds, boolean ignorePaused,
        Map<String, String> subCgroups) {
    public static final ExecOptions DETACHED = new ExecOptions(null, true, null, 0, false);
    public static final ExecOptions WAIT = new ExecOptions(null, false, null, 0, false);

    public ExecOptions {
        subCgroups = subCgroups == null ? Map.of() : Map.copyOf(subCgroups);
    }

    /** In the container's own cgroup. */
    public ExecOptions(String consoleSocket, boolean detach, Path pidFile, int preserveFds, boolean ignorePaused) {
        this(consoleSocket, detach, pidFile, preserveFds, ignorePaused, Map.of());
    }
}
