package dev.jrunc;

import dev.jrunc.cli.Verbs;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.linux.Syscalls;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * jrunc's entry point: parse runc's command line, run one verb, return its status. A JVM of its
 * own runs one verb for the process that started it (direct mode, {@link #main}); the resident
 * engine runs each front's verb through {@link #run(String[], Invocation)}.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** One verb for this JVM's own caller (direct mode). */
    public static int run(String[] args) {
        return run(args, Invocation.directMode(Syscalls.linux()));
    }

    /** One verb for inv's caller: its stdio, cwd, environment, and a log of its own. */
    public static int run(String[] args, Invocation inv) {
        // A command line picocli rejects never reaches the verb, but its error must still reach
        // --log: that file is all containerd shows its user.
        VerbLog log = logFor(args, inv);
        PrintWriter out = new PrintWriter(new OutputStreamWriter(inv.out(), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(inv.err(), StandardCharsets.UTF_8), true);
        try {
            return Log.with(log, () -> dev.jrunc.container.Faults.with(inv, () -> execute(args, inv, log, out, err)));
        } catch (Exception e) {
            // execute handles the verb's own errors: this is jrunc failing to run it at all
            String msg = ErrorText.bounded(e.toString());
            log.error(msg);
            err.println("jrunc: " + msg);
            return 1;
        } finally {
            out.flush();
            err.flush();
            inv.out().flush();
            inv.err().flush();
        }
    }

    private static int execute(String[] args, Invocation inv, VerbLog log, PrintWriter out, PrintWriter err) {
        CommandLine cli = Verbs.commandLine(args, inv);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(parsed -> {
            announce(parsed, inv);
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setParameterExceptionHandler((e, a) -> {
            String verb = unknownVerb(e);
            String msg = ErrorText.bounded(verb == null ? e.getMessage() : unknownVerbMessage(verb, e));
            log.error(msg);
            err.println("jrunc: " + msg);
            // The usage of every verb would bury the one line that matters.
            if (verb == null) e.getCommandLine().usage(err);
            return 1;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            String msg = ErrorText.bounded(e instanceof JruncException ? e.getMessage() : e.toString());
            log.error(msg);
            err.println("jrunc: " + msg);
            if (!(e instanceof JruncException) || log.debugEnabled()) e.printStackTrace(err);
            return exitCodeFor(command);
        });
        return cli.execute(args);
    }

    /** Tells the caller which verb runs on which container, and whether it is a foreground run or exec. */
    private static void announce(CommandLine.ParseResult parsed, Invocation inv) {
        CommandLine.ParseResult verb = parsed.subcommand();
        if (verb == null) return;
        String name = verb.commandSpec().name();
        Object id = verb.matchedPositionals().isEmpty() ? null : verb.matchedPositionals().getFirst().getValue();
        boolean foreground = (name.equals("run") || name.equals("exec")) && !verb.hasMatchedOption("--detach");
        inv.caller().verb(name, id instanceof String s ? s : null, foreground);
    }

    /** The global --log, --log-format and --debug, read before picocli parses (or rejects) the line. */
    static VerbLog logFor(String[] args, Invocation inv) {
        LogOptions o = logOptions(args);
        return new VerbLog(o.file == null ? null : inv.resolve(Path.of(o.file)), o.format, o.debug, inv.err(),
                inv.umask());
    }

    /** The process-wide log from the command line, for a JVM that runs one verb. */
    static void configureLogFrom(String[] args) {
        LogOptions o = logOptions(args);
        Log.configure(o.file == null ? null : Path.of(o.file), o.format, o.debug);
    }

    private record LogOptions(String file, String format, boolean debug) {}

    private static LogOptions logOptions(String[] args) {
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
            else if ((a.equals("--root") || a.equals("--criu") || a.equals("--engine")) && i + 1 < args.length) i++;
            else if (a.equals("--rootless") && i + 1 < args.length && args[i + 1].matches("true|false|auto")) i++;
        }
        return new LogOptions(log, format, debug);
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
