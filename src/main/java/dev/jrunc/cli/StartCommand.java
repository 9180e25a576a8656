package dev.jrunc.cli;

import dev.jrunc.container.Container;
import dev.jrunc.container.StateStore;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Syscalls;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "start", description = "Run the user program of a created container.")
public final class StartCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Override
    public Integer call() {
        StateStore store = global.store();
        try (StateStore.Lock lock = store.lock(id)) {
            Container c = Container.load(Syscalls.linux(), store, id);
            c.start();
            HookRunner.run(c.record(), HookRunner.Kind.POSTSTART, c.state());
        }
        return 0;
    }
}
