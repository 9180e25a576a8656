package dev.jrunc.process;

import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The native helper's last-stage options (`jrunc-nsexec exec`, up to but not including "--")
 * for a container's process, one builder for `create` and `exec`: identity, rlimits,
 * capabilities, no_new_privs, terminal, cwd, scheduler, I/O priority, personality, CPU affinity
 * and LSM labels all come from the process alike. What differs between the two verbs is set
 * explicitly: the capabilities the helper can grant from, a new cgroup namespace, a seccomp
 * filter to wait for, the fds to pass, the umask, execCPUAffinity (exec'd processes only, as
 * config.md says) and the startContainer hooks (create only).
 *
 * <p>Values are checked while building, each error naming its document and JSON path.
 */
public final class LastStageOptions {
    private final ProcessSpec process;
    private final String cwd;
    private final String document;
    private final String at;
    private final int lastCap;
    private final long grantable;
    private boolean newCgroupNamespace;
    private boolean seccomp;
    private int preserveFds;
    private Integer umask;
    private LinuxSpec.Personality personality;
    private boolean execCpuAffinity;
    private List<Spec.Hook> startHooks = List.of();
    private String hookState;

    /**
     * @param document the name of the document the process came from, for errors ("config.json")
     * @param at the process's JSON path in it ("$.process" in config.json, "$" in an exec process file)
     * @param lastCap the kernel's highest capability number (the last stage may see no /proc)
     * @param grantable the capabilities the last stage holds to give (a mask; -1 for all)
     */
    public LastStageOptions(ProcessSpec process, String cwd, String document, String at, int lastCap, long grantable) {
        this.process = process;
        this.cwd = cwd;
        this.document = document;
        this.at = at;
        this.lastCap = lastCap;
        this.grantable = grantable;
    }

    /** The process gets a cgroup namespace of its own, rooted at the cgroup it is placed in. */
    public LastStageOptions newCgroupNamespace(boolean yes) {
        this.newCgroupNamespace = yes;
        return this;
    }

    /** The container has a seccomp filter: the last stage waits for it with "GO". */
    public LastStageOptions seccomp(boolean yes) {
        this.seccomp = yes;
        return this;
    }

    /** The caller's fds 3 .. 3+n-1 reach the program. */
    public LastStageOptions preserveFds(int n) {
        this.preserveFds = n;
        return this;
    }

    /** The umask the last stage sets; null leaves the one it inherits. */
    public LastStageOptions umask(Integer mask) {
        this.umask = mask;
        return this;
    }

    /** linux.personality of the container's config (checked there: $.linux.personality); null for none. */
    public LastStageOptions personality(LinuxSpec.Personality p) {
        this.personality = p;
        return this;
    }

    /**
     * Whether process.execCPUAffinity applies: config.md says it does not to the container's init,
     * only to processes exec'd into the container.
     */
    public LastStageOptions execCpuAffinity(boolean applies) {
        this.execCpuAffinity = applies;
        return this;
    }

    /** The startContainer hooks the last stage runs after `start`, and the state they receive (JSON). */
    public LastStageOptions startHooks(List<Spec.Hook> hooks, String stateJson) {
        this.startHooks = hooks == null ? List.of() : List.copyOf(hooks);
        this.hookState = stateJson;
        return this;
    }

    /** The options; warnings (capabilities the process cannot be given) go to {@code warn}. */
    public List<String> build(Consumer<String> warn) {
        List<String> out = new ArrayList<>();
        ProcessSpec.User user = process.user();
        List<String> groups = new ArrayList<>();
        if (user != null && user.additionalGids() != null) {
            for (Long g : user.additionalGids()) groups.add(Long.toString(g));
        }
        out.addAll(List.of("--uid", Long.toString(user == null ? 0 : user.uid()),
                "--gid", Long.toString(user == null ? 0 : user.gid()), "--groups", String.join(",", groups)));
        out.addAll(List.of("--last-cap", Integer.toString(lastCap)));
        // Set by the last stage just before execve: set earlier they would bind the stage itself.
        if (process.rlimits() != null) {
            for (ProcessSpec.Rlimit r : process.rlimits()) {
                out.addAll(List.of("--rlimit", Rlimits.number(r.type()) + "," + Long.toUnsignedString(r.soft()) + ","
                        + Long.toUnsignedString(r.hard())));
            }
        }
        if (process.capabilities() != null) {
            Capabilities.Masks masks = Capabilities.masks(process.capabilities(), lastCap, grantable, document,
                    at + ".capabilities", warn);
            out.addAll(List.of("--caps", masks.helperArgument()));
        }
        if (process.isNoNewPrivileges()) out.add("--nnp");
        if (process.isTerminal()) {
            out.add("--console");
            if (process.consoleSize() != null) {
                out.addAll(List.of("--console-size", process.consoleSize().height() + "x" + process.consoleSize().width()));
            }
        }
        if (newCgroupNamespace) out.add("--cgroupns");
        if (seccomp) out.add("--seccomp");
        out.addAll(List.of("--cwd", cwd, "--preserve-fds", Integer.toString(preserveFds)));
        if (umask != null) out.addAll(List.of("--umask", "0" + Integer.toOctalString(umask)));
        out.addAll(attributes());
        if (!startHooks.isEmpty()) {
            out.addAll(List.of("--hook-state", hookState));
            for (Spec.Hook h : startHooks) out.addAll(List.of("--start-hook", encodeHook(h)));
        }
        return out;
    }

    /** Scheduler, I/O priority, personality, CPU affinity and LSM labels. */
    private List<String> attributes() {
        List<String> out = new ArrayList<>();
        String sched = ProcessSecurity.schedulerArg(process.scheduler(), document, at + ".scheduler");
        if (sched != null) out.addAll(List.of("--sched", sched));
        Integer io = ProcessSecurity.ioPriorityArg(process.ioPriority(), document, at + ".ioPriority");
        if (io != null) out.addAll(List.of("--ioprio", Integer.toString(io)));
        // warned about (flags) when the config was checked
        Integer persona = ProcessSecurity.personalityArg(personality, w -> { });
        if (persona != null) out.addAll(List.of("--personality", "0x" + Integer.toHexString(persona)));
        ProcessSpec.ExecCpuAffinity cpus = process.execCPUAffinity();
        if (execCpuAffinity && cpus != null) {
            String initial = ProcessSecurity.cpuList(cpus.initial(), document, at + ".execCPUAffinity.initial");
            String fin = ProcessSecurity.cpuList(cpus.finalCpus(), document, at + ".execCPUAffinity.final");
            if (initial != null) out.addAll(List.of("--cpus-initial", initial));
            if (fin != null) out.addAll(List.of("--cpus-final", fin));
        }
        if (process.apparmorProfile() != null && !process.apparmorProfile().isEmpty()) {
            out.addAll(List.of("--apparmor", process.apparmorProfile()));
        }
        if (process.selinuxLabel() != null && !process.selinuxLabel().isEmpty()) {
            out.addAll(List.of("--selinux", process.selinuxLabel()));
        }
        return out;
    }

    /** The last stage's form of a hook: fields split by US (0x1f), list items by RS (0x1e). */
    static String encodeHook(Spec.Hook h) {
        String args = h.args() == null || h.args().isEmpty() ? h.path() : String.join("\u001e", h.args());
        String env = h.env() == null ? "" : String.join("\u001e", h.env());
        return h.path() + "\u001f" + (h.timeout() == null ? 0 : h.timeout()) + "\u001f" + args + "\u001f" + env;
    }
}
