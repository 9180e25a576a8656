package dev.jrunc.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.jrunc.seccomp.BpfInterpreter.Data;
import dev.jrunc.spec.Seccomp;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seccomp profiles containerd and podman generated, compiled and run. */
class EngineProfilesTest {
    static final int AUDIT_X86_64 = 0xC000003E;
    static final int AUDIT_I386 = 0x40000003;
    static final int ALLOW = 0x7fff0000;
    static final int ERRNO = 0x00050000;
    static final int X32 = 0x40000000;

    /** uint64 values above Long.MAX_VALUE keep their bits. */
    static final class Uint64Deserializer extends JsonDeserializer<Long> {
        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                return p.getBigIntegerValue().longValue();
            }
            return (Long) ctx.handleUnexpectedToken(Long.class, p);
        }

        @Override
        public Long getNullValue(DeserializationContext ctx) {
            return 0L; // an absent valueTwo is 0
        }
    }

    static ObjectMapper mapper() {
        SimpleModule m = new SimpleModule();
        m.addDeserializer(Long.class, new Uint64Deserializer());
        m.addDeserializer(long.class, new Uint64Deserializer());
        return new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .registerModule(m);
    }

    static Seccomp load(String file) throws IOException {
        Path config = Path.of(System.getProperty("jrunc.fixtures", "conformance/fixtures"), "engine-configs", file);
        Spec spec = mapper().readValue(config.toFile(), Spec.class);
        return spec.linux().seccomp();
    }

    static int run(SeccompProgram p, int arch, int nr, long... args) {
        return BpfInterpreter.run(p.filter(), new Data(nr, arch, 0, args));
    }

    // ---- a direct evaluator of the documented semantics, to check programs against ----------

    static int expected(Seccomp s, SeccompArch arch, int nr, long[] args) {
        int dflt = SeccompCompiler.action(s.defaultAction(), s.defaultErrnoRet(), -1);
        Integer unconditional = null;
        Integer conditional = null;
        for (Seccomp.Syscall sc : s.syscalls()) {
            boolean named = sc.names().stream().anyMatch(n -> arch.number(n).map(x -> x == nr).orElse(false));
            int act = SeccompCompiler.action(sc.action(), sc.errnoRet(), 0);
            if (!named || act == dflt) {
                continue;
            }
            List<Seccomp.Arg> as = sc.args() == null ? List.of() : sc.args();
            if (as.isEmpty()) {
                if (unconditional == null) {
                    unconditional = act;
                }
                continue;
            }
            boolean repeated = as.stream().map(Seccomp.Arg::index).distinct().count() < as.size();
            boolean match = repeated
                    ? as.stream().anyMatch(a -> holds(arch, a, args))
                    : as.stream().allMatch(a -> holds(arch, a, args));
            if (match && conditional == null) {
                conditional = act;
            }
        }
        return unconditional != null ? unconditional : conditional != null ? conditional : unmatched(s, arch, nr, dflt);
    }

    /** The default action, or ENOSYS for a syscall newer than the profile (and an unnamed clone3). */
    static int unmatched(Seccomp s, SeccompArch arch, int nr, int dflt) {
        if (s.defaultAction().equals("SCMP_ACT_ALLOW") || s.defaultAction().equals("SCMP_ACT_LOG")) return dflt;
        long highest = -1;
        boolean clone3Named = false;
        for (Seccomp.Syscall sc : s.syscalls()) {
            for (String n : sc.names()) {
                clone3Named |= n.equals("clone3");
                long x = arch.number(n).map(v -> v & 0xffffffffL).orElse(-1L);
                highest = Math.max(highest, x);
            }
        }
        long u = nr & 0xffffffffL;
        long last = arch == SeccompArch.X86_64 ? X32 - 1L : 0xfffffffeL;
        if (highest >= 0 && u > highest && u <= last) return ERRNO | 38;
        if (!clone3Named && arch.number("clone3").map(v -> v == nr).orElse(false)) return ERRNO | 38;
        return dflt;
    }

    static boolean holds(SeccompArch arch, Seccomp.Arg a, long[] args) {
        long v = a.value();
        long v2 = a.valueTwo();
        long x = args[a.index()];
        if (!arch.args64()) {
            v &= 0xffffffffL;
            v2 &= 0xffffffffL;
            x &= 0xffffffffL;
        }
        return SeccompCompilerTest.holds(a.op().substring("SCMP_CMP_".length()), x, v, v2);
    }

    static final long[][] ARG_SETS = {
        {0, 0, 0, 0, 0, 0},
        {16, 3, 9, 0, 0, 0},
        {16, 3, 0, 0, 0, 0},
        {2, 1, 9, 0, 0, 0},
        {8, 0, 0, 0, 0, 0},
        {0x20008, 0, 0, 0, 0, 0},
        {0xffffffffL, 0, 0, 0, 0, 0},
        {0x1ffffffffL, 0, 0, 0, 0, 0},
        {0x10000000L | 0x11, 0, 0, 0, 0, 0}, // clone(CLONE_NEWUSER | SIGCHLD)
        {0x20000L, 0, 0, 0, 0, 0}, // CLONE_NEWNS
        {0x01200011L, 0, 0, 0, 0, 0}, // fork-like clone flags
        {16L | (1L << 32), 3, 9, 0, 0, 0},
        {-1L, -1L, -1L, -1L, -1L, -1L},
    };

    /** Every syscall number of every covered arch, with several argument vectors. */
    static void checkAgainstEvaluator(Seccomp s, SeccompProgram p) {
        int checked = 0;
        for (SeccompArch arch : SeccompArch.values()) {
            int audit = arch.auditArch();
            int base = arch == SeccompArch.X32 ? X32 : 0;
            for (int n = 0; n < 600; n++) {
                int nr = base + n;
                for (long[] args : ARG_SETS) {
                    long[] a = arch == SeccompArch.X86 ? zeroExtend(args) : args;
                    int want = expected(s, arch, nr, a);
                    int got = run(p, audit, nr, a);
                    if (want != got) {
                        throw new AssertionError(arch + " nr " + nr + " args " + java.util.Arrays.toString(a)
                                + ": want 0x" + Integer.toHexString(want) + " got 0x" + Integer.toHexString(got));
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 20000);
    }

    static long[] zeroExtend(long[] args) {
        long[] out = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = args[i] & 0xffffffffL;
        }
        return out;
    }

    @Test
    void podman() throws IOException {
        Seccomp s = load("podman-run.json");
        SeccompProgram p = new SeccompCompiler().compile(s);
        assertTrue(p.length() < 4096);
        assertEquals(0, p.flags());
        int enosys = ERRNO | 38;
        int eperm = ERRNO | 1;
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 0)); // read
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 1)); // write
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 59)); // execve
        assertEquals(eperm, run(p, AUDIT_X86_64, 246)); // kexec_load
        assertEquals(eperm, run(p, AUDIT_X86_64, 175)); // init_module
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 308)); // setns: first catch-all rule (ALLOW) wins
        assertEquals(ERRNO | 22, run(p, AUDIT_X86_64, 41, 16, 3, 9)); // socket(AF_NETLINK, .., NETLINK_AUDIT)
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 41, 2, 1, 0)); // socket(AF_INET, SOCK_STREAM, 0)
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 41, 16, 3, 0));
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 135, 0xffffffffL)); // personality(0xffffffff)
        assertEquals(enosys, run(p, AUDIT_X86_64, 135, 1)); // personality(1): default
        assertEquals(enosys, run(p, AUDIT_X86_64, 135, 0x1ffffffffL));
        assertEquals(enosys, run(p, AUDIT_X86_64, 599)); // unknown number: default
        assertEquals(ALLOW, run(p, AUDIT_I386, 3)); // i386 read
        assertEquals(ALLOW, run(p, AUDIT_I386, 140)); // _llseek
        assertEquals(ALLOW, run(p, AUDIT_X86_64, X32 | 520)); // x32 execve
        assertEquals(0, run(p, 0xC00000B7, 63)); // aarch64: bad arch → kill
        checkAgainstEvaluator(s, p);
    }

    @Test
    void containerd() throws IOException {
        Seccomp s = load("containerd-ctr-run-seccomp.json");
        SeccompProgram p = new SeccompCompiler().compile(s);
        int eperm = ERRNO | 1;
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 0));
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 1));
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 59));
        assertEquals(eperm, run(p, AUDIT_X86_64, 165)); // mount
        assertEquals(ALLOW, run(p, AUDIT_X86_64, 56, 0x01200011L)); // clone without namespaces
        assertEquals(eperm, run(p, AUDIT_X86_64, 56, 0x10000011L)); // clone(CLONE_NEWUSER)
        assertEquals(ALLOW, run(p, AUDIT_I386, 120, 0x01200011L)); // i386 clone
        assertEquals(eperm, run(p, AUDIT_I386, 120, 0x20000L));
        assertEquals(ERRNO | 38, run(p, AUDIT_X86_64, 435)); // clone3 → ENOSYS
        assertEquals(ERRNO | 38, run(p, AUDIT_X86_64, 599)); // newer than any syscall the profile names
        assertEquals(eperm, run(p, AUDIT_X86_64, 163)); // acct: older, unlisted
        checkAgainstEvaluator(s, p);
    }
}
