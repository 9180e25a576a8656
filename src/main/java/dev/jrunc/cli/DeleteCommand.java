package dev.jrunc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "delete", description = "Delete a stopped container (any container with --force).")
public final class DeleteCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Option(names = {"--force", "-f"}, description = "kill the container first if it is still running")
    boolean force;

    @Override
    public Integer call() {
        global.jrunc().delete(id, force);
        return 0;
    }
}
