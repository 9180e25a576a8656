package dev.jrunc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jrunc.JruncException;
import org.junit.jupiter.api.Test;

class CgroupVerbOptionsTest {
    @Test
    void memorySizesAreReadAsRuncReadsThem() {
        assertEquals(64L << 20, UpdateCommand.ramInBytes("64m"));
        assertEquals(64L << 20, UpdateCommand.ramInBytes("64M"));
        assertEquals(1L << 30, UpdateCommand.ramInBytes("1g"));
        assertEquals(1L << 30, UpdateCommand.ramInBytes("1GiB"));
        assertEquals(2048, UpdateCommand.ramInBytes("2kb"));
        assertEquals(512, UpdateCommand.ramInBytes("512"));
        assertEquals(1536L << 20, UpdateCommand.ramInBytes("1.5g"));
        assertEquals(10L << 20, UpdateCommand.ramInBytes("10 MB"));
        assertThrows(IllegalArgumentException.class, () -> UpdateCommand.ramInBytes("12q"));
        assertThrows(IllegalArgumentException.class, () -> UpdateCommand.ramInBytes("-5m"));
        assertThrows(IllegalArgumentException.class, () -> UpdateCommand.ramInBytes(""));
    }

    @Test
    void intervalsAreGoDurations() {
        assertEquals(5000, EventsCommand.durationMillis("5s"));
        assertEquals(250, EventsCommand.durationMillis("250ms"));
        assertEquals(90_000, EventsCommand.durationMillis("1m30s"));
        assertEquals(1500, EventsCommand.durationMillis("1.5s"));
        assertThrows(JruncException.class, () -> EventsCommand.durationMillis("5"));
        assertThrows(JruncException.class, () -> EventsCommand.durationMillis("0s"));
        assertThrows(JruncException.class, () -> EventsCommand.durationMillis("soon"));
    }
}
