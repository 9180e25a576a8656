package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.cpu (all but cpus/mems) on the cgroup2 cpu controller. */
final class CpuV2 {
    private static final String K = CpuV1.K;

    private CpuV2() {}

    /** v1 shares [2, 262144] mapped linearly onto v2 weight [1, 10000], as runc maps them. */
    static long sharesToWeight(long shares) {
        if (shares == 0) {
            return 0;
        }
        return 1 + ((shares - 2) * 9999) / 262142;
    }

    /** cpu.max: "$QUOTA $PERIOD"; a missing or -1 quota is "max"; a missing period keeps the kernel's. */
    static String cpuMax(Long quota, Long period) {
        String q = quota != null && quota > 0 ? Long.toString(quota) : "max";
        return Check.set(period) ? q + " " + period : q;
    }

    static void apply(CgroupDir d, Resources.Cpu c) {
        CpuV1.validate(c);
        if (Check.set(c.realtimePeriod()) || Check.set(c.realtimeRuntime())) {
            String key = Check.set(c.realtimePeriod()) ? K + "realtimePeriod" : K + "realtimeRuntime";
            throw Check.invalid(key, "realtime scheduling limits are not supported on cgroup v2");
        }
        if (Check.set(c.shares())) {
            d.write(K + "shares", "cpu.weight", Long.toString(sharesToWeight(c.shares())));
        }
        if (Check.set(c.quota()) || Check.set(c.period())) {
            d.write(Check.set(c.quota()) ? K + "quota" : K + "period", "cpu.max", cpuMax(c.quota(), c.period()));
        }
        if (c.burst() != null) {
            d.write(K + "burst", "cpu.max.burst", Long.toString(c.burst()));
        }
        if (c.idle() != null) {
            d.write(K + "idle", "cpu.idle", Long.toString(c.idle()));
        }
    }
}
