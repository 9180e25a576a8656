package dev.jrunc.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jrunc.linux.Syscalls;
import org.junit.jupiter.api.Test;

/** How a hook's end reads in the error: never a raw wait status. */
class HookFailureTest {
    @Test
    void exitStatusAndSignalAreSpelledOut() {
        assertNull(HookRunner.failure(new Syscalls.WaitStatus(1, 0)));
        assertEquals("exited with status 3", HookRunner.failure(new Syscalls.WaitStatus(1, 3 << 8)));
        assertEquals("killed by signal 15 (SIGTERM)", HookRunner.failure(new Syscalls.WaitStatus(1, 15)));
        // killed, with a core dump (0x80)
        assertEquals("killed by signal 11 (SIGSEGV)", HookRunner.failure(new Syscalls.WaitStatus(1, 0x80 | 11)));
        assertEquals("killed by signal 40", HookRunner.failure(new Syscalls.WaitStatus(1, 40)));
    }
}
