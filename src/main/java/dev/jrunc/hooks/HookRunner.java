package dev.jrunc.hooks;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.container.ContainerRecord;
import dev.jrunc.container.ContainerState;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Runs config.md's hooks: path with args and env exactly as given (args[0] is argv[0], not the
 * path), the container's state as JSON on stdin, `timeout` seconds at most. Whether a failure
 * stops the operation depends on the hook kind, so it is the caller's decision.
 */
public final class HookRunner {
    public enum Kind {
        PRESTART("prestart", true),
        CREATE_RUNTIME("createRuntime", true),
        CREATE_CONTAINER("createContainer", true),
        START_CONTAINER("startContainer", true),
        POSTSTART("poststart", false),
        POSTSTOP("poststop", false);

        final String field;
        final boolean fatal;

        Kind(String field, boolean fatal) {
            this.field = field;
            this.fatal = fatal;
        }
    }

    private static final int SOCK_STREAM = 1;

    private HookRunner() {}

    public static List<Spec.Hook> hooks(Spec spec, Kind kind) {
        Spec.Hooks h = spec == null ? null : spec.hooks();
        if (h == null) return List.of();
        List<Spec.Hook> list = switch (kind) {
            case PRESTART -> h.prestart();
            case CREATE_RUNTIME -> h.createRuntime();
            case CREATE_CONTAINER -> h.createContainer();
            case START_CONTAINER -> h.startContainer();
            case POSTSTART -> h.poststart();
            case POSTSTOP -> h.poststop();
        };
        return list == null ? List.of() : list;
    }

    /**
     * Runs every hook of a kind in order. A failing prestart/createRuntime/createContainer/
     * startContainer hook throws (the operation stops and cleans up); a failing poststart or
     * poststop hook is logged as a warning and the rest still run, as config.md requires.
     */
    public static void run(ContainerRecord record, Kind kind, ContainerState state) {
        // Most containers have no such hooks: then the saved config is never bound.
        com.fasterxml.jackson.databind.JsonNode list =
                record.config() == null ? null : record.config().path("hooks").path(kind.field);
        if (list == null || !list.isArray() || list.isEmpty()) return;
        run(record.spec(), kind, state);
    }

    /** As {@link #run(ContainerRecord, Kind, ContainerState)}, for a config at hand. */
    public static void run(Spec spec, Kind kind, ContainerState state) {
        run(spec, kind, state, null);
    }

    /** As {@link #run(Spec, Kind, ContainerState)}, in the working directory cwd (null: jrunc's). */
    public static void run(Spec spec, Kind kind, ContainerState state, String cwd) {
        run(spec, kind, state, cwd, false);
    }

    /**
     * As {@link #run(Spec, Kind, ContainerState, String)}, without starting any thread: for a
     * thread that joined the container's namespaces, where a thread it started would share them
     * (and a pool's worker could keep them long after).
     */
    public static void runInThisThread(Spec spec, Kind kind, ContainerState state, String cwd) {
        run(spec, kind, state, cwd, true);
    }

    private static void run(Spec spec, Kind kind, ContainerState state, String cwd, boolean thisThreadOnly) {
        List<Spec.Hook> list = hooks(spec, kind);
        if (list.isEmpty()) return;
        byte[] stdin;
        try {
            stdin = SpecJson.mapper().writeValueAsBytes(state.toJson());
        } catch (IOException e) {
            throw new JruncException("cannot encode the state for " + kind.field + " hooks", e);
        }
        for (int i = 0; i < list.size(); i++) {
            try {
                if (thisThreadOnly) {
                    runOneInThisThread(Syscalls.linux(), list.get(i), stdin, cwd);
                } else {
                    runOne(Syscalls.linux(), list.get(i), stdin, cwd);
                }
            } catch (JruncException e) {
                String msg = kind.field + " hook #" + i + " (" + list.get(i).path() + "): " + e.getMessage();
                if (kind.fatal) throw new JruncException(msg, e);
                Log.warn(msg);
            }
        }
    }

    /** A hook just started: its pid, the write end of its stdin, the read ends of its stdout and stderr. */
    private record Spawned(int pid, int in, int out, int err) {
        /** The state on its stdin, then end of file. */
        void feed(Syscalls sys, byte[] stdin) {
            try {
                sys.write(in, stdin);
            } catch (SyscallException e) {
                // the hook need not read its stdin
            } finally {
                sys.close(in);
            }
        }
    }

    /** posix_spawn of the hook with argv exactly as config.md gives it, and stdio on socket pairs. */
    private static Spawned spawn(Syscalls sys, Spec.Hook hook, String cwd) {
        List<String> argv = hook.args() == null || hook.args().isEmpty() ? List.of(hook.path()) : hook.args();
        List<String> env = hook.env() == null ? List.of() : hook.env();
        int[] in = sys.socketpair(Linux.AF_UNIX, SOCK_STREAM | Linux.SOCK_CLOEXEC);
        int[] out = sys.socketpair(Linux.AF_UNIX, SOCK_STREAM | Linux.SOCK_CLOEXEC);
        int[] err = sys.socketpair(Linux.AF_UNIX, SOCK_STREAM | Linux.SOCK_CLOEXEC);
        int pid;
        try {
            pid = sys.spawn(hook.path(), argv, env, Map.of(in[1], 0, out[1], 1, err[1], 2), cwd);
        } catch (SyscallException e) {
            closeAll(sys, in[0], in[1], out[0], out[1], err[0], err[1]);
            throw new JruncException("cannot run: " + e.getMessage(), e);
        }
        closeAll(sys, in[1], out[1], err[1]);
        return new Spawned(pid, in[0], out[0], err[0]);
    }

