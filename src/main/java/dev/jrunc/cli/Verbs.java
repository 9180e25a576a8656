package dev.jrunc.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Every verb, and the command line for one invocation. Only the verb being run is given to
 * picocli: building the model of all of them costs more start-up than most verbs take to run.
 */
public final class Verbs {
    private static final Map<String, Supplier<Object>> VERBS = new LinkedHashMap<>();

    static {
        VERBS.put("create", CreateCommand::new);
        VERBS.put("start", StartCommand::new);
        VERBS.put("state", StateCommand::new);
        VERBS.put("kill", KillCommand::new);
        VERBS.put("delete", DeleteCommand::new);
        VERBS.put("run", RunCommand::new);
        VERBS.put("exec", ExecCommand::new);
        VERBS.put("pause", PauseCommand::new);
        VERBS.put("resume", ResumeCommand::new);
        VERBS.put("update", UpdateCommand::new);
        VERBS.put("events", EventsCommand::new);
        VERBS.put("ps", PsCommand::new);
        VERBS.put("list", ListCommand::new);
        VERBS.put("spec", SpecCommand::new);
        VERBS.put("features", FeaturesCommand::new);
        VERBS.put("checkpoint", CheckpointCommand::new);
        VERBS.put("restore", CheckpointCommand.Restore::new);
    }

    private static final Map<String, String> ALIASES = Map.of("ls", "list");

    /** Global options that take a value, so the verb is found after them. */
    private static final Set<String> VALUED_GLOBALS = Set.of("--root", "--log", "--log-format", "--criu", "--engine");

    private Verbs() {}

    public static CommandLine commandLine(String[] args) {
        return commandLine(args, null);
    }

    /** The command line for one invocation by inv (null: this JVM's own caller). */
    public static CommandLine commandLine(String[] args, dev.jrunc.invocation.Invocation inv) {
        JruncCommand global = new JruncCommand();
        if (inv != null) global.invocation(inv);
        CommandLine cli = new CommandLine(global);
        String verb = findVerb(args);
        if (verb != null) {
            cli.addSubcommand(verb, VERBS.get(verb).get());
        } else {
            VERBS.forEach((name, make) -> cli.addSubcommand(name, make.get()));
        }
        // `exec ID CMD -x`, `ps ID -x`: everything after the id is the command's or ps(1)'s, as with
        // runc (even -h: it is ps's or the program's, not a request for jrunc's help).
        for (String name : List.of("exec", "ps")) {
            if (cli.getSubcommands().containsKey(name)) cli.getSubcommands().get(name).setStopAtPositional(true);
        }
        return cli;
    }

    /** The verb named on the command line, or null (help, version, a typo: then all are offered). */
    static String findVerb(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUED_GLOBALS.contains(a)) {
                i++;
            } else if (a.equals("--rootless") && i + 1 < args.length && Set.of("true", "false", "auto").contains(args[i + 1])) {
                i++;
            } else if (!a.startsWith("-")) {
                String verb = ALIASES.getOrDefault(a, a);
                return VERBS.containsKey(verb) ? verb : null;
            }
        }
        return null;
    }
}
