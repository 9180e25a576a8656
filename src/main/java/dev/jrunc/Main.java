package dev.jrunc;

import dev.jrunc.cli.JruncCommand;
import dev.jrunc.cli.Verbs;
import picocli.CommandLine;

/** jrunc's entry point: parse runc's command line, run one verb, exit with its status. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        CommandLine cli = Verbs.commandLine(args);
        cli.setExecutionStrategy(parsed -> {
            JruncCommand global = parsed.asCommandLineList().getFirst().getCommand();
            Log.configure(global.log(), global.logFormat(), global.debug());
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setParameterExceptionHandler((e, a) -> {
            String msg = e.getMessage();
            Log.error(msg);
            System.err.println("jrunc: " + msg);
            e.getCommandLine().usage(System.err);
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

    /** runc's convention: `exec` reports its own failure as 255, everything else as 1. */
    private static int exitCodeFor(CommandLine command) {
        return "exec".equals(command.getCommandName()) ? 255 : 1;
    }
}
