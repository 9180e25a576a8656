package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mount's `options` split the way mount(8) does: flags to set, flags to clear, propagation
 * changes (applied by separate mount calls), recursive attributes (`rro`, `rnosuid`, ...: applied
 * with mount_setattr(AT_RECURSIVE) to the mount and everything under it), idmapping, and the rest,
 * passed to the filesystem as data.
 *
 * @param attrSet MOUNT_ATTR_* bits the recursive options set
 * @param attrClr MOUNT_ATTR_* bits they clear (MOUNT_ATTR__ATIME when an atime mode is chosen)
 * @param idmap `idmap` or `ridmap`: the mount gets an idmapping
 * @param recursiveIdmap `ridmap`: the idmapping covers the submounts of an `rbind` too
 */
public record MountOptions(
        long flags,
        long clear,
        long propagation,
        boolean bind,
        boolean recursive,
        String data,
        long attrSet,
        long attrClr,
        boolean idmap,
        boolean recursiveIdmap,
        boolean tmpcopyup) {

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
            Map.entry("iversion", new Flag(MS_I_VERSION, false)), Map.entry("noiversion", new Flag(MS_I_VERSION, true)),
            Map.entry("silent", new Flag(MS_SILENT, false)), Map.entry("loud", new Flag(MS_SILENT, true)),
            Map.entry("symfollow", new Flag(MS_NOSYMFOLLOW, true)),
            Map.entry("nosymfollow", new Flag(MS_NOSYMFOLLOW, false)));

    /** A recursive option: MOUNT_ATTR_* bits it sets and clears. */
    private record Attr(long set, long clear) {}

    /**
     * The `r` options of runtime-spec (mount_setattr(2) with AT_RECURSIVE). An atime option clears
     * the whole atime field and sets one mode: the kernel's rule for changing it.
     */
    private static final Map<String, Attr> RECURSIVE = Map.ofEntries(
            Map.entry("rro", new Attr(MOUNT_ATTR_RDONLY, 0)), Map.entry("rrw", new Attr(0, MOUNT_ATTR_RDONLY)),
            Map.entry("rnosuid", new Attr(MOUNT_ATTR_NOSUID, 0)), Map.entry("rsuid", new Attr(0, MOUNT_ATTR_NOSUID)),
            Map.entry("rnodev", new Attr(MOUNT_ATTR_NODEV, 0)), Map.entry("rdev", new Attr(0, MOUNT_ATTR_NODEV)),
            Map.entry("rnoexec", new Attr(MOUNT_ATTR_NOEXEC, 0)), Map.entry("rexec", new Attr(0, MOUNT_ATTR_NOEXEC)),
            Map.entry("rnodiratime", new Attr(MOUNT_ATTR_NODIRATIME, 0)),
            Map.entry("rdiratime", new Attr(0, MOUNT_ATTR_NODIRATIME)),
            Map.entry("rnosymfollow", new Attr(MOUNT_ATTR_NOSYMFOLLOW, 0)),
            Map.entry("rsymfollow", new Attr(0, MOUNT_ATTR_NOSYMFOLLOW)),
            // atime modes: relatime is the kernel's default, so "atime"/"nostrictatime" mean relatime,
            // and "norelatime" (neither relatime nor noatime) means strictatime.
            Map.entry("rrelatime", new Attr(MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME)),
            Map.entry("rnorelatime", new Attr(MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME)),
            Map.entry("rnoatime", new Attr(MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME)),
            Map.entry("ratime", new Attr(MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME)),
            Map.entry("rstrictatime", new Attr(MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME)),
            Map.entry("rnostrictatime", new Attr(MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME)));

    static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    /** Options jrunc accepts that are neither flags nor filesystem data. */
    private static final Set<String> IGNORED = Set.of("defaults");

    /** Every option jrunc understands itself (the rest goes to the filesystem), for `jrunc features`. */
    public static List<String> known() {
        List<String> all = new ArrayList<>(FLAGS.keySet());
        all.addAll(RECURSIVE.keySet());
        all.addAll(PROPAGATION.keySet());
        all.addAll(List.of("bind", "rbind", "defaults", "tmpcopyup", "idmap", "ridmap"));
        return all.stream().sorted().toList();
    }

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long clear = 0;
        long propagation = 0;
        boolean bind = false;
        boolean recursive = false;
        long attrSet = 0;
        long attrClr = 0;
        boolean idmap = false;
        boolean recursiveIdmap = false;
        boolean tmpcopyup = false;
        List<String> data = new ArrayList<>();
        for (String o : options) {
            Flag f = FLAGS.get(o);
            Attr a = RECURSIVE.get(o);
            if (f != null) {
                if (f.clear()) {
                    flags &= ~f.bits();
                    clear |= f.bits();
                } else {
                    flags |= f.bits();
                    clear &= ~f.bits();
                }
            } else if (a != null) {
                if ((a.clear() & MOUNT_ATTR__ATIME) != 0) attrSet &= ~MOUNT_ATTR__ATIME;
                attrSet = (attrSet & ~a.clear()) | a.set();
                attrClr = (attrClr & ~a.set()) | a.clear();
            } else if (PROPAGATION.containsKey(o)) {
                propagation = PROPAGATION.get(o);
            } else if (o.equals("bind")) {
                bind = true;
            } else if (o.equals("rbind")) {
                bind = true;
                recursive = true;
            } else if (o.equals("idmap")) {
                idmap = true;
            } else if (o.equals("ridmap")) {
                idmap = true;
                recursiveIdmap = true;
            } else if (o.equals("tmpcopyup")) {
                tmpcopyup = true;
            } else if (!IGNORED.contains(o)) {
                data.add(o);
            }
        }
        return new MountOptions(flags, clear, propagation, bind, recursive, String.join(",", data), attrSet, attrClr,
                idmap, recursiveIdmap, tmpcopyup);
    }

    /** Whether any recursive attribute was asked for. */
    public boolean hasRecursiveAttrs() {
        return attrSet != 0 || attrClr != 0;
    }

    public String dataOrNull() {
        return data.isEmpty() ? null : data;
    }
}
