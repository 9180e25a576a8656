package dev.jrunc.cgroups;

import dev.jrunc.Log;
import dev.jrunc.spec.Resources;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * linux.resources as systemd unit properties, for the limits systemd manages itself. systemd
 * rewrites its unit's cgroup files from these properties whenever it realizes the unit again
 * (a daemon-reload, another property change), so a limit written only to cgroupfs would be lost:
 * every limit systemd has a property for goes there too, converted as runc converts it. Limits
 * systemd has no property for are written to cgroupfs only, which systemd leaves alone.
 */
public final class SystemdProperties {
    /** systemd versions that brought a property (older ones get the value through cgroupfs only). */
    static final int CPU_QUOTA_PERIOD_SINCE = 242;
    static final int ALLOWED_CPUS_SINCE = 244;
    static final int CPU_IDLE_SINCE = 252;
    private static final long DEFAULT_CPU_PERIOD = 100_000;

    /** The properties for systemd, and the resources for cgroupfs (the CPU quota rounded as systemd rounds it). */
    public record Mapped(List<UnitProperty> properties, Resources forCgroupfs) {}

    private SystemdProperties() {}

    /**
     * The properties of a new unit: what it is, where it lives, delegation and accounting, as
     * runc starts its units.
     */
    public static List<UnitProperty> forNewUnit(SystemdUnit unit, String description, long pid, CgroupMode mode) {
        List<UnitProperty> p = new ArrayList<>();
        p.add(UnitProperty.string("Description", description));
        if (unit.isSlice()) {
            // a slice's parent follows from its name; Wants= makes systemd start the parent first
            p.add(UnitProperty.strings("Wants", List.of(unit.slice())));
        } else {
            p.add(UnitProperty.string("Slice", unit.slice()));
            p.add(UnitProperty.bool("Delegate", true));
        }
        if (pid > 0 && !unit.isSlice()) {
            // a slice holds no processes of its own in systemd's model: the init joins it through cgroupfs
            p.add(UnitProperty.pids("PIDs", List.of(pid)));
        }
        p.add(UnitProperty.bool("MemoryAccounting", true));
        p.add(UnitProperty.bool("CPUAccounting", true));
        p.add(UnitProperty.bool(mode == CgroupMode.V2 ? "IOAccounting" : "BlockIOAccounting", true));
        p.add(UnitProperty.bool("TasksAccounting", true));
        p.add(UnitProperty.bool("DefaultDependencies", false));
        return p;
    }

    /** The properties for r on a host of mode, for a systemd of version (-1: unknown). */
    public static Mapped forResources(Resources r, CgroupMode mode, int version) {
        List<UnitProperty> p = new ArrayList<>();
        if (r == null) {
            return new Mapped(p, null);
        }
        boolean v2 = mode == CgroupMode.V2;
        if (r.devices() != null && !r.devices().isEmpty()) {
            p.addAll(SystemdDeviceRules.properties(r.devices(), v2));
        }
        if (r.memory() != null) {
            memory(p, r.memory(), v2);
        }
        Resources.Cpu cpu = r.cpu();
        if (cpu != null) {
            cpu = cpu(p, cpu, v2, version);
        }
        if (r.pids() != null && Check.set(r.pids().limit())) {
            long limit = r.pids().limit();
            p.add(UnitProperty.uint64("TasksMax", limit < 0 ? UnitProperty.INFINITY : limit));
        }
        if (r.blockIO() != null) {
            blockIO(p, r.blockIO(), v2);
        }
        if (v2 && r.unified() != null) {
            unified(p, r.unified(), version);
        }
        Resources out = cpu == r.cpu() ? r : new Resources(r.devices(), r.memory(), cpu, r.pids(), r.blockIO(),
                r.hugepageLimits(), r.network(), r.rdma(), r.unified());
        return new Mapped(p, out);
    }

    private static void memory(List<UnitProperty> p, Resources.Memory m, boolean v2) {
        MemoryV1.validate(m);
        long limit = m.limit() == null ? 0 : m.limit();
        if (!v2) {
            if (limit != 0) {
                p.add(UnitProperty.uint64("MemoryLimit", limit));
            }
            return;
        }
        if (limit != 0) {
            p.add(UnitProperty.uint64("MemoryMax", limit));
        }
        if (Check.set(m.reservation())) {
            p.add(UnitProperty.uint64("MemoryLow", m.reservation()));
        }
        long swap = MemoryV2.swapMax(m.swap() == null ? 0 : m.swap(), limit);
        if (MemoryV2.writesSwap(m.swap(), swap)) {
            p.add(UnitProperty.uint64("MemorySwapMax", swap));
        }
    }

