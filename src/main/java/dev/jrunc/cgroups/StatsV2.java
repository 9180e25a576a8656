package dev.jrunc.cgroups;

import dev.jrunc.cgroups.CgroupStats.BlkioEntry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Statistics from cgroup2 files, mapped onto the v1-shaped record runc prints. */
final class StatsV2 {
    private StatsV2() {}

    static CgroupStats read(CgroupDir d) {
        return new CgroupStats(cpu(d), memory(d), pids(d), io(d), hugetlb(d));
    }

    static CgroupStats.Cpu cpu(CgroupDir d) {
        Map<String, Long> s = d.readKeyValues("cpu.stat");
        var usage = new CgroupStats.CpuUsage(s.getOrDefault("usage_usec", 0L) * 1000, List.of(), List.of(), List.of(),
                s.getOrDefault("system_usec", 0L) * 1000, s.getOrDefault("user_usec", 0L) * 1000);
        var thr = new CgroupStats.Throttling(s.getOrDefault("nr_periods", 0L), s.getOrDefault("nr_throttled", 0L),
                s.getOrDefault("throttled_usec", 0L) * 1000);
        return new CgroupStats.Cpu(usage, thr);
    }

    static CgroupStats.Memory memory(CgroupDir d) {
        Map<String, Long> raw = d.readKeyValues("memory.stat");
        long usage = d.readLongOr("memory.current", 0);
        long limit = d.readLongOr("memory.max", Long.MAX_VALUE);
        long failcnt = d.readKeyValues("memory.events").getOrDefault("max", 0L);
        var mem = new CgroupStats.MemoryEntry(limit, usage, d.readLongOr("memory.peak", 0), failcnt);
        // v1 reported memory+swap; keep that meaning so consumers need not know the version
        long swapUsage = d.readLongOr("memory.swap.current", 0);
        long swapMax = d.readLongOr("memory.swap.max", Long.MAX_VALUE);
        long swapLimit = swapMax == Long.MAX_VALUE || limit == Long.MAX_VALUE ? Long.MAX_VALUE : swapMax + limit;
        var swap = new CgroupStats.MemoryEntry(swapLimit, usage + swapUsage, 0, 0);
        var none = CgroupStats.NO_MEMORY;
        return new CgroupStats.Memory(raw.getOrDefault("file", 0L), mem, swap, none, none, raw);
    }

    static CgroupStats.Pids pids(CgroupDir d) {
        long limit = d.readLongOr("pids.max", 0);
        return new CgroupStats.Pids(d.readLongOr("pids.current", 0), limit == Long.MAX_VALUE ? 0 : limit);
    }

    /** io.stat lines: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N". */
    static CgroupStats.Blkio io(CgroupDir d) {
        List<BlkioEntry> bytes = new ArrayList<>();
        List<BlkioEntry> ios = new ArrayList<>();
        String s = d.readIfPresent("io.stat");
        if (s != null) {
            for (String line : s.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 2 || !f[0].contains(":")) {
                    continue;
                }
                String[] mm = f[0].split(":");
                long maj = Long.parseLong(mm[0]);
                long min = Long.parseLong(mm[1]);
                for (int i = 1; i < f.length; i++) {
                    String[] kv = f[i].split("=");
                    if (kv.length != 2) {
                        continue;
                    }
                    long v = CgroupDir.parseUnsigned(kv[1]);
                    switch (kv[0]) {
                        case "rbytes" -> bytes.add(new BlkioEntry(maj, min, "Read", v));
                        case "wbytes" -> bytes.add(new BlkioEntry(maj, min, "Write", v));
                        case "rios" -> ios.add(new BlkioEntry(maj, min, "Read", v));
                        case "wios" -> ios.add(new BlkioEntry(maj, min, "Write", v));
                        default -> { }
                    }
                }
            }
        }
        return new CgroupStats.Blkio(bytes, ios);
    }

    static Map<String, CgroupStats.Hugetlb> hugetlb(CgroupDir d) {
        Map<String, CgroupStats.Hugetlb> out = new LinkedHashMap<>();
        for (String f : d.list("hugetlb.", ".max")) {
            String size = f.substring("hugetlb.".length(), f.length() - ".max".length());
            if (size.contains(".")) {
                continue; // hugetlb.SIZE.rsvd.max
            }
            String base = "hugetlb." + size + ".";
            long failcnt = d.readKeyValues(base + "events").getOrDefault("max", 0L);
            out.put(size, new CgroupStats.Hugetlb(d.readLongOr(base + "current", 0), 0, failcnt));
        }
        return out;
    }
}
