package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.Syscalls;
import java.util.List;
import java.util.function.Function;

/**
 * Fault injection for the crash tests (`make faults`): each named step of create, start, exec
 * and delete is a {@link #point}. When the environment variable {@value #ENV} names a step,
 * jrunc SIGKILLs itself there; "STEP@TARGET" instead SIGKILLs a process the step knows (the
 * namespace helper, the container's init, an exec'd process) and carries on, so that jrunc's own
 * handling of that death is what gets tested. Otherwise a point costs next to nothing.
 */
public final class Faults {
    public static final String ENV = "JRUNC_FAULT";

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

    private static Function<String, String> environment = System::getenv;
    private static String armed;
    private static boolean read;

    private Faults() {}

    /**
     * Where this invocation's environment comes from: the process's own by default; an engine
     * serving several callers would pass the caller's.
     */
    public static synchronized void useEnvironment(Function<String, String> env) {
        environment = env;
        read = false;
        armed = null;
    }

    public static Target target(String name, long pid) {
        return new Target(name, pid);
    }

    /** The fault point of step; kills jrunc or one of targets if {@value #ENV} says so. */
    public static void point(String step, Target... targets) {
        String fault = armed();
        if (fault == null) return;
        int at = fault.indexOf('@');
        String wanted = at < 0 ? fault : fault.substring(0, at);
        if (!wanted.equals(step)) return;
        Syscalls sys = Syscalls.linux();
        if (at < 0) {
            sys.kill((int) ProcessHandle.current().pid(), Signals.SIGKILL);
            while (true) {
                Thread.onSpinWait();
            }
        }
        String who = fault.substring(at + 1);
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

    private static synchronized String armed() {
        if (!read) {
            String v = environment.apply(ENV);
            armed = v == null || v.isEmpty() ? null : v;
            read = true;
            if (armed != null) check(armed);
        }
        return armed;
    }

    private static void check(String fault) {
        int at = fault.indexOf('@');
        String name = at < 0 ? fault : fault.substring(0, at);
        for (Step s : STEPS) {
            if (s.name().equals(name) && (at < 0 || s.targets().contains(fault.substring(at + 1)))) return;
        }
        throw new JruncException(ENV + "=" + fault + ": no such fault point (see dev.jrunc.container.Faults.STEPS)");
    }
}
