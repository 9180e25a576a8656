package dev.jrunc.seccomp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.seccomp.BpfInterpreter.Data;
import dev.jrunc.spec.Seccomp;
import dev.jrunc.spec.Seccomp.Arg;
import dev.jrunc.spec.Seccomp.Syscall;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeccompCompilerTest {
    static final int AUDIT_X86_64 = 0xC000003E;
    static final int AUDIT_I386 = 0x40000003;
    static final int AUDIT_AARCH64 = 0xC00000B7;
    static final int X32 = 0x40000000;

    static final int KILL_THREAD = 0;
    static final int KILL_PROCESS = 0x80000000;
    static final int TRAP = 0x00030000;
    static final int ERRNO = 0x00050000;
    static final int NOTIFY = 0x7fc00000;
    static final int TRACE = 0x7ff00000;
    static final int LOG = 0x7ffc0000;
    static final int ALLOW = 0x7fff0000;

    // x86_64 numbers
    static final int READ = 0;
    static final int WRITE = 1;
    static final int GETPID = 39;
    static final int SOCKET = 41;
    static final int EXECVE = 59;
    // i386 numbers
    static final int I386_READ = 3;
    static final int I386_GETPID = 20;
    static final int I386_LLSEEK = 140;

    final SeccompCompiler compiler = new SeccompCompiler();

    static Seccomp profile(String dflt, List<String> arches, Syscall... rules) {
        return new Seccomp(dflt, null, arches, null, null, null, List.of(rules));
    }

    static Syscall rule(String action, Integer errno, List<String> names, Arg... args) {
        return new Syscall(names, action, errno, args.length == 0 ? null : List.of(args));
    }

    static Syscall rule(String action, String name, Arg... args) {
        return rule(action, null, List.of(name), args);
    }

    static Arg arg(int index, String op, long value) {
        return new Arg(index, value, 0, "SCMP_CMP_" + op);
    }

    static int run(SeccompProgram p, int arch, int nr, long... args) {
        return BpfInterpreter.run(p.filter(), new Data(nr, arch, 0x1234L, args));
    }

    static int run64(SeccompProgram p, int nr, long... args) {
        return run(p, AUDIT_X86_64, nr, args);
    }

    // ---- exact programs ----------------------------------------------------------------------

    @Test
    void allowByDefaultWithOneErrnoRule() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", 1, List.of("getpid"))));
        assertEquals(List.of(
                "ld [4]",
                "jeq #0xc000003e jt 0 jf 7", // not x86_64 → bad arch at 9
                "ld [0]",
                "jge #0x40000000 jt 0 jf 1", // x32 bit set?
                "jeq #0xffffffff jt 0 jf 4", // only nr -1 may pass, others → bad arch
                "jge #0x27 jt 0 jf 1", // nr >= 39 ? ... : default
                "jge #0x28 jt 0 jf 1", // nr >= 40 ? default : getpid
                "ret #0x7fff0000",
                "ret #0x50001",
                "ret #0x0"), BpfInterpreter.disassemble(p.filter()));
        assertEquals(0, p.flags());
        assertFalse(p.needsListener());
        assertEquals(List.of(), p.unknownSyscalls());
        // and the bytes themselves: little-endian code, jt, jf, k
        byte[] f = p.filter();
        assertEquals(80, f.length);
        assertArrayEquals(new byte[] {0x15, 0, 0, 7, 0x3e, 0, 0, (byte) 0xc0}, Arrays.copyOfRange(f, 8, 16));
    }

    @Test
    void oneConditionalRuleExactCode() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", "getpid", arg(1, "EQ", 0x100000002L))));
        List<String> code = BpfInterpreter.disassemble(p.filter());
        assertEquals(List.of(
                "ld [4]",
                "jeq #0xc000003e jt 0 jf 12",
                "ld [0]",
                "jge #0x40000000 jt 0 jf 1",
                "jeq #0xffffffff jt 0 jf 9",
                "jge #0x27 jt 0 jf 1",
                "jge #0x28 jt 0 jf 1",
                "ret #0x7fff0000", // default
                "ld [28]", // getpid: arg1 high word
                "jeq #0x1 jt 0 jf 3",
                "ld [24]", // arg1 low word
                "jeq #0x2 jt 0 jf 1",
                "ret #0x50001",
                "ret #0x7fff0000", // no rule matched
                "ret #0x0"), code);
    }

    static void assertArrayEquals(byte[] expected, byte[] actual) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
    }

    // ---- actions -------------------------------------------------------------------------------

    @Test
    void actions() {
        String[][] cases = {
            {"SCMP_ACT_KILL", "read"}, {"SCMP_ACT_KILL_THREAD", "write"}, {"SCMP_ACT_KILL_PROCESS", "getpid"},
            {"SCMP_ACT_TRAP", "socket"}, {"SCMP_ACT_LOG", "execve"},
        };
        List<Syscall> rules = new ArrayList<>();
        for (String[] c : cases) {
            rules.add(rule(c[0], c[1]));
        }
        rules.add(rule("SCMP_ACT_ERRNO", 13, List.of("open")));
        rules.add(rule("SCMP_ACT_ERRNO", null, List.of("close")));
        rules.add(rule("SCMP_ACT_TRACE", 42, List.of("stat")));
        rules.add(rule("SCMP_ACT_TRACE", null, List.of("fstat")));
        rules.add(rule("SCMP_ACT_ALLOW", null, List.of("lstat")));
        rules.add(rule("SCMP_ACT_NOTIFY", null, List.of("mkdir")));
        Seccomp s = new Seccomp("SCMP_ACT_ERRNO", 38, null, null, "/run/listener.sock", null, rules);
        SeccompProgram p = compiler.compile(s);
        assertEquals(KILL_THREAD, run64(p, READ));
        assertEquals(KILL_THREAD, run64(p, WRITE));
        assertEquals(KILL_PROCESS, run64(p, GETPID));
        assertEquals(TRAP, run64(p, SOCKET));
        assertEquals(LOG, run64(p, EXECVE));
        assertEquals(ERRNO | 13, run64(p, 2));
        assertEquals(ERRNO | 1, run64(p, 3));
        assertEquals(TRACE | 42, run64(p, 4));
        assertEquals(TRACE | 1, run64(p, 5));
        assertEquals(ALLOW, run64(p, 6));
        assertEquals(NOTIFY, run64(p, 83));
        assertEquals(ERRNO | 38, run64(p, 7)); // poll: default with defaultErrnoRet
        assertTrue(p.needsListener());
        assertEquals(SeccompCompiler.FLAG_NEW_LISTENER, p.flags());
    }

    @Test
    void defaultErrnoIsEpermWithoutDefaultErrnoRet() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", "write")));
        assertEquals(ALLOW, run64(p, WRITE));
        assertEquals(ERRNO | 1, run64(p, READ));
    }

    @Test
    void ruleWithTheDefaultActionIsDropped() {
        // ERRNO(1) on write with a condition is the default action: dropped, so the later
        // unconditional ALLOW applies to every write.
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", null,
                rule("SCMP_ACT_ERRNO", 1, List.of("write"), arg(0, "EQ", 2)),
                rule("SCMP_ACT_ALLOW", "write", arg(0, "LE", 2)),
                rule("SCMP_ACT_ERRNO", 5, List.of("write"), arg(0, "EQ", 3))));
        assertEquals(ALLOW, run64(p, WRITE, 2));
        assertEquals(ERRNO | 5, run64(p, WRITE, 3));
        assertEquals(ERRNO | 1, run64(p, WRITE, 4));
    }

    // ---- 64-bit argument comparisons ------------------------------------------------------------

    static final long[] VALUES = {
        0L, 1L, 2L, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL, 0x100000000L, 0x100000001L,
        0x1ffffffffL, 0x200000000L, 0x7fffffffffffffffL, 0x8000000000000000L, 0xfffffffe00000000L,
        0xffffffff00000000L, 0xffffffff7fffffffL, 0xfffffffffffffffeL, 0xffffffffffffffffL, 0x0000000500000005L,
    };

    static long[] probes(long v) {
        long[] near = {v, v - 1, v + 1, v ^ (1L << 32), v + (1L << 32), v - (1L << 32), v ^ 1, v ^ 0x80000000L,
            v ^ 0x8000000000000000L, v & 0xffffffffL, v & 0xffffffff00000000L};
        long[] all = Arrays.copyOf(VALUES, VALUES.length + near.length);
        System.arraycopy(near, 0, all, VALUES.length, near.length);
        return all;
    }

    static boolean holds(String op, long a, long v, long v2) {
        int c = Long.compareUnsigned(a, v);
        return switch (op) {
            case "EQ" -> c == 0;
            case "NE" -> c != 0;
            case "LT" -> c < 0;
            case "LE" -> c <= 0;
            case "GT" -> c > 0;
            case "GE" -> c >= 0;
            case "MASKED_EQ" -> (a & v) == v2;
            default -> throw new IllegalArgumentException(op);
        };
    }

    @Test
    void everyOperatorOn64BitValues() {
        for (String op : List.of("EQ", "NE", "LT", "LE", "GT", "GE")) {
            for (long v : VALUES) {
                SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null,
                        rule("SCMP_ACT_ERRNO", 7, List.of("read"), arg(3, op, v))));
                for (long a : probes(v)) {
                    int want = holds(op, a, v, 0) ? ERRNO | 7 : ALLOW;
                    assertEquals(want, run64(p, READ, 0, 0, 0, a),
                            () -> op + " " + Long.toUnsignedString(v, 16) + " on " + Long.toUnsignedString(a, 16));
                }
            }
        }
    }

    @Test
    void maskedEqualOn64BitValues() {
        long[][] maskDatum = {
            {0x7E020000L, 0}, {0xffffffffffffffffL, 0x100000002L}, {0xffffffff00000000L, 0x500000000L},
            {0x00000000ffffffffL, 5}, {0xf0000000000000f0L, 0x1000000000000010L}, {0, 0}, {0, 1},
            {0, 0x100000000L}, {0x100000000L, 0x100000000L}, {0x3, 0x7},
        };
        for (long[] md : maskDatum) {
            SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null,
                    rule("SCMP_ACT_ERRNO", null, List.of("read"), new Arg(5, md[0], md[1], "SCMP_CMP_MASKED_EQ"))));
            List<Long> as = new ArrayList<>();
            for (long a : probes(md[1])) {
                as.add(a);
            }
            for (long a : probes(md[0])) {
                as.add(a);
            }
            as.add(0x7E020000L | 0x100000000L);
            as.add(0x20000L);
            for (long a : as) {
                int want = holds("MASKED_EQ", a, md[0], md[1]) ? ERRNO | 1 : ALLOW;
                assertEquals(want, run64(p, READ, 0, 0, 0, 0, 0, a),
                        () -> "mask " + Long.toHexString(md[0]) + " datum " + Long.toHexString(md[1]) + " on "
                                + Long.toHexString(a));
            }
        }
    }

    @Test
    void thirtyTwoBitArchesCompareTheLowWordOnly() {
        for (String op : List.of("EQ", "NE", "LT", "LE", "GT", "GE", "MASKED_EQ")) {
            for (long v : VALUES) {
                long v2 = 0x0000000100000001L;
                SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW",
                        List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                        rule("SCMP_ACT_ERRNO", 7, List.of("read"), new Arg(0, v, v2, "SCMP_CMP_" + op))));
                for (long a : probes(v)) {
                    long lowA = a & 0xffffffffL;
                    boolean h = holds(op, lowA, v & 0xffffffffL, v2 & 0xffffffffL);
                    int want = h ? ERRNO | 7 : ALLOW;
                    // i386: the kernel zero-extends the 32-bit registers
                    assertEquals(want, run(p, AUDIT_I386, I386_READ, lowA), () -> "x86 " + op + " " + v + " " + a);
                    // x32: registers are 64-bit, libseccomp still compares the low word only
                    assertEquals(want, run(p, AUDIT_X86_64, X32 | READ, a), () -> "x32 " + op + " " + v + " " + a);
                    // and x86_64 of the same filter compares all 64 bits
                    boolean h64 = holds(op, a, v, v2);
                    assertEquals(h64 ? ERRNO | 7 : ALLOW, run64(p, READ, a));
                }
            }
        }
    }

    @Test
    void conditionsOfOneRuleAreAnded() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", "socket", arg(0, "EQ", 16), arg(2, "EQ", 9))));
        assertEquals(ERRNO | 1, run64(p, SOCKET, 16, 3, 9));
        assertEquals(ALLOW, run64(p, SOCKET, 16, 3, 8));
        assertEquals(ALLOW, run64(p, SOCKET, 2, 3, 9));
        assertEquals(ALLOW, run64(p, SOCKET, 16 | (1L << 32), 3, 9));
    }

    @Test
    void repeatedIndexMakesOneRulePerConditionLikeRunc() {
        // runc turns a rule whose conditions repeat an index into one rule per condition (ORed).
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", "read", arg(0, "GE", 10), arg(0, "LE", 20), arg(1, "EQ", 1))));
        assertEquals(ERRNO | 1, run64(p, READ, 15, 0));
        assertEquals(ERRNO | 1, run64(p, READ, 5, 0)); // LE 20
        assertEquals(ERRNO | 1, run64(p, READ, 25, 0)); // GE 10
        assertEquals(ERRNO | 1, run64(p, READ, 0xffffffffffffffffL, 1));
    }

    @Test
    void rulesForOneSyscallAreTriedInOrder() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_KILL", null,
                rule("SCMP_ACT_ERRNO", 3, List.of("read"), arg(0, "EQ", 1)),
                rule("SCMP_ACT_ALLOW", "read", arg(1, "EQ", 2)),
                rule("SCMP_ACT_TRAP", "read", arg(0, "EQ", 1), arg(1, "EQ", 2))));
        assertEquals(ERRNO | 3, run64(p, READ, 1, 2)); // first match wins
        assertEquals(ALLOW, run64(p, READ, 0, 2));
        assertEquals(KILL_THREAD, run64(p, READ, 0, 0));
    }

    @Test
    void unconditionalRuleWinsOverConditionalOnes() {
        Syscall cond = rule("SCMP_ACT_ERRNO", 3, List.of("read"), arg(0, "EQ", 1));
        Syscall all = rule("SCMP_ACT_ALLOW", "read");
        Syscall later = rule("SCMP_ACT_TRAP", "read");
        for (List<Syscall> order : List.of(List.of(cond, all, later), List.of(all, cond, later))) {
            SeccompProgram p = compiler.compile(new Seccomp("SCMP_ACT_KILL", null, null, null, null, null, order));
            assertEquals(ALLOW, run64(p, READ, 1));
            assertEquals(ALLOW, run64(p, READ, 0));
            // the program for read is a bare ret: no argument is ever loaded
            assertFalse(BpfInterpreter.disassemble(p.filter()).stream().anyMatch(s -> s.startsWith("ld [16]")));
        }
    }

    // ---- ENOSYS for syscalls newer than the profile ---------------------------------------------

    @Test
    void syscallsAboveTheHighestNamedOneReturnEnosys() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                rule("SCMP_ACT_ALLOW", null, List.of("read", "openat")), // x86_64 257, i386 295
                rule("SCMP_ACT_ERRNO", "mkdir"))); // default action: dropped, but still counts as named
        assertEquals(ALLOW, run64(p, 257));
        assertEquals(ERRNO | 1, run64(p, 100)); // older and unlisted: the default
        assertEquals(ERRNO | 38, run64(p, 258));
        assertEquals(ERRNO | 38, run64(p, 0x3fffffff));
        assertEquals(ERRNO | 1, run64(p, -1)); // a tracer's skip keeps the default
        assertEquals(ERRNO | 1, run(p, AUDIT_I386, 294));
        assertEquals(ERRNO | 38, run(p, AUDIT_I386, 296));
        // each architecture has its own highest number: 258 is new on x86_64, old on i386
        assertEquals(ERRNO | 1, run(p, AUDIT_I386, 258));
    }

    @Test
    void aProfileThatAllowsByDefaultKeepsItsDefaultForNewSyscalls() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", "mkdir")));
        assertEquals(ALLOW, run64(p, 600));
        assertEquals(ALLOW, run64(p, 435)); // clone3
        SeccompProgram log = compiler.compile(profile("SCMP_ACT_LOG", null, rule("SCMP_ACT_ERRNO", "mkdir")));
        assertEquals(Bpf.RET_LOG, run64(log, 600));
    }

    @Test
    void killingDefaultsAlsoGiveEnosysAboveTheProfile() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_KILL_PROCESS", null, rule("SCMP_ACT_ALLOW", "openat")));
        assertEquals(Bpf.RET_KILL_PROCESS, run64(p, 100));
        assertEquals(ERRNO | 38, run64(p, 300));
    }

    @Test
    void anUnnamedClone3ReturnsEnosysSoTheCLibraryFallsBackToClone() {
        // faccessat2 (439) is above clone3 (435): without the special case clone3 would get EPERM
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", null,
                rule("SCMP_ACT_ALLOW", null, List.of("read", "faccessat2"))));
        assertEquals(ERRNO | 38, run64(p, 435));
        assertEquals(ERRNO | 1, run64(p, 434)); // pidfd_open: older, unlisted
        assertEquals(ALLOW, run64(p, 439));
        assertEquals(ERRNO | 38, run64(p, 440));
        // named, clone3 keeps what the profile says, even the default action
        SeccompProgram named = compiler.compile(profile("SCMP_ACT_ERRNO", null,
                rule("SCMP_ACT_ALLOW", null, List.of("read", "faccessat2")), rule("SCMP_ACT_ERRNO", "clone3")));
        assertEquals(ERRNO | 1, run64(named, 435));
    }

    // ---- architectures -----------------------------------------------------------------------

    @Test
    void onlyListedArchitecturesPassAndOthersAreKilled() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64"),
                rule("SCMP_ACT_ALLOW", "read")));
        assertEquals(ALLOW, run64(p, READ));
        assertEquals(ERRNO | 38, run64(p, WRITE)); // above the highest named syscall
        assertEquals(KILL_THREAD, run(p, AUDIT_I386, I386_READ)); // bad arch, not the default
        assertEquals(KILL_THREAD, run(p, AUDIT_AARCH64, 63));
        // x32 numbers never match x86_64 rules
        assertEquals(KILL_THREAD, run64(p, X32 | READ));
        assertEquals(KILL_THREAD, run64(p, X32 | 520)); // x32 execve
        assertEquals(KILL_THREAD, run64(p, 0x80000000));
        // nr -1 (skipped by a tracer) gets the default action
        assertEquals(ERRNO | 1, run64(p, -1));
    }

    @Test
    void absentArchitecturesMeanNativeOnlyAndListedOnesAddToNative() {
        SeccompProgram none = compiler.compile(profile("SCMP_ACT_ERRNO", null, rule("SCMP_ACT_ALLOW", "read")));
        assertEquals(ALLOW, run64(none, READ));
        assertEquals(KILL_THREAD, run(none, AUDIT_I386, I386_READ));
        SeccompProgram empty = compiler.compile(profile("SCMP_ACT_ERRNO", List.of(), rule("SCMP_ACT_ALLOW", "read")));
        assertEquals(ALLOW, run64(empty, READ));
        // like a libseccomp filter, the native arch stays even when only x86 is listed
        SeccompProgram x86 = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86"),
                rule("SCMP_ACT_ALLOW", "read")));
        assertEquals(ALLOW, run64(x86, READ));
        assertEquals(ALLOW, run(x86, AUDIT_I386, I386_READ));
        assertEquals(ERRNO | 38, run(x86, AUDIT_I386, I386_GETPID)); // above the highest named syscall
    }

    @Test
    void architecturesThisHostCannotRunAreIgnored() {
        // Engines ship one profile for every host; an x86_64 kernel never runs these.
        List<String> foreign = List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X",
                "SCMP_ARCH_S390", "SCMP_ARCH_MIPS64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64");
        List<String> listed = new java.util.ArrayList<>(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"));
        listed.addAll(foreign);
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", listed, rule("SCMP_ACT_ALLOW", "read")));
        SeccompProgram x86Only = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"),
                rule("SCMP_ACT_ALLOW", "read")));
        assertArrayEquals(x86Only.filter(), p.filter()); // the same filter as without the foreign architectures
        assertEquals(ALLOW, run64(p, READ));
        assertEquals(ALLOW, run(p, AUDIT_I386, I386_READ));
        assertEquals(KILL_THREAD, run(p, AUDIT_AARCH64, 63), "still the bad-architecture action");
    }

    @Test
    void threeArchitectures() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO",
                List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                rule("SCMP_ACT_ALLOW", null, List.of("read", "execve", "_llseek")),
                rule("SCMP_ACT_TRAP", "getpid")));
        assertEquals(ALLOW, run64(p, READ));
        assertEquals(ALLOW, run64(p, EXECVE));
        assertEquals(TRAP, run64(p, GETPID));
        assertEquals(ERRNO | 1, run64(p, WRITE));
        assertEquals(ALLOW, run64(p, X32 | READ));
        assertEquals(ALLOW, run64(p, X32 | 520)); // x32 execve
        assertEquals(ERRNO | 1, run64(p, X32 | EXECVE)); // 59 is not execve on x32
        assertEquals(TRAP, run64(p, X32 | GETPID));
        assertEquals(ERRNO | 1, run64(p, X32 | WRITE));
        assertEquals(ERRNO | 1, run64(p, -1));
        assertEquals(ALLOW, run(p, AUDIT_I386, I386_READ));
        assertEquals(ALLOW, run(p, AUDIT_I386, I386_LLSEEK));
        assertEquals(ALLOW, run(p, AUDIT_I386, 11)); // i386 execve
        assertEquals(TRAP, run(p, AUDIT_I386, I386_GETPID));
        assertEquals(ERRNO | 1, run(p, AUDIT_I386, 4));
        assertEquals(KILL_THREAD, run(p, AUDIT_AARCH64, READ));
        assertEquals(List.of(), p.unknownSyscalls());
    }

    @Test
    void nativeArchName() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_NATIVE"),
                rule("SCMP_ACT_ALLOW", "read")));
        assertEquals(ALLOW, run64(p, READ));
        assertEquals(KILL_THREAD, run(p, AUDIT_I386, I386_READ));
    }

    @Test
    void x32Only() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X32"),
                rule("SCMP_ACT_ALLOW", "read")));
        assertEquals(ALLOW, run64(p, X32 | READ));
        assertEquals(ALLOW, run64(p, READ)); // native is always there
    }

    @Test
    void unknownNamesAreSkippedAndReported() {
        SeccompProgram p = compiler.compile(profile("SCMP_ACT_ERRNO", null,
                rule("SCMP_ACT_ALLOW", null, List.of("read", "no_such_syscall", "_llseek", "write"))));
        assertEquals(List.of("no_such_syscall", "_llseek"), p.unknownSyscalls());
        assertEquals(ALLOW, run64(p, READ));
        assertEquals(ALLOW, run64(p, WRITE));
        SeccompProgram withX86 = compiler.compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86"),
                rule("SCMP_ACT_ALLOW", null, List.of("read", "no_such_syscall", "_llseek"))));
        assertEquals(List.of("no_such_syscall"), withX86.unknownSyscalls());
    }

    // ---- flags -------------------------------------------------------------------------------

    @Test
    void flags() {
        Seccomp s = new Seccomp("SCMP_ACT_ALLOW", null, null,
                List.of("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"),
                null, null, List.of());
        assertEquals(2 | 4, compiler.compile(s).flags());
        Seccomp n = new Seccomp("SCMP_ACT_ALLOW", null, null, List.of("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
                "/run/l.sock", null, List.of(rule("SCMP_ACT_NOTIFY", "read")));
        SeccompProgram p = compiler.compile(n);
        assertEquals(8 | 32, p.flags());
        assertTrue(p.needsListener());
        assertEquals(NOTIFY, run64(p, READ));
    }

    // ---- long programs -------------------------------------------------------------------------

    @Test
    void farJumpsAreCorrect() {
        // 300 syscalls each with its own three-condition rule: bodies far beyond 255 instructions.
        List<Syscall> rules = new ArrayList<>();
        List<String> names = new ArrayList<>(SeccompArch.X86_64.table().keySet());
        names.sort(null);
        names = names.subList(0, 300);
        for (int i = 0; i < names.size(); i++) {
            rules.add(rule("SCMP_ACT_ERRNO", i + 1, List.of(names.get(i)), arg(0, "EQ", i), arg(1, "NE", i)));
        }
        SeccompProgram p = compiler.compile(new Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, rules));
        assertTrue(p.length() > 300 * 8, "length " + p.length());
        long longJumps = BpfInterpreter.disassemble(p.filter()).stream().filter(s -> s.startsWith("ja")).count();
        assertTrue(longJumps > 10, "long jumps: " + longJumps);
        for (int i = 0; i < names.size(); i++) {
            int nr = SeccompArch.X86_64.number(names.get(i)).orElseThrow();
            assertEquals(ERRNO | (i + 1), run64(p, nr, i, i + 1), names.get(i));
            assertEquals(ALLOW, run64(p, nr, i, i), names.get(i));
            assertEquals(ALLOW, run64(p, nr, i + 1, i + 1), names.get(i));
        }
        assertEquals(KILL_THREAD, run(p, AUDIT_I386, 3));
    }

    @Test
    void tooLongProgramIsRefused() {
        List<Syscall> rules = new ArrayList<>();
        List<String> names = new ArrayList<>(SeccompArch.X86_64.table().keySet());
        for (int i = 0; i < names.size(); i++) {
            rules.add(rule("SCMP_ACT_ERRNO", 1, List.of(names.get(i)),
                    arg(0, "EQ", i), arg(1, "EQ", i), arg(2, "EQ", i), arg(3, "EQ", i)));
        }
        var e = assertThrows(SeccompException.class, () -> compiler.compile(
                new Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, rules)));
        assertTrue(e.getMessage().contains("more than the kernel's limit of 4096"), e.getMessage());
    }

    // ---- errors --------------------------------------------------------------------------------

    void assertError(String message, Seccomp s) {
        var e = assertThrows(SeccompException.class, () -> compiler.compile(s));
        assertEquals("config.json: $." + message, e.getMessage());
        assertTrue(e instanceof JruncException);
    }

    @Test
    void errorsNameTheJsonPath() {
        assertError("linux.seccomp.syscalls[1].action: unknown action SCMP_ACT_FOO", profile("SCMP_ACT_ALLOW", null,
                rule("SCMP_ACT_ERRNO", "read"), rule("SCMP_ACT_FOO", "write")));
        assertError("linux.seccomp.defaultAction: unknown action SCMP_ACT_BAR", profile("SCMP_ACT_BAR", null));
        assertError("linux.seccomp.defaultAction: required", profile(null, null));
        assertError("linux.seccomp.syscalls[0].args[1].op: unknown operator SCMP_CMP_XX",
                profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", "read", arg(0, "EQ", 1), arg(1, "XX", 1))));
        assertError("linux.seccomp.syscalls[0].args[0].index: 6 is outside 0..5",
                profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", "read", arg(6, "EQ", 1))));
        assertError("linux.seccomp.syscalls[0].errnoRet: 70000 is outside 0..65535",
                profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", 70000, List.of("read"))));
        assertError("linux.seccomp.syscalls[0].names: at least one syscall name is required",
                profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_ERRNO", null, List.of())));
        assertError("linux.seccomp.architectures[1]: unknown architecture SCMP_ARCH_ARM65",
                profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_ARM65")));
        assertError("linux.seccomp.architectures[0]: unknown architecture amd64",
                profile("SCMP_ACT_ALLOW", List.of("amd64")));
        assertError("linux.seccomp.architectures[0]: null",
                profile("SCMP_ACT_ALLOW", Arrays.asList((String) null)));
        assertError("linux.seccomp.flags[1]: unknown flag SECCOMP_FILTER_FLAG_NOPE",
                new Seccomp("SCMP_ACT_ALLOW", null, null,
                        List.of("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE"), null, null, null));
        assertError("linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY",
                profile("SCMP_ACT_ALLOW", null, rule("SCMP_ACT_NOTIFY", "read")));
        assertError("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action",
                profile("SCMP_ACT_NOTIFY", null));
    }
}
