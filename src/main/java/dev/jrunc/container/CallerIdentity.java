package dev.jrunc.container;

import dev.jrunc.JruncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Who runs jrunc, as far as rootless mode cares: the effective uid and gid and the environment.
 * The one place these are read, so that whatever starts a verb can hand in its own.
 */
public record CallerIdentity(long euid, long egid, boolean inUserNamespace, Function<String, String> env) {

    /** A caller in the host's user namespace. */
    public CallerIdentity(long euid, long egid, Function<String, String> env) {
        this(euid, egid, false, env);
    }

    /**
     * The process that invoked the verb (this JVM in direct mode, the front in the engine): its
     * effective ids and user namespace from /proc/PID, and the environment it gave.
     */
    public static CallerIdentity of(long pid, Function<String, String> env) {
        Path proc = Path.of("/proc", Long.toString(pid));
        long uid = -1, gid = -1;
        try {
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("Uid:")) uid = Long.parseLong(line.split("\\s+")[2]);
                if (line.startsWith("Gid:")) gid = Long.parseLong(line.split("\\s+")[2]);
            }
        } catch (IOException | RuntimeException e) {
            throw new JruncException("cannot read the caller's effective uid and gid from " + proc.resolve("status") + ": "
                    + e.getMessage(), e);
        }
        return new CallerIdentity(uid, gid, !isInitialUserNamespace(proc.resolve("uid_map")), env);
    }

    /** The host's user namespace maps every id to itself; any other one (rootless podman's) does not. */
    static boolean isInitialUserNamespace(Path uidMap) {
        try {
            String[] f = Files.readString(uidMap).strip().split("\\s+");
            return f.length == 3 && f[0].equals("0") && f[1].equals("0") && f[2].equals("4294967295");
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * The global --rootless value: "true" and "false" decide, "auto" (or none) means rootless
     * when the effective uid is not 0 or jrunc runs in a user namespace other than the host's
     * (as root there, as rootless podman runs its runtime), as with runc.
     */
    public boolean rootless(String flag) {
        if (flag == null || flag.isEmpty() || flag.equals("auto")) return euid != 0 || inUserNamespace;
        return switch (flag) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new JruncException("--rootless: \"" + flag + "\" is not true, false or auto");
        };
    }

    /**
     * The id outside that id of the user namespace whose uid_map (or gid_map) is given stands for,
     * as the reader of the map sees it (the user's own uid for uid 0 of rootless podman's
     * namespace); -1 if the map does not map it.
     */
    public static long hostId(Path map, long id) {
        try {
            for (String line : Files.readAllLines(map)) {
                String[] f = line.strip().split("\\s+");
                if (f.length != 3) continue;
                long inside = Long.parseLong(f[0]), outside = Long.parseLong(f[1]), count = Long.parseLong(f[2]);
                if (id >= inside && id - inside < count) return outside + (id - inside);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** $XDG_RUNTIME_DIR, else /run/user/UID: where a user's runtime state goes. */
    public Path runtimeDir() {
        String xdg = env.apply("XDG_RUNTIME_DIR");
        return xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of("/run/user", Long.toString(euid));
    }

    /**
     * The state directory when --root is not given: /run/jrunc, or jrunc under the runtime dir when
     * rootless (for uid 0 of a user namespace only with $XDG_RUNTIME_DIR: /run/user/0 is not its).
     */
    public Path defaultStateRoot(boolean rootless) {
        if (!rootless || (euid == 0 && (env.apply("XDG_RUNTIME_DIR") == null || env.apply("XDG_RUNTIME_DIR").isEmpty()))) {
            return Path.of("/run/jrunc");
        }
        return runtimeDir().resolve("jrunc");
    }

    /**
     * Whether the ids and the user namespace are an unprivileged user's (euid not 0): then the
     * container needs a user namespace of its own and maps only what the user may map. uid 0 of
     * another user namespace already has its privileges there.
     */
    public boolean unprivileged() {
        return euid != 0;
    }

    /** Where the cgroup directories jrunc made are recorded: host-wide for root, per user when rootless. */
    public Path cgroupRegistryDir(boolean rootless) {
        return rootless ? defaultStateRoot(true).resolveSibling("jrunc-cgroups") : dev.jrunc.cgroups.CgroupRegistry.HOST_DIR;
    }
}
