package dev.jrunc.container;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.init.InitPlan;
import dev.jrunc.init.ThreadInit;
import dev.jrunc.invocation.Caller;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.init.SyncMessage;
import dev.jrunc.init.SyncSocket;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import dev.jrunc.cgroups.CgroupFs;
import dev.jrunc.cgroups.CgroupLayout;
import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.cgroups.CgroupRegistry;
import dev.jrunc.cgroups.CgroupMode;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.seccomp.SeccompCompiler;
import dev.jrunc.seccomp.SeccompProgram;
import dev.jrunc.tty.Console;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.process.SealedExecutable;
import dev.jrunc.process.Sysctls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * `create`: from a bundle to a container whose init waits, fully set up, for `start`.
 *
 * <p>The sequence, each step with its undo: state directory (and lock), cgroup, exec fifo, the
 * native helper (namespaces; PID 1 of a new PID namespace), uid/gid maps, the init JVM (rootfs,
 * process attributes), the helper's last stage placed in the cgroup, state.json, pid file.
 */
public final class ContainerCreator {
    /** What the caller asked for on the command line. */
    public record Options(
            String id,
            Path bundle,
            Path pidFile,
            String consoleSocket,
            boolean noPivot,
            boolean noNewKeyring,
            int preserveFds,
            boolean systemdCgroup,
            boolean rootless,
            CallerIdentity identity) {}

    private final Syscalls sys;
    private final StateStore store;
    private final RuntimeHome home;
    private final Invocation inv;

    /** inv: whose environment, cwd and cgroup the options are read against, and who starts the helper. */
    public ContainerCreator(Syscalls sys, StateStore store, RuntimeHome home, Invocation inv) {
        this.sys = sys;
        this.store = store;
        this.home = home;
        this.inv = inv;
    }

    public ContainerRecord create(Options given) {
        ContainerId.validate(given.id());
        if (given.preserveFds() < 0) throw new JruncException("--preserve-fds: must not be negative");
        boolean systemd = given.systemdCgroup();
        if (given.rootless() && systemd && CgroupLayout.detect().mode() != dev.jrunc.cgroups.CgroupMode.V2) {
            // a user's systemd instance can delegate a cgroup on cgroup v2 only
            Log.warn("rootless: --systemd-cgroup needs cgroup v2 (a user's systemd cannot delegate a cgroup on v1 or hybrid);"
                    + " the container's cgroup is made on the cgroupfs where delegated");
            systemd = false;
        }
        Options o = new Options(given.id(), inv.resolve(given.bundle()), given.pidFile() == null ? null : inv.resolve(given.pidFile()),
                inv.resolveSocket(given.consoleSocket()), given.noPivot(), given.noNewKeyring(), given.preserveFds(),
                systemd, given.rootless(), given.identity());
        Path bundle = o.bundle().normalize();
        ConfigLoader.Loaded loaded = ConfigLoader.loadBundle(bundle, Log::warn);
        Spec spec = loaded.spec();
        checkConsole(spec.process() != null && spec.process().isTerminal(), o.consoleSocket(), keepConsole);
        ProcessSecurity.check(spec, isNew(spec.linux(), "user"), ProcessSecurity.host(), Log::warn);
        Sysctls.check(spec.linux());
        dev.jrunc.namespaces.JoinedNamespaces.check(sys, spec.linux());
        Path rootfs = loaded.rootfs();
        checkCreatable(spec, rootfs);
        dev.jrunc.rootfs.IdmappedMounts.check(spec, isNew(spec.linux(), "user"));
        byte[] seccomp = compileSeccomp(spec);
        RootlessIdMaps idMaps = o.rootless() && o.identity().unprivileged() ? checkRootless(spec, o.identity()) : null;
        // Refused here, before anything is made, if it would put the container where it must not go.
        this.idMaps = idMaps;
        // A relative cgroupsPath hangs off the caller's cgroup, and the check against jrunc's own
        // cgroup and its ancestors is against the caller's: in the engine, the process that stands
        // for jrunc is the front, in the caller's cgroup (the engine's own is refused as well).
        String cgroupsPath = spec.linux() == null ? null : spec.linux().cgroupsPath();
        CgroupManager cgroup = o.rootless() && o.systemdCgroup() ? userSystemdCgroup(o.identity(), cgroupsPath, o.id())
                : o.rootless() ? dev.jrunc.cgroups.RootlessCgroups.forSpec(spec, o.id(), Log::warn)
                : CgroupManager.forContainer(callerLayout(), cgroupsPath, o.id(), o.systemdCgroup());
        if (!o.rootless() && inv.pid() != ProcessHandle.current().pid()) {
            CgroupLayout.detect().checkPlacement(cgroupsPath == null || cgroupsPath.isEmpty() ? o.id() : cgroupsPath,
                    cgroup.paths());
        }

        Undo undo = new Undo();
        Path dir = store.createDir(o.id());
        undo.push("remove state directory", () -> store.remove(o.id()));
        try (StateStore.Lock lock = store.lock(o.id())) {
            // Without a process (config.md: optional at create) nothing will ever be notified or activated.
            String notify = spec.process() == null ? null : inv.resolveSocket(inv.getenv("NOTIFY_SOCKET"));
            if (notify != null && !notify.isEmpty()) spec = NotifySocket.prepare(spec, dir);
            int listenFds = spec.process() == null ? 0 : NotifySocket.listenFds(inv.env(), inv.pid());
            if (listenFds > 0) spec = NotifySocket.withListenFds(spec, listenFds);
            ContainerRecord record = createLocked(o, spec, bundle, rootfs, seccomp, dir, undo, listenFds,
                    notify == null || notify.isEmpty() ? null : notify, cgroup);
            undo.clear();
            return record;
        } catch (RuntimeException e) {
            undo.runAll();
            throw e;
        }
    }

