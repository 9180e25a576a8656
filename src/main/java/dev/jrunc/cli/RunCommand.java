package dev.jrunc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Create and start a container; wait for it unless --detach.")
public final class RunCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Mixin CreateOptions create;

    @Option(names = {"--detach", "-d"}, description = "do not wait for the container's process")
    boolean detach;

    @Option(names = "--keep", description = "do not delete the container after it exits")
    boolean keep;

    @Override
    public Integer call() {
        return global.jrunc().run(create.id, create.bundle, create.toOptions(), detach, keep);
    }
}
