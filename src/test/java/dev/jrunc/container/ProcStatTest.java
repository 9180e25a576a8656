package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProcStatTest {
    @Test
    void thisProcessIsAliveAndItsStartTimeIsStable() {
        int self = (int) ProcessHandle.current().pid();
        OptionalLong start = ProcStat.startTimeIfAlive(self);
        assertTrue(start.isPresent());
        assertTrue(ProcStat.isSameProcess(self, start.getAsLong()));
        assertFalse(ProcStat.isSameProcess(self, start.getAsLong() + 1), "a recycled pid has another start time");
    }

    @Test
    void noProcess() {
        assertFalse(ProcStat.startTimeIfAlive(0).isPresent());
        assertFalse(ProcStat.startTimeIfAlive(-1).isPresent());
        assertFalse(ProcStat.startTimeIfAlive(Integer.MAX_VALUE).isPresent());
    }
}
