package dev.jrunc.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic BPF interpreter for seccomp filters, enough to run what {@link SeccompCompiler}
 * produces (and to reject what the kernel's checker would): loads of seccomp_data words, ALU with
 * constants, jumps, and ret.
 */
final class BpfInterpreter {

    /** struct seccomp_data. */
    record Data(int nr, int arch, long instructionPointer, long... args) {
        Data {
            if (args.length > 6) {
                throw new IllegalArgumentException("at most 6 args");
            }
            long[] six = new long[6];
            System.arraycopy(args, 0, six, 0, args.length);
            args = six;
        }

        int word(int offset) {
            if (offset < 0 || offset > 60 || (offset & 3) != 0) {
                throw new IllegalStateException("bad seccomp_data offset " + offset);
            }
            return switch (offset) {
                case 0 -> nr;
                case 4 -> arch;
                case 8 -> (int) instructionPointer;
                case 12 -> (int) (instructionPointer >>> 32);
                default -> {
                    long arg = args[(offset - 16) / 8];
                    yield (offset & 4) == 0 ? (int) arg : (int) (arg >>> 32);
                }
            };
        }
    }

    record Insn(int code, int jt, int jf, int k) {
        @Override
        public String toString() {
            return switch (code) {
                case 0x20 -> "ld [" + k + "]";
                case 0x54 -> "and #" + hex(k);
                case 0x05 -> "ja +" + k;
                case 0x15 -> "jeq #" + hex(k) + " jt " + jt + " jf " + jf;
                case 0x25 -> "jgt #" + hex(k) + " jt " + jt + " jf " + jf;
                case 0x35 -> "jge #" + hex(k) + " jt " + jt + " jf " + jf;
                case 0x45 -> "jset #" + hex(k) + " jt " + jt + " jf " + jf;
                case 0x06 -> "ret #" + hex(k);
                default -> String.format("op 0x%02x jt %d jf %d k %s", code, jt, jf, hex(k));
            };
        }

        private static String hex(int k) {
            return "0x" + Integer.toHexString(k);
        }
    }

    static List<Insn> decode(byte[] filter) {
        if (filter.length % 8 != 0) {
            throw new IllegalArgumentException("filter length " + filter.length + " is not a multiple of 8");
        }
        ByteBuffer b = ByteBuffer.wrap(filter).order(ByteOrder.LITTLE_ENDIAN);
        List<Insn> out = new ArrayList<>();
        while (b.hasRemaining()) {
            out.add(new Insn(b.getShort() & 0xffff, b.get() & 0xff, b.get() & 0xff, b.getInt()));
        }
        return out;
    }

    static List<String> disassemble(byte[] filter) {
        return decode(filter).stream().map(Insn::toString).toList();
    }

    /** Runs the filter; returns the 32-bit SECCOMP_RET_* value. */
    static int run(byte[] filter, Data d) {
        List<Insn> p = decode(filter);
        if (p.isEmpty() || p.size() > 4096) {
            throw new IllegalStateException("bad program length " + p.size());
        }
        int a = 0;
        int x = 0;
        int pc = 0;
        for (int steps = 0; steps <= p.size(); steps++) {
            if (pc >= p.size()) {
                throw new IllegalStateException("fell off the end of the program");
            }
            Insn i = p.get(pc++);
            switch (i.code()) {
                case 0x20 -> a = d.word(i.k());
                case 0x00 -> a = i.k(); // ld #k
                case 0x04 -> a += i.k();
                case 0x54 -> a &= i.k();
                case 0x44 -> a |= i.k();
                case 0x74 -> a >>>= i.k();
                case 0x64 -> a <<= i.k();
                case 0x07 -> x = a; // tax
                case 0x87 -> a = x; // txa
                case 0x05 -> pc = target(p, pc, i.k());
                case 0x15 -> pc = target(p, pc, a == i.k() ? i.jt() : i.jf());
                case 0x25 -> pc = target(p, pc, Integer.compareUnsigned(a, i.k()) > 0 ? i.jt() : i.jf());
                case 0x35 -> pc = target(p, pc, Integer.compareUnsigned(a, i.k()) >= 0 ? i.jt() : i.jf());
                case 0x45 -> pc = target(p, pc, (a & i.k()) != 0 ? i.jt() : i.jf());
                case 0x06 -> {
                    return i.k();
                }
                case 0x16 -> {
                    return a;
                }
                default -> throw new IllegalStateException("unsupported opcode " + i + " at " + (pc - 1));
            }
        }
        throw new IllegalStateException("program did not terminate");
    }

    private static int target(List<Insn> p, int pc, int offset) {
        if (offset < 0 || pc + offset >= p.size()) {
            throw new IllegalStateException("jump out of the program: pc " + pc + " offset " + offset);
        }
        return pc + offset;
    }
}
