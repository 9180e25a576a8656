package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.cpu.cpus/mems; the file names are the same on v1 and v2. */
final class Cpuset {
    private static final String K = CpuV1.K;

    private Cpuset() {}

    static boolean needed(Resources.Cpu c) {
        return Check.set(c.cpus()) || Check.set(c.mems());
    }

    static void validate(Resources.Cpu c) {
        if (Check.set(c.cpus())) Check.cpuList(K + "cpus", c.cpus());
        if (Check.set(c.mems())) Check.cpuList(K + "mems", c.mems());
    }

    static void apply(CgroupDir d, Resources.Cpu c) {
        validate(c);
        if (Check.set(c.cpus())) {
            d.write(K + "cpus", "cpuset.cpus", c.cpus());
        }
        if (Check.set(c.mems())) {
            d.write(K + "mems", "cpuset.mems", c.mems());
        }
    }

    /**
     * A new v1 cpuset cgroup starts with empty cpus and mems, and the kernel refuses processes until
     * both are set, so each directory we create inherits its parent's values.
     */
    static void inheritFromParent(CgroupDir dir, CgroupDir parent) {
        for (String f : new String[] {"cpuset.cpus", "cpuset.mems"}) {
            String mine = dir.readIfPresent(f);
            if (mine != null && mine.isEmpty()) {
                String theirs = parent.readIfPresent(f);
                if (theirs != null && !theirs.isEmpty()) {
                    dir.write(Check.R + "cpu." + (f.endsWith("cpus") ? "cpus" : "mems"), f, theirs);
                }
            }
        }
    }
}
