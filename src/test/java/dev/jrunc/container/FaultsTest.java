package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.invocation.LocalCaller;
import dev.jrunc.linux.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fault points as the engine runs them: armed by the caller's environment, and "kill jrunc" kills
 * the process that stands for jrunc in that call (in the engine, the caller's front) and stops the
 * verb where it is, not the JVM that runs it.
 */
class FaultsTest {
    private static Invocation callerWith(Map<String, String> env, long pid) {
        PrintStream none = new PrintStream(new ByteArrayOutputStream());
        return new Invocation(env, Path.of("/"), 022, none, none, InputStream.nullInputStream(), pid, () -> "0::/\n",
                LocalCaller.embedded(Syscalls.linux(), -1, -1, -1));
    }

    @Test
    void aKillingPointKillsTheCallersStandInAndStopsTheVerbThere() throws Exception {
        Process front = new ProcessBuilder("sleep", "60").start();
        try {
            Invocation inv = callerWith(Map.of(Faults.ENV, "create.cgroup-created"), front.pid());
            int[] reached = {0};
            assertThrows(Faults.Killed.class, () -> Faults.with(inv, () -> {
                Faults.point("create.state-written");
                reached[0] = 1;
                Faults.point("create.cgroup-created");
                reached[0] = 2;
                return null;
            }));
            assertEquals(1, reached[0], "the verb went on to the armed point and no further");
            assertTrue(front.waitFor(10, TimeUnit.SECONDS), "the caller's stand-in is dead");
            assertEquals(128 + 9, front.exitValue(), "of SIGKILL, as a direct-mode jrunc would be");
        } finally {
            front.destroyForcibly();
        }
    }

    @Test
    void onlyTheCallersEnvironmentArmsAFault() throws Exception {
        Process other = new ProcessBuilder("sleep", "60").start();
        try {
            // Another caller's fault is not this one's, and outside a verb nothing is armed.
            Invocation clean = callerWith(Map.of(), other.pid());
            Faults.with(clean, () -> {
                Faults.point("create.state-written");
                return null;
            });
            Faults.point("create.state-written");
            assertTrue(other.isAlive());
        } finally {
            other.destroyForcibly();
        }
    }

    @Test
    void anUnknownPointIsAnErrorNamingTheVariable() {
        Invocation inv = callerWith(Map.of(Faults.ENV, "create.no-such-step"), ProcessHandle.current().pid());
        JruncException e = assertThrows(JruncException.class, () -> Faults.with(inv, () -> {
            Faults.point("create.state-written");
            return null;
        }));
        assertTrue(e.getMessage().startsWith(Faults.ENV + "=create.no-such-step: no such fault point"), e.getMessage());
    }

    @Test
    void aTargetedPointKillsOnlyItsTargetAndTheVerbGoesOn() throws Exception {
        Process front = new ProcessBuilder("sleep", "60").start();
        Process init = new ProcessBuilder("sleep", "60").start();
        try {
            Invocation inv = callerWith(Map.of(Faults.ENV, "create.init-pid-known@init"), front.pid());
            Faults.with(inv, () -> {
                Faults.point("create.init-pid-known", Faults.target("init", init.pid()));
                return null;
            });
            assertTrue(init.waitFor(10, TimeUnit.SECONDS));
            assertTrue(front.isAlive(), "jrunc carries on");
        } finally {
            front.destroyForcibly();
            init.destroyForcibly();
        }
    }

    @Test
    void everyStepOffersTheEngineAndNoOtherUnlistedTarget() throws Exception {
        for (Faults.Step step : Faults.STEPS) {
            Invocation inv = callerWith(Map.of(Faults.ENV, step.name() + "@" + Faults.ENGINE), ProcessHandle.current().pid());
            // armed for another step: a valid fault, and this point is not it
            String other = step.name().equals("delete.killed") ? "create.state-written" : "delete.killed";
            Faults.with(inv, () -> {
                Faults.point(other);
                return null;
            });
        }
        Invocation bad = callerWith(Map.of(Faults.ENV, "start.before-fifo@init"), ProcessHandle.current().pid());
        JruncException e = assertThrows(JruncException.class, () -> Faults.with(bad, () -> {
            Faults.point("delete.killed");
            return null;
        }));
        assertTrue(e.getMessage().contains("start.before-fifo@init: no such fault point"), e.getMessage());
    }
}
