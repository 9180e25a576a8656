package dev.jrunc.cli;

import dev.jrunc.container.Container;
import dev.jrunc.container.StateStore;
import dev.jrunc.linux.Syscalls;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "pause", description = "Suspend every process of a running container (freeze its cgroup).")
public final class PauseCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Override
    public Integer call() {
        StateStore store = global.store();
        try (StateStore.Lock lock = store.lock(id)) {
            Container.load(Syscalls.linux(), store, id).pause();
        }
        return 0;
    }
}
