package dev.jrunc.cgroups;

import java.util.List;
import java.util.Map;

/**
 * Resource usage of a container's cgroup. Component names are the JSON keys `runc events
 * --stats` prints under "data", so a JSON mapper serialises this record into the same shape.
 */
public record CgroupStats(Cpu cpu, Memory memory, Pids pids, Blkio blkio, Map<String, Hugetlb> hugetlb) {

    /** Times in nanoseconds. */
    public record CpuUsage(long total, List<Long> percpu, List<Long> percpu_kernel, List<Long> percpu_user,
            long kernel, long user) {}

    /** throttledTime in nanoseconds. */
    public record Throttling(long periods, long throttledPeriods, long throttledTime) {}

    public record Cpu(CpuUsage usage, Throttling throttling) {}

    /** limit is Long.MAX_VALUE when unlimited. */
    public record MemoryEntry(long limit, long usage, long max, long failcnt) {}

    public record Memory(long cache, MemoryEntry usage, MemoryEntry swap, MemoryEntry kernel,
            MemoryEntry kernelTCP, Map<String, Long> raw) {}

    /** limit 0 means no limit. */
    public record Pids(long current, long limit) {}

    public record BlkioEntry(long major, long minor, String op, long value) {}

    public record Blkio(List<BlkioEntry> ioServiceBytesRecursive, List<BlkioEntry> ioServicedRecursive) {}

    public record Hugetlb(long usage, long max, long failcnt) {}

    static final MemoryEntry NO_MEMORY = new MemoryEntry(0, 0, 0, 0);
}
