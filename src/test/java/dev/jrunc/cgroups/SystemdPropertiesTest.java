package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.*;

import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Resources.DeviceRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemdPropertiesTest {
    private static String text(List<UnitProperty> p) {
        return p.stream().map(UnitProperty::text).toList().toString();
    }

    private static Resources memory(Long limit, Long reservation, Long swap) {
        return new Resources(null, new Resources.Memory(limit, reservation, swap, null, null, null, null, null, null),
                null, null, null, null, null, null, null);
    }

    private static Resources cpu(Long shares, Long quota, Long period, String cpus, String mems, Long idle) {
        return new Resources(null, null, new Resources.Cpu(shares, quota, null, period, null, null, cpus, mems, idle),
                null, null, null, null, null, null);
    }

    @Test
    void memoryOnV2IsMaxLowAndSwapAlone() {
        var m = SystemdProperties.forResources(memory(64L << 20, 32L << 20, 96L << 20), CgroupMode.V2, 252);
        assertEquals("[MemoryMax=67108864, MemoryLow=33554432, MemorySwapMax=33554432]", text(m.properties()));
        assertEquals("[MemoryMax=infinity, MemorySwapMax=infinity]",
                text(SystemdProperties.forResources(memory(-1L, null, null), CgroupMode.V2, 252).properties()));
    }

    @Test
    void swapEqualToLimitIsNoSwapOnV2() {
        assertEquals("[MemoryMax=67108864, MemorySwapMax=0]",
                text(SystemdProperties.forResources(memory(64L << 20, null, 64L << 20), CgroupMode.V2, 252).properties()));
    }

    @Test
    void memoryOnV1IsMemoryLimit() {
        assertEquals("[MemoryLimit=67108864]",
                text(SystemdProperties.forResources(memory(64L << 20, null, null), CgroupMode.V1, 252).properties()));
        assertEquals("[MemoryLimit=67108864]",
                text(SystemdProperties.forResources(memory(64L << 20, null, null), CgroupMode.HYBRID, 252).properties()));
    }

    @Test
    void badMemoryValuesNameTheField() {
        CgroupException e = assertThrows(CgroupException.class,
                () -> SystemdProperties.forResources(memory(64L << 20, null, 1L << 20), CgroupMode.V2, 252));
        assertTrue(e.getMessage().startsWith("linux.resources.memory.swap"), e.getMessage());
    }

    @Test
    void cpuWeightQuotaAndSets() {
        var m = SystemdProperties.forResources(cpu(1024L, 50000L, 100000L, "0-2,7", "0", null), CgroupMode.V2, 252);
        assertEquals("[CPUWeight=39, CPUQuotaPeriodUSec=100000, CPUQuotaPerSecUSec=500000, AllowedCPUs=87, AllowedMemoryNodes=01]",
                text(m.properties()));
        assertEquals(50000L, m.forCgroupfs().cpu().quota());
        assertEquals("[CPUShares=1024, CPUQuotaPeriodUSec=100000, CPUQuotaPerSecUSec=500000, AllowedCPUs=87, AllowedMemoryNodes=01]",
                text(SystemdProperties.forResources(cpu(1024L, 50000L, 100000L, "0-2,7", "0", null), CgroupMode.V1, 252).properties()));
    }

    @Test
    void aQuotaThatIsNotAWholePercentIsRoundedUpForBoth() {
        var m = SystemdProperties.forResources(cpu(null, 12345L, 100000L, null, null, null), CgroupMode.V2, 252);
        assertEquals("[CPUQuotaPeriodUSec=100000, CPUQuotaPerSecUSec=130000]", text(m.properties()));
        assertEquals(13000L, m.forCgroupfs().cpu().quota());
        // unlimited quota with a period; no period means systemd's default of 100 ms
        assertEquals("[CPUQuotaPeriodUSec=50000, CPUQuotaPerSecUSec=infinity]",
                text(SystemdProperties.forResources(cpu(null, -1L, 50000L, null, null, null), CgroupMode.V2, 252).properties()));
        assertEquals("[CPUQuotaPerSecUSec=200000]",
                text(SystemdProperties.forResources(cpu(null, 20000L, null, null, null, null), CgroupMode.V2, 252).properties()));
    }

    @Test
    void olderSystemdGetsOnlyWhatItKnows() {
        assertEquals("[CPUQuotaPerSecUSec=500000]",
                text(SystemdProperties.forResources(cpu(null, 50000L, 100000L, "0", null, null), CgroupMode.V2, 241).properties()));
        // cpu.idle needs 252: CPUWeight=0 is how systemd spells it
        assertEquals("[CPUWeight=0]",
                text(SystemdProperties.forResources(cpu(512L, null, null, null, null, 1L), CgroupMode.V2, 252).properties()));
        assertEquals("[CPUWeight=20]",
                text(SystemdProperties.forResources(cpu(512L, null, null, null, null, 1L), CgroupMode.V2, 251).properties()));
    }

    @Test
    void pidsAndBlockIO() {
        Resources r = new Resources(null, null, null, new Resources.Pids(-1L),
                new Resources.BlockIO(500, null, List.of(new Resources.WeightDevice(8, 0, 100, null)),
                        List.of(new Resources.ThrottleDevice(8, 0, 1048576)), null,
                        List.of(new Resources.ThrottleDevice(8, 16, 0)), null), null, null, null, null);
        assertEquals("[TasksMax=infinity, IOWeight=4950, IODeviceWeight=[/dev/block/8:0 910], "
                + "IOReadBandwidthMax=[/dev/block/8:0 1048576], IOReadIOPSMax=[/dev/block/8:16 infinity]]",
                text(SystemdProperties.forResources(r, CgroupMode.V2, 252).properties()));
        assertEquals("[TasksMax=infinity, BlockIOWeight=500, BlockIODeviceWeight=[/dev/block/8:0 100], "
                + "BlockIOReadBandwidth=[/dev/block/8:0 1048576]]",
                text(SystemdProperties.forResources(r, CgroupMode.V1, 252).properties()));
    }

    @Test
    void unifiedKeysSystemdKnows() {
        Map<String, String> u = new java.util.TreeMap<>(Map.of("memory.high", "1048576", "pids.max", "0", "cpu.max", "max 20000",
                "cpu.weight", "50", "memory.swap.max", "max", "io.max", "8:0 rbps=1", "cpuset.cpus", "1"));
        Resources r = new Resources(null, null, null, null, null, null, null, null, u);
        assertEquals("[CPUQuotaPeriodUSec=20000, CPUQuotaPerSecUSec=infinity, CPUWeight=50, AllowedCPUs=02, "
                + "MemoryHigh=1048576, MemorySwapMax=infinity, TasksMax=1]",
                text(SystemdProperties.forResources(r, CgroupMode.V2, 252).properties()));
        Resources bad = new Resources(null, null, null, null, null, null, null, null, Map.of("memory.high", "lots"));
        CgroupException e = assertThrows(CgroupException.class, () -> SystemdProperties.forResources(bad, CgroupMode.V2, 252));
        assertTrue(e.getMessage().startsWith("linux.resources.unified[\"memory.high\"]"), e.getMessage());
    }

    @Test
    void theUsualDeviceRulesBecomeAStrictAllowList() {
        List<DeviceRule> rules = new ArrayList<>(List.of(DeviceRules.denyAll()));
        rules.add(new DeviceRule(true, "c", 10L, 200L, "rw"));
        rules.add(new DeviceRule(false, "c", 10L, 200L, "w"));
        rules.addAll(DeviceRules.defaultAllowed());
        var p = SystemdProperties.forResources(new Resources(rules, null, null, null, null, null, null, null, null),
                CgroupMode.V2, 252).properties();
        assertEquals("[DeviceAllow=[], DevicePolicy=strict, DeviceAllow=[/dev/char/10:200 r, char-* m, block-* m, "
                + "/dev/char/1:3 rwm, /dev/char/1:5 rwm, /dev/char/1:7 rwm, /dev/char/1:8 rwm, /dev/char/1:9 rwm, "
                + "/dev/char/5:0 rwm, /dev/char/5:1 rwm, /dev/char/5:2 rwm, char-136 rwm]]", text(p));
    }

    @Test
    void allowAllAndDenyListsAreAutoOnV2() {
        List<DeviceRule> all = List.of(new DeviceRule(true, "a", null, null, "rwm"));
        assertEquals("[DeviceAllow=[], DevicePolicy=auto]", text(SystemdProperties.forResources(
                new Resources(all, null, null, null, null, null, null, null, null), CgroupMode.V2, 252).properties()));
        List<DeviceRule> denyOne = List.of(new DeviceRule(true, "a", null, null, "rwm"), new DeviceRule(false, "c", 1L, 3L, "rwm"));
        assertEquals("[DeviceAllow=[], DevicePolicy=auto]", text(SystemdProperties.forResources(
                new Resources(denyOne, null, null, null, null, null, null, null, null), CgroupMode.V2, 252).properties()));
        // on v1 systemd would reset devices.deny to allow-all when it realizes the unit again: deny all instead
        assertEquals("[DeviceAllow=[], DevicePolicy=strict]", text(SystemdProperties.forResources(
                new Resources(denyOne, null, null, null, null, null, null, null, null), CgroupMode.V1, 252).properties()));
    }

    @Test
    void aNewScopeIsDelegatedAndAccounted() {
        var scope = SystemdProperties.forNewUnit(new SystemdUnit("crio-x.scope", "machine.slice"), "jrunc container x", 12, CgroupMode.V2);
        assertEquals("[Description=jrunc container x, Slice=machine.slice, Delegate=true, PIDs=12, MemoryAccounting=true, "
                + "CPUAccounting=true, IOAccounting=true, TasksAccounting=true, DefaultDependencies=false]", text(scope));
        var slice = SystemdProperties.forNewUnit(new SystemdUnit("a-b.slice", "a.slice"), "d", 12, CgroupMode.V1);
        assertEquals("[Description=d, Wants=a.slice, MemoryAccounting=true, CPUAccounting=true, "
                + "BlockIOAccounting=true, TasksAccounting=true, DefaultDependencies=false]", text(slice));
    }

    @Test
    void cpuListsAsSystemdBitMasks() {
        assertArrayEquals(new byte[] {0x0f}, SystemdProperties.bits("0-3"));
        assertArrayEquals(new byte[] {0x01, 0x00, 0x01}, SystemdProperties.bits("0,16"));
        assertArrayEquals(new byte[] {(byte) 0xff, 0x01}, SystemdProperties.bits("0-8"));
    }
}
