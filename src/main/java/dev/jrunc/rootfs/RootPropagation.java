package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.spec.ConfigException;

/**
 * linux.rootfsPropagation as three mount propagation changes, each applied in the container's own
 * mount namespace (never without one):
 *
 * @param initial for the whole namespace, first ("/" recursively): shared only when asked, so the
 *     bind mounts made from it keep their host peers (bidirectional volumes); otherwise a slave
 *     or private copy that never sends an event to the host
 * @param parent for the mount holding the rootfs directory, before the rootfs is bound onto
 *     itself: never shared, or the bind would appear on the host and pivot_root would refuse it
 *     (EINVAL). A slave keeps receiving the host's events (the spec's `slave`, and runc's default).
 * @param after for the new root, once it is the root: the requested type (0: none). The rootfs
 *     mount is made from a parent that is private or a slave, so `shared` starts a new peer
 *     group, as the spec says, not the host's.
 */
public record RootPropagation(long initial, long parent, long after) {

    public static RootPropagation of(String value) {
        // Unset: runc's default, a slave of the host all through, the root included.
        if (value == null || value.isEmpty()) return new RootPropagation(MS_SLAVE | MS_REC, MS_SLAVE, 0);
        Long requested = MountOptions.PROPAGATION.get(value);
        if (requested == null) {
            throw new ConfigException("config.json", "$.linux.rootfsPropagation",
                    "unknown propagation \"" + value + "\" (shared, slave, private or unbindable, optionally with an r prefix)");
        }
        long type = requested & ~MS_REC;
        long initial = MS_REC | (type == MS_SHARED ? MS_SHARED : type == MS_PRIVATE ? MS_PRIVATE : MS_SLAVE);
        long parent = type == MS_SLAVE ? MS_SLAVE : MS_PRIVATE;
        // The root is private already when it is asked to be.
        long after = type == MS_PRIVATE ? 0 : requested;
        return new RootPropagation(initial, parent, after);
    }
}
