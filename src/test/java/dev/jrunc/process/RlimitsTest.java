package dev.jrunc.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RlimitsTest {
    @Test
    void numbersFromAsmGenericResourceH() {
        assertEquals(0, Rlimits.number("RLIMIT_CPU"));
        assertEquals(4, Rlimits.number("RLIMIT_CORE"));
        assertEquals(6, Rlimits.number("RLIMIT_NPROC"));
        assertEquals(7, Rlimits.number("RLIMIT_NOFILE"));
        assertEquals(8, Rlimits.number("RLIMIT_MEMLOCK"));
        assertEquals(9, Rlimits.number("RLIMIT_AS"));
        assertEquals(15, Rlimits.number("RLIMIT_RTTIME"));
        assertEquals(16, Rlimits.NUMBERS.size());
    }

    @Test
    void unknownIsRefused() {
        assertEquals("unknown rlimit type \"RLIMIT_FOO\"",
                assertThrows(IllegalArgumentException.class, () -> Rlimits.number("RLIMIT_FOO")).getMessage());
    }
}
