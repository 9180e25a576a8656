package dev.jrunc.cgroups;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The systemd unit that owns a container's cgroup with the systemd driver: a transient scope
 * ("prefix-name.scope") in a slice, or, when linux.cgroupsPath names a slice as its last part, a
 * transient slice. Its name is the last component of the cgroup path, its slice the one above,
 * which is how systemd itself lays units out on the cgroup tree.
 */
public record SystemdUnit(String name, String slice) {
    /** systemd's unit name alphabet (unit_name_is_valid), and its length limit. */
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9:_.\\\\-]+");
    private static final int MAX_NAME = 255;

    public SystemdUnit {
        if (name.length() > MAX_NAME || !VALID.matcher(name).matches()) {
            throw new CgroupException("linux.cgroupsPath: \"" + name + "\" is not a valid systemd unit name (letters, digits and"
                    + " \":_.\\-\" only, at most " + MAX_NAME + " characters)");
        }
    }

    /**
     * The unit for a cgroup path as {@link CgroupsPath#resolve} gives it with the systemd driver,
     * e.g. "/kubepods.slice/kubepods-besteffort.slice/cri-containerd-ID.scope".
     */
    public static SystemdUnit forCgroupPath(String cgroupPath) {
        String p = cgroupPath.replaceAll("/+$", "");
        int slash = p.lastIndexOf('/');
        String name = p.substring(slash + 1);
        String parent = slash <= 0 ? "/" : p.substring(0, slash);
        String slice = parent.equals("/") ? "-.slice" : parent.substring(parent.lastIndexOf('/') + 1);
        if (!slice.endsWith(".slice")) {
            throw new CgroupException("linux.cgroupsPath: the parent of unit " + name + " must be a slice, not " + parent);
        }
        if (name.endsWith(".slice")) {
            // systemd places a slice by its own name (a-b.slice in a.slice): the named parent must agree
            String placed = CgroupsPath.expandSlice(name);
            if (!placed.equals(p)) {
                throw new CgroupException("linux.cgroupsPath: systemd places slice " + name + " at " + placed
                        + ", not under " + slice + "; name it after its parent (" + (slice.equals("-.slice") ? ""
                        : slice.substring(0, slice.length() - ".slice".length()) + "-") + "….slice)");
            }
        } else if (!name.endsWith(".scope")) {
            throw new CgroupException("linux.cgroupsPath: " + name + " is neither a scope nor a slice");
        }
        return new SystemdUnit(name, slice);
    }

    /** The unit of a cgroup directory that a container record keeps (any hierarchy). */
    public static SystemdUnit forCgroupDir(Path dir) {
        Path parent = dir.getParent();
        String slice = parent == null || !parent.getFileName().toString().endsWith(".slice")
                ? "-.slice" : parent.getFileName().toString();
        return new SystemdUnit(dir.getFileName().toString(), slice);
    }

    public boolean isSlice() {
        return name.endsWith(".slice");
    }

    /** The unit type's D-Bus interface suffix (org.freedesktop.systemd1.Scope or .Slice). */
    public String type() {
        return isSlice() ? "Slice" : "Scope";
    }
}
