package dev.jrunc.invocation;

import dev.jrunc.Log;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.util.ArrayList;
import java.util.List;

/**
 * The signals a foreground `run` or `exec` in direct mode passes on to the container's process
 * instead of dying of them. It is installed before the process exists, so a signal that arrives
 * while the container is still being created does not kill jrunc half-way (leaving a state
 * directory, a cgroup and a blocked init behind): it is held and passed on once the process runs,
 * as runc does. It changes this JVM's signal dispositions, so only a JVM that is the caller's
 * process (direct mode) installs it; the engine leaves signals to the native front.
 */
final class SignalForwarder {
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH");

    private final Syscalls sys;
    private final List<Integer> held = new ArrayList<>();
    private int target;

    private SignalForwarder(Syscalls sys) {
        this.sys = sys;
    }

    /** Takes over the forwarded signals for this JVM; they are held until {@link #forwardTo}. */
    static SignalForwarder install(Syscalls sys) {
        SignalForwarder f = new SignalForwarder(sys);
        for (String name : FORWARDED) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> f.received(s.getNumber()));
            } catch (IllegalArgumentException e) {
                Log.debug("cannot forward SIG" + name + ": " + e.getMessage());
            }
        }
        return f;
    }

    /** From now on signals go to {@code pid}; those held so far are sent first, in order. */
    synchronized void forwardTo(int pid) {
        target = pid;
        for (int signal : held) send(signal);
        held.clear();
    }

    private synchronized void received(int signal) {
        if (target == 0) {
            held.add(signal);
        } else {
            send(signal);
        }
    }

    private void send(int signal) {
        try {
            sys.kill(target, signal);
        } catch (SyscallException e) {
            // the process is already gone
        }
    }
}
