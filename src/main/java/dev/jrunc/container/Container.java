package dev.jrunc.container;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import java.nio.file.Files;
import java.nio.file.Path;

/** An existing container: its status, and the verbs that act on it (start, kill, delete). */
public final class Container {
    private final Syscalls sys;
    private final StateStore store;
    private final ContainerRecord record;

    private Container(Syscalls sys, StateStore store, ContainerRecord record) {
        this.sys = sys;
        this.store = store;
        this.record = record;
    }

    public static Container load(Syscalls sys, StateStore store, String id) {
        return new Container(sys, store, store.read(ContainerId.validate(id)));
    }

    public ContainerRecord record() {
        return record;
    }

    public String id() {
        return record.id();
    }

    private Path dir() {
        return store.dir(record.id());
    }

    public Status status() {
        if (!ProcStat.isSameProcess(record.pid(), record.initStartTime())) return Status.STOPPED;
        // a frozen container is paused whether or not it was started, as runc reports it
        if (isFrozen()) return Status.PAUSED;
        return Files.exists(dir().resolve(StateStore.EXEC_FIFO)) ? Status.CREATED : Status.RUNNING;
    }

    /** Whether the container's cgroup is frozen; a cgroup that cannot be read counts as not frozen. */
    private boolean isFrozen() {
        try {
            return record.cgroup().isFrozen();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Freezes every process of a running or created container (runc pause). */
    public void pause() {
        Status status = status();
        if (status != Status.RUNNING && status != Status.CREATED) {
            throw new ContainerStatusException(id(), status, "cannot pause container \"" + id()
                    + "\": container not running (it is " + status.text() + ")");
        }
        record.cgroup().freeze();
    }

    /** Thaws a paused container (runc resume). */
    public void resume() {
        Status status = status();
        if (status != Status.PAUSED) {
            throw new ContainerStatusException(id(), status, "cannot resume container \"" + id()
                    + "\": container not paused (it is " + status.text() + ")");
        }
        record.cgroup().thaw();
    }

    /**
     * Writes new limits into the container's cgroup and saves them, merged into the recorded
     * config, so later commands see them. Device rules are never changed by an update.
     */
    public ContainerRecord update(Resources resources) {
        Status status = status();
        if (status == Status.STOPPED) {
            throw new ContainerStatusException(id(), status, "cannot update container \"" + id() + "\": container not running");
        }
        Resources noDevices = new Resources(null, resources.memory(), withSavedCpuPair(resources.cpu()), resources.pids(),
                resources.blockIO(), resources.hugepageLimits(), resources.network(), resources.rdma(),
                resources.unified());
        record.cgroup().apply(noDevices);
        ContainerRecord updated = record.withResources(noDevices);
        store.write(updated);
        return updated;
    }

    public ContainerState state() {
        return record.toState(status());
    }

    /** Lets the init exec the user's program: it is blocked opening the exec fifo for writing. */
    public void start() {
        Status status = status();
        if (status != Status.CREATED) {
            throw new ContainerStatusException(id(), status, "cannot start container \"" + id() + "\": it is " + status.text()
                    + (status == Status.STOPPED ? "" : ", not created"));
        }
        Path fifo = dir().resolve(StateStore.EXEC_FIFO);
        int notify = record.notifySocket() == null ? -1 : NotifySocket.bind(sys, dir());
        int fd = sys.open(fifo.toString(), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
        try {
            while (true) {
                if (sys.pollIn(fd, 100)) {
                    byte[] b = sys.read(fd, 1);
                    if (b.length == 1) break;
                }
                if (!ProcStat.isSameProcess(record.pid(), record.initStartTime())) {
                    throw new JruncException("cannot start container \"" + id() + "\": its init exited");
                }
            }
        } finally {
            sys.close(fd);
        }
        try {
            Files.deleteIfExists(fifo);
        } catch (java.io.IOException e) {
            throw new JruncException("cannot remove " + fifo + ": " + e.getMessage(), e);
        }
        if (notify >= 0) {
            NotifySocket.relay(sys, notify, record.notifySocket(), record.pid(),
                    () -> ProcStat.isSameProcess(record.pid(), record.initStartTime()));
        }
    }

    /**
     * Signals the init through a pidfd opened after checking the start time, so a recycled pid
     * can never receive the signal.
     */
    public void kill(int signal, boolean all) {
        Status status = status();
        if (status == Status.STOPPED && !all) {
            throw new ContainerStatusException(id(), status, "cannot kill container \"" + id() + "\": container not running");
        }
        if (all) {
            record.cgroup().killAll(signal, this::signalQuietly);
        } else {
            signalInit(signal);
        }
    }

    /** kill(2) for a process of the container's cgroup; one that has just exited is no error. */
    private void signalQuietly(long pid, int signal) {
        try {
            sys.kill((int) pid, signal);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) throw e;
        }
    }

    private void signalInit(int signal) {
        int pidfd;
        try {
            pidfd = sys.pidfdOpen(record.pid());
        } catch (SyscallException e) {
            if (e.errno() == Errno.ESRCH) return;
            throw e;
        }
        try {
            if (!ProcStat.isSameProcess(record.pid(), record.initStartTime())) return;
            sys.pidfdSendSignal(pidfd, signal);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) throw e;
        } finally {
            sys.close(pidfd);
        }
    }

    /**
     * cgroup2 sets quota and period in one file (cpu.max), so an update of one of them takes the
     * other from the saved config rather than resetting it.
     */
    private Resources.Cpu withSavedCpuPair(Resources.Cpu c) {
        if (c == null || (c.quota() == null) == (c.period() == null)) return c;
        Spec spec = record.spec();
        var linux = spec == null ? null : spec.linux();
        Resources.Cpu saved = linux == null || linux.resources() == null ? null : linux.resources().cpu();
        if (saved == null) return c;
        Long quota = c.quota() != null ? c.quota() : saved.quota();
        Long period = c.period() != null ? c.period() : saved.period();
        return new Resources.Cpu(c.shares(), quota, c.burst(), period, c.realtimeRuntime(), c.realtimePeriod(),
                c.cpus(), c.mems(), c.idle());
    }

    /** Removes a stopped (or, with force, any) container and everything jrunc made for it. */
    public void delete(boolean force) {
        Status status = status();
        switch (status) {
            case STOPPED -> { }
            case CREATED -> killAndWait();
            default -> {
                if (!force) {
                    throw new ContainerStatusException(id(), status, "cannot delete container \"" + id() + "\" that is not stopped: "
                            + status.text() + " (use --force)");
                }
                killAndWait();
            }
        }
        CgroupManager cgroup = record.cgroup();
        // Whatever the init left behind (daemons it forked) goes too, frozen first so it cannot fork away.
        if (!cgroup.pids().isEmpty()) {
            cgroup.killAll(Signals.SIGKILL, this::signalQuietly);
        }
        cgroup.destroy();
        HookRunner.run(record, HookRunner.Kind.POSTSTOP, record.toState(Status.STOPPED));
        store.remove(id());
    }

    private void killAndWait() {
        signalInit(Signals.SIGKILL);
        // a frozen process takes its SIGKILL only once thawed
        if (isFrozen()) {
            record.cgroup().thaw();
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcStat.isSameProcess(record.pid(), record.initStartTime())) {
            if (System.nanoTime() > deadline) {
                throw new JruncException("container \"" + id() + "\": init " + record.pid() + " did not die after SIGKILL");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JruncException("interrupted while waiting for container \"" + id() + "\" to die");
            }
        }
    }
}
