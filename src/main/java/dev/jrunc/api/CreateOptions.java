package dev.jrunc.api;

import java.nio.file.Path;

/**
 * runc's create flags besides the id and the bundle.
 *
 * @param pidFile where to write the init's pid, or null
 * @param consoleSocket AF_UNIX socket that receives the pty master when process.terminal is true
 * @param noPivot chroot instead of pivot_root
 * @param noNewKeyring keep the caller's session keyring
 * @param preserveFds pass the caller's fds 3 .. 3+N-1 into the container
 */
public record CreateOptions(Path pidFile, String consoleSocket, boolean noPivot, boolean noNewKeyring, int preserveFds) {
    public static final CreateOptions DEFAULTS = new CreateOptions(null, null, false, false, 0);

    public CreateOptions withPidFile(Path file) {
        return new CreateOptions(file, consoleSocket, noPivot, noNewKeyring, preserveFds);
    }

    public CreateOptions withConsoleSocket(String socket) {
        return new CreateOptions(pidFile, socket, noPivot, noNewKeyring, preserveFds);
    }
}
