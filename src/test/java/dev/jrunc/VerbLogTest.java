package dev.jrunc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerbLogTest {
    @TempDir Path dir;

    @Test
    void errorsAndWarningsAreBoundedButDebugLinesAreKeptWhole() throws IOException {
        Path file = dir.resolve("log.json");
        VerbLog log = new VerbLog(file, "json", true, new PrintStream(new ByteArrayOutputStream()), 022);
        String huge = "x".repeat(50_000);
        log.error("bad " + huge);
        log.warn("odd " + huge);
        log.debug("hook said " + huge);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).length() < ErrorText.MAX + 200, "error line is bounded: " + lines.get(0).length());
        assertTrue(lines.get(0).contains("characters left out"), lines.get(0).substring(0, 100));
        assertTrue(lines.get(1).length() < ErrorText.MAX + 200, "warning line is bounded: " + lines.get(1).length());
        assertTrue(lines.get(2).contains("hook said " + huge), "the debug line is whole");
    }

    @Test
    void withoutALogFileWarningsGoToStderrBounded() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        VerbLog log = new VerbLog(null, "text", false, new PrintStream(err, true, StandardCharsets.UTF_8), 022);
        log.warn("w" + "y".repeat(10_000));
        String out = err.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("jrunc: warning: w"), out.substring(0, 40));
        assertTrue(out.length() < ErrorText.MAX + 200, "bounded: " + out.length());
    }
}
