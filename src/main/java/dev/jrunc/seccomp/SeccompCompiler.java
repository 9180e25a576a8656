package dev.jrunc.seccomp;

import dev.jrunc.seccomp.Bpf.Asm;
import dev.jrunc.seccomp.Bpf.Label;
import dev.jrunc.spec.Seccomp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compiles linux.seccomp of config.json into a classic BPF seccomp filter, without libseccomp.
 *
 * <h2>Semantics (libseccomp's, as runc drives it, unless said otherwise)</h2>
 *
 * <ul>
 *   <li><b>Architectures.</b> The filter always covers the native architecture (x86_64: compile
 *       refuses to run on any other host), plus every listed one; an absent or empty list, or
 *       SCMP_ARCH_NATIVE, means the native one alone. This is what a libseccomp filter does: seccomp_init() adds the native architecture
 *       and runc only adds the listed ones to it. SCMP_ARCH_X86_64, SCMP_ARCH_X86 and SCMP_ARCH_X32
 *       are compiled; every other libseccomp architecture (SCMP_ARCH_AARCH64, SCMP_ARCH_S390X...)
 *       is skipped, since an x86_64 kernel never runs its syscalls (libseccomp's section for it
 *       would never match), so profiles written for every host load here. Only a name libseccomp
 *       does not know is an error.
 *   <li><b>A syscall from an architecture the filter does not cover</b> gets libseccomp's
 *       "bad architecture" action, which defaults to SCMP_ACT_KILL (= KILL_THREAD) and which runc
 *       does not change: seccomp_attr_set(3), SCMP_FLTATR_ACT_BADARCH, "Defaults to the
 *       SCMP_ACT_KILL action". It does <em>not</em> get the profile's default action.
 *   <li><b>x32 on x86_64.</b> x32 syscalls arrive with seccomp_data.arch = AUDIT_ARCH_X86_64 and
 *       the x32 bit (0x40000000) set in nr. Numbers with that bit never reach the x86_64 rules:
 *       they go to the x32 rules when SCMP_ARCH_X32 is listed, else get the bad-architecture
 *       action. The one exception is nr = -1 (what a tracer sets to skip a syscall), which gets
 *       the default action.
 *   <li><b>Arguments.</b> x86_64 compares all 64 bits of an argument, the high word first, both
 *       unsigned. Like libseccomp, x86 and x32 count as 32-bit architectures: only the low 32 bits
 *       of the argument and of the rule's value are compared. SCMP_CMP_MASKED_EQ matches when
 *       (arg &amp; value) == valueTwo.
 *   <li><b>Conditions of one rule</b> are ANDed, except that when two conditions of a rule use the
 *       same argument index every condition of that rule becomes a rule of its own (so they are
 *       ORed). That is runc's long-standing behaviour ("revert to old behavior"), kept so profiles
 *       written for runc mean the same thing here.
 *   <li><b>Several rules for one syscall.</b> If any of them has no conditions, the first such
 *       rule decides the action for every call and the conditional rules are dropped (libseccomp's
 *       database replaces a syscall's conditional rules by a later catch-all rule and ignores any
 *       rule added after a catch-all). Otherwise the conditional rules are tried in config order
 *       and the first one whose conditions all hold decides; when none holds, the default action.
 *       (libseccomp orders overlapping conditional rules by its own tree layout; config order is
 *       the deterministic choice made here.)
 *   <li><b>Rules whose action equals the default action</b> (errno included) are dropped, as runc
 *       does; their syscall names are still checked.
 *   <li><b>Unknown syscall names</b> (in none of the covered architectures' tables) are skipped
 *       and returned in {@link SeccompProgram#unknownSyscalls()} for the caller to log at debug
 *       level, as runc does. A name known on some covered architectures only is used there.
 *   <li><b>Errno values.</b> SCMP_ACT_ERRNO uses errnoRet (defaultErrnoRet for the default
 *       action), EPERM when absent; SCMP_ACT_TRACE uses it as the tracer's data, EPERM when
 *       absent, like runc. errnoRet is ignored for the other actions.
 *   <li><b>Syscalls newer than the profile</b> return ENOSYS instead of the default action when
 *       that action does not allow (is not SCMP_ACT_ALLOW or SCMP_ACT_LOG), as runc does: per
 *       architecture, every number above the highest one the profile names (in any rule, known to
 *       that architecture's table) gets ERRNO(ENOSYS), so a C library probing a syscall the profile
 *       predates falls back to an older one instead of failing with EPERM. For the same reason
 *       clone3, when the profile does not name it, returns ENOSYS (glibc then uses clone).
 *   <li><b>Flags.</b> SECCOMP_FILTER_FLAG_LOG, _SPEC_ALLOW and _WAIT_KILLABLE_RECV map to their
 *       bits. SECCOMP_FILTER_FLAG_TSYNC is accepted and ignored, as runc does (the filter is
 *       installed by the thread that then execs). When a rule uses SCMP_ACT_NOTIFY,
 *       SECCOMP_FILTER_FLAG_NEW_LISTENER is added.
 * </ul>
 *
 * <h2>Program shape</h2>
 *
 * <pre>
 *   ld arch; jeq AUDIT_ARCH_X86_64 else next-arch
 *     ld nr; jge 0x40000000 → x32 section (or: nr == -1 ? x86_64 section : bad arch)
 *     x86_64 section
 *     x32 section
 *   next-arch: jeq AUDIT_ARCH_I386 else bad-arch
 *     ld nr; x86 section
 *   bad-arch: ret KILL_THREAD
 * </pre>
 *
 * A section splits the syscall numbers into runs that share one outcome (default action, an
 * unconditional action, or a list of conditional rules) and finds the run of nr by a binary search
 * of jge jumps, so a syscall costs about log2(runs) comparisons instead of one per listed name.
 */
public final class SeccompCompiler {

    public static final int FLAG_TSYNC = 1;
    public static final int FLAG_LOG = 1 << 1;
    public static final int FLAG_SPEC_ALLOW = 1 << 2;
    public static final int FLAG_NEW_LISTENER = 1 << 3;
    public static final int FLAG_WAIT_KILLABLE_RECV = 1 << 5;

    /** libseccomp's default SCMP_FLTATR_ACT_BADARCH, which runc keeps. */
    static final int BAD_ARCH_RET = Bpf.RET_KILL_THREAD;

    private static final int EPERM = 1;
    private static final int ENOSYS = 38;
    private static final int NR_NONE = 0xffffffff;

    private static final Set<String> OTHER_LIBSECCOMP_ARCHES = Set.of(
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
            "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
            "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
            "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH",
            "SCMP_ARCH_SHEB");

    enum Op {
        NE, LT, LE, EQ, GE, GT, MASKED_EQ
    }

    // The records below are hash keys. Their equals and hashCode are written out because the
    // generated ones are bootstrapped through invokedynamic, which costs milliseconds on the
    // cold JVM that compiles a filter once and exits.

    record Cond(int index, Op op, long value, long valueTwo) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Cond c && c.index == index && c.op == op && c.value == value
                    && c.valueTwo == valueTwo;
        }

        @Override
        public int hashCode() {
            return ((index * 31 + op.ordinal()) * 31 + Long.hashCode(value)) * 31 + Long.hashCode(valueTwo);
        }
    }

    record Rule(List<Cond> conds, int action) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Rule r && r.action == action && r.conds.equals(conds);
        }

        @Override
        public int hashCode() {
            return conds.hashCode() * 31 + action;
        }
    }

    /** What a syscall number leads to inside one architecture's section. */
    private sealed interface Outcome permits Ret, Rules {}

    private record Ret(int action) implements Outcome {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ret r && r.action == action;
        }

        @Override
        public int hashCode() {
            return action;
        }
    }

    private record Rules(List<Rule> rules) implements Outcome {
        @Override
        public boolean equals(Object o) {
            return o instanceof Rules r && r.rules.equals(rules);
        }

        @Override
        public int hashCode() {
            return rules.hashCode() * 17 + 1;
        }
    }

    /** Rules collected for one syscall on one architecture. */
    private static final class Entry {
        Integer unconditional;
        final List<Rule> conditional = new ArrayList<>();

        void add(Rule r) {
            if (unconditional != null) {
                return; // a catch-all rule came first: it decides
            }
            if (r.conds().isEmpty()) {
                unconditional = r.action();
                conditional.clear();
            } else {
                conditional.add(r);
            }
        }

        Outcome outcome() {
            return unconditional != null ? new Ret(unconditional) : new Rules(List.copyOf(conditional));
        }
    }

    public SeccompCompiler() {}

    /** Compiles spec (linux.seccomp); throws {@link SeccompException} naming the bad field. */
    public SeccompProgram compile(Seccomp spec) {
        if (spec == null) {
            throw new SeccompException("linux.seccomp: absent");
        }
        int defaultRet = action(spec.defaultAction(), spec.defaultErrnoRet(), -1);
        if (spec.defaultAction().equals("SCMP_ACT_NOTIFY")) {
            throw new SeccompException(
                    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
        }
        String hostArch = System.getProperty("os.arch");
        if (!"amd64".equals(hostArch) && !"x86_64".equals(hostArch)) {
            throw new SeccompException("linux.seccomp: jrunc compiles seccomp filters for x86_64 hosts only,"
                    + " this host is " + hostArch);
        }
        Set<SeccompArch> arches = arches(spec.architectures());
        int flags = 0;
        boolean waitKillable = false;
        List<String> flagList = spec.flags() == null ? List.of() : spec.flags();
        for (int i = 0; i < flagList.size(); i++) {
            String f = flagList.get(i);
            switch (f == null ? "" : f) {
                case "SECCOMP_FILTER_FLAG_TSYNC" -> {}
                case "SECCOMP_FILTER_FLAG_LOG" -> flags |= FLAG_LOG;
                case "SECCOMP_FILTER_FLAG_SPEC_ALLOW" -> flags |= FLAG_SPEC_ALLOW;
                case "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" -> {
                    flags |= FLAG_WAIT_KILLABLE_RECV;
                    waitKillable = true;
                }
                default -> throw new SeccompException(
                        "linux.seccomp.flags[" + i + "]: unknown flag " + f);
            }
        }

        Map<SeccompArch, TreeMap<Long, Entry>> perArch = new LinkedHashMap<>();
        for (SeccompArch a : arches) {
            perArch.put(a, new TreeMap<>());
        }
        Set<String> unknown = new LinkedHashSet<>();
        Map<SeccompArch, Long> highestNamed = new EnumMap<>(SeccompArch.class);
        boolean clone3Named = false;
        boolean notify = false;
        List<Seccomp.Syscall> syscalls = spec.syscalls() == null ? List.of() : spec.syscalls();
        for (int i = 0; i < syscalls.size(); i++) {
            Seccomp.Syscall sc = syscalls.get(i);
            if (sc == null) {
                throw new SeccompException(rulePath(i) + ": null");
            }
            if (sc.names() == null || sc.names().isEmpty()) {
                throw new SeccompException(rulePath(i) + ".names: at least one syscall name is required");
            }
            int act = action(sc.action(), sc.errnoRet(), i);
            List<Cond> conds = conds(sc.args(), i);
            List<Rule> rules = expand(conds, act);
            boolean redundant = act == defaultRet;
            if (!redundant && "SCMP_ACT_NOTIFY".equals(sc.action())) {
                notify = true;
            }
            for (int n = 0; n < sc.names().size(); n++) {
                String name = sc.names().get(n);
                if (name == null || name.isEmpty()) {
                    throw new SeccompException(rulePath(i) + ".names[" + n + "]: empty syscall name");
                }
                boolean known = false;
                for (var e : perArch.entrySet()) {
                    Integer nr = e.getKey().table().get(name);
                    if (nr == null) {
                        continue;
                    }
                    known = true;
                    highestNamed.merge(e.getKey(), nr & 0xffffffffL, Math::max);
                    if (!redundant) {
                        Long key = nr & 0xffffffffL;
                        Entry entry = e.getValue().get(key);
                        if (entry == null) {
                            entry = new Entry();
                            e.getValue().put(key, entry);
                        }
                        for (Rule r : rules) {
                            entry.add(r);
                        }
                    }
                }
                if (!known) {
                    unknown.add(name);
                }
                clone3Named |= name.equals("clone3");
            }
        }
        if (notify) {
            flags |= FLAG_NEW_LISTENER;
            if (spec.listenerPath() == null || spec.listenerPath().isEmpty()) {
                throw new SeccompException("linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
            }
        }
        if (waitKillable && !notify) {
            throw new SeccompException("linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
                    + " needs a rule with SCMP_ACT_NOTIFY (the kernel refuses it without a listener)");
        }

        boolean defaultAllows = spec.defaultAction().equals("SCMP_ACT_ALLOW")
                || spec.defaultAction().equals("SCMP_ACT_LOG");
        Enosys enosys = defaultAllows ? Enosys.NONE : new Enosys(highestNamed, !clone3Named);
        byte[] code = generate(perArch, defaultRet, enosys);
        return new SeccompProgram(code, flags, notify, List.copyOf(unknown));
    }

    // ---- parsing -------------------------------------------------------------------------

    private static Set<SeccompArch> arches(List<String> names) {
        Set<SeccompArch> out = EnumSet.of(SeccompArch.X86_64); // native, always present
        if (names == null) {
            return out;
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null) {
                throw new SeccompException("linux.seccomp.architectures[" + i + "]: null");
            }
            var a = SeccompArch.byScmpName(n);
            if (n.equals("SCMP_ARCH_NATIVE")) {
                continue; // libseccomp's name for the native architecture, already there
            }
            if (a.isPresent()) {
                out.add(a.get());
            } else if (OTHER_LIBSECCOMP_ARCHES.contains(n)) {
                // Engines ship one profile for every host (Docker's and podman's list aarch64, arm,
                // s390x...): an architecture this host cannot run needs no rules, as with libseccomp,
                // which adds to a filter only the architectures the kernel can run.
                continue;
            } else {
                throw new SeccompException("linux.seccomp.architectures[" + i + "]: unknown architecture " + n);
            }
        }
        return out;
    }

    // JSON paths are built only when an error is thrown.

    private static String rulePath(int rule) {
        return "linux.seccomp.syscalls[" + rule + "]";
    }

    /**
     * The SECCOMP_RET_* value for an action name; rule is the index in syscalls, or -1 for the
     * default action (errors then name defaultAction / defaultErrnoRet).
     */
    static int action(String name, Integer errnoRet, int rule) {
        if (name == null) {
            throw new SeccompException(actionPath(rule) + ": required");
        }
        return switch (name) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> Bpf.RET_KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> Bpf.RET_KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> Bpf.RET_TRAP;
            case "SCMP_ACT_ERRNO" -> Bpf.RET_ERRNO | errno(errnoRet, rule);
            case "SCMP_ACT_TRACE" -> Bpf.RET_TRACE | errno(errnoRet, rule);
            case "SCMP_ACT_ALLOW" -> Bpf.RET_ALLOW;
            case "SCMP_ACT_LOG" -> Bpf.RET_LOG;
            case "SCMP_ACT_NOTIFY" -> Bpf.RET_USER_NOTIF;
            default -> throw new SeccompException(actionPath(rule) + ": unknown action " + name);
        };
    }

    private static String actionPath(int rule) {
        return rule < 0 ? "linux.seccomp.defaultAction" : rulePath(rule) + ".action";
    }

    private static int errno(Integer errnoRet, int rule) {
        if (errnoRet == null) {
            return EPERM;
        }
        if (errnoRet < 0 || errnoRet > Bpf.RET_DATA) {
            String path = rule < 0 ? "linux.seccomp.defaultErrnoRet" : rulePath(rule) + ".errnoRet";
            throw new SeccompException(path + ": " + errnoRet + " is outside 0.." + Bpf.RET_DATA);
        }
        return errnoRet;
    }

    private static List<Cond> conds(List<Seccomp.Arg> args, int rule) {
        if (args == null) {
            return List.of();
        }
        List<Cond> out = new ArrayList<>(args.size());
        for (int j = 0; j < args.size(); j++) {
            Seccomp.Arg a = args.get(j);
            if (a == null) {
                throw new SeccompException(argPath(rule, j) + ": null");
            }
            if (a.index() < 0 || a.index() > 5) {
                throw new SeccompException(argPath(rule, j) + ".index: " + a.index() + " is outside 0..5");
            }
            Op op = switch (a.op() == null ? "" : a.op()) {
                case "SCMP_CMP_NE" -> Op.NE;
                case "SCMP_CMP_LT" -> Op.LT;
                case "SCMP_CMP_LE" -> Op.LE;
                case "SCMP_CMP_EQ" -> Op.EQ;
                case "SCMP_CMP_GE" -> Op.GE;
                case "SCMP_CMP_GT" -> Op.GT;
                case "SCMP_CMP_MASKED_EQ" -> Op.MASKED_EQ;
                default -> throw new SeccompException(argPath(rule, j) + ".op: "
                        + (a.op() == null ? "required" : "unknown operator " + a.op()));
            };
            out.add(new Cond(a.index(), op, a.value(), a.valueTwo()));
        }
        return out;
    }

    private static String argPath(int rule, int arg) {
        return rulePath(rule) + ".args[" + arg + "]";
    }

    /** One rule, or (runc's rule for a repeated argument index) one rule per condition. */
    private static List<Rule> expand(List<Cond> conds, int action) {
        boolean[] seen = new boolean[6];
        boolean repeated = false;
        for (Cond c : conds) {
            repeated |= seen[c.index()];
            seen[c.index()] = true;
        }
        if (!repeated) {
            return List.of(new Rule(conds, action));
        }
        List<Rule> out = new ArrayList<>(conds.size());
        for (Cond c : conds) {
            out.add(new Rule(List.of(c), action));
        }
        return out;
    }

    // ---- code generation -----------------------------------------------------------------

    /**
     * Where ENOSYS replaces the default action: above each architecture's highest named syscall,
     * and for clone3 when the profile does not name it.
     */
    private record Enosys(Map<SeccompArch, Long> highestNamed, boolean clone3) {
        static final Enosys NONE = new Enosys(Map.of(), false);
        static final int RET = Bpf.RET_ERRNO | ENOSYS;
    }

    private static byte[] generate(Map<SeccompArch, TreeMap<Long, Entry>> perArch, int defaultRet, Enosys enosys) {
        Asm a = new Asm();
        Label badArch = new Label();
        boolean x86_64 = perArch.containsKey(SeccompArch.X86_64);
        boolean x32 = perArch.containsKey(SeccompArch.X32);
        boolean x86 = perArch.containsKey(SeccompArch.X86);

        a.ld(Bpf.OFF_ARCH);
        if (x86_64 || x32) {
            Label next = x86 ? new Label() : badArch;
            Label in = new Label();
            a.jump(Bpf.JEQ_K, Bpf.AUDIT_ARCH_X86_64, in, next);
            a.place(in);
            a.ld(Bpf.OFF_NR);
            Label native64 = new Label();
            Label x32Section = new Label();
            if (x86_64 && x32) {
                a.jump(Bpf.JGE_K, SeccompArch.X32_SYSCALL_BIT, x32Section, native64);
            } else if (x86_64) {
                Label hasBit = new Label();
                a.jump(Bpf.JGE_K, SeccompArch.X32_SYSCALL_BIT, hasBit, native64);
                a.place(hasBit);
                a.jump(Bpf.JEQ_K, NR_NONE, native64, badArch);
            } else {
                a.jump(Bpf.JGE_K, SeccompArch.X32_SYSCALL_BIT, x32Section, badArch);
            }
            if (x86_64) {
                a.place(native64);
                section(a, SeccompArch.X86_64, perArch.get(SeccompArch.X86_64), 0, defaultRet, enosys);
            }
            if (x32) {
                a.place(x32Section);
                section(a, SeccompArch.X32, perArch.get(SeccompArch.X32), SeccompArch.X32_SYSCALL_BIT, defaultRet, enosys);
            }
            if (x86) {
                a.place(next);
            }
        }
        if (x86) {
            Label in = new Label();
            a.jump(Bpf.JEQ_K, Bpf.AUDIT_ARCH_I386, in, badArch);
            a.place(in);
            a.ld(Bpf.OFF_NR);
            section(a, SeccompArch.X86, perArch.get(SeccompArch.X86), 0, defaultRet, enosys);
        }
        a.place(badArch);
        a.ret(BAD_ARCH_RET);
        return a.assemble();
    }

    /** One architecture's rules; A holds nr on entry; every path ends in a ret. */
    private static void section(Asm a, SeccompArch arch, TreeMap<Long, Entry> entries, long lower, int defaultRet,
            Enosys enosys) {
        Outcome dflt = new Ret(defaultRet);
        Long highest = enosys.highestNamed().get(arch);
        if (highest != null && enosys.clone3()) {
            Integer clone3 = arch.table().get("clone3");
            if (clone3 != null && (clone3 & 0xffffffffL) < highest) {
                entries = new TreeMap<>(entries);
                Entry e = new Entry();
                e.add(new Rule(List.of(), Enosys.RET));
                entries.put(clone3 & 0xffffffffL, e);
            }
        }
        // runs of syscall numbers with one outcome: starts[i] .. starts[i+1]-1 → outcomes[i]
        List<Long> starts = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        long cur = lower;
        for (var e : entries.entrySet()) {
            long nr = e.getKey();
            if (nr > cur) {
                addRun(starts, outcomes, cur, dflt);
            }
            addRun(starts, outcomes, nr, e.getValue().outcome());
            cur = nr + 1;
        }
        // The numbers this section can see end below the x32 bit on x86_64 (but for nr = -1) and
        // at -1 elsewhere; -1 keeps the default action.
        long last = arch == SeccompArch.X86_64 ? SeccompArch.X32_SYSCALL_BIT - 1L : 0xfffffffeL;
        if (highest != null && highest < last) {
            if (cur <= highest) {
                addRun(starts, outcomes, cur, dflt);
            }
            addRun(starts, outcomes, highest + 1, new Ret(Enosys.RET));
            addRun(starts, outcomes, last + 1, dflt);
        } else if (cur <= 0xffffffffL) {
            addRun(starts, outcomes, cur, dflt);
        }

        // return actions first, then the conditional bodies
        Map<Outcome, Label> labels = new LinkedHashMap<>();
        labels.put(dflt, new Label());
        for (Outcome o : outcomes) {
            if (o instanceof Ret && !labels.containsKey(o)) {
                labels.put(o, new Label());
            }
        }
        for (Outcome o : outcomes) {
            if (!labels.containsKey(o)) {
                labels.put(o, new Label());
            }
        }
        if (outcomes.size() == 1) {
            a.ja(labels.get(outcomes.getFirst()));
        } else {
            search(a, starts, outcomes, labels, 0, outcomes.size() - 1);
        }
        for (var e : labels.entrySet()) {
            a.place(e.getValue());
            if (e.getKey() instanceof Ret r) {
                a.ret(r.action());
            } else {
                rules(a, arch, ((Rules) e.getKey()).rules(), defaultRet);
            }
        }
    }

    private static void addRun(List<Long> starts, List<Outcome> outcomes, long start, Outcome o) {
        if (!outcomes.isEmpty() && outcomes.getLast().equals(o)) {
            return;
        }
        starts.add(start);
        outcomes.add(o);
    }

    /** Binary search over runs lo..hi (lo &lt; hi) with unsigned jge. */
    private static void search(Asm a, List<Long> starts, List<Outcome> outcomes, Map<Outcome, Label> labels,
            int lo, int hi) {
        int mid = (lo + hi + 1) >>> 1;
        Label left = lo == mid - 1 ? labels.get(outcomes.get(lo)) : new Label();
        Label right = mid == hi ? labels.get(outcomes.get(hi)) : new Label();
        a.jump(Bpf.JGE_K, (int) (long) starts.get(mid), right, left);
        if (lo < mid - 1) {
            a.place(left);
            search(a, starts, outcomes, labels, lo, mid - 1);
        }
        if (mid < hi) {
            a.place(right);
            search(a, starts, outcomes, labels, mid, hi);
        }
    }

    /** Conditional rules of one syscall: first rule whose conditions all hold wins. */
    private static void rules(Asm a, SeccompArch arch, List<Rule> rules, int defaultRet) {
        for (Rule r : rules) {
            Label next = new Label();
            for (Cond c : r.conds()) {
                Label pass = new Label();
                cond(a, arch.args64(), c, pass, next);
                a.place(pass);
            }
            a.ret(r.action());
            a.place(next);
        }
        a.ret(defaultRet);
    }

    /** Jumps to pass when c holds, to fail when not. */
    static void cond(Asm a, boolean args64, Cond c, Label pass, Label fail) {
        int vhi = (int) (c.value() >>> 32);
        int vlo = (int) c.value();
        int hiOff = Bpf.offArgHigh(c.index());
        int loOff = Bpf.offArgLow(c.index());
        if (!args64) {
            a.ld(loOff);
            lowWord(a, c, vlo, pass, fail);
            return;
        }
        Label low = new Label();
        switch (c.op()) {
            case EQ -> {
                a.ld(hiOff);
                a.jump(Bpf.JEQ_K, vhi, low, fail);
            }
            case NE -> {
                a.ld(hiOff);
                a.jump(Bpf.JEQ_K, vhi, low, pass);
            }
            case GT, GE -> {
                Label same = new Label();
                a.ld(hiOff);
                a.jump(Bpf.JGT_K, vhi, pass, same);
                a.place(same);
                a.jump(Bpf.JEQ_K, vhi, low, fail);
            }
            case LT, LE -> {
                Label notBelow = new Label();
                a.ld(hiOff);
                a.jump(Bpf.JGE_K, vhi, notBelow, pass);
                a.place(notBelow);
                a.jump(Bpf.JEQ_K, vhi, low, fail);
            }
            case MASKED_EQ -> {
                int mhi = vhi;
                int dhi = (int) (c.valueTwo() >>> 32);
                if (mhi == 0) {
                    if ((dhi) != 0) {
                        a.ja(fail); // (arg & 0) can never equal a non-zero high word
                    }
                } else {
                    a.ld(hiOff);
                    a.and(mhi);
                    a.jump(Bpf.JEQ_K, dhi, low, fail);
                }
            }
        }
        a.place(low);
        a.ld(loOff);
        lowWord(a, c, vlo, pass, fail);
    }

    /** The low-word comparison; A holds the argument's low word. */
    private static void lowWord(Asm a, Cond c, int vlo, Label pass, Label fail) {
        switch (c.op()) {
            case EQ -> a.jump(Bpf.JEQ_K, vlo, pass, fail);
            case NE -> a.jump(Bpf.JEQ_K, vlo, fail, pass);
            case GT -> a.jump(Bpf.JGT_K, vlo, pass, fail);
            case GE -> a.jump(Bpf.JGE_K, vlo, pass, fail);
            case LT -> a.jump(Bpf.JGE_K, vlo, fail, pass);
            case LE -> a.jump(Bpf.JGT_K, vlo, fail, pass);
            case MASKED_EQ -> {
                a.and(vlo);
                a.jump(Bpf.JEQ_K, (int) c.valueTwo(), pass, fail);
            }
        }
    }
}
