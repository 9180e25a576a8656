package dev.jrunc.cli;

import dev.jrunc.container.Container;
import dev.jrunc.container.ContainerId;
import dev.jrunc.container.ContainerNotFoundException;
import dev.jrunc.container.StateStore;
import dev.jrunc.linux.Syscalls;
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
        ContainerId.validate(id);
        StateStore store = global.store();
        try (StateStore.Lock lock = store.lock(id)) {
            if (store.isCreating(id)) {
                // A create killed before it wrote its state: it made nothing but the directory.
                store.remove(id);
                return 0;
            }
            Container.load(Syscalls.linux(), store, id).delete(force);
        } catch (ContainerNotFoundException e) {
            if (!force) throw e;
        }
        return 0;
    }
}
