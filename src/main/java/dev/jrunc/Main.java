package dev.jrunc;

import dev.jrunc.cli.JruncCommand;
import dev.jrunc.cli.Verbs;
import java.util.List;
import picocli.CommandLine;

/** jrunc's entry point: parse runc's command line, run one verb, exit with its status. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        // A command line picocli rejects never reaches the execution strategy, but its error
        // must still reach --log: that file is all containerd shows its user.
        configureLogFrom(args);
        CommandLine cli = Verbs.commandLine(args);
        cli.setExecutionStrategy(parsed -> {
            JruncCommand global = parsed.asCommandLineList().getFirst().getCommand();
            Log.configure(global.log(), global.logFormat(), global.debug());
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setParameterExceptionHandler((e, a) -> {
            String verb = unknownVerb(e);
            String msg = verb == null ? e.getMessage() : unknownVerbMessage(verb, e);
            Log.error(msg);
            System.err.println("jrunc: " + msg);
            // The usage of every verb would bury the one line that matters.
            if (verb == null) e.getCommandLine().usage(System.err);
            return 1;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            String msg = e instanceof JruncException ? e.getMessage() : e.toString();
            Log.error(msg);
            System.err.println("jrunc: " + msg);
            if (!(e instanceof JruncException) || Log.debugEnabled()) e.printStackTrace();
            return exitCodeFor(command);
        });
        return cli.execute(args);
    }

    /** The global --log/--log-format/--debug options, read before picocli parses (or rejects) the line. */
    static void configureLogFrom(String[] args) {
        String log = null;
        String format = "text";
        boolean debug = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) break; // the verb: what follows is the verb's
            if (a.equals("--debug")) debug = true;
            else if (a.startsWith("--log=")) log = a.substring(6);
            else if (a.startsWith("--log-format=")) format = a.substring(13);
            else if (a.equals("--log") && i + 1 < args.length) log = args[++i];
            else if (a.equals("--log-format") && i + 1 < args.length) format = args[++i];
            else if ((a.equals("--root") || a.equals("--criu")) && i + 1 < args.length) i++;
            else if (a.equals("--rootless") && i + 1 < args.length && args[i + 1].matches("true|false|auto")) i++;
        }
        Log.configure(log == null ? null : java.nio.file.Path.of(log), format, debug);
    }

    /** The word where a verb was expected, when it names none; null for any other error. */
    static String unknownVerb(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || e.getCommandLine().getParent() != null) return null;
        List<String> unmatched = u.getUnmatched();
        return unmatched.isEmpty() || unmatched.getFirst().startsWith("-") ? null : unmatched.getFirst();
    }

    private static String unknownVerbMessage(String verb, CommandLine.ParameterException e) {
        List<String> verbs = e.getCommandLine().getSubcommands().values().stream()
                .map(CommandLine::getCommandName).distinct().toList();
        return "unknown command \"" + verb + "\"; the commands are: " + String.join(", ", verbs);
    }

    /** runc's convention: `exec` reports its own failure as 255, everything else as 1. */
    private static int exitCodeFor(CommandLine command) {
        return "exec".equals(command.getCommandName()) ? 255 : 1;
    }
}
