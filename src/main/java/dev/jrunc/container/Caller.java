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
public record Caller(long euid, long egid, Function<String, String> env) {

    /** This process: ids from /proc/self/status, the environment from the JVM. */
    public static Caller current() {
        long uid = -1, gid = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) uid = Long.parseLong(line.split("\\s+")[2]);
                if (line.startsWith("Gid:")) gid = Long.parseLong(line.split("\\s+")[2]);
            }
        } catch (IOException | RuntimeException e) {
            throw new JruncException("cannot read the effective uid and gid from /proc/self/status: " + e.getMessage(), e);
        }
        return new Caller(uid, gid, System::getenv);
    }

    /**
     * The global --rootless value: "true" and "false" decide, "auto" (or none) means rootless
     * exactly when the effective uid is not 0, as with runc.
     */
    public boolean rootless(String flag) {
        if (flag == null || flag.isEmpty() || flag.equals("auto")) return euid != 0;
        return switch (flag) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new JruncException("--rootless: \"" + flag + "\" is not true, false or auto");
        };
    }

    /** $XDG_RUNTIME_DIR, else /run/user/UID: where a user's runtime state goes. */
    public Path runtimeDir() {
        String xdg = env.apply("XDG_RUNTIME_DIR");
        return xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of("/run/user", Long.toString(euid));
    }

    /** The state directory when --root is not given: /run/jrunc, or jrunc under the runtime dir when rootless. */
    public Path defaultStateRoot(boolean rootless) {
        return rootless ? runtimeDir().resolve("jrunc") : Path.of("/run/jrunc");
    }

    /** Where the cgroup directories jrunc made are recorded: host-wide for root, per user when rootless. */
    public Path cgroupRegistryDir(boolean rootless) {
        return rootless ? runtimeDir().resolve("jrunc-cgroups") : dev.jrunc.cgroups.CgroupRegistry.HOST_DIR;
    }
}
