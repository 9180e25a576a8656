package dev.jrunc.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Classic BPF constants and a small assembler with symbolic forward labels.
 *
 * <p>Conditional jumps in classic BPF have 8-bit offsets. The assembler lays the program out with
 * every jump short, then, for each branch whose target is more than 255 instructions away, puts an
 * unconditional {@code ja} (32-bit offset) right after the jump and points the short branch at it.
 * Adding those can push other branches out of range, so layout repeats until nothing changes; a
 * branch only ever goes from short to long, so this ends.
 */
final class Bpf {
    // instruction classes and fields (linux/bpf_common.h); several are 0, named for the reader
    private static final int BPF_LD = 0x00;
    private static final int BPF_ALU = 0x04;
    private static final int BPF_JMP = 0x05;
    private static final int BPF_RET = 0x06;
    private static final int BPF_W = 0x00;
    private static final int BPF_ABS = 0x20;
    private static final int BPF_AND = 0x50;
    private static final int BPF_JA = 0x00;
    private static final int BPF_JEQ = 0x10;
    private static final int BPF_JGT = 0x20;
    private static final int BPF_JGE = 0x30;
    private static final int BPF_JSET = 0x40;
    private static final int BPF_K = 0x00;

    static final int LD_W_ABS = BPF_LD | BPF_W | BPF_ABS;
    static final int ALU_AND_K = BPF_ALU | BPF_AND | BPF_K;
    static final int JA = BPF_JMP | BPF_JA;
    static final int JEQ_K = BPF_JMP | BPF_JEQ | BPF_K;
    static final int JGT_K = BPF_JMP | BPF_JGT | BPF_K;
    static final int JGE_K = BPF_JMP | BPF_JGE | BPF_K;
    static final int JSET_K = BPF_JMP | BPF_JSET | BPF_K;
    static final int RET_K = BPF_RET | BPF_K;

    /** BPF_MAXINSNS: the kernel's limit on a classic BPF program's length. */
    static final int MAX_INSNS = 4096;

    // struct seccomp_data offsets (little-endian: an argument's low word comes first)
    static final int OFF_NR = 0;
    static final int OFF_ARCH = 4;
    static final int OFF_IP = 8;

    static int offArgLow(int index) {
        return 16 + 8 * index;
    }

    static int offArgHigh(int index) {
        return 20 + 8 * index;
    }

    // linux/audit.h
    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int AUDIT_ARCH_I386 = 0x40000003;

    // linux/seccomp.h return values
    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_KILL_THREAD = 0x00000000;
    static final int RET_TRAP = 0x00030000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_USER_NOTIF = 0x7fc00000;
    static final int RET_TRACE = 0x7ff00000;
    static final int RET_LOG = 0x7ffc0000;
    static final int RET_ALLOW = 0x7fff0000;
    static final int RET_DATA = 0x0000ffff;

    private Bpf() {}

    /** A position in the program, placed once, referenced only by instructions before it. */
    static final class Label {
        int pos = -1;
        boolean placed;
    }

    /** The assembler. */
    static final class Asm {
        private sealed interface Item permits Stmt, Jump, Place {}

        private static final class Stmt implements Item {
            final int code;
            final int k;

            Stmt(int code, int k) {
                this.code = code;
                this.k = k;
            }
        }

        private static final class Jump implements Item {
            final int code;
            final int k;
            final Label jt;
            final Label jf; // null for JA
            boolean longT;
            boolean longF;
            int pos;

            Jump(int code, int k, Label jt, Label jf) {
                this.code = code;
                this.k = k;
                this.jt = jt;
                this.jf = jf;
            }

            int size() {
                return 1 + (longT ? 1 : 0) + (longF ? 1 : 0);
            }
        }

        private static final class Place implements Item {
            final Label label;

            Place(Label label) {
                this.label = label;
            }
        }

        private final List<Item> items = new ArrayList<>();

        void ld(int offset) {
            items.add(new Stmt(LD_W_ABS, offset));
        }

        void and(int k) {
            items.add(new Stmt(ALU_AND_K, k));
        }

        void ret(int k) {
            items.add(new Stmt(RET_K, k));
        }

        /** A conditional jump on A compared with k: to jt when true, to jf when false. */
        void jump(int code, int k, Label jt, Label jf) {
            items.add(new Jump(code, k, jt, jf));
        }

        void ja(Label target) {
            items.add(new Jump(JA, 0, target, null));
        }

        void place(Label label) {
            if (label.placed) {
                throw new IllegalStateException("label placed twice");
            }
            label.placed = true;
            items.add(new Place(label));
        }

        /** Lays out and encodes the program; throws if it is longer than BPF_MAXINSNS. */
        byte[] assemble() {
            int length;
            boolean changed;
            do {
                length = layout();
                changed = false;
                for (Item it : items) {
                    if (it instanceof Jump j && j.code != JA) {
                        if (!j.longT && shortOffset(j, j.jt) > 255) {
                            j.longT = true;
                            changed = true;
                        }
                        if (!j.longF && shortOffset(j, j.jf) > 255) {
                            j.longF = true;
                            changed = true;
                        }
                    }
                }
            } while (changed);
            if (length > MAX_INSNS) {
                throw new SeccompException("linux.seccomp: the compiled filter has " + length
                        + " instructions, more than the kernel's limit of " + MAX_INSNS);
            }
            ByteBuffer out = ByteBuffer.allocate(length * 8).order(ByteOrder.LITTLE_ENDIAN);
            // if/instanceof rather than a pattern switch: no bootstrap work on a cold JVM
            for (Item it : items) {
                if (it instanceof Stmt s) {
                    put(out, s.code, 0, 0, s.k);
                } else if (it instanceof Jump j && j.code == JA) {
                    put(out, JA, 0, 0, forward(target(j.jt) - (j.pos + 1)));
                } else if (it instanceof Jump j) {
                    int next = j.pos + 1;
                    int jt = j.longT ? 0 : target(j.jt) - next;
                    int jf = j.longF ? (j.longT ? 1 : 0) : target(j.jf) - next;
                    put(out, j.code, jt, jf, j.k);
                    int at = next;
                    if (j.longT) {
                        put(out, JA, 0, 0, forward(target(j.jt) - (at + 1)));
                        at++;
                    }
                    if (j.longF) {
                        put(out, JA, 0, 0, forward(target(j.jf) - (at + 1)));
                    }
                }
            }
            return out.array();
        }

        private int layout() {
            int pos = 0;
            for (Item it : items) {
                if (it instanceof Place p) {
                    p.label.pos = pos;
                } else if (it instanceof Jump j) {
                    j.pos = pos;
                    pos += j.size();
                } else {
                    pos++;
                }
            }
            return pos;
        }

        private static int shortOffset(Jump j, Label l) {
            return target(l) - (j.pos + 1);
        }

        private static int forward(int offset) {
            if (offset < 0) {
                throw new IllegalStateException("backward jump");
            }
            return offset;
        }

        private static int target(Label l) {
            if (!l.placed) {
                throw new IllegalStateException("jump to a label that was never placed");
            }
            return l.pos;
        }

        private static void put(ByteBuffer out, int code, int jt, int jf, int k) {
            if (jt < 0 || jf < 0 || jt > 255 || jf > 255) {
                throw new IllegalStateException("jump offset out of range: " + jt + "/" + jf);
            }
            out.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
        }
    }
}
