package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** linux.resources.blockIO on the cgroup2 io controller. */
final class IoV2 {
    private static final String K = BlkioV1.K;

    private IoV2() {}

    /** v1 blkio weight [10, 1000] mapped linearly onto io.weight [1, 10000], as runc maps it. */
    static long blkioWeightToIoWeight(long weight) {
        if (weight == 0) {
            return 0;
        }
        return 1 + (weight - 10) * 9999 / 990;
    }

    static void apply(CgroupDir d, Resources.BlockIO b) {
        BlkioV1.validate(b);
        // io.bfq.weight takes the v1 range as is; io.weight (the io.cost model) needs the conversion
        boolean bfq = d.has("io.bfq.weight");
        String file = bfq ? "io.bfq.weight" : "io.weight";
        if (Check.set(b.weight())) {
            long w = bfq ? b.weight() : blkioWeightToIoWeight(b.weight());
            d.write(K + "weight", file, "default " + w);
        }
        if (Check.set(b.leafWeight())) {
            dev.jrunc.Log.warn(K + "leafWeight is not supported on cgroup v2; ignored");
        }
        List<Resources.WeightDevice> wd = BlkioV1.orEmpty(b.weightDevice());
        for (int i = 0; i < wd.size(); i++) {
            var w = wd.get(i);
            if (w.weight() != null) {
                long v = bfq ? w.weight() : blkioWeightToIoWeight(w.weight());
                d.write(K + "weightDevice[" + i + "].weight", file, w.major() + ":" + w.minor() + " " + v);
            }
        }
        // io.max takes every limit of one device on one line; 0 (no limit in v1) is "max" here
        Map<String, StringBuilder> lines = new LinkedHashMap<>();
        Map<String, String> keyOf = new LinkedHashMap<>();
        BlkioV1.throttles(b, (key, v1File, name, list) -> {
            for (int i = 0; i < list.size(); i++) {
                var t = list.get(i);
                String dev = t.major() + ":" + t.minor();
                lines.computeIfAbsent(dev, x -> new StringBuilder(dev))
                        .append(' ').append(name).append('=').append(t.rate() == 0 ? "max" : Long.toString(t.rate()));
                keyOf.putIfAbsent(dev, key + "[" + i + "]");
            }
        });
        for (var e : lines.entrySet()) {
            d.write(keyOf.get(e.getKey()), "io.max", e.getValue().toString());
        }
    }
}