    /** Adds the CPU properties; returns cpu with the quota systemd will actually apply. */
    private static Resources.Cpu cpu(List<UnitProperty> p, Resources.Cpu c, boolean v2, int version) {
        CpuV1.validate(c);
        boolean idle = v2 && c.idle() != null && c.idle() == 1 && version >= CPU_IDLE_SINCE;
        if (idle) {
            // CPUWeight=0 is how systemd spells cpu.idle=1
            p.add(UnitProperty.uint64("CPUWeight", 0));
        }
        if (Check.set(c.shares())) {
            if (!v2) {
                p.add(UnitProperty.uint64("CPUShares", c.shares()));
            } else if (idle) {
                Log.warn(CpuV1.K + "shares: systemd cannot have both a CPU weight and cpu.idle; the weight is not given to systemd");
            } else {
                p.add(UnitProperty.uint64("CPUWeight", CpuV2.sharesToWeight(c.shares())));
            }
        }
        long quota = c.quota() == null ? 0 : c.quota();
        long period = c.period() == null ? 0 : c.period();
        long applied = cpuQuota(p, quota, period, version);
        if (Check.set(c.cpus()) || Check.set(c.mems())) {
            if (version >= ALLOWED_CPUS_SINCE) {
                if (Check.set(c.cpus())) {
                    Check.cpuList(CpuV1.K + "cpus", c.cpus());
                    p.add(UnitProperty.bytes("AllowedCPUs", bits(c.cpus())));
                }
                if (Check.set(c.mems())) {
                    Check.cpuList(CpuV1.K + "mems", c.mems());
                    p.add(UnitProperty.bytes("AllowedMemoryNodes", bits(c.mems())));
                }
            }
        }
        if (applied == quota) {
            return c;
        }
        return new Resources.Cpu(c.shares(), applied, c.burst(), c.period(), c.realtimeRuntime(), c.realtimePeriod(),
                c.cpus(), c.mems(), c.idle());
    }

    /**
     * CPUQuotaPerSecUSec (and CPUQuotaPeriodUSec): systemd keeps the quota as a percentage of one
     * CPU, so a quota that is not a whole percent is rounded up to the next one, and the same
     * rounded quota is what cgroupfs gets. Returns that quota.
     */
    static long cpuQuota(List<UnitProperty> p, long quota, long period, int version) {
        if (period != 0 && version >= CPU_QUOTA_PERIOD_SINCE) {
            p.add(UnitProperty.uint64("CPUQuotaPeriodUSec", period));
        }
        if (quota == 0 && period == 0) {
            return quota;
        }
        long perSec = UnitProperty.INFINITY;
        if (quota > 0) {
            long per = period == 0 ? DEFAULT_CPU_PERIOD : period;
            perSec = quota * 1_000_000 / per;
            if (perSec % 10_000 != 0) {
                perSec = (perSec / 10_000 + 1) * 10_000;
                quota = perSec * per / 1_000_000;
            }
        }
        p.add(UnitProperty.uint64("CPUQuotaPerSecUSec", perSec));
        return quota;
    }

    private static void blockIO(List<UnitProperty> p, Resources.BlockIO b, boolean v2) {
        BlkioV1.validate(b);
        if (Check.set(b.weight())) {
            p.add(v2 ? UnitProperty.uint64("IOWeight", IoV2.blkioWeightToIoWeight(b.weight()))
                    : UnitProperty.uint64("BlockIOWeight", b.weight()));
        }
        List<UnitProperty.PathValue> weights = new ArrayList<>();
        for (Resources.WeightDevice w : BlkioV1.orEmpty(b.weightDevice())) {
            if (w.weight() != null) {
                weights.add(new UnitProperty.PathValue(blockDevice(w.major(), w.minor()),
                        v2 ? IoV2.blkioWeightToIoWeight(w.weight()) : w.weight()));
            }
        }
        if (!weights.isEmpty()) {
            p.add(UnitProperty.pathValues(v2 ? "IODeviceWeight" : "BlockIODeviceWeight", weights));
        }
        throttle(p, v2 ? "IOReadBandwidthMax" : "BlockIOReadBandwidth", b.throttleReadBpsDevice());
        throttle(p, v2 ? "IOWriteBandwidthMax" : "BlockIOWriteBandwidth", b.throttleWriteBpsDevice());
        if (v2) {
            // cgroup v1's blkio has no IOPS property in systemd: those stay cgroupfs-only there
            throttle(p, "IOReadIOPSMax", b.throttleReadIOPSDevice());
            throttle(p, "IOWriteIOPSMax", b.throttleWriteIOPSDevice());
        }
    }

