package dev.jrunc.cgroups;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Turns linux.cgroupsPath (and the container id) into a cgroup path inside a hierarchy.
 *
 * <p>cgroupfs driver: an absolute path is taken from the hierarchy root, a relative one from the
 * runtime's own cgroup (see {@link CgroupLayout#placement}); an absent path becomes the relative
 * path "&lt;id&gt;". ".." can never climb above where the path starts.
 *
 * <p>systemd driver: "slice:prefix:name" names a scope unit "prefix-name.scope" inside the slice,
 * laid out the way systemd lays slices out on cgroupfs ("a-b.slice" lives in "a.slice"). An
 * absent path means "system.slice:jrunc:&lt;id&gt;" ("user.slice" for a rootless container, whose
 * unit lives in the user's own systemd instance).
 */
public final class CgroupsPath {
    public static final String DEFAULT_SLICE = "system.slice";
    /** The default slice of a rootless container's unit, inside the user's own systemd instance. */
    public static final String DEFAULT_USER_SLICE = "user.slice";
    public static final String DEFAULT_SCOPE_PREFIX = "jrunc";

    private CgroupsPath() {}

    /** The path to place the container at; starts with "/" when absolute. */
    public static String resolve(String cgroupsPath, String containerId, boolean systemd) {
        return resolve(cgroupsPath, containerId, systemd, DEFAULT_SLICE);
    }

    /** As {@link #resolve(String, String, boolean)}, with the systemd driver's slice for an empty one. */
    public static String resolve(String cgroupsPath, String containerId, boolean systemd, String defaultSlice) {
        boolean absent = cgroupsPath == null || cgroupsPath.isEmpty();
        if (systemd) {
            if (absent) {
                return systemdPath(defaultSlice, DEFAULT_SCOPE_PREFIX, containerId);
            }
            String[] parts = cgroupsPath.split(":", -1);
            if (parts.length != 3) {
                throw new CgroupException("linux.cgroupsPath: \"" + cgroupsPath
                        + "\" must have the form \"slice:prefix:name\" with the systemd cgroup driver");
            }
            return systemdPath(parts[0].isEmpty() ? defaultSlice : parts[0], parts[1], parts[2]);
        }
        if (absent) {
            return clean(containerId);
        }
        return clean(cgroupsPath);
    }

    /** Lexically cleans p; an absolute path stays absolute, a relative one cannot escape with "..". */
    public static String clean(String p) {
        boolean abs = p.startsWith("/");
        Deque<String> parts = new ArrayDeque<>();
        for (String s : p.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(s);
            }
        }
        String joined = String.join("/", parts);
        return abs ? "/" + joined : joined;
    }

    /** The cgroupfs path of unit prefix-name.scope (or of slice name) in slice. */
    public static String systemdPath(String slice, String prefix, String name) {
        if (slice.isEmpty()) {
            slice = DEFAULT_SLICE;
        }
        if (name.isEmpty()) {
            throw new CgroupException("linux.cgroupsPath: the name part of \"slice:prefix:name\" is empty");
        }
        if (name.contains("/") || prefix.contains("/")) {
            throw new CgroupException("linux.cgroupsPath: \"" + prefix + ":" + name + "\" must not contain '/'");
        }
        String unit;
        if (name.endsWith(".slice")) {
            // a slice asked for by name is the container's cgroup itself; it nests like any slice
            expandSlice(name);
            unit = name;
        } else {
            unit = (prefix.isEmpty() ? "" : prefix + "-") + name + ".scope";
        }
        String parent = expandSlice(slice);
        return parent.equals("/") ? "/" + unit : parent + "/" + unit;
    }

    /**
     * systemd's slice nesting: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" is
     * the root slice.
     */
    public static String expandSlice(String slice) {
        String bad = "linux.cgroupsPath: invalid slice name \"" + slice + "\"";
        if (!slice.endsWith(".slice") || slice.contains("/")) {
            throw new CgroupException(bad + ": must end in .slice and contain no '/'");
        }
        if (slice.equals("-.slice")) {
            return "/";
        }
        String stem = slice.substring(0, slice.length() - ".slice".length());
        if (stem.isEmpty() || stem.startsWith("-") || stem.endsWith("-") || stem.contains("--")) {
            throw new CgroupException(bad + ": dash-separated parts must not be empty");
        }
        StringBuilder path = new StringBuilder();
        StringBuilder prefix = new StringBuilder();
        for (String component : stem.split("-")) {
            if (!prefix.isEmpty()) {
                prefix.append('-');
            }
            prefix.append(component);
            path.append('/').append(prefix).append(".slice");
        }
        return path.toString();
    }
}
