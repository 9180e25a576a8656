package dev.jrunc.cli;

import dev.jrunc.JruncException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/** Accepted so engines get a clear answer rather than a usage error. */
@Command(name = "checkpoint", description = "Not supported: jrunc has no CRIU integration.")
public final class CheckpointCommand implements Callable<Integer> {
    @Parameters(arity = "0..1") String id;
    @Unmatched List<String> rest;

    @Override
    public Integer call() {
        throw new JruncException("checkpoint is not supported by jrunc (no CRIU integration)");
    }

    @Command(name = "restore", description = "Not supported: jrunc has no CRIU integration.")
    public static final class Restore implements Callable<Integer> {
        @Parameters(arity = "0..1") String id;
        @Unmatched List<String> rest;

        @Override
        public Integer call() {
            throw new JruncException("restore is not supported by jrunc (no CRIU integration)");
        }
    }
}
