package dev.jrunc.container;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
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
        if (Files.exists(dir().resolve(StateStore.EXEC_FIFO))) return Status.CREATED;
        return Status.RUNNING;
    }

    public ContainerState state() {
        return record.toState(status());
    }

    /** Lets the init exec the user's program: it is blocked opening the exec fifo for writing. */
    public void start() {
        Status status = status();
        if (status != Status.CREATED) {
            throw new JruncException("cannot start container \"" + id() + "\": it is " + status.text()
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
            throw new JruncException("cannot kill container \"" + id() + "\": container not running");
        }
        if (all) {
            record.cgroup().killAll(signal, (pid, sig) -> {
                try {
                    sys.kill((int) pid, sig);
                } catch (SyscallException e) {
                    if (e.errno() != Errno.ESRCH) throw e;
                }
            });
        } else {
            signalInit(signal);
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

    /** Removes a stopped (or, with force, any) container and everything jrunc made for it. */
    public void delete(boolean force) {
        Status status = status();
        switch (status) {
            case STOPPED -> { }
            case CREATED -> killAndWait();
            default -> {
                if (!force) {
                    throw new JruncException("cannot delete container \"" + id() + "\" that is not stopped: "
                            + status.text() + " (use --force)");
                }
                killAndWait();
            }
        }
        CgroupManager cgroup = record.cgroup();
        // Whatever the init left behind (daemons it forked) goes too, frozen first so it cannot fork away.
        if (!cgroup.pids().isEmpty()) {
            cgroup.killAll(Signals.SIGKILL, (pid, sig) -> {
                try {
                    sys.kill((int) pid, sig);
                } catch (SyscallException e) {
                    if (e.errno() != Errno.ESRCH) throw e;
                }
            });
        }
        cgroup.destroy();
        HookRunner.run(record.config(), HookRunner.Kind.POSTSTOP, record.toState(Status.STOPPED));
        store.remove(id());
    }

    private void killAndWait() {
        signalInit(Signals.SIGKILL);
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
