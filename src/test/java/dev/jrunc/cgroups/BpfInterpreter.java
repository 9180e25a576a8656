package dev.jrunc.cgroups;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs the subset of eBPF DeviceBpfProgram emits against a struct bpf_cgroup_dev_ctx, checking
 * what the kernel verifier would: known opcodes, in-range forward jumps, r0 set before exit,
 * only 4-byte context loads at offsets 0, 4, 8.
 */
final class BpfInterpreter {
    private final ByteBuffer prog;
    private final int count;

    BpfInterpreter(byte[] program) {
        if (program.length % 8 != 0) {
            throw new AssertionError("length " + program.length + " not a multiple of 8");
        }
        this.prog = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        this.count = program.length / 8;
    }

    int count() {
        return count;
    }

    /** type 'c' or 'b'; access a combination of r, w, m. */
    int run(char type, int major, int minor, String access) {
        int acc = 0;
        for (char c : access.toCharArray()) {
            acc |= c == 'm' ? 1 : c == 'r' ? 2 : c == 'w' ? 4 : 0;
        }
        int[] ctx = {(type == 'b' ? 1 : 2) | (acc << 16), major, minor};
        long[] reg = new long[11];
        boolean[] init = new boolean[11];
        init[1] = true;
        boolean r1IsCtx = true;
        int pc = 0;
        for (int steps = 0; steps < 10_000; steps++) {
            if (pc < 0 || pc >= count) {
                throw new AssertionError("pc " + pc + " out of program (" + count + " insns)");
            }
            int base = pc * 8;
            int code = prog.get(base) & 0xff;
            int regs = prog.get(base + 1) & 0xff;
            int dst = regs & 0x0f;
            int src = regs >>> 4;
            short off = prog.getShort(base + 2);
            int imm = prog.getInt(base + 4);
            pc++;
            switch (code) {
                case 0x61 -> {
                    if (src != 1 || !r1IsCtx) {
                        throw new AssertionError("load from something other than the context at " + (pc - 1));
                    }
                    if (off < 0 || off > 8 || off % 4 != 0) {
                        throw new AssertionError("bad context offset " + off);
                    }
                    reg[dst] = ctx[off / 4] & 0xffffffffL;
                    init[dst] = true;
                    if (dst == 1) r1IsCtx = false;
                }
                case 0x57 -> { need(init, dst, pc); reg[dst] &= (long) imm; }
                case 0x77 -> { need(init, dst, pc); reg[dst] >>>= imm; }
                case 0xb7 -> { reg[dst] = imm; init[dst] = true; if (dst == 1) r1IsCtx = false; }
                case 0xbf -> { need(init, src, pc); reg[dst] = reg[src]; init[dst] = true; if (dst == 1) r1IsCtx = false; }
                case 0x15, 0x55 -> {
                    need(init, dst, pc);
                    if (off < 0) throw new AssertionError("backward jump at " + (pc - 1));
                    if (pc + off >= count) throw new AssertionError("jump past the end at " + (pc - 1));
                    boolean eq = reg[dst] == (long) imm;
                    if (code == 0x15 ? eq : !eq) pc += off;
                }
                case 0x05 -> pc += off;
                case 0x95 -> {
                    need(init, 0, pc);
                    return (int) reg[0];
                }
                default -> throw new AssertionError(String.format("unsupported opcode 0x%02x at %d", code, pc - 1));
            }
        }
        throw new AssertionError("program did not terminate");
    }

    private static void need(boolean[] init, int r, int pc) {
        if (!init[r]) {
            throw new AssertionError("r" + r + " read before written at " + (pc - 1));
        }
    }
}
