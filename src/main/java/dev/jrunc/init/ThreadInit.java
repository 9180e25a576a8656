package dev.jrunc.init;

import static dev.jrunc.linux.Linux.*;
import static dev.jrunc.namespaces.NamespaceKind.CGROUP;
import static dev.jrunc.namespaces.NamespaceKind.IPC;
import static dev.jrunc.namespaces.NamespaceKind.MOUNT;
import static dev.jrunc.namespaces.NamespaceKind.NETWORK;
import static dev.jrunc.namespaces.NamespaceKind.PID;
import static dev.jrunc.namespaces.NamespaceKind.UTS;

import dev.jrunc.JruncException;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.process.Capabilities;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.rootfs.RootfsSetup;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.SemanticChecks;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The container's init without a JVM inside the container: the work {@link ContainerInit} does
 * in a JVM of its own is done here by a fresh platform thread of the runtime, which leaves the
 * runtime's filesystem context (unshare(CLONE_FS)), joins the container's namespaces (all but
 * the user and time namespaces, which a multithreaded process cannot join) and ends
 * when the rootfs is built, so nothing of the runtime keeps the container's namespaces. PID 1, the
 * native helper (`jrunc-nsexec enter --setup`), waits meanwhile; it makes the proc filesystem
 * (bound to its PID namespace) for this thread, moves to the new root when told and then runs the
 * last stage with the options computed here. In a user namespace PID 1 makes every new
 * filesystem, so each belongs to the namespace as if its init had mounted it, and this thread
 * creates files as the namespace's root (fsuid/fsgid), keeping the host root's capabilities.
 *
 * <p>The order is the init JVM's: oom_score_adj, sysctls, the rootfs's mounts and devices, the
 * createContainer hooks (in the container's namespaces, before pivot_root), pivot_root,
 * hostname and domainname, read-only and masked paths, process.cwd, the program's path; then
 * the last stage.
 */
public final class ThreadInit {
    private final Syscalls sys;
    private final InitPlan plan;
    private final SyncSocket sync;
    private final int pid;
    private final int umask;
    private final Consumer<String> warn;
    private Consumer<List<String>> created = paths -> { };

    /**
     * @param pid PID 1 of the container (the waiting helper), in this process's PID namespace
     * @param umask the umask the init would have had: the caller's
     * @param warn told each warning, on the calling thread once the setup thread has ended
     */
    public ThreadInit(Syscalls sys, InitPlan plan, SyncSocket sync, int pid, int umask, Consumer<String> warn) {
        this.sys = sys;
        this.plan = plan;
        this.sync = sync;
        this.pid = pid;
        this.umask = umask;
        this.warn = warn;
    }

    private Map<Integer, Integer> detachedMounts = Map.of();
    private int ownerUid = -1;
    private int ownerGid = -1;

    /**
     * In a user namespace: the host ids of its root, which owns what the thread creates in the
     * rootfs (mount points, /dev links, the cwd), as it would own what an init inside made.
     */
    public ThreadInit filesOwnedBy(int uid, int gid) {
        this.ownerUid = uid;
        this.ownerGid = gid;
        return this;
    }

    /** Idmapped mounts the runtime prepared as detached trees: mount index -> fd (the caller closes them). */
    public ThreadInit detachedMounts(Map<Integer, Integer> fds) {
        this.detachedMounts = fds;
        return this;
    }

    /** Told what setting up the rootfs made in it, whether it succeeded or not (see ContainerInit). */
    public ThreadInit onCreated(Consumer<List<String>> report) {
        this.created = report;
        return this;
    }

    /** What the setup thread hands back: the container's root, and the program's path in it. */
    private record Built(int root, String executable, String cwd) {}

    /**
     * Builds the rootfs from a thread of its own and tells PID 1 to run the last stage. fifoDir:
     * the exec fifo's directory (an fd of this process), fifoName the fifo's name in it.
     */
    public void run(int fifoDir, String fifoName) {
        Spec spec = plan.spec();
        ProcessSpec process = spec.process();
        if (process != null && process.oomScoreAdj() != null) {
            ContainerInit.writeProcFile("/proc/" + pid + "/oom_score_adj", Integer.toString(process.oomScoreAdj()));
        }
        int lastCap = Capabilities.lastCap();
        // PID 1's, not this process's: it was started by the caller, whose bounding set it has.
        long bounding = Capabilities.bounding(Path.of("/proc", Integer.toString(pid), "status"));

        initProc = initProcEntry();
        Map<NamespaceKind, Integer> namespaces = openNamespaces(spec);
        List<String> warnings = new ArrayList<>();
        Built built;
        int initRoot = -1;
        try {
            // PID 1's root, which setns(CLONE_NEWNS) does not give: where the runtime itself runs
            // chrooted (a build root, a test VM), the container's mount namespace has the same
            // directory under another path from its root, and every path of the plan is relative to it.
            if (namespaces.containsKey(MOUNT)) {
                initRoot = sys.open("/proc/" + pid + "/root", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
            }
            int root = initRoot;
            built = onOwnThread(() -> build(namespaces, root, warnings::add));
        } finally {
            // The kernel makes a process whose thread changed its fsuid non-dumpable: the runtime
            // is dumpable again, as it was, whichever containers it made.
            if (ownerUid >= 0) sys.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
            namespaces.values().forEach(sys::close);
            if (initRoot >= 0) sys.close(initRoot);
            warnings.forEach(warn);
        }

        List<String> options = new ArrayList<>();
        try {
            if (process == null) {
                // config.md: process is optional at create; the container waits for a kill.
                options.addAll(List.of("--no-process", "--cwd", "/", "--"));
            } else {
                int processUmask = process.user() != null && process.user().umask() != null ? process.user().umask() : 0022;
                options.addAll(ContainerInit.lastStageOptions(plan, process, built.cwd(), lastCap, bounding)
                        .umask(processUmask).build(warn));
                options.addAll(List.of("--", built.executable()));
                options.addAll(process.argsOrEmpty());
                SemanticChecks.checkExecSpace("config.json", "$.process", process.argsOrEmpty(), process.effectiveEnv(),
                        built.executable(), process.argsOrEmpty(), process.effectiveEnv(), ProcessSecurity.stackSoftFor(process));
            }
            sync.sendFd(SyncMessage.ROOT, built.root());
        } finally {
            sys.close(built.root());
        }
        sync.sendFd(SyncMessage.FIFODIR, fifoDir, fifoName);
        int opts = ContainerInit.optionsFile(sys, options);
        try {
            sync.sendFd(SyncMessage.EXEC, opts);
        } finally {
            sys.close(opts);
        }
    }

    /** The namespaces the thread joins (type -> fd of PID 1's), opened before it leaves the host's mounts. */
    private Map<NamespaceKind, Integer> openNamespaces(Spec spec) {
        Map<NamespaceKind, Integer> out = new LinkedHashMap<>();
        LinuxSpec linux = spec.linux();
        try {
            // pid: for the createContainer hooks the thread starts (proc comes from PID 1's context).
            for (NamespaceKind kind : List.of(PID, NETWORK, IPC, UTS)) out.put(kind, kind.open(sys, pid));
            if (linux != null && linux.namespacesOrEmpty().stream()
                    .anyMatch(n -> n.type().equals(CGROUP.specName()) && n.path() != null && !n.path().isEmpty())) {
                out.put(CGROUP, CGROUP.open(sys, pid));
            }
            // Last: after it, paths are the container's.
            if (plan.mountNamespace()) out.put(MOUNT, MOUNT.open(sys, pid));
        } catch (RuntimeException e) {
            out.values().forEach(sys::close);
            throw e;
        }
        return out;
    }

    /** On the setup thread: everything ContainerInit.prepare does up to the last stage's options. */
    private Built build(Map<NamespaceKind, Integer> namespaces, int initRoot, Consumer<String> warnings) {
        Spec spec = plan.spec();
        ProcessSpec process = spec.process();
        // This thread's own root, cwd and umask from here on; the JVM's other threads keep theirs.
        sys.unshare(CLONE_FS);
        sys.umask(umask);
        for (var e : namespaces.entrySet()) sys.setns(e.getValue(), e.getKey().cloneFlag());
        if (ownerUid >= 0) {
            sys.setfsgid(ownerGid);
            sys.setfsuid(ownerUid);
            // A thread of a JVM cannot join the user namespace; the host's root keeps its reach
            // (the rootfs, bind sources in directories only root may enter) with these owners.
            sys.raiseEffectiveCapabilities();
        }
        if (initRoot >= 0) {
            sys.fchdir(initRoot);
            sys.chroot(".");
        }

        // Through the host's /proc, before pivot_root: the entries are those of the namespaces joined.
        if (spec.linux() != null) {
            for (var e : spec.linux().sysctlOrEmpty().entrySet()) {
                ContainerInit.writeSysctl(e.getKey(), e.getValue(), ContainerInit::writeProcFile);
            }
        }
        RootfsSetup rootfs = new RootfsSetup(sys, spec, plan.rootfs(), Path.of(plan.bundle()),
                plan.userNamespace(), plan.cgroupDirs(), warnings).ownMountNamespace(plan.mountNamespace())
                .detachedMounts(detachedMounts).newFilesystems(this::newFilesystem);
        try {
            rootfs.mountAll();
        } finally {
            created.accept(rootfs.createdPaths());
        }
        HookRunner.runInThisThread(spec, HookRunner.Kind.CREATE_CONTAINER, plan.state(), plan.rootfs());
        rootfs.pivotRoot(plan.noPivot());
        if (spec.hostname() != null) sys.sethostname(spec.hostname());
        if (spec.domainname() != null) sys.setdomainname(spec.domainname());
        rootfs.finish();

        String cwd = process == null || process.cwd() == null || process.cwd().isEmpty() ? "/" : process.cwd();
        String executable = null;
        if (process != null) {
            String seen = asInit(cwd);
            ContainerInit.ensureDirectory(seen);
            executable = fromInit(ExecutableLookup.find(asInit(process.argsOrEmpty().getFirst()), process.effectiveEnv(), seen));
        }
        return new Built(sys.open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0), executable, cwd);
    }

    /** PID 1's /proc entry as the container's proc shows it ("/proc/N"), set before the thread starts. */
    private String initProc = "/proc/self";

    /**
     * A path as PID 1 resolves it: the container's /proc/self is PID 1's own entry, and this
     * thread (of another PID namespace) has none there. A cwd through an fd PID 1 holds is
     * thus found as it would be, and then refused by the last stage as outside the root.
     */
    private String asInit(String path) {
        for (String self : List.of("/proc/self", "/proc/thread-self")) {
            if (path.equals(self) || path.startsWith(self + "/")) return initProc + path.substring(self.length());
        }
        return path;
    }

    private String fromInit(String path) {
        if (path.equals(initProc) || path.startsWith(initProc + "/")) return "/proc/self" + path.substring(initProc.length());
        return path;
    }

    /** PID 1's pid in its own PID namespace, the one its proc mount shows (NSpid's last field). */
    private String initProcEntry() {
        try {
            for (String line : dev.jrunc.linux.KernelFiles.read(Path.of("/proc", Integer.toString(pid), "status")).split("\n")) {
                if (line.startsWith("NSpid:")) {
                    String[] ids = line.substring(6).trim().split("\\s+");
                    return "/proc/" + ids[ids.length - 1];
                }
            }
        } catch (java.io.IOException e) {
            // PID 1 is gone: the create fails on its next message
        }
        return "/proc/self";
    }

    /**
     * A new filesystem from PID 1 (FSMOUNT), which is in the container's namespaces, or null for
     * mount(2) from this thread. proc always: it belongs to the PID namespace of whoever makes it,
     * and this thread cannot join one. In a user namespace every filesystem: made here, it would
     * belong to the host's user namespace, its uid=/gid= options would be host ids, and the
     * container's root could not remount it.
     */
    private Integer newFilesystem(String type, String source, List<String> options, long attrs) {
        if (!type.equals("proc") && !plan.userNamespace()) return null;
        List<String> fields = new ArrayList<>(List.of(Long.toString(attrs), type, source));
        fields.addAll(options);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String field : fields) {
            out.writeBytes(field.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write(0);
        }
        sync.send(SyncMessage.FSMOUNT, out.toByteArray());
        SyncSocket.Message m = sync.receive();
        if (m == null) throw new JruncException("container init exited before it was set up");
        return switch (m.kind()) {
            case FSMOUNTED -> sync.takeFd();
            case FSFAILED -> throw refusal(m.text());
            case ERROR -> throw new SetupFailedException(m.text());
            default -> throw new SyncProtocolException("expected FSMOUNTED from the container's init, got " + m.kind().word());
        };
    }

    /** FSFAILED's "errno call" as the SyscallException the call would have thrown here. */
    private static dev.jrunc.linux.SyscallException refusal(String text) {
        int space = text.indexOf(' ');
        try {
            return new dev.jrunc.linux.SyscallException(text.substring(space + 1), Integer.parseInt(text.substring(0, space)));
        } catch (RuntimeException e) {
            throw new SyncProtocolException("malformed FSFAILED from the container's init: " + text);
        }
    }

    /**
     * Runs work on a new platform thread and waits for it: a thread of its own, because it leaves
     * the JVM's filesystem context and joins namespaces, and ends with them.
     */
    static <T> T onOwnThread(java.util.function.Supplier<T> work) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().name("jrunc-init").unstarted(() -> {
            try {
                result[0] = work.get();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                // The thread holds the container's mounts: it finishes before create goes on.
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure[0] instanceof RuntimeException e) throw e;
        if (failure[0] instanceof Error e) throw e;
        if (failure[0] != null) throw new JruncException(failure[0].toString(), failure[0]);
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }
}
