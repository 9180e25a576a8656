package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.tty.TerminalRelay;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.util.List;

/**
 * `run`: create, start and, in the foreground, wait for the container's process, forwarding the
 * signals jrunc receives and passing its exit status through; then delete the container.
 */
public final class ContainerRunner {
    /** Signals a foreground `run` passes on to the container instead of dying of them. */
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH");

    private final Syscalls sys;
    private final StateStore store;
    private final RuntimeHome home;

    public ContainerRunner(Syscalls sys, StateStore store, RuntimeHome home) {
        this.sys = sys;
        this.store = store;
        this.home = home;
    }

    public int run(ContainerCreator.Options options, boolean detach, boolean keep) {
        if (!detach) {
            // The init's parent (the namespace helper) exits at once: become the one it is
            // reparented to, so it can be waited for.
            sys.prctl(Linux.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        }
        ContainerCreator creator = new ContainerCreator(sys, store, home);
        if (!detach && options.consoleSocket() == null) creator.keepConsole();
        ContainerRecord record = creator.create(options);
        Container container = Container.load(sys, store, options.id());
        // Before start: once the program runs, a signal meant for it must not kill jrunc instead.
        if (!detach) forwardSignals(record.pid());
        try (StateStore.Lock lock = store.lock(options.id())) {
            container.start();
            HookRunner.run(record, HookRunner.Kind.POSTSTART, container.state());
        } catch (RuntimeException e) {
            deleteQuietly(options.id());
            throw e;
        }
        if (detach) return 0;

        int status;
        if (creator.consoleMaster() >= 0) {
            try (TerminalRelay relay = new TerminalRelay(sys, creator.consoleMaster())) {
                status = waitFor(sys, record.pid());
            }
        } else {
            status = waitFor(sys, record.pid());
        }
        if (!keep) deleteQuietly(options.id());
        return status;
    }

    private void forwardSignals(int pid) {
        forwardSignalsTo(sys, pid);
    }

    static void forwardSignalsTo(Syscalls sys, int pid) {
        for (String name : FORWARDED) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    try {
                        sys.kill(pid, s.getNumber());
                    } catch (SyscallException e) {
                        // the container is already gone
                    }
                });
            } catch (IllegalArgumentException e) {
                Log.debug("cannot forward SIG" + name + ": " + e.getMessage());
            }
        }
    }

    /**
     * Reaps everything reparented to us (jrunc is the subreaper of a foreground run or exec)
     * until the process itself exits; returns its status the shell's way.
     */
    static int waitFor(Syscalls sys, int pid) {
        while (true) {
            Syscalls.WaitStatus ws;
            try {
                ws = sys.waitpid(-1, 0);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ECHILD) throw new JruncException("lost track of process " + pid);
                throw e;
            }
            if (ws != null && ws.pid() == pid) return ws.shellStatus();
        }
    }

    private void deleteQuietly(String id) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container.load(sys, store, id).delete(true);
        } catch (RuntimeException e) {
            Log.warn("delete " + id + ": " + e.getMessage());
        }
    }
}
