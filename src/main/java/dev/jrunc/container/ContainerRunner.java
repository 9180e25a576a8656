package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.tty.TerminalRelay;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;

/**
 * `run`: create, start and, in the foreground, wait for the container's process, forwarding the
 * signals jrunc receives and passing its exit status through; then delete the container.
 */
public final class ContainerRunner {
    private final Syscalls sys;
    private final StateStore store;
    private final RuntimeHome home;

    public ContainerRunner(Syscalls sys, StateStore store, RuntimeHome home) {
        this.sys = sys;
        this.store = store;
        this.home = home;
    }

    public int run(ContainerCreator.Options options, boolean detach, boolean keep) {
        SignalForwarder signals = null;
        if (!detach) {
            // The init's parent (the namespace helper) exits at once: become the one it is
            // reparented to, so it can be waited for.
            sys.prctl(Linux.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            signals = SignalForwarder.install(sys);
        }
        ContainerCreator creator = new ContainerCreator(sys, store, home);
        if (!detach && options.consoleSocket() == null) creator.keepConsole();
        ContainerRecord record = creator.create(options);
        Container container = Container.load(sys, store, options.id());
        try (StateStore.Lock lock = store.lock(options.id())) {
            container.start();
            if (signals != null) signals.forwardTo(record.pid());
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
