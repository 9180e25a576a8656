package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * sd_notify through the runtime, as runc does it: when jrunc runs with NOTIFY_SOCKET set, the
 * container gets its own socket at /run/notify/notify.sock (a directory of the state dir, bound
 * read-only), and `start` passes READY=1 on to the caller's socket only once the container's
 * process has been started and says so, with MAINPID set to the container's init.
 */
public final class NotifySocket {
    static final String CONTAINER_DIR = "/run/notify";
    static final String SOCKET_NAME = "notify.sock";

    private NotifySocket() {}

    static Path dir(Path stateDir) {
        return stateDir.resolve("notify");
    }

    /** The config with the socket's directory mounted and NOTIFY_SOCKET in the process's env. */
    static Spec prepare(Spec spec, Path stateDir) {
        try {
            Files.createDirectories(dir(stateDir));
        } catch (IOException e) {
            throw new JruncException("NOTIFY_SOCKET: cannot create " + dir(stateDir) + ": " + e.getMessage(), e);
        }
        List<Spec.Mount> mounts = new ArrayList<>(spec.mountsOrEmpty());
        mounts.add(new Spec.Mount(CONTAINER_DIR, "bind", dir(stateDir).toString(),
                List.of("bind", "nosuid", "noexec", "nodev", "ro"), null, null));
        List<String> env = new ArrayList<>(spec.process().envOrEmpty());
        env.removeIf(e -> e.startsWith("NOTIFY_SOCKET="));
        env.add("NOTIFY_SOCKET=" + CONTAINER_DIR + "/" + SOCKET_NAME);
        ProcessSpec process = spec.process().withEnv(env);
        return spec.with(process, mounts);
    }

    /** Binds the container's socket; done by `start` before it lets the process run. */
    static int bind(Syscalls sys, Path stateDir) {
        Path socket = dir(stateDir).resolve(SOCKET_NAME);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new JruncException("NOTIFY_SOCKET: cannot remove the old " + socket + ": " + e.getMessage(), e);
        }
        return sys.bindUnixDatagram(socket.toString());
    }

    /** Waits for READY=1 from the container (while it lives), then tells the host. */
    static void relay(Syscalls sys, int fd, String hostSocket, int pid, BooleanSupplier alive) {
        try {
            while (alive.getAsBoolean()) {
                if (!sys.pollIn(fd, 100)) continue;
                byte[] msg = sys.recv(fd, 4096);
                if (msg == null) return;
                String text = new String(msg, StandardCharsets.UTF_8);
                if (text.lines().anyMatch("READY=1"::equals)) {
                    sys.sendToUnix(hostSocket, ("MAINPID=" + pid).getBytes(StandardCharsets.UTF_8));
                    sys.sendToUnix(hostSocket, msg);
                    return;
                }
            }
        } catch (SyscallException e) {
            Log.warn("NOTIFY_SOCKET " + hostSocket + ": " + e.getMessage());
        } finally {
            sys.close(fd);
        }
    }

    /**
     * systemd socket activation: fds 3 .. 3+LISTEN_FDS-1 given to jrunc (for the caller's process,
     * per LISTEN_PID) pass into the container, whose init sees LISTEN_FDS=n and LISTEN_PID=1.
     */
    static int listenFds(java.util.Map<String, String> env, long callerPid) {
        String fds = env.get("LISTEN_FDS");
        String pid = env.get("LISTEN_PID");
        if (fds == null || fds.isEmpty()) return 0;
        if (pid != null && !pid.equals(Long.toString(callerPid))) return 0;
        try {
            return Math.max(0, Integer.parseInt(fds));
        } catch (NumberFormatException e) {
            Log.warn("ignoring LISTEN_FDS=" + fds + ": not a number");
            return 0;
        }
    }

    static Spec withListenFds(Spec spec, int n) {
        List<String> env = new ArrayList<>(spec.process().envOrEmpty());
        env.removeIf(e -> e.startsWith("LISTEN_FDS=") || e.startsWith("LISTEN_PID="));
        env.add("LISTEN_FDS=" + n);
        env.add("LISTEN_PID=1");
        return spec.with(spec.process().withEnv(env), spec.mounts());
    }
}
