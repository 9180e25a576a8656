package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.pids; pids.max on v1 and v2 alike. */
final class Pids {
    private Pids() {}

    /** 0 means unset (runc compatibility); any negative value means no limit. */
    static void apply(CgroupDir d, Resources.Pids p) {
        if (p.limit() == null || p.limit() == 0) {
            return;
        }
        d.write(Check.R + "pids.limit", "pids.max", p.limit() < 0 ? "max" : Long.toString(p.limit()));
    }
}
