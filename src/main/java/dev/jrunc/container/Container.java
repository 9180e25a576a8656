package dev.jrunc.container;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.cgroups.CgroupRegistry;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongPredicate;

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

    /**
     * The state `state` and `list` print for id. A directory without state.json is a create that
     * has not written anything yet (creating while it holds the lock) or was killed before it did
     * (stopped): there is nothing more to say about it than its id.
     */
    public static ContainerState stateOf(Syscalls sys, StateStore store, String id) {
        if (store.isCreating(id)) {
            Status s = store.isLocked(id) ? Status.CREATING : Status.STOPPED;
            return new ContainerState(dev.jrunc.spec.DefaultSpec.OCI_VERSION, id, 0, s.text(), "", null, null,
                    java.util.Map.of(), "");
        }
        return load(sys, store, id).state();
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
        ContainerRecord.Creating c = record.creating();
        if (c != null) {
            // a create that died half-way left a container that can only be deleted
            return ProcStat.isSameProcess(c.creatorPid(), c.creatorStartTime()) ? Status.CREATING : Status.STOPPED;
        }
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

    /**
     * Lets the init exec the user's program: it is blocked opening the exec fifo for writing.
     * It answers "0" when the program is about to run, or "E" and why it will not (a failing
     * startContainer hook), which becomes this verb's error.
     */
    public void start() {
        Status status = status();
        if (status != Status.CREATED) {
            throw new ContainerStatusException(id(), status, "cannot start container \"" + id() + "\": it is " + status.text()
                    + (status == Status.STOPPED ? "" : ", not created"));
        }
        if (record.config() != null && !record.config().path("process").isObject()) {
            throw new JruncException("cannot start container \"" + id() + "\": it has no process to start"
                    + " (config.json has no process; the container can only be killed and deleted)");
        }
        Path fifo = dir().resolve(StateStore.EXEC_FIFO);
        int notify = record.notifySocket() == null ? -1 : NotifySocket.bind(sys, dir());
        Faults.point("start.before-fifo");
        int fd = sys.open(fifo.toString(), O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
        try {
            String answer = readStartAnswer(fd);
            if (answer == null) throw new JruncException("cannot start container \"" + id() + "\": its init exited");
            if (!answer.equals("0")) {
                throw new JruncException("cannot start container \"" + id() + "\": " + answer.substring(1));
            }
        } finally {
            sys.close(fd);
        }
        Faults.point("start.after-fifo");
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

    /** "0", or "E" and the reason read to the end, or null if the init is gone without a word. */
    private String readStartAnswer(int fd) {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        while (true) {
            boolean alive = ProcStat.isSameProcess(record.pid(), record.initStartTime());
            if (sys.pollIn(fd, 100)) {
                byte[] b = sys.read(fd, 4096);
                if (b.length == 0) {
                    // the init closed its end: it has said all it will
                    return got.size() > 0 ? got.toString(java.nio.charset.StandardCharsets.UTF_8) : null;
                }
                got.writeBytes(b);
                if (got.toByteArray()[0] == '0') return "0";
            } else if (!alive) {
                return got.size() > 0 ? got.toString(java.nio.charset.StandardCharsets.UTF_8) : null;
            }
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
            record.cgroup().killAll(signal, this::signalQuietly, foreign());
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

    /**
     * Removes a stopped (or, with force, any) container and everything jrunc made for it. A
     * container whose create was killed half-way is stopped: its delete kills what that create
     * started (checked against the recorded start times) and removes the cgroups it recorded.
     */
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
        killLeftOfCreate();
        CgroupManager cgroup = record.cgroup();
        LongPredicate foreign = foreign();
        // Whatever the init left behind (daemons it forked) goes too; never another container's processes.
        killOwnProcesses(cgroup, foreign);
        Faults.point("delete.killed");
        cgroup.destroy(store.cgroupRegistry(), foreign);
        Faults.point("delete.cgroup-removed");
        // A container without a mount namespace of its own left its mounts under the rootfs on the host.
        for (String left : dev.jrunc.rootfs.HostMounts.release(sys, dir())) {
            dev.jrunc.Log.warn("delete: cannot unmount " + left);
        }
        HookRunner.run(record, HookRunner.Kind.POSTSTOP, record.toState(Status.STOPPED));
        Faults.point("delete.before-state-removed");
        store.remove(id());
    }

    /**
     * Whether a process of the container's cgroup belongs to another container that shares the
     * cgroup: it is in another PID namespace than the container's init. One whose namespace cannot
     * be read is exiting, and counts as the container's.
     */
    LongPredicate foreign() {
        String ours = record.pidNamespace();
        if (ours == null && ProcStat.isSameProcess(record.pid(), record.initStartTime())) {
            ours = pidNamespaceOf(record.pid());
        }
        return foreignTo(ours);
    }

    /** Processes in another PID namespace than ours (all that are alive when ours is unknown). */
    static LongPredicate foreignTo(String ours) {
        return pid -> {
            String ns = pidNamespaceOf(pid);
            return ns != null && !ns.equals(ours);
        };
    }

    /** The PID namespace of a process ("pid:[INODE]"), or null when it is gone. */
    static String pidNamespaceOf(long pid) {
        return NamespaceKind.PID.linkOf(pid);
    }

    /** The helper and init a killed create left, if they still run (same start time). */
    private void killLeftOfCreate() {
        ContainerRecord.Creating c = record.creating();
        if (c == null) return;
        killIfSame(c.helperPid(), c.helperStartTime());
        killIfSame(record.pid(), record.initStartTime());
    }

    private void killIfSame(int pid, long startTime) {
        if (pid <= 0) return;
        int pidfd;
        try {
            pidfd = sys.pidfdOpen(pid);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ESRCH) return;
            throw e;
        }
        try {
            if (!ProcStat.isSameProcess(pid, startTime)) return;
            sys.pidfdSendSignal(pidfd, Signals.SIGKILL);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) throw e;
        } finally {
            sys.close(pidfd);
        }
        waitGone(pid, startTime);
    }

    /** SIGKILLs the container's processes in its cgroup until none is left (10 s at most). */
    private void killOwnProcesses(CgroupManager cgroup, LongPredicate foreign) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            java.util.List<Long> ours = cgroup.pids().stream().filter(p -> !foreign.test(p)).toList();
            if (ours.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                throw new JruncException("container \"" + id() + "\": processes " + ours + " did not die after SIGKILL");
            }
            if (isFrozen()) cgroup.thaw();
            cgroup.killAll(Signals.SIGKILL, this::signalQuietly, foreign);
            sleepMillis(10);
        }
    }

    private void killAndWait() {
        signalInit(Signals.SIGKILL);
        // a frozen process takes its SIGKILL only once thawed
        if (isFrozen()) {
            record.cgroup().thaw();
        }
        waitGone(record.pid(), record.initStartTime());
    }

    private void waitGone(int pid, long startTime) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcStat.isSameProcess(pid, startTime)) {
            if (System.nanoTime() > deadline) {
                throw new JruncException("container \"" + id() + "\": process " + pid + " did not die after SIGKILL");
            }
            sleepMillis(5);
        }
    }

    private void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JruncException("interrupted while waiting for container \"" + id() + "\" to die");
        }
    }
}
