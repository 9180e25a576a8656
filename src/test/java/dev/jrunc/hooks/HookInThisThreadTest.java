package dev.jrunc.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.Spec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hook runner for a thread in the container's namespaces: same results, polled instead of threaded. */
class HookInThisThreadTest {
    @TempDir Path tmp;

    private static Spec.Hook sh(String script, Integer timeout) {
        return new Spec.Hook("/bin/sh", List.of("sh", "-c", script), List.of("HOOK_VAR=v"), timeout);
    }

    @Test
    void stdinArgvEnvAndCwdAreTheHooksAndSuccessIsQuiet() throws Exception {
        Path out = tmp.resolve("out");
        HookRunner.runOneInThisThread(Syscalls.linux(),
                sh("read s; printf '%s|%s|%s|%s' \"$s\" \"$0\" \"$HOOK_VAR\" \"$(pwd)\" > " + out, null),
                "{\"id\":\"c\"}\n".getBytes(StandardCharsets.UTF_8), tmp.toString());
        assertEquals("{\"id\":\"c\"}|sh|v|" + tmp.toRealPath(), Files.readString(out));
    }

    @Test
    void aFailureSaysHowAndCarriesWhatTheHookWroteOnBothStreams() {
        JruncException e = assertThrows(JruncException.class, () -> HookRunner.runOneInThisThread(Syscalls.linux(),
                sh("echo to-out; echo to-err >&2; exit 3", null), new byte[0], null));
        assertTrue(e.getMessage().startsWith("exited with status 3: "), e.getMessage());
        assertTrue(e.getMessage().contains("to-out") && e.getMessage().contains("to-err"), e.getMessage());
    }

    @Test
    void aHookPastItsTimeoutIsKilled() {
        long t0 = System.nanoTime();
        JruncException e = assertThrows(JruncException.class, () -> HookRunner.runOneInThisThread(Syscalls.linux(),
                sh("exec sleep 30", 1), new byte[0], null));
        assertEquals("timed out after 1s", e.getMessage());
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "killed at its timeout, not waited for");
    }

    @Test
    void aChildLeftBehindHoldingTheOutputDoesNotHoldTheCreate() {
        long t0 = System.nanoTime();
        HookRunner.runOneInThisThread(Syscalls.linux(), sh("sleep 4 & echo started", null), new byte[0], null);
        assertTrue(System.nanoTime() - t0 < 3_500_000_000L, "returns once the hook itself has exited");
    }
}
