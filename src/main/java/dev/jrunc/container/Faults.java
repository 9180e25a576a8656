package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.invocation.Invocation;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Fault injection for the crash tests (`make faults`): each named step of create, start, exec
 * and delete is a {@link #point}. When the caller's environment variable {@value #ENV} names a
 * step, jrunc is SIGKILLed there; "STEP@TARGET" instead SIGKILLs a process the step knows (the
 * namespace helper, the container's init, an exec'd process) and carries on, so that jrunc's own
 * handling of that death is what gets tested. Otherwise a point costs next to nothing.
 *
 * <p>What "jrunc" is depends on where the verb runs. In direct mode it is this JVM, which kills
 * itself. In the resident engine it is the caller's front, the process the caller started and
 * waits for: the front is SIGKILLed (the caller sees jrunc die of SIGKILL, as in direct mode) and
 * the verb's thread stops at the point by unwinding with {@link Killed}, an Error that no undo
 * handler catches (they catch RuntimeException), so everything the verb made stays for `state`,
 * `list` and `delete` to find, as after a real crash; only what the kernel would release for a
 * dead process is released on the way out (its fds, its locks). The engine itself, serving other
 * callers, is not killed by a plain STEP; "STEP@engine", which every step offers, kills the
 * engine there instead, a crash of every verb in flight (in direct mode, where this JVM is
 * jrunc, it is the same as STEP).
 */
public final class Faults {
    public static final String ENV = "JRUNC_FAULT";

    /** The target every step offers: the process the verb runs in, the engine or this JVM. */
    public static final String ENGINE = "engine";

    /** A step and the processes it can kill besides jrunc itself. */
    public record Step(String name, List<String> targets) {}

    /** Every point, in the order a container's life passes them. */
    public static final List<Step> STEPS = List.of(
            new Step("create.state-written", List.of()),
            new Step("create.cgroup-created", List.of()),
            new Step("create.limits-applied", List.of()),
            new Step("create.helper-spawned", List.of("helper")),
            new Step("create.init-pid-known", List.of("init")),
            new Step("create.init-in-cgroup", List.of("init")),
            new Step("create.before-created", List.of("init")),
            new Step("start.before-fifo", List.of()),
            new Step("start.after-fifo", List.of()),
            new Step("exec.spawned", List.of()),
            new Step("exec.in-cgroup", List.of("process")),
            new Step("delete.killed", List.of()),
            new Step("delete.cgroup-removed", List.of()),
            new Step("delete.before-state-removed", List.of()));

    /** A process a point offers to kill. */
    public record Target(String name, long pid) {}

    /** The end of a verb whose jrunc was killed at a fault point while the JVM lives on (the engine). */
    public static final class Killed extends Error {
        Killed(String step) {
            super("killed at fault point " + step, null, false, false);
        }
    }

    /** The fault the verb's caller armed, and the pid of the process that stands for jrunc. */
    private record Armed(String fault, long jrunc) {}

    private static final ScopedValue<Armed> CURRENT = ScopedValue.newInstance();

    private Faults() {}

    /**
     * Runs a verb for inv's caller with the fault its environment arms ({@value #ENV}); the
     * process that stands for jrunc is the caller's (inv.pid(): this JVM in direct mode, the
     * front in the engine). Outside of this (the Java API) no fault is armed.
     */
    public static <T> T with(Invocation inv, Callable<T> call) throws Exception {
        String fault = inv.getenv(ENV);
        if (fault == null) return call.call();
        return ScopedValue.where(CURRENT, new Armed(fault, inv.pid())).call(call::call);
    }

    public static Target target(String name, long pid) {
        return new Target(name, pid);
    }

    /** SIGKILL of this JVM; the signal is asynchronous, and nothing after the point may run. */
    private static void dieHere(Syscalls sys) {
        sys.kill((int) ProcessHandle.current().pid(), Signals.SIGKILL);
        while (true) {
            Thread.onSpinWait();
        }
    }

    /** The fault point of step; kills jrunc or one of targets if {@value #ENV} says so. */
    public static void point(String step, Target... targets) {
        if (!CURRENT.isBound()) return;
        Armed armed = CURRENT.get();
        String fault = armed.fault();
        check(fault);
        int at = fault.indexOf('@');
        String wanted = at < 0 ? fault : fault.substring(0, at);
        if (!wanted.equals(step)) return;
        Syscalls sys = Syscalls.linux();
        if (at < 0) {
            if (armed.jrunc() == ProcessHandle.current().pid()) dieHere(sys);
            sys.kill((int) armed.jrunc(), Signals.SIGKILL);
            throw new Killed(step);
        }
        String who = fault.substring(at + 1);
        if (who.equals(ENGINE)) dieHere(sys);
        for (Target t : targets) {
            if (t.name().equals(who) && t.pid() > 0) {
                sys.kill((int) t.pid(), Signals.SIGKILL);
                // the step after this one must find it dead, not dying
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (ProcStat.startTimeIfAlive((int) t.pid()).isPresent() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private static void check(String fault) {
        int at = fault.indexOf('@');
        String name = at < 0 ? fault : fault.substring(0, at);
        for (Step s : STEPS) {
            if (s.name().equals(name) && (at < 0 || s.targets().contains(fault.substring(at + 1))
                    || fault.substring(at + 1).equals(ENGINE))) {
                return;
            }
        }
        throw new JruncException(ENV + "=" + fault + ": no such fault point (see dev.jrunc.container.Faults.STEPS)");
    }
}
