package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A mount's `options` split the way mount(8) does: flags to set, flags to clear, propagation
 * changes (applied by separate mount calls) and the rest, passed to the filesystem as data.
 */
public record MountOptions(long flags, long clear, long propagation, boolean bind, boolean recursive, String data) {

    private record Flag(long bits, boolean clear) {}

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("ro", new Flag(MS_RDONLY, false)), Map.entry("rw", new Flag(MS_RDONLY, true)),
            Map.entry("nosuid", new Flag(MS_NOSUID, false)), Map.entry("suid", new Flag(MS_NOSUID, true)),
            Map.entry("nodev", new Flag(MS_NODEV, false)), Map.entry("dev", new Flag(MS_NODEV, true)),
            Map.entry("noexec", new Flag(MS_NOEXEC, false)), Map.entry("exec", new Flag(MS_NOEXEC, true)),
            Map.entry("sync", new Flag(MS_SYNCHRONOUS, false)), Map.entry("async", new Flag(MS_SYNCHRONOUS, true)),
            Map.entry("dirsync", new Flag(MS_DIRSYNC, false)),
            Map.entry("remount", new Flag(MS_REMOUNT, false)),
            Map.entry("mand", new Flag(MS_MANDLOCK, false)), Map.entry("nomand", new Flag(MS_MANDLOCK, true)),
            Map.entry("atime", new Flag(MS_NOATIME, true)), Map.entry("noatime", new Flag(MS_NOATIME, false)),
            Map.entry("diratime", new Flag(MS_NODIRATIME, true)), Map.entry("nodiratime", new Flag(MS_NODIRATIME, false)),
            Map.entry("relatime", new Flag(MS_RELATIME, false)), Map.entry("norelatime", new Flag(MS_RELATIME, true)),
            Map.entry("strictatime", new Flag(MS_STRICTATIME, false)),
            Map.entry("nostrictatime", new Flag(MS_STRICTATIME, true)),
            Map.entry("lazytime", new Flag(MS_LAZYTIME, false)), Map.entry("nolazytime", new Flag(MS_LAZYTIME, true)),
            Map.entry("symfollow", new Flag(MS_NOSYMFOLLOW, true)),
            Map.entry("nosymfollow", new Flag(MS_NOSYMFOLLOW, false)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    /** Options jrunc accepts and handles elsewhere, so they are not passed to the filesystem. */
    private static final java.util.Set<String> IGNORED = java.util.Set.of("defaults", "tmpcopyup", "idmap", "ridmap");

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long clear = 0;
        long propagation = 0;
        boolean bind = false;
        boolean recursive = false;
        List<String> data = new ArrayList<>();
        for (String o : options) {
            Flag f = FLAGS.get(o);
            if (f != null) {
                if (f.clear()) {
                    flags &= ~f.bits();
                    clear |= f.bits();
                } else {
                    flags |= f.bits();
                    clear &= ~f.bits();
                }
            } else if (PROPAGATION.containsKey(o)) {
                propagation = PROPAGATION.get(o);
            } else if (o.equals("bind")) {
                bind = true;
            } else if (o.equals("rbind")) {
                bind = true;
                recursive = true;
            } else if (!IGNORED.contains(o)) {
                data.add(o);
            }
        }
        return new MountOptions(flags, clear, propagation, bind, recursive, String.join(",", data));
    }

    public static long rootPropagation(String value) {
        if (value == null || value.isEmpty()) return MS_SLAVE | MS_REC;
        Long p = PROPAGATION.get(value);
        if (p == null) {
            throw new dev.jrunc.spec.ConfigException("config.json", "$.linux.rootfsPropagation",
                    "unknown propagation \"" + value + "\"");
        }
        return p;
    }

    public String dataOrNull() {
        return data.isEmpty() ? null : data;
    }
}
