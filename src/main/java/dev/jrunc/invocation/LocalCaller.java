package dev.jrunc.invocation;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.tty.TerminalRelay;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This JVM as the caller: direct mode, where the JVM is the process the engine (containerd's shim,
 * conmon, a shell) started, or a JVM that uses the Java API.
 *
 * <p>A JVM that <em>is</em> the caller's process (direct mode) owns its signal dispositions and
 * its children: a foreground verb takes over the forwarded signals and reaps every child. A JVM
 * that merely embeds jrunc does neither: it only waits for the pid it asked for, and signals stay
 * its own.
 */
public final class LocalCaller implements Caller {
    private final Syscalls sys;
    private final boolean ownsProcess;
    private final Map<Integer, Integer> stdio;
    private SignalForwarder signals;

    private LocalCaller(Syscalls sys, boolean ownsProcess, Map<Integer, Integer> stdio) {
        this.sys = sys;
        this.ownsProcess = ownsProcess;
        this.stdio = stdio;
    }

    /** The JVM that runs one verb for its own caller (direct mode): its stdio is the container's. */
    public static LocalCaller directMode(Syscalls sys) {
        return new LocalCaller(sys, true, Map.of());
    }

    /**
     * A JVM that embeds jrunc: the container's processes get stdin, stdout and stderr from the
     * given fds of this JVM (or this JVM's own stdio where an fd is -1; the same fd may serve
     * more than one).
     */
    public static LocalCaller embedded(Syscalls sys, int stdin, int stdout, int stderr) {
        Map<Integer, Integer> m = new HashMap<>();
        int[] given = {stdin, stdout, stderr};
        for (int target = 0; target < 3; target++) {
            int fd = given[target];
            if (fd < 0) continue;
            // One entry per source fd: a second use of the same fd gets a copy of its own.
            m.put(m.containsKey(fd) ? sys.dup(fd) : fd, target);
        }
        return new LocalCaller(sys, false, Map.copyOf(m));
    }

    @Override
    public int spawn(Program program, List<String> argv, List<String> env, Map<Integer, Integer> fds) {
        Map<Integer, Integer> all = new HashMap<>(stdio);
        all.putAll(fds);
        String path = program.path();
        if (program.fd() >= 0) {
            // The child keeps only the fds it is given (Syscalls#spawn): the program's is one of
            // them, above the others, until execve (the helper closes what it does not know).
            int at = all.values().stream().mapToInt(Integer::intValue).max().orElse(2) + 1;
            all.put(program.fd(), Math.max(3, at));
            path = "/proc/self/fd/" + Math.max(3, at);
        }
        return sys.spawn(path, argv, env, all);
    }

    @Override
    public void reap(int pid) {
        try {
            sys.waitpid(pid, 0);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ECHILD) throw e;
        }
    }

    @Override
    public void foreground() {
        // The namespace helper exits once the process is forked: become the one it is reparented
        // to, so it can be waited for.
        sys.prctl(Linux.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        if (ownsProcess) signals = SignalForwarder.install(sys);
    }

    @Override
    public void forwardSignals(int pid) {
        if (signals != null) signals.forwardTo(pid);
    }

    @Override
    public int waitForExit(int pid, int terminalMaster) {
        if (terminalMaster < 0) return waitFor(pid);
        try (TerminalRelay relay = new TerminalRelay(sys, terminalMaster, ownsProcess)) {
            return waitFor(pid);
        } finally {
            sys.close(terminalMaster);
        }
    }

    /**
     * In direct mode reaps everything reparented to this process until pid exits; embedded, only
     * pid (the embedding JVM's other children are not ours to reap).
     */
    private int waitFor(int pid) {
        while (true) {
            Syscalls.WaitStatus ws;
            try {
                ws = sys.waitpid(ownsProcess ? -1 : pid, 0);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ECHILD) throw new JruncException("lost track of process " + pid);
                throw e;
            }
            if (ws != null && ws.pid() == pid) return ws.shellStatus();
        }
    }

    @Override
    public boolean gone() {
        return false;
    }
}
