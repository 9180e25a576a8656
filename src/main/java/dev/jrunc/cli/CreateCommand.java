package dev.jrunc.cli;

import dev.jrunc.container.ContainerCreator;
import dev.jrunc.container.RuntimeHome;
import dev.jrunc.linux.Syscalls;
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
        new ContainerCreator(Syscalls.linux(), global.store(), RuntimeHome.current()).create(create.toOptions(global));
        return 0;
    }
}
