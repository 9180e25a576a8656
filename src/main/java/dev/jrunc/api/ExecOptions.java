package dev.jrunc.api;

import java.nio.file.Path;

/**
 * runc's exec flags besides the process.
 *
 * @param consoleSocket AF_UNIX socket that receives the pty master when process.terminal is true
 * @param detach return once the process runs rather than when it exits
 * @param pidFile where to write the process's pid, or null
 * @param preserveFds pass the caller's fds 3 .. 3+N-1 to the process
 * @param ignorePaused exec even into a paused container
 */
public record ExecOptions(String consoleSocket, boolean detach, Path pidFile, int preserveFds, boolean ignorePaused) {
    public static final ExecOptions DETACHED = new ExecOptions(null, true, null, 0, false);
    public static final ExecOptions WAIT = new ExecOptions(null, false, null, 0, false);
}