    /**
     * A rootless container's unit, in the systemd instance of the caller's uid or, for uid 0 of a
     * user namespace (rootless podman's), of the host uid it stands for; its bus under
     * $XDG_RUNTIME_DIR, else /run/user/that-uid.
     */
    private CgroupManager userSystemdCgroup(CallerIdentity id, String cgroupsPath, String containerId) {
        long uid = id.euid();
        if (id.inUserNamespace()) {
            Path map = Path.of("/proc", Long.toString(inv.pid()), "uid_map");
            uid = CallerIdentity.hostId(map, id.euid());
            if (uid < 0) {
                throw new JruncException("--systemd-cgroup: uid " + id.euid() + " of the caller's user namespace is not"
                        + " mapped to a host uid (" + map + "), so no user's systemd instance is its");
            }
        }
        String xdg = id.env().apply("XDG_RUNTIME_DIR");
        Path runtimeDir = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of("/run/user", Long.toString(uid));
        return dev.jrunc.cgroups.SystemdManager.forNewUserContainer(CgroupLayout.detect(), cgroupsPath, containerId, uid,
                id.env(), runtimeDir);
    }

    /** runc's rules: a terminal needs somewhere to go, and a console socket needs a terminal. */
    static void checkConsole(boolean terminal, String consoleSocket, boolean foreground) {
        if (terminal && consoleSocket == null && !foreground) {
            throw new JruncException("process.terminal is true: a detached container needs --console-socket to hand the terminal to");
        }
        if (!terminal && consoleSocket != null) {
            throw new JruncException("--console-socket given but process.terminal is false: there is no terminal to send");
        }
    }

    private boolean keepConsole;
    private RootlessIdMaps idMaps;

    /**
     * Rootless: the container needs a user namespace of its own (the user has no privilege in the
     * host's) and maps only ids the user may map. Checked before anything is made.
     */
    private static RootlessIdMaps checkRootless(Spec spec, CallerIdentity caller) {
        if (spec.linux() == null || !isNew(spec.linux(), "user")) {
            throw new ConfigException("config.json", "$.linux.namespaces",
                    "a rootless container needs a new user namespace (a \"user\" entry without a path): "
                            + "`jrunc spec --rootless` writes such a config");
        }
        RootlessIdMaps maps = RootlessIdMaps.of(caller);
        maps.check(spec.linux());
        RootlessIdMaps.checkGroups(spec, caller.egid());
        return maps;
    }
    private int consoleMaster = -1;

