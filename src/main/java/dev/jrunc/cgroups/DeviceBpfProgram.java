package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources.DeviceRule;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program, the cgroup v2 replacement
 * for devices.allow/deny.
 *
 * <p>The kernel calls the program with struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
 * u32 minor; }, where access_type's low 16 bits are the device type (1 block, 2 char) and the
 * high 16 bits the requested access (1 mknod, 2 read, 4 write). It returns 1 to allow, 0 to deny.
 *
 * <p>Semantics follow the v1 list: the last rule that matches decides, and with no match the
 * answer is "allow" unless a "deny all" rule reset the list. The program therefore tests the rules
 * from last to first and returns at the first match; a rule matching everything ends the scan.
 * An allow rule matches when every requested access bit is allowed by it; a deny rule matches
 * when any requested bit is denied by it.
 */
public final class DeviceBpfProgram {
    public static final int INSN_SIZE = 8;

    // opcodes: class | size/op | source
    static final int LDX_MEM_W = 0x61;   // BPF_LDX | BPF_MEM | BPF_W
    static final int ALU64_AND_K = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
    static final int ALU64_RSH_K = 0x77; // BPF_ALU64 | BPF_RSH | BPF_K
    static final int ALU64_MOV_K = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
    static final int ALU64_MOV_X = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
    static final int JMP_JEQ_K = 0x15;   // BPF_JMP | BPF_JEQ | BPF_K
    static final int JMP_JNE_K = 0x55;   // BPF_JMP | BPF_JNE | BPF_K
    static final int JMP_EXIT = 0x95;    // BPF_JMP | BPF_EXIT

    static final int DEV_BLOCK = 1;
    static final int DEV_CHAR = 2;

    // registers after the prologue
    private static final int R0 = 0, R1 = 1, TYPE = 2, ACCESS = 3, MAJOR = 4, MINOR = 5;

    /** One struct bpf_insn. */
    record Insn(int code, int dst, int src, int off, int imm) {}

    private DeviceBpfProgram() {}

    /** The program as struct bpf_insn[] in little-endian byte order. */
    public static byte[] build(List<DeviceRule> rules) {
        return encode(instructions(rules));
    }

    static List<Insn> instructions(List<DeviceRule> rules) {
        DeviceRules.validate(rules);
        List<Insn> prog = new ArrayList<>();
        prog.add(new Insn(LDX_MEM_W, TYPE, R1, 0, 0));
        prog.add(new Insn(ALU64_AND_K, TYPE, 0, 0, 0xffff));
        prog.add(new Insn(LDX_MEM_W, ACCESS, R1, 0, 0));
        prog.add(new Insn(ALU64_RSH_K, ACCESS, 0, 0, 16));
        prog.add(new Insn(LDX_MEM_W, MAJOR, R1, 4, 0));
        prog.add(new Insn(LDX_MEM_W, MINOR, R1, 8, 0));
        boolean defaultAllow = true;
        for (int i = rules.size() - 1; i >= 0; i--) {
            DeviceRule r = rules.get(i);
            if (DeviceRules.isAll(r)) {
                defaultAllow = r.allow();
                break;
            }
            prog.addAll(block(r));
        }
        prog.add(new Insn(ALU64_MOV_K, R0, 0, 0, defaultAllow ? 1 : 0));
        prog.add(new Insn(JMP_EXIT, 0, 0, 0, 0));
        return prog;
    }

    /** Tests one rule; every mismatch jumps past the block's return. */
    private static List<Insn> block(DeviceRule r) {
        List<Insn> b = new ArrayList<>();
        List<Integer> jumps = new ArrayList<>();
        String type = DeviceRules.type(r);
        if (!type.equals("a")) {
            jumps.add(b.size());
            b.add(new Insn(JMP_JNE_K, TYPE, 0, 0, type.equals("b") ? DEV_BLOCK : DEV_CHAR));
        }
        int mask = DeviceRules.accessMask(DeviceRules.access(r));
        if (r.allow() && mask != 7) {
            b.add(new Insn(ALU64_MOV_X, R1, ACCESS, 0, 0));
            b.add(new Insn(ALU64_AND_K, R1, 0, 0, ~mask & 7));
            jumps.add(b.size());
            b.add(new Insn(JMP_JNE_K, R1, 0, 0, 0));
        } else if (!r.allow() && mask != 7) {
            b.add(new Insn(ALU64_MOV_X, R1, ACCESS, 0, 0));
            b.add(new Insn(ALU64_AND_K, R1, 0, 0, mask));
            jumps.add(b.size());
            b.add(new Insn(JMP_JEQ_K, R1, 0, 0, 0));
        }
        if (!DeviceRules.wildcard(r.major())) {
            jumps.add(b.size());
            b.add(new Insn(JMP_JNE_K, MAJOR, 0, 0, Math.toIntExact(r.major())));
        }
        if (!DeviceRules.wildcard(r.minor())) {
            jumps.add(b.size());
            b.add(new Insn(JMP_JNE_K, MINOR, 0, 0, Math.toIntExact(r.minor())));
        }
        b.add(new Insn(ALU64_MOV_K, R0, 0, 0, r.allow() ? 1 : 0));
        b.add(new Insn(JMP_EXIT, 0, 0, 0, 0));
        for (int j : jumps) {
            Insn in = b.get(j);
            // a jump lands at pc + 1 + off; the block ends at b.size()
            b.set(j, new Insn(in.code(), in.dst(), in.src(), b.size() - j - 1, in.imm()));
        }
        return b;
    }

    static byte[] encode(List<Insn> insns) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(insns.size() * INSN_SIZE);
        for (Insn in : insns) {
            out.write(in.code());
            out.write((in.src() << 4) | (in.dst() & 0x0f));
            out.write(in.off() & 0xff);
            out.write((in.off() >> 8) & 0xff);
            out.write(in.imm() & 0xff);
            out.write((in.imm() >> 8) & 0xff);
            out.write((in.imm() >> 16) & 0xff);
            out.write((in.imm() >> 24) & 0xff);
        }
        return out.toByteArray();
    }
}
