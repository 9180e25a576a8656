package dev.jrunc.init;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import dev.jrunc.process.Capabilities;
import dev.jrunc.process.LastStageOptions;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.process.SealedExecutable;
import dev.jrunc.process.Sysctls;
import dev.jrunc.rootfs.RootfsSetup;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.SemanticChecks;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The container's init, running as a JVM inside the new namespaces (but outside the container's
 * cgroup, so its memory and threads never count against the container's limits). It builds the
 * filesystem and process attributes, then execs the native helper's last stage, which sets the
 * identity, capabilities and seccomp filter, waits for `start` and execs the user's program.
 */
public final class ContainerInit {
    private final Syscalls sys;
    private final InitPlan plan;
    private final Consumer<String> warn;
    private final BiConsumer<String, String> procFiles;

    public ContainerInit(Syscalls sys, InitPlan plan, Consumer<String> warn) {
        this(sys, plan, warn, ContainerInit::writeProcFile);
    }

    /** procFiles writes a value to a /proc file; tests pass one that records instead. */
    ContainerInit(Syscalls sys, InitPlan plan, Consumer<String> warn, BiConsumer<String, String> procFiles) {
        this.sys = sys;
        this.plan = plan;
        this.warn = warn;
        this.procFiles = procFiles;
    }

    private java.util.Map<Integer, Integer> bindSources = java.util.Map.of();

    /** Bind mount sources opened by the runtime on the host: mount index -> fd. */
    public ContainerInit bindSources(java.util.Map<Integer, Integer> fds) {
        this.bindSources = fds;
        return this;
    }

    private java.util.Map<Integer, Integer> detachedMounts = java.util.Map.of();
    private Consumer<List<String>> created = paths -> { };

    /** Idmapped mounts the runtime prepared as detached trees: mount index -> fd. */
    public ContainerInit detachedMounts(java.util.Map<Integer, Integer> fds) {
        this.detachedMounts = fds;
        return this;
    }

    /**
     * Told what setting up the rootfs made in it (mount points, nodes), whether it succeeded or
     * not: the runtime removes them if the create fails.
     */
    public ContainerInit onCreated(Consumer<List<String>> report) {
        this.created = report;
        return this;
    }

    /** The last stage's options and the program it will exec. */
    public record FinalStage(List<String> argv, String executable) {}

    private int logDir = -1;

    /**
     * jrunc's log directory, opened by the runtime: the init JVM's working directory once the
     * root has moved, so that not even a crash report of this JVM ever lands in the container.
     */
    public ContainerInit logDir(int fd) {
        this.logDir = fd;
        return this;
    }

    /** Everything short of exec'ing the last stage. */
    public FinalStage prepare() {
        Spec spec = plan.spec();
        ProcessSpec process = spec.process();
        // Nothing in the container may open this process's /proc files (the JVM, its jars).
        sys.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        // Read while the host's /proc is still there.
        int lastCap = Capabilities.lastCap();
        long bounding = Capabilities.ownBounding();
        ownStackSoft = ProcessSecurity.ownStackSoft();

        if (process != null) applyOomScoreAdj(process);
        applySysctl(spec);

        RootfsSetup rootfs = new RootfsSetup(sys, spec, plan.rootfs(), Path.of(plan.bundle()),
                plan.userNamespace(), plan.cgroupDirs(), warn).bindSources(bindSources)
                .detachedMounts(detachedMounts).ownMountNamespace(plan.mountNamespace());
        try {
            rootfs.mountAll();
        } finally {
            created.accept(rootfs.createdPaths());
        }
        // In the container's namespaces, before pivot_root: paths still resolve on the host.
        // with the rootfs as their working directory, as runc runs them
        HookRunner.run(spec, HookRunner.Kind.CREATE_CONTAINER, plan.state(), plan.rootfs());
        rootfs.pivotRoot(plan.noPivot());
        if (logDir >= 0) sys.fchdir(logDir);
        if (spec.hostname() != null) sys.sethostname(spec.hostname());
        if (spec.domainname() != null) sys.setdomainname(spec.domainname());
        rootfs.finish();

        if (process == null) {
            // config.md: process is optional at create; the container waits for a kill.
            return new FinalStage(List.of("jrunc-nsexec", "exec", "--no-process", "--cwd", "/"), null);
        }
        String cwd = process.cwd() == null || process.cwd().isEmpty() ? "/" : process.cwd();
        ensureDirectory(cwd);
        String executable = ExecutableLookup.find(process.argsOrEmpty().getFirst(), process.effectiveEnv(), cwd);
        if (process.user() != null && process.user().umask() != null) {
            sys.umask(process.user().umask());
        } else {
            sys.umask(0022);
        }
        return new FinalStage(finalStageArgs(process, cwd, lastCap, bounding), executable);
    }

    private List<String> finalStageArgs(ProcessSpec process, String cwd, int lastCap, long bounding) {
        List<String> argv = new ArrayList<>(List.of("jrunc-nsexec", "exec"));
        argv.addAll(lastStageOptions(plan, process, cwd, lastCap, bounding).build(warn));
        return argv;
    }

