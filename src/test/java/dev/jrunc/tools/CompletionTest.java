package dev.jrunc.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.cli.Verbs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The generated completion offers every verb and every option: checked by letting bash itself
 * complete with the script (COMP_WORDS/COMPREPLY, as when the user presses TAB).
 */
class CompletionTest {
    /** runc's verbs that engines and users call: each must be completed. */
    private static final List<String> RUNC_VERBS = List.of("create", "start", "state", "kill", "delete", "run",
            "exec", "pause", "resume", "update", "events", "ps", "list", "spec", "features");

    @TempDir Path tmp;

    @Test
    void bashCompletesEveryVerb() throws Exception {
        Path script = write(Completion.bash());
        Set<String> offered = new TreeSet<>(complete(script, "jrunc ").get("jrunc "));
        for (String verb : RUNC_VERBS) assertTrue(offered.contains(verb), verb + " not in " + offered);
        for (String verb : Verbs.commandLine(new String[0]).getSubcommands().keySet()) {
            assertTrue(offered.contains(verb), verb + " not in " + offered);
        }
        assertEquals(List.of("create"), complete(script, "jrunc cre").get("jrunc cre"));
    }

    @Test
    void bashCompletesEveryOptionOfEveryVerbAndTheGlobalOnes() throws Exception {
        Path script = write(Completion.bash());
        CommandLine jrunc = Verbs.commandLine(new String[0]);
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("jrunc -", names(jrunc));
        for (var e : jrunc.getSubcommands().entrySet()) expected.put("jrunc " + e.getKey() + " -", names(e.getValue()));
        Map<String, List<String>> got = complete(script, expected.keySet().toArray(String[]::new));
        for (var e : expected.entrySet()) {
            List<String> offered = got.get(e.getKey());
            for (String name : e.getValue()) {
                assertTrue(offered.contains(name), "[" + e.getKey() + "] offers " + offered + ", not " + name);
            }
        }
        // the options runc users type most, spelled out, so a model change cannot hide them
        assertTrue(got.get("jrunc -").containsAll(List.of("--root", "--log", "--log-format", "--debug",
                "--systemd-cgroup", "-h", "--help", "-v", "--version")), got.get("jrunc -").toString());
        assertTrue(got.get("jrunc exec -").containsAll(List.of("--tty", "--detach", "--env", "--cwd", "--user",
                "--process", "--pid-file", "--preserve-fds", "--console-socket", "--help")), got.get("jrunc exec -").toString());
        assertTrue(got.get("jrunc create -").containsAll(List.of("--bundle", "--pid-file", "--console-socket",
                "--no-pivot", "--no-new-keyring", "--preserve-fds", "--help")), got.get("jrunc create -").toString());
        assertTrue(got.get("jrunc delete -").containsAll(List.of("--force", "--help")), got.get("jrunc delete -").toString());
    }

    @Test
    void zshFileIsTheSameScriptBehindACompdefLine() {
        String zsh = Completion.zsh();
        assertTrue(zsh.startsWith("#compdef jrunc\n"), zsh.lines().findFirst().orElse(""));
        assertTrue(zsh.contains(Completion.bash()), "the zsh function wraps the generated script");
        assertTrue(zsh.strip().endsWith("_bash_complete -F _complete_jrunc"), "answers the first completion");
    }

    @Test
    void toolWritesBothFiles() throws Exception {
        Completion.main(new String[] {tmp.resolve("out").toString()});
        assertEquals(Completion.bash(), Files.readString(tmp.resolve("out/jrunc")));
        assertEquals(Completion.zsh(), Files.readString(tmp.resolve("out/_jrunc")));
    }

    /** Every name of every option the user can see (hidden ones are for compatibility only). */
    private static List<String> names(CommandLine cmd) {
        List<String> out = new ArrayList<>();
        for (OptionSpec o : cmd.getCommandSpec().options()) {
            if (!o.hidden()) out.addAll(List.of(o.names()));
        }
        return out;
    }

    private Path write(String script) throws IOException {
        Path p = tmp.resolve("jrunc-completion.bash");
        Files.writeString(p, script);
        return p;
    }

    /** Runs bash's completion of each command line (up to the cursor at its end) with the script. */
    private static Map<String, List<String>> complete(Path script, String... lines) throws Exception {
        StringBuilder sh = new StringBuilder("source '" + script + "' 2>/dev/null\n");
        sh.append("complete -p jrunc >/dev/null || exit 9\n");
        for (String line : lines) {
            String q = "'" + line.replace("'", "'\\''") + "'";
            sh.append("COMP_LINE=").append(q).append("; read -r -a COMP_WORDS <<<\"$COMP_LINE\"; ")
                    .append("[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); ")
                    .append("COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _complete_jrunc 2>/dev/null; ")
                    .append("printf '%s\\n' \"@@\" \"${COMPREPLY[@]}\"\n");
        }
        Process p = new ProcessBuilder("bash", "--noprofile", "--norc", "-c", sh.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bash did not finish");
        assertEquals(0, p.exitValue(), "bash failed: " + out);
        Map<String, List<String>> result = new LinkedHashMap<>();
        int i = -1;
        List<String> current = null;
        for (String l : out.split("\n", -1)) {
            if (l.equals("@@")) {
                current = new ArrayList<>();
                result.put(lines[++i], current);
            } else if (current != null && !l.isEmpty()) {
                current.add(l.strip());
            }
        }
        assertEquals(lines.length, result.size(), out);
        return result;
    }
}
