package dev.jrunc.container;

import dev.jrunc.Log;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.linux.Syscalls;

/**
 * `run`: create, start and, in the foreground, wait for the container's process, with the
 * caller passing on the signals it receives and its exit status; then delete the container.
 */
public final class ContainerRunner {
    private final Syscalls sys;
    private final StateStore store;
    private final RuntimeHome home;
    private final Invocation inv;

    public ContainerRunner(Syscalls sys, StateStore store, RuntimeHome home, Invocation inv) {
        this.sys = sys;
        this.store = store;
        this.home = home;
        this.inv = inv;
    }

    public int run(ContainerCreator.Options options, boolean detach, boolean keep) {
        // Before the container exists: the init's parent (the namespace helper) exits at once, and
        // a signal that arrives during create must be held, not kill the run half-way.
        if (!detach) inv.caller().foreground();
        ContainerCreator creator = new ContainerCreator(sys, store, home, inv);
        if (!detach && options.consoleSocket() == null) creator.keepConsole();
        ContainerRecord record = creator.create(options);
        Container container = Container.load(sys, store, options.id());
        try (StateStore.Lock lock = store.lock(options.id())) {
            container.start();
            if (!detach) inv.caller().forwardSignals(record.pid());
            HookRunner.run(record, HookRunner.Kind.POSTSTART, container.state());
        } catch (RuntimeException e) {
            deleteQuietly(options.id());
            throw e;
        }
        if (detach) return 0;
        int status = inv.caller().waitForExit(record.pid(), creator.consoleMaster());
        if (!keep) deleteQuietly(options.id());
        return status;
    }

    private void deleteQuietly(String id) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container.load(sys, store, id).delete(true);
        } catch (RuntimeException e) {
            Log.warn("delete " + id + ": " + e.getMessage());
        }
    }
}
