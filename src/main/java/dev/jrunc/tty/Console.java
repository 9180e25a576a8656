package dev.jrunc.tty;

import dev.jrunc.JruncException;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.nio.charset.StandardCharsets;

/**
 * The pty master of a container with process.terminal: handed to the engine's --console-socket
 * over SCM_RIGHTS (as containerd's shim and conmon expect), or relayed by jrunc itself for
 * `run -t` / `exec -t` without a socket.
 */
public final class Console {
    private Console() {}

    /** Sends the master to the socket with the pty's name as the message, then closes our copy. */
    public static void sendToSocket(Syscalls sys, String socketPath, int master, String ptyName) {
        int sock;
        try {
            sock = sys.connectUnix(socketPath);
        } catch (SyscallException e) {
            sys.close(master);
            throw new JruncException("--console-socket " + socketPath + ": " + e.getMessage(), e);
        }
        try {
            sys.sendFd(sock, master, ptyName.getBytes(StandardCharsets.UTF_8));
        } finally {
            sys.close(sock);
            sys.close(master);
        }
    }
}
