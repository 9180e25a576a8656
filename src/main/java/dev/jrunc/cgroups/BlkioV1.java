package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.util.List;

/** linux.resources.blockIO on the v1 blkio controller. */
final class BlkioV1 {
    static final String K = Check.R + "blockIO.";

    private BlkioV1() {}

    static void validate(Resources.BlockIO b) {
        if (Check.set(b.weight())) Check.range(K + "weight", b.weight(), 10, 1000);
        if (Check.set(b.leafWeight())) Check.range(K + "leafWeight", b.leafWeight(), 10, 1000);
        List<Resources.WeightDevice> wd = orEmpty(b.weightDevice());
        for (int i = 0; i < wd.size(); i++) {
            var w = wd.get(i);
            if (w.weight() != null) Check.range(K + "weightDevice[" + i + "].weight", w.weight(), 10, 1000);
            if (w.leafWeight() != null) Check.range(K + "weightDevice[" + i + "].leafWeight", w.leafWeight(), 10, 1000);
        }
        throttles(b, (key, file, v2Name, list) -> {
            for (int i = 0; i < list.size(); i++) {
                Check.nonNegative(key + "[" + i + "].rate", list.get(i).rate());
            }
        });
    }

    interface ThrottleVisitor {
        /** v1File is the blkio.throttle.* file, v2Name the io.max key for the same limit. */
        void visit(String key, String v1File, String v2Name, List<Resources.ThrottleDevice> devices);
    }

    static void throttles(Resources.BlockIO b, ThrottleVisitor v) {
        v.visit(K + "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps", orEmpty(b.throttleReadBpsDevice()));
        v.visit(K + "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps", orEmpty(b.throttleWriteBpsDevice()));
        v.visit(K + "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops", orEmpty(b.throttleReadIOPSDevice()));
        v.visit(K + "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops", orEmpty(b.throttleWriteIOPSDevice()));
    }

    static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    static void apply(CgroupDir d, Resources.BlockIO b) {
        validate(b);
        // kernels with the BFQ scheduler and without CFQ only offer blkio.bfq.weight
        String weightFile = d.has("blkio.weight") || !d.has("blkio.bfq.weight") ? "blkio.weight" : "blkio.bfq.weight";
        String weightDeviceFile = weightFile + "_device";
        if (Check.set(b.weight())) {
            d.write(K + "weight", weightFile, Integer.toString(b.weight()));
        }
        if (Check.set(b.leafWeight())) {
            d.write(K + "leafWeight", "blkio.leaf_weight", Integer.toString(b.leafWeight()));
        }
        List<Resources.WeightDevice> wd = orEmpty(b.weightDevice());
        for (int i = 0; i < wd.size(); i++) {
            var w = wd.get(i);
            String dev = w.major() + ":" + w.minor() + " ";
            if (w.weight() != null) {
                d.write(K + "weightDevice[" + i + "].weight", weightDeviceFile, dev + w.weight());
            }
            if (w.leafWeight() != null) {
                d.write(K + "weightDevice[" + i + "].leafWeight", "blkio.leaf_weight_device", dev + w.leafWeight());
            }
        }
        throttles(b, (key, file, v2Name, list) -> {
            for (int i = 0; i < list.size(); i++) {
                var t = list.get(i);
                d.write(key + "[" + i + "]", file, t.major() + ":" + t.minor() + " " + t.rate());
            }
        });
    }
}
