package dev.jrunc.cli;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Signals;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "kill", description = "Send a signal (default SIGTERM) to a container's init.")
public final class KillCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "<signal>", description = "name or number, with or without SIG")
    String signal = "SIGTERM";

    @Option(names = {"--all", "-a"}, description = "signal every process in the container")
    boolean all;

    @Override
    public Integer call() {
        int sig;
        if (isZero(signal)) {
            sig = 0; // tests that the init is alive, as with kill(1)
        } else {
            try {
                sig = Signals.parse(signal);
            } catch (IllegalArgumentException e) {
                throw new JruncException("kill: " + e.getMessage());
            }
        }
        global.jrunc().kill(id, sig, all);
        return 0;
    }

    private static boolean isZero(String signal) {
        String s = signal.trim();
        return !s.isEmpty() && s.chars().allMatch(ch -> ch == '0');
    }
}
