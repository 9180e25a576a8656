package dev.jrunc.cgroups;

import dev.jrunc.cgroups.CgroupStats.BlkioEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Statistics from v1 controller files; an unmounted controller contributes zeros. */
final class StatsV1 {
    /** cpuacct.stat counts USER_HZ ticks, which is 100 on every Linux ABI. */
    private static final long NANOS_PER_TICK = 1_000_000_000L / 100;

    private StatsV1() {}

    /** dirOf returns null for a controller that is not mounted. */
    static CgroupStats read(Function<String, CgroupDir> dirOf) {
        return new CgroupStats(cpu(dirOf.apply("cpuacct"), dirOf.apply("cpu")), memory(dirOf.apply("memory")),
                pids(dirOf.apply("pids")), blkio(dirOf.apply("blkio")), hugetlb(dirOf.apply("hugetlb")));
    }

    static CgroupStats.Cpu cpu(CgroupDir acct, CgroupDir cpu) {
        CgroupStats.CpuUsage usage = new CgroupStats.CpuUsage(0, List.of(), List.of(), List.of(), 0, 0);
        if (acct != null) {
            Map<String, Long> stat = acct.readKeyValues("cpuacct.stat");
            usage = new CgroupStats.CpuUsage(acct.readLongOr("cpuacct.usage", 0),
                    acct.readLongList("cpuacct.usage_percpu"), acct.readLongList("cpuacct.usage_percpu_sys"),
                    acct.readLongList("cpuacct.usage_percpu_user"),
                    stat.getOrDefault("system", 0L) * NANOS_PER_TICK, stat.getOrDefault("user", 0L) * NANOS_PER_TICK);
        }
        CgroupStats.Throttling thr = new CgroupStats.Throttling(0, 0, 0);
        if (cpu != null) {
            Map<String, Long> s = cpu.readKeyValues("cpu.stat");
            thr = new CgroupStats.Throttling(s.getOrDefault("nr_periods", 0L), s.getOrDefault("nr_throttled", 0L),
                    s.getOrDefault("throttled_time", 0L));
        }
        return new CgroupStats.Cpu(usage, thr);
    }

    static CgroupStats.Memory memory(CgroupDir d) {
        if (d == null) {
            var none = CgroupStats.NO_MEMORY;
            return new CgroupStats.Memory(0, none, none, none, none, Map.of());
        }
        Map<String, Long> raw = d.readKeyValues("memory.stat");
        return new CgroupStats.Memory(raw.getOrDefault("cache", 0L), entry(d, "memory."), entry(d, "memory.memsw."),
                entry(d, "memory.kmem."), entry(d, "memory.kmem.tcp."), raw);
    }

    private static CgroupStats.MemoryEntry entry(CgroupDir d, String prefix) {
        return new CgroupStats.MemoryEntry(d.readLongOr(prefix + "limit_in_bytes", 0),
                d.readLongOr(prefix + "usage_in_bytes", 0), d.readLongOr(prefix + "max_usage_in_bytes", 0),
                d.readLongOr(prefix + "failcnt", 0));
    }

    static CgroupStats.Pids pids(CgroupDir d) {
        if (d == null) {
            return new CgroupStats.Pids(0, 0);
        }
        long limit = d.readLongOr("pids.max", 0);
        return new CgroupStats.Pids(d.readLongOr("pids.current", 0), limit == Long.MAX_VALUE ? 0 : limit);
    }

    static CgroupStats.Blkio blkio(CgroupDir d) {
        if (d == null) {
            return new CgroupStats.Blkio(List.of(), List.of());
        }
        return new CgroupStats.Blkio(blkioEntries(d, "blkio.throttle.io_service_bytes_recursive"),
                blkioEntries(d, "blkio.throttle.io_serviced_recursive"));
    }

    /** Lines "MAJ:MIN Op value"; the final "Total N" line is a sum, not an entry. */
    static List<BlkioEntry> blkioEntries(CgroupDir d, String file) {
        List<BlkioEntry> out = new ArrayList<>();
        String s = d.readIfPresent(file);
        if (s == null) {
            return out;
        }
        for (String line : s.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[0].contains(":")) {
                String[] mm = f[0].split(":");
                out.add(new BlkioEntry(Long.parseLong(mm[0]), Long.parseLong(mm[1]), f[1], CgroupDir.parseUnsigned(f[2])));
            }
        }
        return out;
    }

    static Map<String, CgroupStats.Hugetlb> hugetlb(CgroupDir d) {
        Map<String, CgroupStats.Hugetlb> out = new LinkedHashMap<>();
        if (d == null) {
            return out;
        }
        for (String f : d.list("hugetlb.", ".limit_in_bytes")) {
            String size = f.substring("hugetlb.".length(), f.length() - ".limit_in_bytes".length());
            if (size.contains(".")) {
                continue; // hugetlb.SIZE.rsvd.*
            }
            String base = "hugetlb." + size + ".";
            out.put(size, new CgroupStats.Hugetlb(d.readLongOr(base + "usage_in_bytes", 0),
                    d.readLongOr(base + "max_usage_in_bytes", 0), d.readLongOr(base + "failcnt", 0)));
        }
        return out;
    }
}