    /**
     * posix_spawn with argv exactly as config.md gives it (execv semantics: args[0] is argv[0],
     * which java.lang.ProcessBuilder cannot do), the state on stdin, output collected for the log
     * and the error, and no fd of jrunc's but stdio.
     */
    static void runOne(Syscalls sys, Spec.Hook hook, byte[] stdin, String cwd) {
        Spawned h = spawn(sys, hook, cwd);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread drainOut = drain(sys, h.out(), output);
        Thread drainErr = drain(sys, h.err(), output);
        h.feed(sys, stdin);
        Syscalls.WaitStatus status = waitFor(sys, h.pid(), hook.timeout());
        try {
            drainOut.join(1000);
            drainErr.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeAll(sys, h.out(), h.err());
        String text = output.toString(StandardCharsets.UTF_8).strip();
        if (!text.isEmpty()) Log.debug("hook " + hook.path() + " output: " + text);
        if (status == null) throw new JruncException("timed out after " + hook.timeout() + "s");
        String failure = failure(status);
        if (failure != null) throw new JruncException(failure + (text.isEmpty() ? "" : ": " + text));
    }

    /** As {@link #runOne}, its output read by polling here instead of by threads. */
    static void runOneInThisThread(Syscalls sys, Spec.Hook hook, byte[] stdin, String cwd) {
        Spawned h = spawn(sys, hook, cwd);
        int pid = h.pid();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        h.feed(sys, stdin);
        int[] open = {h.out(), h.err()};
        long deadline = hook.timeout() == null || hook.timeout() <= 0 ? Long.MAX_VALUE
                : System.nanoTime() + hook.timeout() * 1_000_000_000L;
        Syscalls.WaitStatus status = null;
        long drainUntil = 0;
        while (true) {
            boolean read = false;
            for (int k = 0; k < open.length; k++) {
                if (open[k] < 0 || !sys.pollIn(open[k], 0)) continue;
                byte[] b;
                try {
                    b = sys.read(open[k], 8192);
                } catch (SyscallException e) {
                    b = new byte[0];
                }
                if (b.length == 0) {
                    sys.close(open[k]);
                    open[k] = -1;
                } else {
                    output.writeBytes(b);
                    read = true;
                }
            }
            if (status == null) {
                status = sys.waitpid(pid, Linux.WNOHANG);
                if (status != null) drainUntil = System.nanoTime() + 1_000_000_000L;
            }
            boolean drained = open[0] < 0 && open[1] < 0;
            // Once it has exited: what it wrote, but not what a child it left behind keeps writing.
            if (status != null && (drained || System.nanoTime() > drainUntil)) break;
            if (status == null && System.nanoTime() > deadline) {
                try {
                    sys.kill(pid, Signals.SIGKILL);
                } catch (SyscallException ignored) {
                    // exited just now
                }
                sys.waitpid(pid, 0);
                break;
            }
            if (!read) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (int fd : open) {
            if (fd >= 0) sys.close(fd);
        }
        // No log line here: the log may be a file opened by path, and this thread's paths are the container's.
        String text = output.toString(StandardCharsets.UTF_8).strip();
        if (status == null) throw new JruncException("timed out after " + hook.timeout() + "s");
        String failure = failure(status);
        if (failure != null) throw new JruncException(failure + (text.isEmpty() ? "" : ": " + text));
    }

    /** "exited with status N" or "killed by signal N (SIGNAME)"; null for success. */
    static String failure(Syscalls.WaitStatus status) {
        if (status.exited()) return status.exitCode() == 0 ? null : "exited with status " + status.exitCode();
        return "killed by signal " + status.termSignal() + Signals.name(status.termSignal()).map(n -> " (" + n + ")").orElse("");
    }

    /** The hook's status, or null if it outlived its timeout (it is then killed). */
    private static Syscalls.WaitStatus waitFor(Syscalls sys, int pid, Integer timeout) {
        if (timeout == null || timeout <= 0) return sys.waitpid(pid, 0);
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Syscalls.WaitStatus ws = sys.waitpid(pid, Linux.WNOHANG);
            if (ws != null) return ws;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            sys.kill(pid, Signals.SIGKILL);
        } catch (SyscallException ignored) {
            // exited just now
        }
        sys.waitpid(pid, 0);
        return null;
    }

    private static Thread drain(Syscalls sys, int fd, ByteArrayOutputStream into) {
        return Thread.ofVirtual().start(() -> {
            try {
                for (byte[] b = sys.read(fd, 8192); b.length > 0; b = sys.read(fd, 8192)) {
                    synchronized (into) {
                        into.writeBytes(b);
                    }
                }
            } catch (SyscallException ignored) {
                // the hook closed its end
            }
        });
    }

    private static void closeAll(Syscalls sys, int... fds) {
        for (int fd : fds) sys.close(fd);
    }
}
