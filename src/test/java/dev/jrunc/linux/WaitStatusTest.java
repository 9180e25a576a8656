package dev.jrunc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.linux.Syscalls.WaitStatus;
import org.junit.jupiter.api.Test;

class WaitStatusTest {
    @Test
    void exitedZero() {
        WaitStatus s = new WaitStatus(42, 0);
        assertTrue(s.exited());
        assertFalse(s.signaled());
        assertEquals(0, s.exitCode());
        assertEquals(0, s.shellStatus());
    }

    @Test
    void exitCodes() {
        for (int code : new int[] {1, 2, 42, 127, 255}) {
            WaitStatus s = new WaitStatus(1, code << 8);
            assertTrue(s.exited());
            assertFalse(s.signaled());
            assertEquals(code, s.exitCode());
            assertEquals(code, s.shellStatus());
        }
    }

    @Test
    void killedBySignal() {
        WaitStatus kill = new WaitStatus(1, 9);
        assertFalse(kill.exited());
        assertTrue(kill.signaled());
        assertEquals(9, kill.termSignal());
        assertEquals(137, kill.shellStatus());
        assertEquals(143, new WaitStatus(1, 15).shellStatus());
        assertEquals(128 + 64, new WaitStatus(1, 64).shellStatus());
    }

    @Test
    void coreDumpBitDoesNotChangeTheSignal() {
        WaitStatus segv = new WaitStatus(1, 11 | 0x80);
        assertTrue(segv.signaled());
        assertEquals(11, segv.termSignal());
        assertEquals(139, segv.shellStatus());
    }

    @Test
    void stoppedIsNeitherExitedNorSignaled() {
        WaitStatus stopped = new WaitStatus(1, (19 << 8) | 0x7f);
        assertFalse(stopped.exited());
        assertFalse(stopped.signaled());
    }
}
