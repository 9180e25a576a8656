package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command line around the verbs: --version, --log/--log-format, `spec`. */
class CliIT extends ContainerTest {

    @Test
    void versionWorksWithEmptyEnvironmentFromAnotherDirectory() {
        Jrunc.Result r = jrunc.exec(List.of("env", "-i", Jrunc.binary().toString(), "--version"),
                Jrunc.DEFAULT_TIMEOUT, Map.of(), Path.of("/")).assertOk();
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.toString());
        assertTrue(lines.get(0).matches("jrunc version \\d+\\.\\d+\\.\\d+.*"), lines.get(0));
        assertTrue(lines.get(1).matches("commit: \\S+"), lines.get(1));
        assertTrue(lines.get(2).matches("spec: \\d+\\.\\d+\\.\\d+.*"), lines.get(2));
    }

    @Test
    void failingCreateLogsJsonError() throws Exception {
        Bundle b = bundle("b");
        b.root().put("path", "missing-rootfs");
        b.save();
        Path log = tmp.resolve("log.json");
        String id = newId("logged");
        Instant before = Instant.now().minusSeconds(1);
        jrunc.runWith(Jrunc.DEFAULT_TIMEOUT, List.of("--log", log.toString(), "--log-format", "json",
                "create", "--bundle", b.dir.toString(), id)).assertExit(1);
        List<String> lines = Files.readAllLines(log);
        assertTrue(!lines.isEmpty(), "the log has a line");
        JsonNode last = Bundle.JSON.readTree(lines.getLast());
        assertEquals("error", last.path("level").asText(), last.toString());
        assertContains(last.path("msg").asText(), "missing-rootfs");
        assertContains(last.path("msg").asText(), "root.path");
        Instant time = Instant.parse(last.path("time").asText());
        assertTrue(!time.isBefore(before) && time.isBefore(Instant.now().plusSeconds(1)), "time " + time);
        for (String line : lines) Bundle.JSON.readTree(line); // every line is JSON
        assertNothingLeftBehind(id);
    }

    @Test
    void specWritesAConfigThatRuns() throws Exception {
        Bundle b = bundle("b");
        Path dir = Files.createDirectories(tmp.resolve("fresh"));
        Files.createSymbolicLink(dir.resolve("rootfs"), b.rootfs);
        Jrunc.Result r = jrunc.exec(List.of(Jrunc.binary().toString(), "spec"), Jrunc.DEFAULT_TIMEOUT, null, dir).assertOk();
        assertEquals("", r.out());
        ObjectNode config = (ObjectNode) Bundle.JSON.readTree(dir.resolve("config.json").toFile());
        assertEquals("rootfs", config.path("root").path("path").asText());
        assertTrue(config.path("process").path("terminal").asBoolean(), "runc's default: terminal true");
        Bundle.obj(config, "process").put("terminal", false);
        Bundle.obj(config, "process").putArray("args").add("sh").add("-c").add("echo spec-ok");
        Files.writeString(dir.resolve("config.json"), Bundle.JSON.writeValueAsString(config));
        String id = newId("spec");
        Jrunc.Result ran = jrunc.run("run", "--bundle", dir.toString(), id).assertOk();
        assertEquals("spec-ok", ran.out().trim());
        // A second `spec` refuses to overwrite.
        Jrunc.Result again = jrunc.exec(List.of(Jrunc.binary().toString(), "spec"), Jrunc.DEFAULT_TIMEOUT, null, dir).assertExit(1);
        assertContains(again.err(), "config.json");
        assertNothingLeftBehind(id);
    }
}
