package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.Resources.DeviceRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeviceBpfProgramTest {
    static DeviceRule rule(boolean allow, String type, Long major, Long minor, String access) {
        return new DeviceRule(allow, type, major, minor, access);
    }

    static BpfInterpreter vm(List<DeviceRule> rules) {
        return new BpfInterpreter(DeviceBpfProgram.build(rules));
    }

    /** The intended semantics, written independently of the code generator. */
    static int expected(List<DeviceRule> rules, char type, int major, int minor, String access) {
        int req = DeviceRules.accessMask(access);
        for (int i = rules.size() - 1; i >= 0; i--) {
            DeviceRule r = rules.get(i);
            String t = DeviceRules.type(r);
            boolean typeOk = t.equals("a") || t.charAt(0) == type;
            boolean majOk = r.major() == null || r.major() == -1 || r.major() == major;
            boolean minOk = r.minor() == null || r.minor() == -1 || r.minor() == minor;
            int ruleAcc = DeviceRules.accessMask(DeviceRules.access(r));
            boolean accOk = r.allow() ? (req & ~ruleAcc) == 0 : (req & ruleAcc) != 0;
            if (typeOk && majOk && minOk && accOk) {
                return r.allow() ? 1 : 0;
            }
        }
        return 1;
    }

    @Test
    void encodesStructBpfInsnLittleEndianWithDstInTheLowNibble() {
        byte[] b = DeviceBpfProgram.encode(List.of(
                new DeviceBpfProgram.Insn(0x61, 4, 1, 4, 0),
                new DeviceBpfProgram.Insn(0x55, 5, 0, 0x0102, 0x01020304),
                new DeviceBpfProgram.Insn(0xb7, 0, 0, 0, -1)));
        assertArrayEquals(new byte[] {
            0x61, 0x14, 4, 0, 0, 0, 0, 0,
            0x55, 0x05, 0x02, 0x01, 0x04, 0x03, 0x02, 0x01,
            (byte) 0xb7, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, b);
    }

    @Test
    void typicalContainerRules() {
        List<DeviceRule> rules = new ArrayList<>();
        rules.add(DeviceRules.denyAll());
        rules.add(rule(true, "c", 10L, 200L, "rwm"));       // /dev/net/tun from the config
        rules.add(rule(false, "c", 1L, 9L, "w"));           // deny writing urandom...
        List<DeviceRule> all = DeviceRules.withDefaults(rules); // ...but the defaults come after
        BpfInterpreter vm = vm(all);
        assertEquals(1, vm.run('c', 1, 3, "rw"));    // null
        assertEquals(1, vm.run('c', 1, 9, "w"));     // urandom: the default allow is later
        assertEquals(1, vm.run('c', 136, 4, "rw"));  // pts/4
        assertEquals(1, vm.run('c', 10, 200, "r"));  // tun
        assertEquals(0, vm.run('b', 8, 0, "r"));     // a disk
        assertEquals(1, vm.run('b', 8, 0, "m"));     // but mknod of it is fine
        assertEquals(0, vm.run('c', 4, 1, "rw"));    // tty1
    }

    @Test
    void partialAccessRules() {
        List<DeviceRule> rules = List.of(DeviceRules.denyAll(), rule(true, "c", 1L, 3L, "r"),
                rule(true, "b", 8L, null, "rw"), rule(false, "b", 8L, 1L, "w"));
        BpfInterpreter vm = vm(rules);
        assertEquals(1, vm.run('c', 1, 3, "r"));
        assertEquals(0, vm.run('c', 1, 3, "w"));
        assertEquals(0, vm.run('c', 1, 3, "rw"));  // allow needs every requested bit
        assertEquals(1, vm.run('b', 8, 2, "rw"));
        assertEquals(0, vm.run('b', 8, 1, "rw"));  // deny hits when any requested bit is denied
        assertEquals(1, vm.run('b', 8, 1, "r"));
        assertEquals(0, vm.run('c', 8, 2, "r"));   // type matters
    }

    @Test
    void withoutDenyAllEverythingNotDeniedIsAllowed() {
        BpfInterpreter vm = vm(List.of(rule(false, "c", 5L, 1L, "rwm")));
        assertEquals(0, vm.run('c', 5, 1, "r"));
        assertEquals(1, vm.run('c', 5, 2, "r"));
        assertEquals(1, vm.run('b', 5, 1, "r"));
    }

    @Test
    void aLaterAllowAllEndsTheProgram() {
        List<DeviceRule> rules = List.of(rule(false, "c", 1L, 3L, "rwm"), rule(true, "a", null, null, "rwm"));
        BpfInterpreter vm = vm(rules);
        assertEquals(1, vm.run('c', 1, 3, "r"));
        // prologue (6) + return (2): nothing before the allow-all is compiled
        assertEquals(8, vm.count());
        assertEquals(1, vm(List.of()).run('b', 1, 1, "rwm"));
        assertEquals(0, vm(List.of(DeviceRules.denyAll())).run('c', 1, 3, "r"));
    }

    @Test
    void wildcardMinusOneAndTypeAWithNumbers() {
        BpfInterpreter vm = vm(List.of(DeviceRules.denyAll(), rule(true, "a", 7L, -1L, "rw")));
        assertEquals(1, vm.run('b', 7, 9, "r"));
        assertEquals(1, vm.run('c', 7, 0, "w"));
        assertEquals(0, vm.run('c', 7, 0, "m"));
        assertEquals(0, vm.run('c', 8, 0, "r"));
    }

    @Test
    void randomRuleSetsMatchTheSemantics() {
        Random rnd = new Random(42);
        String[] types = {"a", "b", "c", null};
        String[] accesses = {"r", "w", "m", "rw", "rm", "wm", "rwm", null};
        for (int round = 0; round < 500; round++) {
            List<DeviceRule> rules = new ArrayList<>();
            int n = rnd.nextInt(8);
            for (int i = 0; i < n; i++) {
                rules.add(rule(rnd.nextBoolean(), types[rnd.nextInt(types.length)],
                        rnd.nextInt(4) == 0 ? null : (long) rnd.nextInt(3),
                        rnd.nextInt(4) == 0 ? null : (long) rnd.nextInt(3),
                        accesses[rnd.nextInt(accesses.length)]));
            }
            BpfInterpreter vm = vm(rules);
            for (char t : new char[] {'b', 'c'}) {
                for (int maj = 0; maj < 4; maj++) {
                    for (int min = 0; min < 4; min++) {
                        for (String acc : new String[] {"r", "w", "m", "rw", "rwm"}) {
                            assertEquals(expected(rules, t, maj, min, acc), vm.run(t, maj, min, acc),
                                    rules + " " + t + " " + maj + ":" + min + " " + acc);
                        }
                    }
                }
            }
        }
    }

    @Test
    void invalidRulesAreRejectedBeforeCompiling() {
        var e = assertThrows(CgroupException.class, () -> DeviceBpfProgram.build(List.of(rule(true, "u", 1L, 1L, "r"))));
        assertTrue(e.getMessage().contains("linux.resources.devices[0].type"), e.getMessage());
        e = assertThrows(CgroupException.class, () -> DeviceBpfProgram.build(List.of(rule(true, "c", 1L, 1L, "rr"))));
        assertTrue(e.getMessage().contains("linux.resources.devices[0].access"), e.getMessage());
        e = assertThrows(CgroupException.class, () -> DeviceBpfProgram.build(List.of(rule(true, "c", -5L, 1L, "r"))));
        assertTrue(e.getMessage().contains("linux.resources.devices[0].major"), e.getMessage());
    }

    @Test
    void defaultAllowListCoversTheStandardNodes() {
        BpfInterpreter vm = vm(DeviceRules.withDefaults(List.of(DeviceRules.denyAll())));
        int[][] nodes = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, 0}, {136, 77}};
        for (int[] d : nodes) {
            assertEquals(1, vm.run('c', d[0], d[1], "rwm"), d[0] + ":" + d[1]);
        }
        assertEquals(0, vm.run('c', 10, 200, "rw"));
        assertEquals(1, vm.run('c', 10, 200, "m"));
        assertEquals(1, vm.run('b', 259, 0, "m"));
    }
}
