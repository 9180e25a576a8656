package dev.jrunc.container;

import static dev.jrunc.init.SyncMessage.*;

import dev.jrunc.JruncException;
import dev.jrunc.init.SetupFailedException;
import dev.jrunc.init.SyncMessage;
import dev.jrunc.init.SyncProtocolException;
import dev.jrunc.init.SyncSocket;
import dev.jrunc.invocation.Caller;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.process.SeccompListener;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The runtime's side of a launch on the sync socket, from the native helper's spawn to CREATED:
 * for `create` (the helper, then the init, in-thread or a JVM, then the last stage) and for `exec`
 * (the helper, then the last stage). It reads every message, answers those the runtime answers
 * (USERNS_OK, AGENT and GO), hands the rest of the work to {@link Steps}, and registers the undo of
 * what it learns: the process to kill once its pid is known, a terminal kept here. The caller runs
 * that undo when the launch fails.
 *
 * <p>The order is checked: READY only after PID (the runtime acts on READY with the pid, and a
 * pid of 0 would mean the runtime itself), CREATED only after READY; after an exec's CREATED only
 * the end of file of its execve, or its ERROR. An ERROR ends the launch
 * with a {@link SetupFailedException} carrying its text; an unknown or misplaced message with a
 * {@link SyncProtocolException}.
 */
final class LaunchHandshake {
    /** Which launch: the messages it may see, and how it names the other side. */
    enum Launch {
        CREATE("the container's init", "container init exited before it was set up",
                EnumSet.of(USERNS, PID, WARN, MADE, CONSOLE, READY, CREATED, ERROR)),
        EXEC("the exec'd process", "exec failed: the process exited before it was set up",
                EnumSet.of(PID, READY, CONSOLE, CREATED, ERROR));

        private final String peer;
        private final String closedEarly;
        private final Set<SyncMessage> accepted;

        Launch(String peer, String closedEarly, Set<SyncMessage> accepted) {
            this.peer = peer;
            this.closedEarly = closedEarly;
            this.accepted = accepted;
        }
    }

    /** What the runtime does at each step of the launch; the handshake does the talking. */
    interface Steps {
        /** USERNS: write the maps of the user namespace the helper (the spawned process) made. */
        default void userNamespace() {
            throw new IllegalStateException("USERNS is not part of this launch");
        }

        /** PID: the container's process. Recorded first, before the helper is reaped. */
        void pidKnown(int pid);

        /** Then, before the next message: what the process waits for (create: hooks, the rootfs). */
        default void setUp(int pid) {}

        /** WARN from the init JVM. */
        default void warning(String text) {}

        /** MADE from the init JVM: what it made in the rootfs. */
        default void made(List<String> paths) {}

        /**
         * CONSOLE: the pty master, the callee's from here, and the pty's name in the container.
         * Returns whether the master is kept in this process (the undo closes it on failure).
         */
        boolean console(int master, String name);

        /** READY: the process waits; place it (its cgroup) and say what GO carries. */
        Go ready(int pid);

        /** CREATED: the launch is done. */
        void created(int pid);

        /** The undo SIGKILLed the process: wait until it is gone, or reap it. */
        default void killed(int pid) {}
    }

    /**
     * What goes with GO: the seccomp flags and filter (empty: none), and for SCMP_ACT_NOTIFY a
     * socket connected to the agent (else -1) with the process state it gets, sent before as AGENT.
     */
    record Go(byte[] seccomp, int agent, byte[] agentState) {
        static Go filter(byte[] seccomp) {
            return new Go(seccomp, -1, new byte[0]);
        }

        /**
         * The filter, and for SCMP_ACT_NOTIFY a socket connected to linux.seccomp.listenerPath: the
         * last stage sends the listener over it once the filter is on, just before execve (it
         * cannot make a system call the profile may catch after that).
         */
        static Go of(Syscalls sys, Spec spec, byte[] seccomp, int pid, Supplier<ContainerState> state) {
            if (!ContainerCreator.needsListener(seccomp)) return filter(seccomp);
            byte[] payload = SeccompListener.payload(spec, pid, state.get());
            return new Go(seccomp, SeccompListener.connect(sys, spec), payload);
        }
    }

