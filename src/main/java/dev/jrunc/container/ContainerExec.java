package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.init.ContainerInit;
import dev.jrunc.init.SyncSocket;
import dev.jrunc.invocation.Caller;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.process.Capabilities;
import dev.jrunc.process.LastStageOptions;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.process.SealedExecutable;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.tty.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * `exec`: a new process in a live container. The native helper joins every namespace of the
 * container (user first), forks into its PID namespace and runs the last stage there directly:
 * the runtime places it in the container's cgroup, hands it the container's seccomp filter, and
 * it sets identity and capabilities and execs. No JVM runs inside the container for exec.
 */
public final class ContainerExec {
    /** What the caller asked for besides the process itself. */
    public record Options(String consoleSocket, boolean detach, Path pidFile, int preserveFds, boolean ignorePaused) {}

    private final Syscalls sys;
    private final RuntimeHome home;
    private final Invocation inv;

    public ContainerExec(Syscalls sys, RuntimeHome home, Invocation inv) {
        this.sys = sys;
        this.home = home;
        this.inv = inv;
    }

    private Map<String, String> subCgroups = Map.of();

    /**
     * `exec --cgroup`: run the process in existing sub-cgroups of the container's cgroup,
     * controller ("" for every hierarchy) to path, as {@link dev.jrunc.cgroups.SubCgroups#parse} reads them.
     */
    public ContainerExec inSubCgroups(Map<String, String> requested) {
        this.subCgroups = Map.copyOf(requested);
        return this;
    }

    /** The process's pid, and its exit status (the shell's way) unless it was detached. */
    public record Result(int pid, java.util.OptionalInt exitStatus) {}

    /**
     * Runs the process; with detach, returns as soon as it runs, else once it has exited. What the
     * process leaves out it takes from the container's (see {@link ProcessSpec#withDefaultsFrom}).
     */
    public Result exec(Container container, ProcessSpec given, Options options) {
        ProcessSpec ownProcess = container.record().spec() == null ? null : container.record().spec().process();
        return run(container, given.withDefaultsFrom(ownProcess), options);
    }

    private Result run(Container container, ProcessSpec process, Options given) {
        Options o = new Options(inv.resolveSocket(given.consoleSocket()), given.detach(),
                given.pidFile() == null ? null : inv.resolve(given.pidFile()), given.preserveFds(), given.ignorePaused());
        if (o.preserveFds() < 0) throw new JruncException("--preserve-fds: must not be negative");
        int[] pid = {0};
        int master = start(container, process, o, pid);
        if (o.detach()) return new Result(pid[0], java.util.OptionalInt.empty());
        return new Result(pid[0], java.util.OptionalInt.of(inv.caller().waitForExit(pid[0], master)));
    }