    /**
     * The last stage's options for the container's process (both ways of running the init):
     * what `create` adds to the process itself: its cgroup namespace, the seccomp filter, the
     * fds to pass, linux.personality and the startContainer hooks. process.execCPUAffinity is
     * not for the container's init (config.md).
     */
    static LastStageOptions lastStageOptions(InitPlan plan, ProcessSpec process, String cwd, int lastCap, long bounding) {
        Spec spec = plan.spec();
        LastStageOptions options = new LastStageOptions(process, cwd, "config.json", "$.process", lastCap, bounding)
                .newCgroupNamespace(plan.newCgroupNamespace())
                .seccomp(spec.linux() != null && spec.linux().seccomp() != null)
                .preserveFds(plan.preserveFds())
                .personality(spec.linux() == null ? null : spec.linux().personality())
                .execCpuAffinity(false);
        List<Spec.Hook> startHooks = HookRunner.hooks(spec, HookRunner.Kind.START_CONTAINER);
        if (!startHooks.isEmpty()) options.startHooks(startHooks, SpecJson.toJson(plan.state()));
        return options;
    }

    /** The soft RLIMIT_STACK this process runs under (read while the host's /proc is there). */
    private long ownStackSoft = -1;
    private int passedFifoDir = -1;
    private int passedHelper = -1;

    /**
     * The directory of the exec fifo and the sealed helper as the runtime opened them (-1: open
     * them here). The last stage opens the fifo through the directory, which needs no /proc.
     */
    public ContainerInit passedFds(int fifoDir, int helper) {
        this.passedFifoDir = fifoDir;
        this.passedHelper = helper;
        return this;
    }

    /** Runs {@link #prepare} and execs the last stage; returns only by throwing. */
    public void run(SyncSocket sync) {
        // A sealed copy, made while the host's files are still reachable: the container can never
        // reach (let alone overwrite) the host's helper binary through /proc/1/exe.
        int helper = passedHelper >= 0 ? passedHelper : SealedExecutable.copyOf(sys, plan.helper());
        // Not close-on-exec: the last stage inherits it.
        int fifoDir = passedFifoDir;
        if (fifoDir >= 0) {
            sys.setCloexec(fifoDir, false);
        } else {
            fifoDir = sys.open(Path.of(plan.execFifo()).getParent().toString(), O_PATH | O_DIRECTORY, 0);
        }
        FinalStage stage = prepare();
        List<String> options = new ArrayList<>(stage.argv().subList(2, stage.argv().size()));
        options.addAll(List.of("--fifo-at", fifoDir + ":" + Path.of(plan.execFifo()).getFileName()));
        ProcessSpec process = plan.spec().process();
        options.add("--");
        if (process != null) {
            options.add(stage.executable());
            options.addAll(process.argsOrEmpty());
            // the program's execve, not the helper's (whose arguments are a few short options)
            SemanticChecks.checkExecSpace("config.json", "$.process", process.argsOrEmpty(), process.effectiveEnv(),
                    stage.executable(), process.argsOrEmpty(), process.effectiveEnv(), ProcessSecurity.stackSoftFor(process));
        }
        int opts = optionsFile(sys, options);
        List<String> argv = List.of("jrunc-nsexec", "exec", "--sync-fd", Integer.toString(sync.fd()),
                "--opts-fd", Integer.toString(opts));
        if (process != null) {
            // and the helper's own execve, which carries the same environment under this process's limit
            SemanticChecks.checkExecSpace("config.json", "$.process", process.argsOrEmpty(), process.effectiveEnv(),
                    "/dev/fd/" + helper, argv, process.effectiveEnv(), ownStackSoft);
        }
        sys.execveat(helper, "", argv, process == null ? List.of() : process.effectiveEnv(), AT_EMPTY_PATH);
        throw new JruncException("execveat of the native helper returned");
    }

    /**
     * The last stage's options in an anonymous file it inherits, one NUL-terminated string each:
     * its command line, which the container can read in /proc, then shows no host path.
     */
    public static int optionsFile(Syscalls sys, List<String> options) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (String o : options) {
            b.writeBytes(o.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            b.write(0);
        }
        int fd = sys.memfdCreate("jrunc-options", 0);
        sys.write(fd, b.toByteArray());
        return fd;
    }

    private void applyOomScoreAdj(ProcessSpec process) {
        if (process.oomScoreAdj() != null) {
            procFiles.accept("/proc/self/oom_score_adj", Integer.toString(process.oomScoreAdj()));
        }
    }

    /** Written through the host's /proc before pivot_root: the entries belong to our namespaces. */
    private void applySysctl(Spec spec) {
        if (spec.linux() == null) return;
        for (var e : spec.linux().sysctlOrEmpty().entrySet()) {
            // Keys were checked against the container's namespaces by `create`.
            writeSysctl(e.getKey(), e.getValue(), procFiles);
        }
    }

    static void writeProcFile(String path, String value) {
        try {
            Files.writeString(Path.of(path), value);
        } catch (IOException e) {
            throw new JruncException("write " + path + " = " + value + ": " + e.getMessage(), e);
        }
    }

    /** linux.sysctl's key set to its value through write; a refusal names the entry. */
    static void writeSysctl(String key, String value, BiConsumer<String, String> write) {
        try {
            write.accept(Sysctls.procPath(key), value);
        } catch (JruncException e) {
            throw new JruncException("$.linux.sysctl[\"" + key + "\"]: " + e.getMessage(), e);
        }
    }

    static void ensureDirectory(String cwd) {
        Path p = Path.of(cwd);
        if (Files.isDirectory(p)) return;
        if (Files.exists(p)) {
            throw new JruncException("process.cwd " + cwd + ": exists in the container and is not a directory");
        }
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new JruncException("process.cwd " + cwd + ": cannot create it in the container: " + e.getMessage(), e);
        }
    }
}
