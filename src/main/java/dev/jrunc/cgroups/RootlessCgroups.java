package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The cgroup of a rootless container. On cgroup v2, where the user may make the container's
 * directory (the nearest existing ancestor, its cgroup.procs and cgroup.subtree_control are
 * writable: a subtree delegated to the user), it is a cgroup like root's and the limits apply;
 * the device allow-list is left out, as an unprivileged user cannot attach the device program and
 * it could give no more than the user has anyway. Anywhere else (cgroup v1, hybrid, a subtree not
 * delegated) the container gets no cgroup: the limits are skipped with a warning, as runc does.
 */
public final class RootlessCgroups {
    private RootlessCgroups() {}

    public static CgroupManager forSpec(Spec spec, String containerId, Consumer<String> warn) {
        return select(CgroupLayout.detect(), spec, containerId, Files::isWritable, warn);
    }

    static CgroupManager select(CgroupLayout layout, Spec spec, String containerId, Predicate<Path> writable,
            Consumer<String> warn) {
        String path = spec.linux() == null ? null : spec.linux().cgroupsPath();
        String why;
        if (layout.mode() == CgroupMode.V2) {
            CgroupManager m = CgroupManager.forContainer(layout, path, containerId, false);
            Path dir = m.paths().get(CgroupLayout.UNIFIED);
            Path existing = dir;
            while (existing != null && !Files.isDirectory(existing)) existing = existing.getParent();
            if (existing != null && writable.test(existing) && writable.test(existing.resolve("cgroup.procs"))
                    && writable.test(existing.resolve("cgroup.subtree_control"))) {
                return m;
            }
            why = existing + " is not delegated to the user (not writable)";
        } else {
            why = "cgroup " + (layout.mode() == CgroupMode.V1 ? "v1" : "v1/v2 hybrid") + " cannot be delegated to a user";
        }
        List<String> limits = limitNames(spec.linux() == null ? null : spec.linux().resources());
        if (!limits.isEmpty()) {
            warn.accept("rootless: " + why + ": the container gets no cgroup, and these limits are not applied: "
                    + String.join(", ", limits));
        }
        return new NoCgroup(null, 0);
    }

    /** linux.resources without the device rules, which a rootless container never gets. */
    public static Resources withoutDevices(Resources r) {
        return new Resources(null, r.memory(), r.cpu(), r.pids(), r.blockIO(), r.hugepageLimits(), r.network(), r.rdma(),
                r.unified());
    }

    /** The limits resources sets (JSON names under linux.resources), devices aside. */
    public static List<String> limitNames(Resources r) {
        List<String> out = new ArrayList<>();
        if (r == null) return out;
        if (r.memory() != null) out.add("memory");
        if (r.cpu() != null) out.add("cpu");
        if (r.pids() != null) out.add("pids");
        if (r.blockIO() != null) out.add("blockIO");
        if (r.hugepageLimits() != null && !r.hugepageLimits().isEmpty()) out.add("hugepageLimits");
        if (r.network() != null) out.add("network");
        if (r.rdma() != null && !r.rdma().isEmpty()) out.add("rdma");
        if (r.unified() != null && !r.unified().isEmpty()) out.add("unified");
        return out;
    }
}
