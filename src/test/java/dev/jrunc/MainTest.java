package dev.jrunc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jrunc.cli.Verbs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line around the verbs: help and version, an unknown verb, and errors picocli raises
 * while parsing, which still reach --log, where containerd's shim reads them.
 */
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
    void aHugeArgumentGivesAnErrorOfBoundedLength() throws Exception {
        Path log = tmp.resolve("log.json");
        String verb = "v".repeat(1 << 20);
        int rc = Main.run(new String[] {"--root", tmp.toString(), "--log", log.toString(), "--log-format", "json", verb});
        assertEquals(1, rc);
        JsonNode entry = new ObjectMapper().readTree(Files.readAllLines(log).getFirst());
        String msg = entry.get("msg").asText();
        assertTrue(msg.length() <= ErrorText.MAX + 64 && msg.contains("characters left out"), msg);
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

    /** What one in-process run printed, and its status. */
    record Ran(int rc, String out, String err) {}

    private static Ran capture(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int rc = Main.run(args);
            return new Ran(rc, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void everyVerbPrintsItsHelpAndExitsZero() {
        List<String> verbs = List.copyOf(Verbs.commandLine(new String[0]).getSubcommands().keySet());
        assertTrue(verbs.containsAll(List.of("create", "start", "state", "kill", "delete", "run", "exec", "pause",
                "resume", "update", "events", "ps", "list", "spec", "features")), verbs.toString());
        for (String verb : verbs) {
            for (String flag : List.of("--help", "-h")) {
                // Before the required arguments, after them, and after global options.
                for (String[] args : List.of(new String[] {verb, flag}, new String[] {verb, "ctr1", flag},
                        new String[] {"--root", tmp.toString(), "--debug", verb, flag})) {
                    if (args.length == 3 && (verb.equals("exec") || verb.equals("ps"))) continue; // see below
                    Ran r = capture(args);
                    assertEquals(0, r.rc(), String.join(" ", args) + ": " + r);
                    String name = verb.equals("ls") ? "list" : verb;
                    assertTrue(r.out().startsWith("Usage: jrunc " + name + " "), String.join(" ", args) + ": " + r.out());
                    assertTrue(r.out().contains("-h, --help"), r.out());
                    assertEquals("", r.err(), String.join(" ", args));
                }
            }
        }
    }

    @Test
    void afterTheIdOfExecOrPsAHelpFlagBelongsToTheCommand() {
        // `exec ID prog --help` and `ps ID -h`: runc passes these on; they never print jrunc's help.
        for (String verb : List.of("exec", "ps")) {
            Ran r = capture("--root", tmp.toString(), verb, "no-such-ctr", "--help");
            assertFalse(r.out().contains("Usage:"), verb + ": " + r);
            assertTrue(r.err().contains("no-such-ctr"), verb + ": " + r);
        }
    }

    @Test
    void shortVIsVersionAsInRunc() {
        for (String flag : List.of("-v", "--version")) {
            Ran r = capture(flag);
            assertEquals(0, r.rc(), r.toString());
            assertTrue(r.out().startsWith("jrunc version "), r.out());
            assertTrue(r.out().contains("\nspec: "), r.out());
        }
    }

    @Test
    void topLevelHelpListsTheVerbsAndExitsZero() {
        Ran r = capture("--help");
        assertEquals(0, r.rc());
        assertTrue(r.out().contains("-v, --version"), r.out());
        for (String verb : List.of("create", "start", "state", "kill", "delete", "exec")) {
            assertTrue(r.out().contains("\n  " + verb + " "), verb + " in " + r.out());
        }
    }

    @Test
    void anUnknownVerbIsOneClearLineAndStatusOne() {
        Ran r = capture("--root", tmp.toString(), "crate", "ctr1");
        assertEquals(1, r.rc(), r.toString());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("jrunc: unknown command \"crate\"; the commands are: create, start,"),
                lines.getFirst());
    }

    @Test
    void anUnknownGlobalOptionIsStillReportedAsAnOption() {
        Ran r = capture("--no-such-option", "state", "x");
        assertEquals(1, r.rc());
        assertTrue(r.err().startsWith("jrunc: Unknown option: '--no-such-option'"), r.err());
    }
}
