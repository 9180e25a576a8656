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

/** The command line around the verbs: --help, --version, --log/--log-format, `spec`, completion. */
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

    /** Every verb the top-level help lists answers --help and -h through the launcher, status 0. */
    @Test
    void everyVerbHasHelpThroughTheLauncher() {
        Jrunc.Result top = jrunc.run("--help").assertOk();
        List<String> verbs = new java.util.ArrayList<>();
        boolean inCommands = false;
        for (String line : top.out().lines().toList()) {
            if (line.equals("Commands:")) inCommands = true;
            else if (inCommands && line.matches("  [a-z]+.*")) verbs.add(line.trim().split("[ ,]")[0]);
        }
        assertTrue(verbs.containsAll(List.of("create", "start", "state", "kill", "delete", "run", "exec", "ps")), verbs.toString());
        for (String verb : verbs) {
            for (String flag : List.of("--help", "-h")) {
                Jrunc.Result r = jrunc.run(verb, flag).assertOk();
                assertTrue(r.out().startsWith("Usage: jrunc " + verb), r.toString());
                assertEquals("", r.err(), r.toString());
            }
        }
        Jrunc.Result v = jrunc.run("-v").assertOk();
        assertTrue(v.out().startsWith("jrunc version "), v.toString());
        Jrunc.Result unknown = jrunc.run("frobnicate", "x").assertExit(1);
        assertEquals("", unknown.out());
        assertTrue(unknown.err().startsWith("jrunc: unknown command \"frobnicate\""), unknown.toString());
    }

    /**
     * zsh, given the generated _jrunc on its fpath, completes jrunc's verbs and options: an
     * interactive zsh on a pseudo-terminal (zpty) is sent a TAB and its line read back.
     */
    @Test
    void zshCompletesVerbsAndOptions() throws Exception {
        Path fpath = Files.createDirectories(tmp.resolve("zsh-functions"));
        Files.writeString(fpath.resolve("_jrunc"), dev.jrunc.tools.Completion.zsh());
        assertEquals("jrunc create ", zshComplete(fpath, "jrunc cre"));
        assertEquals("jrunc create --pid-file ", zshComplete(fpath, "jrunc create --pid-"));
        assertEquals("jrunc exec --tty ", zshComplete(fpath, "jrunc exec --tt"));
    }

    /**
     * The command line zsh holds after completing {@code line} once: the TAB and then a key bound
     * to a widget that writes the line to a file are typed together, so zle handles them in order.
     */
    private String zshComplete(Path fpath, String line) throws Exception {
        Path script = tmp.resolve("complete.zsh");
        Files.writeString(script, """
                zmodload zsh/zpty
                zpty z zsh -f -i
                zpty -w z "PS1=''; fpath=($1 \\$fpath); autoload -U compinit; compinit -u -D; unsetopt beep"
                zpty -w z "dump() { print -r -- \\"<\\$BUFFER>\\" >$3 }; zle -N dump; bindkey '^I' complete-word; bindkey '^Xd' dump"
                zpty -w -n z "$2"$'\\t\\C-xd'
                for i in {1..300}; do [[ -s $3 ]] && break; sleep 0.1; done
                zpty -d z
                """);
        Path result = tmp.resolve("line-" + line.replace(' ', '_'));
        Jrunc.Result r = jrunc.exec(List.of("zsh", "-f", script.toString(), fpath.toString(), line, result.toString()),
                Jrunc.DEFAULT_TIMEOUT, null, null);
        assertEquals(0, r.exit(), r.toString());
        String got = Files.exists(result) ? Files.readString(result).strip() : "";
        assertTrue(got.startsWith("<") && got.endsWith(">"), "zsh's line for \"" + line + "\": " + got + "\n" + r);
        return got.substring(1, got.length() - 1);
    }
}
