package dev.jrunc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(name = "create", description = "Create a container from a bundle; its process waits for `start`.")
public final class CreateCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Mixin CreateOptions create;

    @Override
    public Integer call() {
        global.jrunc().create(create.id, create.bundle, create.toOptions());
        return 0;
    }
}