    /** For a foreground run: keep the pty master (returned by {@link #consoleMaster}) instead of sending it. */
    public ContainerCreator keepConsole() {
        this.keepConsole = true;
        return this;
    }

    /** The pty master kept for a foreground run, or -1. */
    public int consoleMaster() {
        return consoleMaster;
    }

    /**
     * Without a mount namespace the container shares the runtime's (runtime-spec): its root is a
     * chroot and its mounts are made under the rootfs on the host, recorded and removed on delete.
     */
    private static void checkCreatable(Spec spec, Path rootfs) {
        if (hasMountNamespace(spec)) return;
        dev.jrunc.rootfs.RootfsSetup.checkWithoutMountNamespace(rootfs);
        if (isNew(spec.linux(), "user")) {
            throw new ConfigException("config.json", "$.linux.namespaces",
                    "a new user namespace needs a mount namespace too: its root may not mount anything in the host's");
        }
    }

    private static boolean hasMountNamespace(Spec spec) {
        return spec.linux() != null && spec.linux().hasNamespace("mount");
    }

    /**
     * The filter in the form the native helper's GO message carries it: the seccomp flags as a
     * little-endian u32, then the struct sock_filter array. Empty when there is no filter.
     */
    static byte[] seccompMessage(Spec spec) {
        return compileSeccomp(spec);
    }