    private final Syscalls sys;
    private final SyncSocket sync;
    private final Launch launch;
    private final int helperPid;
    private final Caller caller;
    private final Undo undo;
    private final Steps steps;
    private int pid;
    private boolean ready;

    /**
     * @param helperPid the native helper the caller spawned: reaped once it has reported the
     *     process (it exits then), or when the launch fails before
     * @param undo where the steps to take back on failure go; the caller runs them
     */
    LaunchHandshake(Syscalls sys, SyncSocket sync, Launch launch, int helperPid, Caller caller, Undo undo, Steps steps) {
        this.sys = sys;
        this.sync = sync;
        this.launch = launch;
        this.helperPid = helperPid;
        this.caller = caller;
        this.undo = undo;
        this.steps = steps;
    }

    /** Runs the launch to CREATED; returns the process's pid. */
    int run() {
        try {
            while (true) {
                SyncSocket.Message m = sync.receive();
                if (m == null) throw new JruncException(launch.closedEarly + (pid == 0 && launch == Launch.CREATE
                        ? " (namespace helper failed)" : ""));
                if (!launch.accepted.contains(m.kind())) throw unexpected(m.kind(), "");
                switch (m.kind()) {
                    case USERNS -> {
                        steps.userNamespace();
                        sync.send(USERNS_OK);
                    }
                    case PID -> processKnown(m);
                    case WARN -> steps.warning(m.text());
                    case MADE -> steps.made(paths(m));
                    case CONSOLE -> {
                        int master = sync.takeFd();
                        if (steps.console(master, m.text())) undo.push("close the terminal", () -> sys.close(master));
                    }
                    case READY -> {
                        if (pid == 0) throw unexpected(READY, " before PID");
                        go(steps.ready(pid));
                        ready = true;
                    }
                    case CREATED -> {
                        if (!ready) throw unexpected(CREATED, " before READY");
                        if (launch == Launch.EXEC) awaitExecve();
                        steps.created(pid);
                        return pid;
                    }
                    case ERROR -> throw new SetupFailedException(m.text());
                    default -> throw unexpected(m.kind(), "");
                }
            }
        } catch (RuntimeException e) {
            if (pid == 0) {
                try {
                    caller.reap(helperPid);
                } catch (RuntimeException ignored) {
                    // reaped already
                }
            }
            throw e;
        }
    }

    private void processKnown(SyncSocket.Message m) {
        if (pid != 0) throw unexpected(PID, " a second time");
        int p;
        try {
            p = Integer.parseInt(m.text().trim());
        } catch (NumberFormatException e) {
            p = 0;
        }
        if (p <= 0) throw new SyncProtocolException("bad PID \"" + m.text() + "\" from " + launch.peer);
        int known = p;
        pid = known;
        undo.push("stop " + launch.peer, () -> {
            try {
                sys.kill(known, Signals.SIGKILL);
            } catch (RuntimeException ignored) {
                // gone already
            }
            steps.killed(known);
        });
        steps.pidKnown(known);
        caller.reap(helperPid);
        steps.setUp(known);
    }

    private void go(Go go) {
        if (go.agent() >= 0) {
            try {
                sync.sendFd(AGENT, go.agent(), go.agentState());
            } finally {
                sys.close(go.agent());
            }
        }
        sync.send(GO, go.seccomp());
    }

    private List<String> paths(SyncSocket.Message m) {
        try {
            return Arrays.asList(SpecJson.mapper().readValue(m.payload(), String[].class));
        } catch (IOException e) {
            throw new SyncProtocolException("bad MADE from " + launch.peer + ": " + e.getMessage());
        }
    }

    /**
     * exec: the helper's end of the socket is close-on-exec, so its end of file says the program
     * runs (or the process is gone): `exec` returns, and `exec --detach` writes its pid file, only
     * then, as runc's does. An execve that fails sends its ERROR instead.
     */
    private void awaitExecve() {
        SyncSocket.Message m = sync.receive();
        if (m == null) return;
        if (m.kind() == ERROR) throw new SetupFailedException(m.text());
        throw unexpected(m.kind(), " after CREATED");
    }

    private SyncProtocolException unexpected(SyncMessage kind, String when) {
        return new SyncProtocolException("unexpected message " + kind.word() + when + " from " + launch.peer);
    }
}
