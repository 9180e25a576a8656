package dev.jrunc.tools;

import dev.jrunc.cli.Verbs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.AutoComplete;

/**
 * Shell completion for jrunc, generated at build time by picocli's own generator from the same
 * command model the verbs run with, so it cannot drift from the options jrunc accepts.
 *
 * <pre>java -cp jrunc.jar dev.jrunc.tools.Completion OUT-DIR</pre>
 * writes {@code OUT-DIR/jrunc} (bash: a bash-completion file) and {@code OUT-DIR/_jrunc} (zsh: a
 * site-functions file).
 */
public final class Completion {
    private Completion() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: Completion OUT-DIR");
        Path out = Files.createDirectories(Path.of(args[0]));
        Files.writeString(out.resolve("jrunc"), bash());
        Files.writeString(out.resolve("_jrunc"), zsh());
    }

    /** picocli's completion script over every verb; bash sources it as it is. */
    public static String bash() {
        return AutoComplete.bash("jrunc", Verbs.commandLine(new String[0]));
    }

    /**
     * The same script as a zsh completion function. zsh autoloads {@code _jrunc} from its fpath
     * (the {@code #compdef} line) and runs the file's body on the first completion of jrunc: the
     * script turns on zsh's bash-completion emulation and registers {@code _complete_jrunc} for
     * later completions, and the last line answers this first one through that emulation. The
     * emulation has no {@code compopt}; the script's alias for it comes too late for a function
     * body zsh has already parsed, so a no-op stands in (the options it sets are bash's own).
     */
    public static String zsh() {
        return "#compdef jrunc\n"
                + "(( $+functions[compopt] )) || compopt() { return 0; }\n"
                + bash()
                + "\n_bash_complete -F _complete_jrunc\n";
    }
}
