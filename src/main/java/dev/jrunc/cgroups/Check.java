package dev.jrunc.cgroups;

import java.util.regex.Pattern;

/** Validation shared by the v1 and v2 writers; messages name the JSON field. */
final class Check {
    static final String R = "linux.resources.";
    private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
    private static final Pattern PAGE_SIZE = Pattern.compile("\\d+(KB|MB|GB|TB|PB)");

    private Check() {}

    static CgroupException invalid(String key, String why) {
        return new CgroupException(key + ": " + why);
    }

    static void range(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw invalid(key, "must be between " + min + " and " + max + ", got " + v);
        }
    }

    static void nonNegative(String key, long v) {
        if (v < 0) {
            throw invalid(key, "must be >= 0, got " + v);
        }
    }

    /** A limit in bytes: positive, or -1 for unlimited. */
    static void limit(String key, long v) {
        if (v < -1) {
            throw invalid(key, "must be >= 0 or -1 (unlimited), got " + v);
        }
    }

    /** cpuset list syntax: "0-3,5,7-9", each range ascending. */
    static void cpuList(String key, String s) {
        if (!CPU_LIST.matcher(s).matches()) {
            throw invalid(key, "\"" + s + "\" is not a list like \"0-3,5\"");
        }
        for (String part : s.split(",")) {
            String[] r = part.split("-");
            if (r.length == 2 && Long.parseLong(r[0]) > Long.parseLong(r[1])) {
                throw invalid(key, "\"" + s + "\": range " + part + " is descending");
            }
        }
    }

    static void pageSize(String key, String s) {
        if (s == null || !PAGE_SIZE.matcher(s).matches()) {
            throw invalid(key, "\"" + s + "\" is not a huge page size like \"2MB\" or \"1GB\"");
        }
    }

    /** Go-generated configs write 0 for "not set"; treat it as such, like runc. */
    static boolean set(Long v) {
        return v != null && v != 0;
    }

    static boolean set(Integer v) {
        return v != null && v != 0;
    }

    static boolean set(String v) {
        return v != null && !v.isEmpty();
    }
}