    private static void throttle(List<UnitProperty> p, String name, List<Resources.ThrottleDevice> devices) {
        List<UnitProperty.PathValue> out = new ArrayList<>();
        for (Resources.ThrottleDevice t : BlkioV1.orEmpty(devices)) {
            // 0 is "no limit" in the spec, infinity in systemd
            out.add(new UnitProperty.PathValue(blockDevice(t.major(), t.minor()),
                    t.rate() == 0 ? UnitProperty.INFINITY : t.rate()));
        }
        if (!out.isEmpty()) {
            p.add(UnitProperty.pathValues(name, out));
        }
    }

    /** systemd names block devices by path; /dev/block/MAJ:MIN is the one every udev system has. */
    private static String blockDevice(long major, long minor) {
        return "/dev/block/" + major + ":" + minor;
    }

    /** linux.resources.unified keys systemd has a property for (runc's list); the others stay cgroupfs-only. */
    private static void unified(List<UnitProperty> p, Map<String, String> unified, int version) {
        String idle = unified.getOrDefault("cpu.idle", "").trim();
        boolean idleSet = idle.equals("1") && version >= CPU_IDLE_SINCE;
        for (var e : unified.entrySet()) {
            String key = Check.R + "unified[\"" + e.getKey() + "\"]";
            String v = e.getValue().trim();
            switch (e.getKey()) {
                case "cpu.idle" -> {
                    if (idleSet) {
                        p.add(UnitProperty.uint64("CPUWeight", 0));
                    }
                }
                case "cpu.weight" -> {
                    if (!idleSet) {
                        p.add(UnitProperty.uint64("CPUWeight", unsigned(key, v)));
                    }
                }
                case "cpu.max" -> {
                    String[] f = v.split("\\s+");
                    if (f.length < 1 || f.length > 2) {
                        throw Check.invalid(key, "\"" + v + "\" is not \"QUOTA [PERIOD]\"");
                    }
                    long quota = f[0].equals("max") ? 0 : unsigned(key, f[0]);
                    long period = f.length == 2 ? unsigned(key, f[1]) : DEFAULT_CPU_PERIOD;
                    cpuQuota(p, quota, period, version);
                }
                case "cpuset.cpus", "cpuset.mems" -> {
                    if (version >= ALLOWED_CPUS_SINCE) {
                        Check.cpuList(key, v);
                        p.add(UnitProperty.bytes(e.getKey().equals("cpuset.cpus") ? "AllowedCPUs" : "AllowedMemoryNodes", bits(v)));
                    }
                }
                case "memory.high", "memory.low", "memory.min", "memory.max", "memory.swap.max" -> {
                    String name = switch (e.getKey()) {
                        case "memory.high" -> "MemoryHigh";
                        case "memory.low" -> "MemoryLow";
                        case "memory.min" -> "MemoryMin";
                        case "memory.max" -> "MemoryMax";
                        default -> "MemorySwapMax";
                    };
                    p.add(UnitProperty.uint64(name, v.equals("max") ? UnitProperty.INFINITY : unsigned(key, v)));
                }
                case "pids.max" -> {
                    long n = v.equals("max") ? UnitProperty.INFINITY : unsigned(key, v);
                    // systemd refuses TasksMax=0
                    p.add(UnitProperty.uint64("TasksMax", n == 0 ? 1 : n));
                }
                default -> { }
            }
        }
    }

    private static long unsigned(String key, String v) {
        try {
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw Check.invalid(key, "\"" + v + "\" is not an unsigned number");
        }
    }

    /** A cpuset list ("0-3,5") as the bit mask systemd's AllowedCPUs takes: bit n of byte n/8 is CPU n. */
    static byte[] bits(String list) {
        BitSet set = new BitSet();
        for (String part : list.split(",")) {
            String[] r = part.trim().split("-");
            int from = Integer.parseInt(r[0].trim());
            int to = r.length == 2 ? Integer.parseInt(r[1].trim()) : from;
            set.set(from, to + 1);
        }
        return set.toByteArray();
    }
}
