package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;

/** linux.resources.network: the v1 net_cls and net_prio controllers (cgroup v2 has neither). */
final class NetworkV1 {
    private static final String K = Check.R + "network.";

    private NetworkV1() {}

    static void apply(CgroupDir netCls, CgroupDir netPrio, Resources.Network n) {
        if (n.classID() != null) {
            Check.range(K + "classID", n.classID(), 0, 0xFFFFFFFFL);
            if (netCls == null) {
                throw Check.invalid(K + "classID", "the net_cls cgroup controller is not mounted on this host");
            }
            netCls.write(K + "classID", "net_cls.classid", Long.toString(n.classID()));
        }
        var prios = BlkioV1.orEmpty(n.priorities());
        for (int i = 0; i < prios.size(); i++) {
            var p = prios.get(i);
            String key = K + "priorities[" + i + "]";
            if (p.name() == null || p.name().isEmpty() || p.name().contains(" ")) {
                throw Check.invalid(key + ".name", "must be an interface name");
            }
            Check.range(key + ".priority", p.priority(), 0, 0xFFFFFFFFL);
            if (netPrio == null) {
                throw Check.invalid(key, "the net_prio cgroup controller is not mounted on this host");
            }
            netPrio.write(key, "net_prio.ifpriomap", p.name() + " " + p.priority());
        }
    }

    static void refuseOnV2(Resources.Network n) {
        if (n.classID() != null) {
            throw Check.invalid(K + "classID", "net_cls is not available on cgroup v2");
        }
        if (n.priorities() != null && !n.priorities().isEmpty()) {
            throw Check.invalid(K + "priorities", "net_prio is not available on cgroup v2");
        }
    }
}
