package dev.jrunc.init;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import dev.jrunc.process.Capabilities;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.process.Rlimits;
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

    /** The last stage's options and the program it will exec. */
    public record FinalStage(List<String> argv, String executable) {}

    /** Everything short of exec'ing the last stage. */
    public FinalStage prepare() {
        Spec spec = plan.spec();
        ProcessSpec process = spec.process();
        // Nothing in the container may open this process's /proc files (the JVM, its jars).
        sys.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        // Read while the host's /proc is still there.
        int lastCap = Capabilities.lastCap();
        long bounding = Capabilities.ownBounding();

        applyProcessLimits(process);
        stackSoft = ProcessSecurity.ownStackSoft();
        applySysctl(spec);

        RootfsSetup rootfs = new RootfsSetup(sys, spec, plan.rootfs(), Path.of(plan.bundle()),
                plan.newUserNamespace(), plan.cgroupDirs(), warn).bindSources(bindSources);
        rootfs.mountAll();
        // In the container's namespaces, before pivot_root: paths still resolve on the host.
        HookRunner.run(spec, HookRunner.Kind.CREATE_CONTAINER, plan.state());
        rootfs.pivotRoot(plan.noPivot());
        if (spec.hostname() != null) sys.sethostname(spec.hostname());
        if (spec.domainname() != null) sys.setdomainname(spec.domainname());
        rootfs.finish();

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
        ProcessSpec.User user = process.user();
        long uid = user == null ? 0 : user.uid();
        long gid = user == null ? 0 : user.gid();
        List<String> groups = new ArrayList<>();
        if (user != null && user.additionalGids() != null) {
            for (Long g : user.additionalGids()) groups.add(Long.toString(g));
        }
        argv.addAll(List.of("--uid", Long.toString(uid), "--gid", Long.toString(gid), "--groups", String.join(",", groups)));
        if (process.capabilities() != null) {
            Capabilities.Masks masks = Capabilities.masks(process.capabilities(), lastCap, bounding,
                    "$.process.capabilities", warn);
            argv.addAll(List.of("--caps", masks.helperArgument()));
        }
        if (process.isNoNewPrivileges()) argv.add("--nnp");
        if (process.isTerminal()) {
            argv.add("--console");
            if (process.consoleSize() != null) {
                argv.addAll(List.of("--console-size", process.consoleSize().height() + "x" + process.consoleSize().width()));
            }
        }
        if (plan.newCgroupNamespace()) argv.add("--cgroupns");
        if (plan.spec().linux() != null && plan.spec().linux().seccomp() != null) argv.add("--seccomp");
        argv.addAll(List.of("--cwd", cwd, "--preserve-fds", Integer.toString(plan.preserveFds())));
        argv.addAll(ProcessSecurity.helperOptions(plan.spec()));
        List<Spec.Hook> startHooks = HookRunner.hooks(plan.spec(), HookRunner.Kind.START_CONTAINER);
        if (!startHooks.isEmpty()) {
            argv.addAll(List.of("--hook-state", SpecJson.toJson(plan.state())));
            for (Spec.Hook h : startHooks) argv.addAll(List.of("--start-hook", encodeHook(h)));
        }
        return argv;
    }

    /** The last stage's form of a hook: fields split by US (0x1f), list items by RS (0x1e). */
    static String encodeHook(Spec.Hook h) {
        String args = h.args() == null || h.args().isEmpty() ? h.path() : String.join("\u001e", h.args());
        String env = h.env() == null ? "" : String.join("\u001e", h.env());
        return h.path() + "\u001f" + (h.timeout() == null ? 0 : h.timeout()) + "\u001f" + args + "\u001f" + env;
    }

    /** The soft RLIMIT_STACK once the config's rlimits are in force: it sizes execve's argument space. */
    private long stackSoft = -1;

    private int passedFifo = -1;
    private int passedHelper = -1;

    /** The exec fifo and the sealed helper as the runtime opened them (-1: open them here). */
    public ContainerInit passedFds(int fifo, int helper) {
        this.passedFifo = fifo;
        this.passedHelper = helper;
        return this;
    }

    /** Runs {@link #prepare} and execs the last stage; returns only by throwing. */
    public void run(SyncSocket sync) {
        // A sealed copy, made while the host's files are still reachable: the container can never
        // reach (let alone overwrite) the host's helper binary through /proc/1/exe.
        int helper = passedHelper >= 0 ? passedHelper : SealedExecutable.copyOf(sys, plan.helper());
        // Not close-on-exec: the last stage inherits it and reopens it for writing.
        int fifo = passedFifo;
        if (fifo >= 0) {
            sys.setCloexec(fifo, false);
        } else {
            fifo = sys.open(plan.execFifo(), O_PATH, 0);
        }
        FinalStage stage = prepare();
        List<String> argv = new ArrayList<>(stage.argv());
        argv.addAll(List.of("--sync-fd", Integer.toString(sync.fd()), "--fifo-fd", Integer.toString(fifo)));
        ProcessSpec process = plan.spec().process();
        argv.add("--");
        argv.add(stage.executable());
        argv.addAll(process.argsOrEmpty());
        SemanticChecks.checkExecSpace("config.json", "$.process", process.argsOrEmpty(), process.effectiveEnv(),
                "/dev/fd/" + helper, argv, process.effectiveEnv(), stackSoft);
        sys.execveat(helper, "", argv, process.effectiveEnv(), AT_EMPTY_PATH);
        throw new JruncException("execveat of the native helper returned");
    }

    private void applyProcessLimits(ProcessSpec process) {
        if (process.rlimits() != null) {
            for (ProcessSpec.Rlimit r : process.rlimits()) {
                sys.prlimit(0, Rlimits.number(r.type()), r.soft(), r.hard());
            }
        }
        if (process.oomScoreAdj() != null) {
            procFiles.accept("/proc/self/oom_score_adj", Integer.toString(process.oomScoreAdj()));
        }
    }

    /** Written through the host's /proc before pivot_root: the entries belong to our namespaces. */
    private void applySysctl(Spec spec) {
        if (spec.linux() == null) return;
        for (var e : spec.linux().sysctlOrEmpty().entrySet()) {
            // Keys were checked against the container's namespaces by `create`.
            procFiles.accept(Sysctls.procPath(e.getKey()), e.getValue());
        }
    }

    private static void writeProcFile(String path, String value) {
        try {
            Files.writeString(Path.of(path), value);
        } catch (IOException e) {
            throw new JruncException("write " + path + " = " + value + ": " + e.getMessage(), e);
        }
    }

    private static void ensureDirectory(String cwd) {
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
