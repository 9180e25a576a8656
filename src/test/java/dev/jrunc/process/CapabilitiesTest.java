package dev.jrunc.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.ProcessSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
    private static final int LAST_CAP = 40; // CAP_CHECKPOINT_RESTORE, Linux 5.9+
    private final List<String> warnings = new ArrayList<>();

    private Capabilities.Masks masks(ProcessSpec.Capabilities caps, int lastCap) {
        return Capabilities.masks(caps, lastCap, "$.process.capabilities", warnings::add);
    }

    @Test
    void namesToNumbers() {
        assertEquals(0, Capabilities.number("CAP_CHOWN"));
        assertEquals(5, Capabilities.number("CAP_KILL"));
        assertEquals(10, Capabilities.number("CAP_NET_BIND_SERVICE"));
        assertEquals(21, Capabilities.number("CAP_SYS_ADMIN"));
        assertEquals(29, Capabilities.number("CAP_AUDIT_WRITE"));
        assertEquals(40, Capabilities.number("CAP_CHECKPOINT_RESTORE"));
        assertEquals(-1, Capabilities.number("CAP_NOPE"));
        assertEquals(-1, Capabilities.number("cap_kill"), "names are case-sensitive, as in runtime-spec");
    }

    @Test
    void runcDefaultSet() {
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        Capabilities.Masks m = masks(new ProcessSpec.Capabilities(caps, caps, null, caps, List.of()), LAST_CAP);
        long expected = (1L << 29) | (1L << 5) | (1L << 10);
        assertEquals(new Capabilities.Masks(expected, expected, expected, 0, 0), m);
        assertEquals("20000420,20000420,20000420,0,0", m.helperArgument());
        assertEquals(List.of(), warnings);
    }

    @Test
    void eachSetGoesToItsOwnMask() {
        Capabilities.Masks m = masks(new ProcessSpec.Capabilities(List.of("CAP_CHOWN", "CAP_FOWNER"),
                List.of("CAP_DAC_OVERRIDE"), List.of("CAP_FOWNER"), List.of("CAP_SETUID", "CAP_DAC_OVERRIDE"),
                List.of("CAP_SETGID")), LAST_CAP);
        assertEquals(new Capabilities.Masks(1L | 1L << 3, 1L << 1, 1L << 7 | 1L << 1, 1L << 3, 1L << 6), m);
        assertEquals("9,2,82,8,40", m.helperArgument(), "bounding,effective,permitted,inheritable,ambient");
        assertEquals(List.of(), warnings);
    }

    @Test
    void capsOutsideTheRuntimesBoundingSetAreSkippedWithAWarning() {
        // This host's runtime may lack some (e.g. CAP_SYS_RESOURCE, 24): capset(2) could not grant them.
        long bounding = ~(1L << 24) & ((1L << 41) - 1);
        List<String> asked = List.of("CAP_KILL", "CAP_SYS_RESOURCE");
        Capabilities.Masks m = Capabilities.masks(new ProcessSpec.Capabilities(asked, asked, asked, asked, asked),
                LAST_CAP, bounding, "$.process.capabilities", warnings::add);
        long kill = 1L << 5;
        assertEquals(new Capabilities.Masks(kill, kill, kill, kill, kill), m);
        assertEquals(List.of("capability CAP_SYS_RESOURCE is not in the runtime's bounding set, so it cannot be"
                + " granted; ignoring it"), warnings);
    }

    @Test
    void capsCapsetWouldRefuseInCombinationAreSkippedWithAWarning() {
        Capabilities.Masks m = masks(new ProcessSpec.Capabilities(List.of("CAP_KILL"),
                List.of("CAP_KILL", "CAP_CHOWN"), List.of("CAP_KILL", "CAP_FOWNER"), List.of("CAP_KILL"), null),
                LAST_CAP);
        long kill = 1L << 5;
        assertEquals(new Capabilities.Masks(kill, kill, kill, kill, 0), m);
        assertEquals(List.of(
                "capability CAP_CHOWN in $.process.capabilities.effective cannot be granted: it is not in permitted;"
                        + " ignoring it",
                "capability CAP_FOWNER in $.process.capabilities.inheritable cannot be granted: it is not in bounding;"
                        + " ignoring it"), warnings);
    }

    @Test
    void ownBoundingSetIsRead() throws java.io.IOException {
        String status = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
        String line = status.lines().filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow();
        assertEquals(Long.parseUnsignedLong(line.substring(7).trim(), 16), Capabilities.ownBounding());
    }

    @Test
    void unknownNameNamesTheJsonPathWithIndex() {
        ConfigException e = assertThrows(ConfigException.class, () -> masks(new ProcessSpec.Capabilities(
                List.of("CAP_KILL"), List.of("CAP_KILL", "CAP_FLY"), null, null, null), LAST_CAP));
        assertEquals("$.process.capabilities.effective[1]", e.path());
        assertEquals("config.json: $.process.capabilities.effective[1]: unknown capability \"CAP_FLY\"",
                e.getMessage());
    }

    @Test
    void capsAboveLastCapAreDroppedWithOneWarning() {
        List<String> newer = List.of("CAP_KILL", "CAP_PERFMON", "CAP_BPF");
        Capabilities.Masks m = masks(new ProcessSpec.Capabilities(newer, newer, newer, newer, newer), 37);
        assertEquals(new Capabilities.Masks(1L << 5, 1L << 5, 1L << 5, 1L << 5, 1L << 5), m);
        assertEquals(List.of(
                "capability CAP_PERFMON is not supported by this kernel; ignoring it",
                "capability CAP_BPF is not supported by this kernel; ignoring it"), warnings);
    }

    @Test
    void lastCapItselfIsKept() {
        Capabilities.Masks m = masks(new ProcessSpec.Capabilities(List.of("CAP_AUDIT_READ"), null, null, null, null),
                37);
        assertEquals(1L << 37, m.bounding());
        assertEquals(List.of(), warnings);
    }

    @Test
    void hostLastCapIsPlausible() {
        int last = Capabilities.lastCap();
        assertTrue(last >= 30 && last < 64, "cap_last_cap " + last);
    }
}
