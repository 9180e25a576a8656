package dev.jrunc.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jrunc.seccomp.Bpf.Asm;
import dev.jrunc.seccomp.Bpf.Label;
import dev.jrunc.seccomp.BpfInterpreter.Data;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpfAsmTest {

    @Test
    void shortJumpsStayShort() {
        Asm a = new Asm();
        Label t = new Label();
        Label f = new Label();
        a.ld(Bpf.OFF_NR);
        a.jump(Bpf.JEQ_K, 7, t, f);
        a.place(f);
        a.ret(1);
        a.place(t);
        a.ret(2);
        assertEquals(List.of("ld [0]", "jeq #0x7 jt 1 jf 0", "ret #0x1", "ret #0x2"),
                BpfInterpreter.disassemble(a.assemble()));
    }

    @Test
    void farBranchesGoThroughJa() {
        Asm a = new Asm();
        Label far = new Label();
        Label farther = new Label();
        Label near = new Label();
        a.ld(Bpf.OFF_NR);
        a.jump(Bpf.JEQ_K, 1, far, near); // true branch far
        a.place(near);
        a.jump(Bpf.JEQ_K, 2, far, farther); // both far
        for (int i = 0; i < 300; i++) {
            a.ret(0x100 + i);
        }
        a.place(far);
        a.ret(0xaaaa);
        a.place(farther);
        a.ret(0xbbbb);
        byte[] code = a.assemble();
        List<String> d = BpfInterpreter.disassemble(code);
        assertEquals("jeq #0x1 jt 0 jf 1", d.get(1));
        assertEquals("ja +303", d.get(2)); // 3 + 303 = 306
        assertEquals("jeq #0x2 jt 0 jf 1", d.get(3));
        assertEquals("ja +301", d.get(4)); // 5 + 301 = 306
        assertEquals("ja +301", d.get(5)); // 6 + 301 = 307
        assertEquals("ret #0xaaaa", d.get(306));
        assertEquals("ret #0xbbbb", d.get(307));
        assertEquals(0xaaaa, BpfInterpreter.run(code, new Data(1, 0, 0)));
        assertEquals(0xaaaa, BpfInterpreter.run(code, new Data(2, 0, 0)));
        assertEquals(0xbbbb, BpfInterpreter.run(code, new Data(3, 0, 0)));
    }

    @Test
    void growingOneJumpCanPushAnotherOutOfRange() {
        // jump 1 reaches "edge" with offset exactly 255 until jump 2 grows by one ja
        Asm a = new Asm();
        Label edge = new Label();
        Label far = new Label();
        Label next = new Label();
        Label next2 = new Label();
        a.ld(Bpf.OFF_NR); // 0
        a.jump(Bpf.JEQ_K, 1, edge, next); // 1
        a.place(next);
        a.jump(Bpf.JEQ_K, 2, far, next2); // 2
        a.place(next2);
        for (int i = 0; i < 254; i++) { // 3..256
            a.ret(0xdead);
        }
        a.place(edge); // 257 = 2 + 255 before any jump grows
        a.ret(0xeeee);
        for (int i = 0; i < 300; i++) {
            a.ret(0xdead);
        }
        a.place(far);
        a.ret(0x1111);
        byte[] code = a.assemble();
        List<String> d = BpfInterpreter.disassemble(code);
        assertEquals("jeq #0x1 jt 0 jf 1", d.get(1));
        assertEquals("ja +256", d.get(2)); // 3 + 256 = 259: edge after both jumps grew
        assertEquals("ret #0xeeee", d.get(259));
        assertEquals(0xeeee, BpfInterpreter.run(code, new Data(1, 0, 0)));
        assertEquals(0x1111, BpfInterpreter.run(code, new Data(2, 0, 0)));
        assertEquals(0xdead, BpfInterpreter.run(code, new Data(3, 0, 0)));
    }
}