    /**
     * Starts the process; returns the pty master to relay for a foreground exec with a terminal
     * and no console socket, else -1 (or 0 when detached). pid[0] is set to the process's pid.
     */
    private int start(Container container, ProcessSpec process, Options o, int[] pidOut) {
        Caller caller = inv.caller();
        Status status = container.status();
        if (status == Status.STOPPED) {
            throw new ContainerStatusException(container.id(), status, "cannot exec in a stopped container \"" + container.id() + "\"");
        }
        if (status == Status.PAUSED && !o.ignorePaused()) {
            throw new ContainerStatusException(container.id(), status, "cannot exec in a paused container \"" + container.id() + "\" (use --ignore-paused)");
        }
        if (process.argsOrEmpty().isEmpty()) throw new JruncException("exec: process.args must not be empty");
        ContainerCreator.checkConsole(process.isTerminal(), o.consoleSocket(), !o.detach());
        ContainerRecord record = container.record();
        // checked before anything starts: a sub-cgroup outside the container's, or missing, is refused
        dev.jrunc.cgroups.CgroupManager cgroup = record.cgroup();
        Map<String, Path> cgroupDirs = cgroup.subCgroups(subCgroups);
        // checked, and every value the last stage takes, before anything is started
        ProcessSecurity.checkAttributes(process, "exec", "$", ProcessSecurity.host());
        List<String> lastStage = lastStageOptions(record, process, o.preserveFds());
        if (!o.detach()) caller.foreground();

        int childFd = 3 + o.preserveFds();
        // the program's execve (the helper's own arguments are a few short options)
        dev.jrunc.spec.SemanticChecks.checkExecSpace("exec", "$", process.argsOrEmpty(), process.effectiveEnv(),
                process.argsOrEmpty().getFirst(), process.argsOrEmpty(), process.effectiveEnv(),
                dev.jrunc.process.ProcessSecurity.stackSoftFor(process));
        int[] pair = sys.socketpair(Linux.AF_UNIX, Linux.SOCK_SEQPACKET | Linux.SOCK_CLOEXEC);
        // The helper enters the container itself: it runs from a sealed in-memory copy, so nothing
        // in the container can reach the host's binary through /proc/PID/exe (CVE-2019-5736).
        int sealed = SealedExecutable.copyOf(sys, home.helper().toString());
        // Its command line is the container's to read (/proc/PID/cmdline): no host pid or path
        // goes there. The namespaces are passed as fds, the options in an anonymous file.
        Map<Integer, Integer> fds = new java.util.HashMap<>();
        fds.put(pair[1], childFd);
        List<String> argv = new ArrayList<>(List.of("jrunc-nsexec", "enter", "--sync-fd", Integer.toString(childFd)));
        int helperPid;
        try {
            int next = childFd + 1;
            for (var ns : openNamespaces(container, record).entrySet()) {
                fds.put(ns.getValue(), next);
                argv.addAll(List.of("--join-fd", ns.getKey().procName() + ":" + next));
                next++;
            }
            // Without a mount namespace of its own the container's root is a chroot: so is the new process's.
            LinuxSpec linux = record.spec().linux();
            if (linux == null || !linux.hasNamespace("mount")) {
                fds.put(sys.open("/proc/" + record.pid() + "/root", Linux.O_PATH | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0), next);
                argv.addAll(List.of("--root-fd", Integer.toString(next)));
                next++;
            }
            int opts = ContainerInit.optionsFile(sys, lastStage);
            fds.put(opts, next);
            argv.addAll(List.of("--exec", "--", "--opts-fd", Integer.toString(next)));
            // the helper's own execve carries the same environment, under jrunc's own stack limit
            dev.jrunc.spec.SemanticChecks.checkExecSpace("exec", "$", process.argsOrEmpty(), process.effectiveEnv(),
                    "/proc/self/fd/" + (next + 1), argv, process.effectiveEnv(),
                    dev.jrunc.process.ProcessSecurity.ownStackSoft());
            helperPid = caller.spawn(Caller.Program.ofFd(sealed), argv, process.effectiveEnv(), fds);
        } finally {
            for (int fd : fds.keySet()) sys.close(fd);
            sys.close(sealed);
        }
        Faults.point("exec.spawned");
        int[] master = {-1};
        Undo undo = new Undo();
        int pid;
        try (SyncSocket sync = new SyncSocket(sys, pair[0])) {
            LaunchHandshake.Steps steps = new LaunchHandshake.Steps() {
                @Override
                public void pidKnown(int pid) {}

                @Override
                public boolean console(int fd, String name) {
                    if (o.consoleSocket() != null) {
                        Console.sendToSocket(sys, o.consoleSocket(), fd, name);
                        return false;
                    }
                    master[0] = fd;
                    return true;
                }

                @Override
                public LaunchHandshake.Go ready(int pid) {
                    // Only now is the process known to be alive and waiting: had it failed
                    // earlier, its ERROR would be the next message, not READY.
                    applyOomScoreAdj(pid, process);
                    cgroup.addProcess(pid, cgroupDirs);
                    Faults.point("exec.in-cgroup", Faults.target("process", pid));
                    return LaunchHandshake.Go.of(sys, record.spec(), ContainerCreator.seccompMessage(record.spec()), pid,
                            container::state);
                }

                @Override
                public void created(int pid) {}

                @Override
                public void killed(int pid) {
                    // The caller is its reaper (subreaper): leave no zombie in the container's pid namespace.
                    if (o.detach()) return;
                    try {
                        caller.reap(pid);
                    } catch (SyscallException ignored) {
                        // reaped already
                    }
                }
            };
            pid = new LaunchHandshake(sys, sync, LaunchHandshake.Launch.EXEC, helperPid, caller, undo, steps).run();
        } catch (RuntimeException e) {
            undo.runAll();
            throw e;
        }
        if (o.pidFile() != null) ContainerCreator.writePidFile(sys, o.pidFile(), pid, inv.umask());
        pidOut[0] = pid;
        if (o.detach()) return 0;
        caller.forwardSignals(pid);
        return master[0];
    }

    /**
     * The container's namespaces, opened here in the order the helper joins them (user first),
     * then checked to belong to the container's init still (not a process that took its pid).
     */
    private Map<NamespaceKind, Integer> openNamespaces(Container container, ContainerRecord record) {
        Map<NamespaceKind, Integer> out = new java.util.LinkedHashMap<>();
        LinuxSpec linux = record.spec().linux();
        try {
            for (NamespaceKind kind : NamespaceKind.all()) {
                if (linux != null && linux.hasNamespace(kind.specName())) {
                    out.put(kind, kind.open(sys, record.pid()));
                }
            }
            if (container.status() == Status.STOPPED) {
                throw new JruncException("cannot exec in a stopped container \"" + container.id() + "\"");
            }
            return out;
        } catch (RuntimeException e) {
            for (int fd : out.values()) sys.close(fd);
            throw e;
        }
    }

    /**
     * The last stage's options and program: the container's seccomp filter and
     * linux.personality (runc applies both to exec'd processes too), process.execCPUAffinity,
     * which is for exec'd processes only, and no cgroup namespace of its own.
     */
    private List<String> lastStageOptions(ContainerRecord record, ProcessSpec p, int preserveFds) {
        LinuxSpec linux = record.spec().linux();
        // Joining the container's user namespace gives the helper every capability in it.
        long grantable = linux != null && linux.hasNamespace("user") ? -1L : Capabilities.ownBounding();
        String cwd = p.cwd() == null || p.cwd().isEmpty() ? "/" : p.cwd();
        List<String> argv = new ArrayList<>(new LastStageOptions(p, cwd, "exec", "$", Capabilities.lastCap(), grantable)
                .seccomp(linux != null && linux.seccomp() != null)
                .preserveFds(preserveFds)
                .umask(p.user() == null ? null : p.user().umask())
                .personality(linux == null ? null : linux.personality())
                .execCpuAffinity(true)
                .build(Log::warn));
        argv.add("--");
        argv.add(p.argsOrEmpty().getFirst());
        argv.addAll(p.argsOrEmpty());
        return argv;
    }

    /** The OOM score, set from outside on the new process before it runs anything. */
    private void applyOomScoreAdj(int pid, ProcessSpec p) {
        if (p.oomScoreAdj() != null) {
            try {
                Files.writeString(Path.of("/proc", Integer.toString(pid), "oom_score_adj"), p.oomScoreAdj().toString());
            } catch (IOException e) {
                throw new JruncException("process.oomScoreAdj: " + e.getMessage(), e);
            }
        }
    }
}
