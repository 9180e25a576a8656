package dev.jrunc.process;

import dev.jrunc.linux.KernelFiles;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.SemanticChecks;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The process attributes of config.md and config-linux.md that the native helper's last stage
 * applies (scheduler, I/O priority, personality, CPU affinity, LSM labels), checked in `create`
 * and `exec` before anything is made, and turned into the helper's form of them (which
 * {@link LastStageOptions} passes on).
 */
public final class ProcessSecurity {
    private static final String DOC = "config.json";

    /** sched(7) policy numbers (linux/sched.h). */
    static final Map<String, Integer> POLICIES = Map.of(
            "SCHED_OTHER", 0, "SCHED_FIFO", 1, "SCHED_RR", 2, "SCHED_BATCH", 3,
            "SCHED_ISO", 4, "SCHED_IDLE", 5, "SCHED_DEADLINE", 6);

    /** sched_setattr(2) flags (linux/sched.h). */
    static final Map<String, Long> SCHED_FLAGS = Map.of(
            "SCHED_FLAG_RESET_ON_FORK", 0x01L, "SCHED_FLAG_RECLAIM", 0x02L, "SCHED_FLAG_DL_OVERRUN", 0x04L,
            "SCHED_FLAG_KEEP_POLICY", 0x08L, "SCHED_FLAG_KEEP_PARAMS", 0x10L,
            "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20L, "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40L);

    static final Map<String, Integer> IO_CLASSES = Map.of(
            "IOPRIO_CLASS_RT", 1, "IOPRIO_CLASS_BE", 2, "IOPRIO_CLASS_IDLE", 3);

    /** personality(2) domains runtime-spec names: PER_LINUX and PER_LINUX32. */
    static final Map<String, Integer> PERSONALITIES = Map.of("LINUX", 0x0000, "LINUX32", 0x0008);

    private ProcessSecurity() {}

    /** What this host offers; read from the host in {@link #host()}, faked in tests. */
    /**
     * @param stackSoft the runtime's soft RLIMIT_STACK (-1: unlimited), which the container's
     *     process inherits unless the config sets its own: it sizes execve's argument space
     */
    public record Host(boolean appArmor, boolean selinux, long[] hardLimits, boolean capSysResource, long nrOpen,
            long stackSoft) {}

