package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.memory on the v1 memory controller. */
final class MemoryV1 {
    private static final String K = Check.R + "memory.";

    private MemoryV1() {}

    static void validate(Resources.Memory m) {
        if (m.limit() != null) Check.limit(K + "limit", m.limit());
        if (m.swap() != null) Check.limit(K + "swap", m.swap());
        if (m.reservation() != null) Check.limit(K + "reservation", m.reservation());
        if (m.kernel() != null) Check.limit(K + "kernel", m.kernel());
        if (m.kernelTCP() != null) Check.limit(K + "kernelTCP", m.kernelTCP());
        if (m.swappiness() != null) Check.range(K + "swappiness", m.swappiness(), 0, 100);
        if (Check.set(m.limit()) && Check.set(m.swap()) && m.limit() > 0 && m.swap() > 0 && m.swap() < m.limit()) {
            throw Check.invalid(K + "swap", "memory+swap limit (" + m.swap() + ") must be >= memory limit (" + m.limit() + ")");
        }
    }

    static void apply(CgroupDir d, Resources.Memory m) {
        validate(m);
        checkBeforeUpdate(d, m, "memory.usage_in_bytes");
        long limit = m.limit() == null ? 0 : m.limit();
        long swap = m.swap() == null ? 0 : m.swap();
        // "unlimited memory" with swap unspecified means unlimited swap too, if swap accounting exists
        if (limit == -1 && swap == 0 && d.has("memory.memsw.limit_in_bytes")) {
            swap = -1;
        }
        if (limit != 0 && swap != 0) {
            // the kernel requires memory <= memsw at every moment, so the order depends on the direction
            long current = d.readLongOr("memory.limit_in_bytes", Long.MAX_VALUE);
            if (swap == -1 || current < swap) {
                d.write(K + "swap", "memory.memsw.limit_in_bytes", Long.toString(swap));
                d.write(K + "limit", "memory.limit_in_bytes", Long.toString(limit));
            } else {
                d.write(K + "limit", "memory.limit_in_bytes", Long.toString(limit));
                d.write(K + "swap", "memory.memsw.limit_in_bytes", Long.toString(swap));
            }
        } else if (limit != 0) {
            d.write(K + "limit", "memory.limit_in_bytes", Long.toString(limit));
        } else if (swap != 0) {
            d.write(K + "swap", "memory.memsw.limit_in_bytes", Long.toString(swap));
        }
        if (Check.set(m.reservation())) {
            d.write(K + "reservation", "memory.soft_limit_in_bytes", Long.toString(m.reservation()));
        }
        if (Check.set(m.kernel())) {
            if (d.has("memory.kmem.limit_in_bytes")) {
                d.write(K + "kernel", "memory.kmem.limit_in_bytes", Long.toString(m.kernel()));
            } else {
                // kernel memory limits are gone from kernels >= 5.16; runc ignores them the same way
                dev.jrunc.Log.warn(K + "kernel is deprecated and not supported by this kernel; ignored");
            }
        }
        if (Check.set(m.kernelTCP())) {
            d.write(K + "kernelTCP", "memory.kmem.tcp.limit_in_bytes", Long.toString(m.kernelTCP()));
        }
        if (m.swappiness() != null) {
            d.write(K + "swappiness", "memory.swappiness", Long.toString(m.swappiness()));
        }
        if (Boolean.TRUE.equals(m.disableOOMKiller())) {
            d.write(K + "disableOOMKiller", "memory.oom_control", "1");
        }
        if (m.useHierarchy() != null) {
            d.write(K + "useHierarchy", "memory.use_hierarchy", m.useHierarchy() ? "1" : "0");
        }
    }

    /** checkBeforeUpdate: refuse a limit the cgroup's current usage already exceeds. */
    static void checkBeforeUpdate(CgroupDir d, Resources.Memory m, String usageFile) {
        if (!Boolean.TRUE.equals(m.checkBeforeUpdate()) || m.limit() == null || m.limit() <= 0) {
            return;
        }
        long usage = d.readLongOr(usageFile, 0);
        if (usage > m.limit()) {
            throw Check.invalid(K + "limit", "new limit " + m.limit() + " is below the current usage "
                    + usage + " (" + d.file(usageFile) + ") and checkBeforeUpdate is set");
        }
    }
}
