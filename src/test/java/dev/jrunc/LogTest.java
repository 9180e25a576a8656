package dev.jrunc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTest {
    @TempDir Path tmp;

    @AfterEach
    void reset() {
        Log.configure(null, null, false);
    }

    @Test
    void quoteEscapesWhatJsonRequires() {
        assertEquals("\"plain\"", Log.quote("plain"));
        assertEquals("\"say \\\"hi\\\"\"", Log.quote("say \"hi\""));
        assertEquals("\"C:\\\\dir\"", Log.quote("C:\\dir"));
        assertEquals("\"a\\nb\\rc\\td\"", Log.quote("a\nb\rc\td"));
        assertEquals("\"\\u0000\\u0001\\u001b\\u001f\"", Log.quote("\u0000\u0001\u001b\u001f"));
        assertEquals("\"é ünïcode ✓\"", Log.quote("é ünïcode ✓"));
        assertEquals("\"\"", Log.quote(""));
    }

    @Test
    void quotedTextParsesBackToTheOriginal() throws IOException {
        String nasty = "line1\nline2 \"quoted\" back\\slash \u0007bell\ttab \u007f del / slash";
        assertEquals(nasty, new ObjectMapper().readValue(Log.quote(nasty), String.class));
    }

    @Test
    void jsonLogIsOneObjectPerLineWithLevelMsgTime() throws IOException {
        Path file = tmp.resolve("log.json");
        Log.configure(file, "json", false);
        Instant before = Instant.now();
        Log.error("container_linux.go: \"exec\" failed:\nno such file");
        Log.warn("careful");
        Log.info("fyi");
        Log.debug("not written without --debug");
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size(), lines.toString());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = first.fieldNames(); it.hasNext(); ) keys.add(it.next());
        assertEquals(List.of("level", "msg", "time"), keys);
        assertEquals("error", first.get("level").asText());
        assertEquals("container_linux.go: \"exec\" failed:\nno such file", first.get("msg").asText());
        Instant time = Instant.parse(first.get("time").asText());
        assertTrue(!time.isBefore(before.minusSeconds(1)) && !time.isAfter(Instant.now()), time.toString());
        assertEquals("warning", new ObjectMapper().readTree(lines.get(1)).get("level").asText());
        assertEquals("info", new ObjectMapper().readTree(lines.get(2)).get("level").asText());
    }

    @Test
    void debugLinesWithDebugEnabled() throws IOException {
        Path file = tmp.resolve("log.json");
        Log.configure(file, "json", true);
        Log.debug("details");
        assertTrue(Log.debugEnabled());
        assertEquals("debug", new ObjectMapper().readTree(Files.readAllLines(file).getFirst()).get("level").asText());
    }

    @Test
    void textFormat() throws IOException {
        Path file = tmp.resolve("log.txt");
        Log.configure(file, "text", false);
        Log.error("bad \"thing\"");
        String line = Files.readAllLines(file).getFirst();
        assertTrue(line.matches("time=\"[^\"]+\" level=error msg=\"bad \\\\\"thing\\\\\"\""), line);
    }

    @Test
    void appendsToAnExistingLog() throws IOException {
        Path file = tmp.resolve("log.json");
        Files.writeString(file, "{\"level\":\"info\",\"msg\":\"earlier\",\"time\":\"2020-01-01T00:00:00Z\"}\n");
        Log.configure(file, "json", false);
        Log.error("now");
        assertEquals(2, Files.readAllLines(file).size());
    }
}
