package dev.jrunc.cgroups;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `exec --cgroup`: run the process in an existing sub-cgroup of the container's cgroup. runc's
 * forms: one "PATH" for every hierarchy, or (cgroup v1) "ctrl[,ctrl]:PATH", repeatable. PATH
 * is taken inside the container's cgroup ("/" is the container's cgroup itself); a path that
 * leads out of it is refused.
 */
public final class SubCgroups {
    static final String K = "--cgroup";

    private SubCgroups() {}

    /** Controller (or "" for every hierarchy) to path, from the option's values. */
    public static Map<String, String> parse(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        if (args == null) {
            return out;
        }
        for (String a : args) {
            int colon = a.indexOf(':');
            if (colon < 0) {
                if (args.size() != 1) {
                    throw new CgroupException(K + " " + a + ": a path without \"controller:\" must be the only --cgroup");
                }
                out.put(CgroupLayout.UNIFIED, a);
                continue;
            }
            String path = a.substring(colon + 1);
            for (String c : a.substring(0, colon).split(",", -1)) {
                if (c.isEmpty()) {
                    throw new CgroupException(K + " " + a + ": empty controller name before ':'");
                }
                if (out.put(c, path) != null) {
                    throw new CgroupException(K + " " + a + ": controller " + c + " is given more than once");
                }
            }
        }
        return out;
    }

    /**
     * The directory per hierarchy key for the process: the requested sub-cgroup where one is
     * given, the container's cgroup elsewhere. Each must exist and lie inside the container's.
     */
    static Map<String, Path> resolve(Map<String, Path> containerPaths, Map<String, String> requested, boolean pureV2) {
        Map<String, Path> out = new LinkedHashMap<>(containerPaths);
        if (requested.isEmpty()) {
            return out;
        }
        String all = requested.get(CgroupLayout.UNIFIED);
        if (all != null) {
            for (var e : containerPaths.entrySet()) {
                out.put(e.getKey(), inside(e.getValue(), all, all));
            }
            return out;
        }
        if (pureV2) {
            String first = requested.keySet().iterator().next();
            throw new CgroupException(K + " " + first + ":" + requested.get(first)
                    + ": on cgroup v2 give a path only, without \"controller:\"");
        }
        for (var e : requested.entrySet()) {
            Path base = containerPaths.get(e.getKey());
            if (base == null) {
                throw new CgroupException(K + " " + e.getKey() + ":" + e.getValue() + ": unknown controller " + e.getKey()
                        + " (the container has " + String.join(", ", containerPaths.keySet().stream()
                                .filter(k -> !k.isEmpty()).toList()) + ")");
            }
            out.put(e.getKey(), inside(base, e.getValue(), e.getKey() + ":" + e.getValue()));
        }
        return out;
    }

    private static Path inside(Path base, String sub, String shown) {
        String rel = sub.replaceAll("^/+", "");
        Path dir = rel.isEmpty() ? base : base.resolve(rel).normalize();
        if (!dir.startsWith(base)) {
            throw new CgroupException(K + " " + shown + ": " + dir + " is outside the container's cgroup " + base);
        }
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new CgroupException(K + " " + shown + ": no sub-cgroup " + dir + " (make it first)");
        }
        return dir;
    }
}
