package dev.jrunc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each verb's own log: its file, its caller's umask and stderr, and the one Log reaches. */
class VerbLogTest {
    @TempDir Path tmp;

    @Test
    void aNewLogFileGetsTheCallersUmaskNotThisProcesss() throws Exception {
        Path file = tmp.resolve("log.json");
        new VerbLog(file, "json", false, System.err, 077).error("x");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Path open = tmp.resolve("open.json");
        new VerbLog(open, "json", false, System.err, 0).error("x");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(open)), "0644 at most, as runc");
    }

    @Test
    void withoutAFileWarningsGoToTheCallersStderr() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        VerbLog log = new VerbLog(null, "text", false, new PrintStream(err, true), 022);
        log.warn("careful");
        log.error("not printed here: the caller prints errors itself");
        assertEquals("jrunc: warning: careful\n", err.toString());
    }

    @Test
    void logReachesTheLogBoundForThisThreadOnly() throws Exception {
        ByteArrayOutputStream mine = new ByteArrayOutputStream();
        VerbLog verb = new VerbLog(null, "text", true, new PrintStream(mine, true), 022);
        Log.with(verb, () -> {
            Log.warn("from the verb");
            Thread other = Thread.ofPlatform().start(() -> Log.debug("another thread's"));
            other.join();
            assertTrue(Log.debugEnabled());
            return null;
        });
        assertEquals("jrunc: warning: from the verb\n", mine.toString(), "another verb's thread never writes here");
    }

    @Test
    void aWarningForTheUsersEyesReachesTheCallersStderrEvenWithALogFile() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path file = tmp.resolve("log.json");
        VerbLog verb = new VerbLog(file, "json", false, new PrintStream(err, true), 022);
        Log.with(verb, () -> {
            Log.warnOnStderrToo("shared cgroup");
            return null;
        });
        assertEquals("jrunc: warning: shared cgroup\n", err.toString(), "the caller's stderr, not this process's");
        assertTrue(Files.readString(file).contains("\"msg\":\"shared cgroup\""), "and the log");
    }
}
