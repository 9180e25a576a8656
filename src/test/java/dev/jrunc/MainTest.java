package dev.jrunc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errors picocli raises while parsing still reach --log, where containerd's shim reads them. */
class MainTest {
    @TempDir Path tmp;

    @AfterEach
    void reset() {
        Log.configure(null, null, false);
    }

    @Test
    void anUnknownVerbIsLoggedAsJson() throws Exception {
        Path log = tmp.resolve("log.json");
        int rc = Main.run(new String[] {"--root", tmp.toString(), "--log", log.toString(), "--log-format", "json",
                "no-such-verb", "ctr1"});
        assertEquals(1, rc);
        List<String> lines = Files.readAllLines(log);
        assertEquals(1, lines.size(), lines.toString());
        JsonNode entry = new ObjectMapper().readTree(lines.getFirst());
        assertEquals("error", entry.get("level").asText());
        assertTrue(entry.get("msg").asText().contains("no-such-verb"), entry.toString());
    }

    @Test
    void anUnknownFlagOfAVerbIsLoggedToo() throws Exception {
        Path log = tmp.resolve("log.json");
        int rc = Main.run(new String[] {"--log=" + log, "--log-format=json", "--root", tmp.toString(), "state",
                "--no-such-flag", "ctr1"});
        assertEquals(1, rc);
        String text = Files.readString(log);
        assertTrue(text.contains("--no-such-flag"), text);
    }

    @Test
    void globalOptionsAreReadOnlyBeforeTheVerb() {
        Main.configureLogFrom(new String[] {"--rootless", "false", "--debug", "exec", "c1", "sh", "--log", "x"});
        assertTrue(Log.debugEnabled());
    }
}
