package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.cpu (all but cpus/mems) on the v1 cpu controller. */
final class CpuV1 {
    static final String K = Check.R + "cpu.";

    private CpuV1() {}

    static void validate(Resources.Cpu c) {
        if (Check.set(c.shares())) Check.range(K + "shares", c.shares(), 2, 262144);
        if (c.quota() != null && c.quota() < -1) Check.range(K + "quota", c.quota(), -1, Long.MAX_VALUE);
        if (Check.set(c.period())) Check.range(K + "period", c.period(), 1000, 1_000_000);
        if (c.burst() != null) Check.nonNegative(K + "burst", c.burst());
        if (c.realtimePeriod() != null) Check.nonNegative(K + "realtimePeriod", c.realtimePeriod());
        if (c.realtimeRuntime() != null && c.realtimeRuntime() < -1) Check.range(K + "realtimeRuntime", c.realtimeRuntime(), -1, Long.MAX_VALUE);
        if (c.idle() != null) Check.range(K + "idle", c.idle(), 0, 1);
    }

    static boolean needed(Resources.Cpu c) {
        return Check.set(c.shares()) || Check.set(c.quota()) || Check.set(c.period()) || c.burst() != null
                || Check.set(c.realtimePeriod()) || Check.set(c.realtimeRuntime()) || c.idle() != null;
    }

    static void apply(CgroupDir d, Resources.Cpu c) {
        validate(c);
        if (Check.set(c.shares())) {
            d.write(K + "shares", "cpu.shares", Long.toString(c.shares()));
        }
        if (Check.set(c.period())) {
            d.write(K + "period", "cpu.cfs_period_us", Long.toString(c.period()));
        }
        if (Check.set(c.quota())) {
            d.write(K + "quota", "cpu.cfs_quota_us", Long.toString(c.quota()));
        }
        if (c.burst() != null) {
            d.write(K + "burst", "cpu.cfs_burst_us", Long.toString(c.burst()));
        }
        // the runtime must fit the period, so a growing period goes first
        if (Check.set(c.realtimePeriod())) {
            d.write(K + "realtimePeriod", "cpu.rt_period_us", Long.toString(c.realtimePeriod()));
        }
        if (Check.set(c.realtimeRuntime())) {
            d.write(K + "realtimeRuntime", "cpu.rt_runtime_us", Long.toString(c.realtimeRuntime()));
        }
        if (c.idle() != null) {
            d.write(K + "idle", "cpu.idle", Long.toString(c.idle()));
        }
    }
}
