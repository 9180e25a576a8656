package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.memory on the cgroup2 memory controller. */
final class MemoryV2 {
    private static final String K = Check.R + "memory.";

    private MemoryV2() {}

    /**
     * v2 limits swap alone while the spec's swap is memory+swap, so memory.swap.max = swap - limit;
     * -1 stays "max"; unlimited memory with swap unspecified means unlimited swap. 0 means unset.
     */
    static long swapMax(long swap, long limit) {
        if (limit == -1 && swap == 0) {
            return -1;
        }
        if (swap == -1 || swap == 0) {
            return swap;
        }
        if (limit == 0 || limit == -1) {
            throw Check.invalid(K + "swap", "a swap limit needs a memory limit (linux.resources.memory.limit)");
        }
        if (swap < limit) {
            throw Check.invalid(K + "swap", "memory+swap limit (" + swap + ") must be >= memory limit (" + limit + ")");
        }
        return swap - limit;
    }

    /**
     * Whether memory.swap.max is written: a converted value other than 0, or a swap equal to the
     * limit, which converts to 0 and means no swap at all (0 only means unset when swap is unset).
     */
    static boolean writesSwap(Long specSwap, long converted) {
        return converted != 0 || (specSwap != null && specSwap > 0);
    }

    static String max(long v) {
        return v == -1 ? "max" : Long.toString(v);
    }

    static void apply(CgroupDir d, Resources.Memory m) {
        MemoryV1.validate(m);
        if (m.swappiness() != null) {
            throw Check.invalid(K + "swappiness", "not supported on cgroup v2 (no memory.swappiness file in " + d.path() + ")");
        }
        if (Check.set(m.kernelTCP())) {
            throw Check.invalid(K + "kernelTCP", "not supported on cgroup v2 (no memory.kmem.tcp.limit_in_bytes in " + d.path() + ")");
        }
        MemoryV1.checkBeforeUpdate(d, m, "memory.current");
        long limit = m.limit() == null ? 0 : m.limit();
        long swap = swapMax(m.swap() == null ? 0 : m.swap(), limit);
        // no swap where the kernel keeps no swap accounting: nothing to turn off
        if (writesSwap(m.swap(), swap) && (swap != 0 || d.has("memory.swap.max"))) {
            d.write(K + "swap", "memory.swap.max", max(swap));
        }
        if (limit != 0) {
            d.write(K + "limit", "memory.max", max(limit));
        }
        if (Check.set(m.reservation())) {
            d.write(K + "reservation", "memory.low", max(m.reservation()));
        }
        if (Check.set(m.kernel())) {
            dev.jrunc.Log.warn(K + "kernel is deprecated and not supported on cgroup v2; ignored");
        }
        if (Boolean.TRUE.equals(m.disableOOMKiller())) {
            dev.jrunc.Log.warn(K + "disableOOMKiller is not supported on cgroup v2; ignored");
        }
        if (Boolean.FALSE.equals(m.useHierarchy())) {
            dev.jrunc.Log.warn(K + "useHierarchy=false is not possible on cgroup v2, which is always hierarchical; ignored");
        }
    }
}