    public static Host host() {
        boolean aa = Files.exists(Path.of("/sys/kernel/security/apparmor")) && readTrim("/sys/module/apparmor/parameters/enabled").startsWith("Y");
        boolean se = Files.exists(Path.of("/sys/fs/selinux/enforce"));
        long[] hard = ownHardLimits();
        boolean capRes = false;
        for (String line : readTrim("/proc/self/status").split("\n")) {
            if (line.startsWith("CapEff:")) {
                capRes = (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 24)) != 0;
            }
        }
        long nrOpen;
        try {
            nrOpen = Long.parseLong(readTrim("/proc/sys/fs/nr_open"));
        } catch (NumberFormatException e) {
            nrOpen = 1 << 20;
        }
        return new Host(aa, se, hard, capRes, nrOpen, ownStackSoft());
    }

    /**
     * Checks everything the last stage would otherwise fail on half-way through create.
     *
     * @param newUserNs the container gets a new user namespace (its init cannot raise a hard
     *     limit: CAP_SYS_RESOURCE counts only in the initial user namespace)
     */
    public static void check(Spec spec, boolean newUserNs, Host host, Consumer<String> warn) {
        ProcessSpec p = spec.process();
        if (p != null) {
            checkRlimits(p, newUserNs, host);
            // The program's own execve: the runtime's helper adds to it, checked exactly by the
            // init before it execs; this catches the bulk before anything is made.
            List<String> env = p.effectiveEnv();
            SemanticChecks.checkExecSpace(DOC, "$.process", p.argsOrEmpty(), env, p.argsOrEmpty().getFirst(),
                    p.argsOrEmpty(), env, stackSoft(p, host.stackSoft()));
            checkAttributes(p, DOC, "$.process", host);
        }
        LinuxSpec linux = spec.linux();
        if (linux != null) {
            personalityArg(linux.personality(), warn);
            if (linux.mountLabel() != null && !linux.mountLabel().isEmpty() && host.selinux()) {
                throw new ConfigException(DOC, "$.linux.mountLabel", "SELinux mount labels are not supported by jrunc");
            }
            // With SELinux disabled a mount label has no meaning and is ignored, as runc does.
        }
    }

    /**
     * The attributes the last stage applies (scheduler, I/O priority, execCPUAffinity, LSM
     * labels) of a process at {@code at} in {@code doc}: for config.json's process in `create`,
     * for the process of `exec`. An LSM label this host cannot apply is refused here, before
     * anything is made, rather than by the last stage.
     */
    public static void checkAttributes(ProcessSpec p, String doc, String at, Host host) {
        if (p.apparmorProfile() != null && !p.apparmorProfile().isEmpty() && !host.appArmor()) {
            // runc writes the profile to attr/apparmor/exec unconditionally and fails when
            // AppArmor is absent; so does jrunc, but before anything is created.
            throw new ConfigException(doc, at + ".apparmorProfile", "cannot apply AppArmor profile \""
                    + p.apparmorProfile() + "\": AppArmor is not enabled on this host");
        }
        if (p.selinuxLabel() != null && !p.selinuxLabel().isEmpty() && !host.selinux()) {
            throw new ConfigException(doc, at + ".selinuxLabel",
                    "an SELinux label is given, but SELinux is disabled or not supported on this host");
        }
        schedulerArg(p.scheduler(), doc, at + ".scheduler");
        ioPriorityArg(p.ioPriority(), doc, at + ".ioPriority");
        if (p.execCPUAffinity() != null) {
            cpuList(p.execCPUAffinity().initial(), doc, at + ".execCPUAffinity.initial");
            cpuList(p.execCPUAffinity().finalCpus(), doc, at + ".execCPUAffinity.final");
        }
    }

    /**
     * A hard limit the init could not set is refused now: above the runtime's own hard limit
     * without CAP_SYS_RESOURCE in the initial user namespace, and RLIMIT_NOFILE above fs.nr_open.
     */
    static void checkRlimits(ProcessSpec p, boolean newUserNs, Host host) {
        if (p.rlimits() == null) return;
        for (int i = 0; i < p.rlimits().size(); i++) {
            ProcessSpec.Rlimit r = p.rlimits().get(i);
            Integer n = Rlimits.NUMBERS.get(r.type());
            if (n == null) continue; // SemanticChecks names it
            long own = host.hardLimits()[n];
            String at = "$.process.rlimits[" + i + "].hard";
            if (Long.compareUnsigned(r.hard(), own) > 0 && (newUserNs || !host.capSysResource())) {
                throw new ConfigException(DOC, at, r.type() + " hard limit " + Long.toUnsignedString(r.hard())
                        + " is above the runtime's own hard limit " + unsigned(own) + " and "
                        + (newUserNs ? "a process in a new user namespace" : "the runtime, without CAP_SYS_RESOURCE,")
                        + " cannot raise it");
            }
            if (n == 7 && Long.compareUnsigned(r.hard(), host.nrOpen()) > 0) {
                throw new ConfigException(DOC, at, "RLIMIT_NOFILE hard limit " + Long.toUnsignedString(r.hard())
                        + " is above the kernel's fs.nr_open " + host.nrOpen());
            }
        }
    }

    /** "policy,flagsHex,nice,priority,runtime,deadline,period", validated as runc does. */
    static String schedulerArg(ProcessSpec.Scheduler s, String doc, String at) {
        if (s == null) return null;
        if (s.policy() == null || s.policy().isEmpty()) throw new ConfigException(doc, at + ".policy", "is required");
        Integer policy = POLICIES.get(s.policy());
        if (policy == null || policy == 4) {
            throw new ConfigException(doc, at + ".policy", "unknown scheduling policy \"" + s.policy() + "\"");
        }
        int nice = s.nice() == null ? 0 : s.nice();
        if (nice < -20 || nice > 19) throw new ConfigException(doc, at + ".nice", "must be in [-20, 19], got " + nice);
        int prio = s.priority() == null ? 0 : s.priority();
        boolean rt = s.policy().equals("SCHED_FIFO") || s.policy().equals("SCHED_RR");
        if (prio != 0 && !rt) {
            throw new ConfigException(doc, at + ".priority", "can only be given for SCHED_FIFO or SCHED_RR");
        }
        if (rt && (prio < 1 || prio > 99)) {
            throw new ConfigException(doc, at + ".priority", "must be in [1, 99] for " + s.policy() + ", got " + prio);
        }
        long runtime = s.runtime() == null ? 0 : s.runtime();
        long deadline = s.deadline() == null ? 0 : s.deadline();
        long period = s.period() == null ? 0 : s.period();
        if (!s.policy().equals("SCHED_DEADLINE") && (runtime != 0 || deadline != 0 || period != 0)) {
            throw new ConfigException(doc, at, "runtime, deadline and period can only be given for SCHED_DEADLINE");
        }
        long flags = 0;
        List<String> names = s.flags() == null ? List.of() : s.flags();
        for (int i = 0; i < names.size(); i++) {
            Long f = SCHED_FLAGS.get(names.get(i));
            if (f == null) throw new ConfigException(doc, at + ".flags[" + i + "]", "unknown flag \"" + names.get(i) + "\"");
            flags |= f;
        }
        return policy + "," + Long.toHexString(flags) + "," + nice + "," + prio + ","
                + Long.toUnsignedString(runtime) + "," + Long.toUnsignedString(deadline) + "," + Long.toUnsignedString(period);
    }

    /** The ioprio_set(2) value: class << 13 | priority. */
    static Integer ioPriorityArg(ProcessSpec.IoPriority io, String doc, String at) {
        if (io == null) return null;
        Integer cls = IO_CLASSES.get(io.ioClass());
        if (cls == null) {
            throw new ConfigException(doc, at + ".class", "unknown I/O class \"" + io.ioClass() + "\"");
        }
        if (io.priority() < 0 || io.priority() > 7) {
            throw new ConfigException(doc, at + ".priority", "must be in [0, 7], got " + io.priority());
        }
        return (cls << 13) | io.priority();
    }

    static Integer personalityArg(LinuxSpec.Personality p, Consumer<String> warn) {
        if (p == null) return null;
        Integer d = PERSONALITIES.get(p.domain());
        if (d == null) {
            throw new ConfigException(DOC, "$.linux.personality.domain", "unknown domain \"" + p.domain()
                    + "\" (LINUX or LINUX32)");
        }
        if (p.flags() != null && !p.flags().isEmpty()) {
            // runtime-spec defines no flag values yet; runc warns and ignores them.
            warn.accept("linux.personality.flags " + p.flags() + " are not supported; ignoring them");
        }
        return d;
    }

    /** Validates a CPU list ("0-3,7") and returns it canonical (no spaces), or null when absent. */
    static String cpuList(String list, String doc, String at) {
        if (list == null || list.isBlank()) return null;
        String s = list.replace(" ", "");
        for (String part : s.split(",", -1)) {
            String[] r = part.split("-", -1);
            try {
                if (r.length > 2 || r[0].isEmpty()) throw new NumberFormatException();
                int lo = Integer.parseInt(r[0]);
                int hi = r.length == 2 ? Integer.parseInt(r[1]) : lo;
                if (lo < 0 || hi < lo || hi >= 8192) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                throw new ConfigException(doc, at, "invalid CPU list \"" + list + "\"");
            }
        }
        return s;
    }

    private static String unsigned(long v) {
        return v == -1 ? "unlimited" : Long.toUnsignedString(v);
    }

    /** The soft RLIMIT_STACK the process will run with: the config's, else {@code inherited}. */
    public static long stackSoft(ProcessSpec p, long inherited) {
        if (p.rlimits() != null) {
            for (ProcessSpec.Rlimit r : p.rlimits()) {
                if ("RLIMIT_STACK".equals(r.type())) return r.soft();
            }
        }
        return inherited;
    }

    /** This process's soft RLIMIT_STACK from /proc/self/limits; -1 is unlimited. */
    /** The soft RLIMIT_STACK process will run under (it sizes execve's argument space): its own, or ours. */
    public static long stackSoftFor(ProcessSpec process) {
        if (process.rlimits() != null) {
            for (ProcessSpec.Rlimit r : process.rlimits()) {
                if ("RLIMIT_STACK".equals(r.type())) return r.soft();
            }
        }
        return ownStackSoft();
    }

    public static long ownStackSoft() {
        String[] lines = readTrim("/proc/self/limits").split("\n");
        // line 0 is the header; RLIMIT_STACK (3) is line 4
        if (lines.length < 5 || lines[4].length() < 47) return 8L << 20;
        String[] cols = lines[4].substring(26).trim().split("\\s+");
        return cols[0].equals("unlimited") ? -1 : Long.parseUnsignedLong(cols[0]);
    }

    /** The hard limits of /proc/self/limits, by resource number; -1 is unlimited. */
    static long[] ownHardLimits() {
        long[] out = new long[16];
        java.util.Arrays.fill(out, -1);
        String[] lines = readTrim("/proc/self/limits").split("\n");
        for (int i = 1; i < lines.length && i <= 16; i++) {
            out[i - 1] = parseLimitsLine(lines[i]);
        }
        return out;
    }

    /** The hard column of one /proc/self/limits line ("%-25s %-20s %-20s %-10s"). */
    static long parseLimitsLine(String line) {
        if (line.length() < 47) return -1;
        String rest = line.substring(26).trim();
        String[] cols = rest.split("\\s+");
        if (cols.length < 2) return -1;
        return cols[1].equals("unlimited") ? -1 : Long.parseUnsignedLong(cols[1]);
    }

    private static String readTrim(String path) {
        try {
            return KernelFiles.read(Path.of(path)).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