    private static byte[] compileSeccomp(Spec spec) {
        if (spec.linux() == null || spec.linux().seccomp() == null) return new byte[0];
        SeccompProgram program = new SeccompCompiler().compile(spec.linux().seccomp());
        if (!program.unknownSyscalls().isEmpty()) {
            Log.debug("seccomp: syscalls unknown on this architecture, skipped: " + program.unknownSyscalls());
        }
        byte[] filter = program.filter();
        ByteBuffer b = ByteBuffer.allocate(4 + filter.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(program.flags()).put(filter);
        return b.array();
    }

    private ContainerRecord createLocked(Options o, Spec spec, Path bundle, Path rootfs, byte[] seccomp, Path dir,
            Undo undo, int listenFds, String notifySocket, CgroupManager cgroup) {
        // Socket-activation fds come first, then --preserve-fds: all of them from fd 3 on.
        int passedFds = listenFds + o.preserveFds();
        LinuxSpec linux = spec.linux();
        // What is about to be made is on disk before it is made: a create killed anywhere leaves a
        // container that state, list and delete see. Its creator is the caller's process (in the
        // engine, the front that stands for this jrunc): once that is gone, so is the create.
        CreateJournal journal = new CreateJournal(store, o.id(), bundle, rootfs, o.systemdCgroup(), cgroup,
                notifySocket, spec, inv.pid());
        Faults.point("create.state-written");
        String[] initPidNs = {null};
        CgroupRegistry registry = store.cgroupRegistry();
        undo.push("remove the container's cgroup", () -> cgroup.destroy(registry, Container.foreignTo(initPidNs[0])));
        cgroup.create(registry);
        journal.cgroupMade(cgroup);
        Faults.point("create.cgroup-created");
        List<Path> occupied = cgroup.occupied();
        if (!occupied.isEmpty()) {
            Log.warnOnStderrToo("cgroup " + occupied.getFirst() + " already holds processes: the container shares it with them"
                    + " (kill --all and delete leave the processes of other PID namespaces alone)");
        }
        if (!(cgroup instanceof dev.jrunc.cgroups.NoCgroup)) {
            dev.jrunc.spec.Resources initial = CgroupManager.initialResources(linux);
            cgroup.apply(o.rootless() ? dev.jrunc.cgroups.RootlessCgroups.withoutDevices(initial) : initial);
        }
        Faults.point("create.limits-applied");
        Path fifo = dir.resolve(StateStore.EXEC_FIFO);
        // 0622 whatever the umask: the container's process opens it for writing as its own user.
        // chmod after mkfifo rather than umask(0) around it: the umask is the whole process's.
        sys.mkfifo(fifo.toString(), 0622);
        sys.chmod(fifo.toString(), 0622);

        int[] initPid = {0};
        List<String> made = new ArrayList<>();
        java.util.Set<Integer> hostMountsBefore = hasMountNamespace(spec) ? null
                : dev.jrunc.rootfs.HostMounts.recordBefore(dir, rootfs.toString());
        undo.push("remove what the container's init made in the rootfs",
                () -> releaseRootfs(rootfs, initPid[0], hostMountsBefore, made));
        int childFdNumber = 3 + passedFds;
        boolean inThread = initInThread(spec, o);
        if (inThread && spec.process() != null) {
            // The helper's own execve carries the program's environment (its last stage passes
            // it on), under this process's stack limit: the same check as the program's execve.
            dev.jrunc.spec.SemanticChecks.checkExecSpace("config.json", "$.process", spec.process().argsOrEmpty(),
                    spec.process().effectiveEnv(), "/proc/self/fd/" + (childFdNumber + 1),
                    helperArgs(linux, childFdNumber, -1, true), spec.process().effectiveEnv(),
                    ProcessSecurity.ownStackSoft());
        }
        int[] pair = sys.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC);
        int childEnd = pair[1];
        SyncSocket sync = new SyncSocket(sys, pair[0]);
        Path crashDir = inThread ? null : initCrashDir(o.id());
        int crashFd = crashDir == null ? -1 : sys.open(crashDir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        int crashFdNumber = crashFd < 0 ? -1 : childFdNumber + 1;
        List<String> argv = helperArgs(linux, childFdNumber, crashFdNumber, inThread);
        int helperPid;
        // Without an init JVM, PID 1 stays the helper until execve: it runs from a sealed copy, so
        // nothing in the container reaches the host's binary through /proc/1/exe (CVE-2019-5736),
        // and with the program's environment, which its last stage passes on.
        int sealed = inThread ? SealedExecutable.copyOf(sys, home.helper().toString()) : -1;
        try {
            Caller.Program program = inThread ? Caller.Program.ofFd(sealed) : Caller.Program.atPath(home.helper().toString());
            List<String> env = inThread && spec.process() != null ? spec.process().effectiveEnv() : List.of();
            helperPid = inv.caller().spawn(program, argv, env,
                    crashFd < 0 ? Map.of(childEnd, childFdNumber) : Map.of(childEnd, childFdNumber, crashFd, crashFdNumber));
        } catch (RuntimeException e) {
            sync.close();
            throw e;
        } finally {
            sys.close(childEnd);
            if (crashFd >= 0) sys.close(crashFd);
            if (sealed >= 0) sys.close(sealed);
        }
        if (crashDir != null) undo.push("remove the init's crash directory if empty", () -> removeIfEmpty(crashDir));
        // From the helper's spawn on, the sync socket is closed on every way out (in the engine,
        // also when a fault point ends the verb): the helper and the init see its end and exit.
        try (sync) {
            journal.helperSpawned(helperPid);
            Faults.point("create.helper-spawned", Faults.target("helper", helperPid));
            ContainerRecord[] record = {null};
            LaunchHandshake.Steps steps = new LaunchHandshake.Steps() {
                @Override
                public void userNamespace() {
                    if (idMaps != null) idMaps.write(helperPid, linux);
                    else writeIdMaps(helperPid, linux);
                }

                @Override
                public void pidKnown(int pid) {
                    initPid[0] = pid;
                    initPidNs[0] = Container.pidNamespaceOf(pid);
                    journal.initKnown(pid, ProcStat.startTimeIfAlive(pid).orElse(0), initPidNs[0]);
                    Faults.point("create.init-pid-known", Faults.target("init", pid));
                }

                @Override
                public void setUp(int pid) {
                    ContainerState hookState = stateForHooks(o, bundle, pid, spec);
                    HookRunner.run(spec, HookRunner.Kind.PRESTART, hookState);
                    HookRunner.run(spec, HookRunner.Kind.CREATE_RUNTIME, hookState);
                    InitPlan plan = new InitPlan(spec, rootfs.toString(), bundle.toString(), o.noPivot(),
                            fifo.toString(), home.helper().toString(), passedFds,
                            // uid 0 of rootless podman's user namespace cannot mknod or mount sysfs either
                            has(linux, "user") || (o.rootless() && o.identity().inUserNamespace()),
                            isNew(linux, "cgroup"), cgroupMountDirs(cgroup),
                            stateForHooks(o, bundle, pid, spec), hasMountNamespace(spec));
                    if (inThread) {
                        initInThread(sync, plan, spec, bundle, fifo, pid, made);
                    } else {
                        sendInitFds(sync, fifo);
                        if (isNew(linux, "user")) sendBindSources(sync, spec, bundle, pid);
                        sendIdmappedMounts(sync, spec, bundle, pid);
                        try {
                            sync.send(SyncMessage.PLAN, SpecJson.mapper().writeValueAsBytes(plan));
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            throw new JruncException("cannot encode the init plan: " + e.getMessage(), e);
                        }
                    }
                }

                @Override
                public void warning(String text) {
                    Log.warn(text);
                }

                @Override
                public void made(List<String> paths) {
                    made.addAll(paths);
                }

                @Override
                public boolean console(int master, String name) {
                    if (o.consoleSocket() != null) {
                        Console.sendToSocket(sys, o.consoleSocket(), master, name);
                        return false;
                    }
                    consoleMaster = master;
                    return true;
                }

                @Override
                public LaunchHandshake.Go ready(int pid) {
                    // Only the small last stage ever runs in the cgroup: the init JVM's
                    // memory and threads are never charged to the container's limits.
                    cgroup.addProcess(pid);
                    Faults.point("create.init-in-cgroup", Faults.target("init", pid));
                    return LaunchHandshake.Go.of(sys, spec, seccomp, pid, () -> stateForHooks(o, bundle, pid, spec));
                }

                @Override
                public void created(int pid) {
                    if (hostMountsBefore != null) {
                        dev.jrunc.rootfs.HostMounts.recordMade(dir, rootfs.toString(), hostMountsBefore);
                    }
                    if (crashDir != null) removeIfEmpty(crashDir);
                    Faults.point("create.before-created", Faults.target("init", pid));
                    record[0] = finish(o, pid, journal);
                }

                @Override
                public void killed(int pid) {
                    // Gone before create returns (and before its cgroup is removed, which a live
                    // member would keep busy): a failed create leaves no process behind.
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (ProcStat.startTimeIfAlive(pid).isPresent() && System.nanoTime() < deadline) {
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
            };
            new LaunchHandshake(sys, sync, LaunchHandshake.Launch.CREATE, helperPid, inv.caller(), undo, steps).run();
            return record[0];
        }
    }

    /**
     * Which init builds the container's rootfs, decided here alone. Most containers get no JVM
     * inside them: a thread of this JVM joins the container's namespaces, builds the rootfs and
     * ends ({@link ThreadInit}), while PID 1, the native helper, waits. In a user namespace the
     * thread cannot join (a multithreaded process may not), the helper makes every filesystem and
     * the thread creates files as the namespace's root. The init JVM (InitMain, a JVM started by
     * the helper inside the namespaces) remains for what such a thread cannot do: a create by an
     * unprivileged user (without CAP_SYS_ADMIN in its own user namespace the thread may not join
     * the container's mount namespace; rootless podman's runtime, root of podman's user
     * namespace, has it there); a user or time namespace with createContainer hooks (they
     * run in the container's namespaces, and only a single-threaded process can join those two);
     * and a mount namespace joined by path (its /proc, through which the setup reaches the
     * rootfs, need not be the host's).
     */
    static boolean initInThread(Spec spec, Options o) {
        if (o.rootless() && (o.identity() == null || o.identity().unprivileged())) return false;
        LinuxSpec linux = spec.linux();
        if (linux == null) return true;
        boolean hooks = !HookRunner.hooks(spec, HookRunner.Kind.CREATE_CONTAINER).isEmpty();
        for (LinuxSpec.Namespace ns : linux.namespacesOrEmpty()) {
            boolean joined = ns.path() != null && !ns.path().isEmpty();
            NamespaceKind kind = NamespaceKind.bySpecName(ns.type()).orElse(null);
            if ((kind == NamespaceKind.USER || kind == NamespaceKind.TIME) && hooks) return false;
            if (kind == NamespaceKind.MOUNT && joined) return false;
        }
        return true;
    }

    /** The in-thread init: the rootfs built from here, then PID 1 told to run the last stage. */
    private void initInThread(SyncSocket sync, InitPlan plan, Spec spec, Path bundle, Path fifo, int initPid,
            List<String> made) {
        Map<Integer, Integer> trees = idmappedTrees(spec, bundle, initPid);
        int fifoDir = sys.open(fifo.getParent().toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            ThreadInit init = new ThreadInit(sys, plan, sync, initPid, inv.umask(), Log::warn).detachedMounts(trees)
                    .onCreated(made::addAll);
            if (plan.userNamespace() && !inOwnUserNamespace(initPid)) {
                init.filesOwnedBy(rootOf(initPid, "uid_map"), rootOf(initPid, "gid_map"));
            }
            init.run(fifoDir, fifo.getFileName().toString());
        } finally {
            sys.close(fifoDir);
            trees.values().forEach(sys::close);
        }
    }

    /**
     * Whether the init is in this process's own user namespace (rootless podman's, with no user
     * namespace of the container's own): then root here is root there already.
     */
    private static boolean inOwnUserNamespace(int initPid) {
        String init = NamespaceKind.USER.linkOf(initPid);
        if (init == null) throw new JruncException("cannot read " + NamespaceKind.USER.procPath(initPid) + ": the container's init is gone");
        return init.equals(NamespaceKind.USER.ownLink());
    }

    /**
     * The id uid (or gid) 0 of the init's user namespace has in this process's: the map as this
     * process reads it is relative to its own user namespace.
     */
    private static int rootOf(int initPid, String map) {
        long id = CallerIdentity.hostId(Path.of("/proc", Integer.toString(initPid), map), 0);
        if (id < 0) throw new JruncException("the container's user namespace maps no id 0 in its " + map);
        return (int) id;
    }

    /**
     * The exec fifo's directory and a sealed copy of the native helper, opened here rather than
     * by path in the init: in a new user namespace the init is the namespace's root, which may
     * not be able to reach --root or jrunc's own directory on the host.
     */
    private void sendInitFds(SyncSocket sync, Path fifo) {
        int fifoFd = sys.open(fifo.getParent().toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            sync.sendFd(SyncMessage.FIFODIR, fifoFd);
        } finally {
            sys.close(fifoFd);
        }
        int helper = SealedExecutable.copyOf(sys, home.helper().toString());
        try {
            sync.sendFd(SyncMessage.HELPERFD, helper);
        } finally {
            sys.close(helper);
        }
    }

    /**
     * Idmapped mounts are made here, where the host's filesystems may be idmapped, as detached
     * trees the init attaches ("TREEFD index" before PLAN).
     */
    private void sendIdmappedMounts(SyncSocket sync, Spec spec, Path bundle, int initPid) {
        Map<Integer, Integer> trees = idmappedTrees(spec, bundle, initPid);
        try {
            for (var e : trees.entrySet()) {
                sync.sendFd(SyncMessage.TREEFD, e.getValue(), Integer.toString(e.getKey()));
            }
        } finally {
            trees.values().forEach(sys::close);
        }
    }

    /** The idmapped mounts as detached trees (mount index -> fd): in a new user namespace, its ids by default. */
    private Map<Integer, Integer> idmappedTrees(Spec spec, Path bundle, int initPid) {
        if (dev.jrunc.rootfs.IdmappedMounts.indexes(spec).isEmpty()) return Map.of();
        String userns = isNew(spec.linux(), "user") ? NamespaceKind.USER.procPath(initPid) : null;
        return dev.jrunc.rootfs.IdmappedMounts.open(sys, spec, bundle, userns, home.helper().toString());
    }

    /**
     * A failed create: once the init is gone, unmount what it mounted on the host (no mount
     * namespace of its own) and remove what it made in the rootfs (mount points, nodes).
     */
    private void releaseRootfs(Path rootfs, int initPid, java.util.Set<Integer> hostMountsBefore, List<String> made) {
        if (initPid > 0) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (ProcStat.startTimeIfAlive(initPid).isPresent() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (hostMountsBefore != null) {
            for (String left : dev.jrunc.rootfs.HostMounts.releaseSince(sys, rootfs.toString(), hostMountsBefore)) {
                Log.warn("cleanup: cannot unmount " + left);
            }
        }
        for (String left : dev.jrunc.rootfs.RootPaths.removeCreated(sys, rootfs.toString(), made)) {
            Log.warn("cleanup: cannot remove " + left + " from the rootfs");
        }
    }

    /**
     * In a new user namespace the init runs as the namespace's root, which may not reach a bind
     * mount's source on the host (podman's userdata directory is 0700): the runtime opens each
     * source here (O_PATH) and passes it over, as "MOUNTFD index" before PLAN, as runc does. The
     * path is opened through /proc/INIT/root, so that the fd's mount is in the init's mount
     * namespace (the kernel refuses to bind a mount of another namespace); runc does a setns there,
     * which a JVM cannot.
     */
    private void sendBindSources(SyncSocket sync, Spec spec, Path bundle, int initPid) {
        List<Spec.Mount> mounts = spec.mountsOrEmpty();
        for (int i = 0; i < mounts.size(); i++) {
            Spec.Mount m = mounts.get(i);
            boolean bind = "bind".equals(m.type()) || dev.jrunc.rootfs.MountOptions.parse(m.optionsOrEmpty()).bind();
            if (!bind || m.source() == null) continue;
            Path source = bundle.resolve(m.source());
            int fd;
            try {
                fd = sys.open("/proc/" + initPid + "/root" + source, O_PATH | O_CLOEXEC, 0);
            } catch (dev.jrunc.linux.SyscallException e) {
                throw new JruncException("$.mounts[" + i + "]: bind mount source " + source + ": " + e.getMessage(), e);
            }
            try {
                sync.sendFd(SyncMessage.MOUNTFD, fd, Integer.toString(i));
            } finally {
                sys.close(fd);
            }
        }
    }

    private ContainerRecord finish(Options o, int pid, CreateJournal journal) {
        if (!ProcStat.isSameProcess(pid, journal.record().initStartTime())) {
            throw new JruncException("container init " + pid + " died during create");
        }
        ContainerRecord record = journal.created();
        if (o.pidFile() != null) writePidFile(sys, o.pidFile(), pid, inv.umask());
        return record;
    }

    private static boolean has(LinuxSpec linux, String type) {
        return linux.namespacesOrEmpty().stream().anyMatch(n -> type.equals(n.type()));
    }

    private static boolean isNew(LinuxSpec linux, String type) {
        return linux.namespacesOrEmpty().stream()
                .anyMatch(n -> type.equals(n.type()) && (n.path() == null || n.path().isEmpty()));
    }

    /** Whether a GO payload's filter asks for a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER). */
    static boolean needsListener(byte[] seccomp) {
        return seccomp.length >= 4 && (seccomp[0] & SeccompCompiler.FLAG_NEW_LISTENER) != 0;
    }

    /**
     * A directory for the init JVM's crash report, in jrunc's log directory: writable by any
     * uid (the init may be a user namespace's root), reachable only through the fd it is given
     * (the log directory is root's alone). Null without a log directory.
     */
    private static Path initCrashDir(String id) {
        Path log = RuntimeHome.logDir();
        if (log == null) return null;
        Path dir = log.resolve("init-" + id);
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            return dir;
        } catch (IOException e) {
            Log.debug("no crash directory for the init: " + e.getMessage());
            return null;
        }
    }

    private static void removeIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a crash report is there: it stays for whoever looks into the failure
        }
    }

    private List<String> helperArgs(LinuxSpec linux, int syncFd, int crashDirFd, boolean inThread) {
        List<String> argv = new ArrayList<>(List.of("jrunc-nsexec", "enter", "--sync-fd", Integer.toString(syncFd)));
        long flags = 0;
        List<LinuxSpec.Namespace> nss = linux.namespacesOrEmpty();
        for (int i = 0; i < nss.size(); i++) {
            LinuxSpec.Namespace ns = nss.get(i);
            NamespaceKind kind = NamespaceKind.ofSpecName(ns.type(), "$.linux.namespaces[" + i + "].type");
            boolean join = ns.path() != null && !ns.path().isEmpty();
            if (join) {
                argv.addAll(List.of("--join", kind.procName() + ":" + ns.path()));
            } else if (kind == NamespaceKind.USER) {
                argv.add("--userns");
            } else if (kind != NamespaceKind.CGROUP) {
                flags |= kind.cloneFlag();
            }
            // A new cgroup namespace is made by the last stage, once it is inside its cgroup.
        }
        if (flags != 0) argv.addAll(List.of("--clone-flags", "0x" + Long.toHexString(flags)));
        if (linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
            List<String> offsets = new ArrayList<>();
            for (var e : linux.timeOffsets().entrySet()) {
                offsets.add(e.getKey() + " " + e.getValue().secs() + " " + e.getValue().nanosecs());
            }
            argv.addAll(List.of("--timens", String.join(";", offsets)));
        }
        if (inThread) {
            argv.addAll(List.of("--setup", "--"));
        } else {
            argv.add("--");
            argv.addAll(home.initCommand(syncFd, crashDirFd));
        }
        return argv;
    }

    /** The parent writes the maps: it has the privilege the new namespace's creator lacks. */
    private void writeIdMaps(int pid, LinuxSpec linux) {
        writeMap(Path.of("/proc", Integer.toString(pid), "uid_map"), linux.uidMappingsOrEmpty(), "$.linux.uidMappings");
        writeMap(Path.of("/proc", Integer.toString(pid), "gid_map"), linux.gidMappingsOrEmpty(), "$.linux.gidMappings");
    }

    private static void writeMap(Path file, List<LinuxSpec.IdMapping> maps, String jsonPath) {
        StringBuilder b = new StringBuilder();
        for (LinuxSpec.IdMapping m : maps) {
            b.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        }
        try {
            Files.write(file, b.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new JruncException(jsonPath + ": cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Written via a temporary file and rename: engines poll for it and must never read half. Its
     * mode is 0666 less the caller's umask, as runc's, whatever this process's umask is.
     */
    static void writePidFile(Syscalls sys, Path pidFile, int pid, int umask) {
        Path tmp = pidFile.resolveSibling("." + pidFile.getFileName() + ".tmp");
        int mode = 0666 & ~umask;
        try {
            Files.deleteIfExists(tmp);
            int fd = sys.open(tmp.toString(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
            try {
                sys.fchmod(fd, mode);
                sys.write(fd, Integer.toString(pid).getBytes(StandardCharsets.US_ASCII));
            } finally {
                sys.close(fd);
            }
            Files.move(tmp, pidFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | dev.jrunc.linux.SyscallException e) {
            throw new JruncException("--pid-file " + pidFile + ": " + e.getMessage(), e);
        }
    }

    /** The host's cgroup mounts, with the caller's own cgroup as the base of relative paths. */
    private CgroupLayout callerLayout() {
        String mountinfo;
        try {
            mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new JruncException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
        return CgroupLayout.parse(mountinfo, inv.cgroup(), CgroupFs.REAL);
    }

    /**
     * Where each hierarchy's cgroup directory appears under the container's cgroup mount: the
     * hierarchy's mount point name on the host ("memory", "systemd", "unified"), or "" alone when
     * the host has only cgroup2.
     */
    static Map<String, String> cgroupMountDirs(CgroupManager cgroup) {
        CgroupLayout layout = CgroupLayout.detect();
        Map<String, String> out = new java.util.TreeMap<>();
        for (var e : cgroup.paths().entrySet()) {
            Path mount = e.getKey().equals(CgroupLayout.UNIFIED) ? layout.unifiedMount() : layout.v1Mounts().get(e.getKey());
            if (mount == null) continue;
            String name = layout.mode() == CgroupMode.V2 ? "" : mount.getFileName().toString();
            out.putIfAbsent(name, e.getValue().toString());
        }
        return out;
    }

    private static ContainerState stateForHooks(Options o, Path bundle, int pid, Spec spec) {
        return new ContainerState(spec.ociVersion(), o.id(), pid, Status.CREATING.text(), bundle.toString(), null, null,
                spec.annotationsOrEmpty(), null);
    }
}
