package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.util.List;

/** linux.resources.hugepageLimits: hugetlb.SIZE.limit_in_bytes on v1, hugetlb.SIZE.max on v2. */
final class Hugetlb {
    private static final String K = Check.R + "hugepageLimits";

    private Hugetlb() {}

    static void apply(CgroupDir d, List<Resources.HugepageLimit> limits, boolean v2) {
        for (int i = 0; i < limits.size(); i++) {
            var l = limits.get(i);
            String key = K + "[" + i + "]";
            Check.pageSize(key + ".pageSize", l.pageSize());
            Check.limit(key + ".limit", l.limit());
            String base = "hugetlb." + l.pageSize() + ".";
            String value = v2 && l.limit() == -1 ? "max" : Long.toString(l.limit());
            String limitFile = base + (v2 ? "max" : "limit_in_bytes");
            if (!d.has(limitFile)) {
                throw Check.invalid(key + ".pageSize", "huge page size " + l.pageSize()
                        + " is not supported by this kernel (" + d.file(limitFile) + " does not exist)");
            }
            d.write(key + ".limit", limitFile, value);
            // kernels with reservation accounting limit reservations too, or a mapping could reserve past the limit
            String rsvd = base + (v2 ? "rsvd.max" : "rsvd.limit_in_bytes");
            if (d.has(rsvd)) {
                d.write(key + ".limit", rsvd, value);
            }
        }
    }
}
