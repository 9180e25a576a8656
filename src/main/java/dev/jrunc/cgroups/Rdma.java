package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.util.Map;

/** linux.resources.rdma: rdma.max, one "DEVICE hca_handle=N hca_object=M" line per device (v1 and v2). */
final class Rdma {
    private Rdma() {}

    static void apply(CgroupDir d, Map<String, Resources.Rdma> rdma) {
        for (var e : rdma.entrySet()) {
            String key = Check.R + "rdma." + e.getKey();
            if (e.getKey().isEmpty() || e.getKey().contains(" ")) {
                throw Check.invalid(key, "not a device name");
            }
            var r = e.getValue();
            StringBuilder line = new StringBuilder(e.getKey());
            if (r.hcaHandles() != null) {
                Check.nonNegative(key + ".hcaHandles", r.hcaHandles());
                line.append(" hca_handle=").append(r.hcaHandles());
            }
            if (r.hcaObjects() != null) {
                Check.nonNegative(key + ".hcaObjects", r.hcaObjects());
                line.append(" hca_object=").append(r.hcaObjects());
            }
            if (r.hcaHandles() == null && r.hcaObjects() == null) {
                continue;
            }
            if (d == null) {
                throw Check.invalid(key, "the rdma cgroup controller is not available on this host");
            }
            d.write(key, "rdma.max", line.toString());
        }
    }
}
