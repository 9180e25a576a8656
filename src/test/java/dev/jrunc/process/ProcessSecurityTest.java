package dev.jrunc.process;

import static org.junit.jupiter.api.Assertions.*;

import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessSecurityTest {
    private static long[] limits(long v) {
        long[] a = new long[16];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static ProcessSpec process(List<ProcessSpec.Rlimit> rl) {
        return new ProcessSpec(false, null, null, List.of("sh"), null, null, "/", null, rl, null, null, null, null,
                null, null, null);
    }

    @Test
    void hardLimitAboveOwnNeedsCapSysResourceAndNoNewUserNamespace() {
        var p = process(List.of(new ProcessSpec.Rlimit("RLIMIT_NPROC", 10, 5000)));
        var noCap = new ProcessSecurity.Host(false, false, limits(4000), false, 1 << 20, 8L << 20);
        var cap = new ProcessSecurity.Host(false, false, limits(4000), true, 1 << 20, 8L << 20);
        ConfigException e = assertThrows(ConfigException.class, () -> ProcessSecurity.checkRlimits(p, false, noCap));
        assertTrue(e.getMessage().contains("RLIMIT_NPROC") && e.getMessage().contains("$.process.rlimits[0].hard"));
        ProcessSecurity.checkRlimits(p, false, cap);
        assertThrows(ConfigException.class, () -> ProcessSecurity.checkRlimits(p, true, cap));
        ProcessSecurity.checkRlimits(process(List.of(new ProcessSpec.Rlimit("RLIMIT_NPROC", 10, 4000))), true, noCap);
    }

    @Test
    void nofileAboveNrOpenIsRefusedEvenWithTheCapability() {
        var p = process(List.of(new ProcessSpec.Rlimit("RLIMIT_NOFILE", 10, 2_000_000)));
        var cap = new ProcessSecurity.Host(false, false, limits(-1), true, 1 << 20, 8L << 20);
        ConfigException e = assertThrows(ConfigException.class, () -> ProcessSecurity.checkRlimits(p, false, cap));
        assertTrue(e.getMessage().contains("fs.nr_open"));
    }

    @Test
    void limitsLineHardColumn() {
        assertEquals(20000, ProcessSecurity.parseLimitsLine(
                "Max open files            1024                 20000                files     "));
        assertEquals(-1, ProcessSecurity.parseLimitsLine(
                "Max cpu time              unlimited            unlimited            seconds   "));
    }

    @Test
    void schedulerRulesAsRunc() {
        assertEquals("3,0,5,0,0,0,0", ProcessSecurity.schedulerArg(
                new ProcessSpec.Scheduler("SCHED_BATCH", 5, null, null, null, null, null), "config.json", "$.process.scheduler"));
        assertEquals("6,1,0,0,10,20,30", ProcessSecurity.schedulerArg(new ProcessSpec.Scheduler(
                "SCHED_DEADLINE", null, null, List.of("SCHED_FLAG_RESET_ON_FORK"), 10L, 20L, 30L), "config.json", "$.process.scheduler"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.schedulerArg(
                new ProcessSpec.Scheduler("SCHED_OTHER", 0, 3, null, null, null, null), "config.json", "$.process.scheduler"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.schedulerArg(
                new ProcessSpec.Scheduler("SCHED_OTHER", 20, null, null, null, null, null), "config.json", "$.process.scheduler"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.schedulerArg(
                new ProcessSpec.Scheduler("SCHED_FIFO", 0, 5, null, 1L, null, null), "config.json", "$.process.scheduler"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.schedulerArg(
                new ProcessSpec.Scheduler("SCHED_FIFO", 0, 5, List.of("SCHED_FLAG_NOPE"), null, null, null), "config.json", "$.process.scheduler"));
    }

    @Test
    void ioPriorityPersonalityAndCpuLists() {
        assertEquals((2 << 13) | 4, ProcessSecurity.ioPriorityArg(new ProcessSpec.IoPriority("IOPRIO_CLASS_BE", 4), "config.json", "$.process.ioPriority"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.ioPriorityArg(new ProcessSpec.IoPriority("IOPRIO_CLASS_X", 0), "config.json", "$.process.ioPriority"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.ioPriorityArg(new ProcessSpec.IoPriority("IOPRIO_CLASS_RT", 8), "config.json", "$.process.ioPriority"));
        List<String> warnings = new ArrayList<>();
        assertEquals(8, ProcessSecurity.personalityArg(new LinuxSpec.Personality("LINUX32", List.of("X")), warnings::add));
        assertEquals(1, warnings.size());
        assertThrows(ConfigException.class, () -> ProcessSecurity.personalityArg(new LinuxSpec.Personality("WIN", null), w -> {}));
        assertEquals("0-3,7", ProcessSecurity.cpuList("0-3, 7", "config.json", "$.x"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.cpuList("3-1", "config.json", "$.x"));
        assertThrows(ConfigException.class, () -> ProcessSecurity.cpuList("a", "config.json", "$.x"));
    }

    @Test
    void anExecProcessFilesAttributesAreNamedByTheirPathInThatFile() {
        var noLsm = new ProcessSecurity.Host(false, false, limits(-1), true, 1 << 20, 8L << 20);
        var both = new ProcessSecurity.Host(true, true, limits(-1), true, 1 << 20, 8L << 20);
        ProcessSpec labelled = new ProcessSpec(false, null, null, List.of("sh"), null, null, "/", null, null, null,
                "a-profile", null, null, "a_t", null, null);
        ConfigException aa = assertThrows(ConfigException.class,
                () -> ProcessSecurity.checkAttributes(labelled, "proc.json", "$", noLsm));
        assertEquals("proc.json", aa.document());
        assertEquals("$.apparmorProfile", aa.path());
        ProcessSecurity.checkAttributes(labelled, "proc.json", "$", both);
        ProcessSpec sched = new ProcessSpec(false, null, null, List.of("sh"), null, null, "/", null, null, null,
                null, null, new ProcessSpec.Scheduler("SCHED_BATCH", 30, null, null, null, null, null), null, null, null);
        assertEquals("$.scheduler.nice", assertThrows(ConfigException.class,
                () -> ProcessSecurity.checkAttributes(sched, "proc.json", "$", both)).path());
        assertEquals("$.process.scheduler.nice", assertThrows(ConfigException.class,
                () -> ProcessSecurity.checkAttributes(sched, "config.json", "$.process", both)).path());
    }

    private static LinuxSpec linux(Map<String, String> sysctl, String... namespaces) {
        List<LinuxSpec.Namespace> ns = new ArrayList<>();
        for (String n : namespaces) ns.add(new LinuxSpec.Namespace(n, null));
        return new LinuxSpec(ns, null, null, null, null, null, null, null, null, sysctl, null, null, null, null, null, null, null);
    }

    @Test
    void sysctlRulesFollowTheNamespaces() {
        Sysctls.check(linux(Map.of("kernel.shmmax", "1", "fs.mqueue.msg_max", "2"), "ipc"));
        Sysctls.check(linux(Map.of("net.ipv4.ip_forward", "1"), "network"));
        Sysctls.check(linux(Map.of("kernel.domainname", "x"), "uts"));
        assertThrows(ConfigException.class, () -> Sysctls.check(linux(Map.of("kernel.shmmax", "1"), "network")));
        assertThrows(ConfigException.class, () -> Sysctls.check(linux(Map.of("net.ipv4.ip_forward", "1"), "ipc")));
        assertThrows(ConfigException.class, () -> Sysctls.check(linux(Map.of("kernel.hostname", "x"), "uts")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> Sysctls.check(linux(Map.of("vm.swappiness", "1"), "ipc", "network", "uts")));
        assertTrue(e.getMessage().contains("vm.swappiness"));
    }

    @Test
    void sysctlKeyForms() {
        assertEquals("net.ipv4.conf.eno2/100.rp_filter", Sysctls.dotted("net/ipv4/conf/eno2.100/rp_filter"));
        assertEquals("/proc/sys/net/ipv4/conf/eno2.100/rp_filter", Sysctls.procPath("net/ipv4/conf/eno2.100/rp_filter"));
        assertEquals("/proc/sys/kernel/shmmax", Sysctls.procPath("kernel.shmmax"));
    }

    @Test
    void capabilitiesAboveLastCapAreWarnedAndDropped() {
        List<String> warnings = new ArrayList<>();
        var caps = new ProcessSpec.Capabilities(List.of("CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"), null, null, null, null);
        Capabilities.Masks m = Capabilities.masks(caps, 38, "$.process.capabilities", warnings::add);
        assertEquals(1L, m.bounding());
        assertEquals(2, warnings.size());
        assertTrue(warnings.get(0).contains("CAP_BPF"));
        var bad = new ProcessSpec.Capabilities(null, null, List.of("CAP_NOPE"), null, null);
        ConfigException e = assertThrows(ConfigException.class, () -> Capabilities.masks(bad, 40, "$.process.capabilities", w -> {}));
        assertTrue(e.getMessage().contains("CAP_NOPE") && e.getMessage().contains("inheritable[0]"));
    }
}
