package dev.jrunc.cgroups;

import java.util.Map;
import java.util.Set;

/** linux.resources.unified: cgroup2 "file": "value" pairs written verbatim. */
final class Unified {
    private Unified() {}

    static String key(String file) {
        return Check.R + "unified[\"" + file + "\"]";
    }

    /** controllers: those enabled for the container's cgroup; "cgroup.*" files exist without one. */
    static void apply(CgroupDir d, Map<String, String> unified, Set<String> controllers) {
        for (var e : unified.entrySet()) {
            String file = e.getKey();
            String key = key(file);
            int dot = file.indexOf('.');
            if (dot <= 0 || file.contains("/") || file.equals("..")) {
                throw Check.invalid(key, "not a cgroup2 interface file name (CONTROLLER.NAME)");
            }
            String controller = file.substring(0, dot);
            if (!controller.equals("cgroup") && !controllers.contains(controller)) {
                throw Check.invalid(key, "the " + controller + " controller is not available in the cgroup2 hierarchy at "
                        + d.path() + " (available: " + String.join(" ", controllers) + ")");
            }
            d.write(key, file, e.getValue());
        }
    }
}
