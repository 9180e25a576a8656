package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.util.List;
import java.util.Map;

/** Short-hands for building linux.resources in tests. */
final class R {
    private R() {}

    static Resources memory(Resources.Memory m) {
        return new Resources(null, m, null, null, null, null, null, null, null);
    }

    static Resources.Memory mem(Long limit, Long swap) {
        return new Resources.Memory(limit, null, swap, null, null, null, null, null, null);
    }

    static Resources cpu(Resources.Cpu c) {
        return new Resources(null, null, c, null, null, null, null, null, null);
    }

    static Resources.Cpu shares(long s) {
        return new Resources.Cpu(s, null, null, null, null, null, null, null, null);
    }

    static Resources.Cpu quota(Long quota, Long period) {
        return new Resources.Cpu(null, quota, null, period, null, null, null, null, null);
    }

    static Resources.Cpu cpus(String cpus, String mems) {
        return new Resources.Cpu(null, null, null, null, null, null, cpus, mems, null);
    }

    static Resources pids(long limit) {
        return new Resources(null, null, null, new Resources.Pids(limit), null, null, null, null, null);
    }

    static Resources blkio(Resources.BlockIO b) {
        return new Resources(null, null, null, null, b, null, null, null, null);
    }

    static Resources.BlockIO weight(int w) {
        return new Resources.BlockIO(w, null, null, null, null, null, null);
    }

    static Resources hugepages(Resources.HugepageLimit... l) {
        return new Resources(null, null, null, null, null, List.of(l), null, null, null);
    }

    static Resources network(Resources.Network n) {
        return new Resources(null, null, null, null, null, null, n, null, null);
    }

    static Resources rdma(Map<String, Resources.Rdma> r) {
        return new Resources(null, null, null, null, null, null, null, r, null);
    }

    static Resources unified(Map<String, String> u) {
        return new Resources(null, null, null, null, null, null, null, null, u);
    }

    static Resources devices(Resources.DeviceRule... rules) {
        return new Resources(List.of(rules), null, null, null, null, null, null, null, null);
    }

    static Resources.DeviceRule rule(boolean allow, String type, Long major, Long minor, String access) {
        return new Resources.DeviceRule(allow, type, major, minor, access);
    }
}
