package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Builds the container's filesystem view, in runtime-spec order: the namespace's propagation, the
 * rootfs as a mount point, config mounts in order, devices, then pivot_root (or MS_MOVE and chroot
 * with --no-pivot), read-only and masked paths, the read-only root, and last the root's
 * linux.rootfsPropagation.
 *
 * <p>In the container's own mount namespace (a copy of the host's) anything goes. Without one the
 * host's mounts are the container's: then nothing outside the rootfs is touched (no propagation
 * change, no pivot_root or move: a chroot), and every mount lands under the rootfs, where `delete`
 * finds and removes it ({@link HostMounts}).
 *
 * <p>Everything goes through {@link Syscalls}, paths in the rootfs through {@link RootPaths} and
 * fds: nothing here depends on which process runs it, only on its mount namespace.
 */
public final class RootfsSetup {
    private final Syscalls sys;
    private final Spec spec;
    private final String rootfs;
    private final Path bundle;
    private final boolean inUserNamespace;
    private final Map<String, String> cgroupDirs;
    private final Consumer<String> warn;

    public RootfsSetup(Syscalls sys, Spec spec, String rootfs, Path bundle, boolean inUserNamespace,
            Map<String, String> cgroupDirs, Consumer<String> warn) {
        this.sys = sys;
        this.spec = spec;
        this.rootfs = rootfs;
        this.bundle = bundle;
        this.inUserNamespace = inUserNamespace;
        this.cgroupDirs = cgroupDirs == null ? Map.of() : cgroupDirs;
        this.warn = warn;
    }

    private Map<Integer, Integer> bindSources = Map.of();
    private Map<Integer, Integer> detachedMounts = Map.of();
    private boolean ownMountNamespace = true;
    private Supplier<String> mountInfo = RootfsSetup::readMountInfo;
    private final List<String> created = new ArrayList<>();
    private int mountIndex;
    /** A read-only /dev is mounted writable, and made read-only once its nodes and submounts are in. */
    private boolean devReadonlyLater;

    /**
     * Who makes a new filesystem when this thread should not (see ThreadInit): the container's
     * PID 1, whose namespaces and credentials the filesystem then belongs to, as if it had called
     * mount(2). Each call gives a detached mount (fsmount) of the type from source, with the
     * options ("key" or "key=value", mount(2)'s data and its superblock flags) and the
     * MOUNT_ATTR_* attributes; or null: mount(2) here. The kernel's refusal is a
     * SyscallException, handled as mount(2)'s would be.
     */
    public interface NewFilesystems {
        Integer mount(String type, String source, List<String> options, long attrs);
    }

    private NewFilesystems newFilesystems = (type, source, options, attrs) -> null;

    public RootfsSetup newFilesystems(NewFilesystems given) {
        this.newFilesystems = given;
        return this;
    }

    /** Whether the container has its own mount namespace (default) or shares the caller's. */
    public RootfsSetup ownMountNamespace(boolean own) {
        this.ownMountNamespace = own;
        return this;
    }

    /**
     * Mounts the runtime prepared as detached trees (open_tree(OPEN_TREE_CLONE), idmapped):
     * mount index -> fd, attached with move_mount instead of a bind of the source.
     */
    public RootfsSetup detachedMounts(Map<Integer, Integer> fds) {
        this.detachedMounts = fds == null ? Map.of() : fds;
        return this;
    }

    /** Where {@link #pivotRoot} reads the mount table (tests give their own). */
    RootfsSetup mountInfo(Supplier<String> source) {
        this.mountInfo = source;
        return this;
    }

    /**
     * What setting up made in the rootfs (directories and files for mount points, device nodes,
     * links), parents first: a failed create removes them ({@link RootPaths#removeCreated}).
     */
    public List<String> createdPaths() {
        return List.copyOf(created);
    }

    /** A rootfs that is the host's own root would put the container's /proc, /dev and /sys on the host's. */
    public static void checkWithoutMountNamespace(Path rootfs) {
        if (rootfs.getParent() == null) {
            throw new dev.jrunc.spec.ConfigException("config.json", "$.root.path",
                    "is the host's root directory and there is no mount namespace: the container's mounts would cover the host's");
        }
    }

    /** Bind mount sources the runtime opened on the host (mount index -> fd), used instead of the path. */
    public RootfsSetup bindSources(Map<Integer, Integer> fds) {
        this.bindSources = fds == null ? Map.of() : fds;
        return this;
    }

    private LinuxSpec linux() {
        return spec.linux() == null ? new LinuxSpec(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null) : spec.linux();
    }

    /** Everything up to (not including) pivot_root. */
    public void mountAll() {
        RootPropagation propagation = RootPropagation.of(linux().rootfsPropagation());
        if (ownMountNamespace) {
            sys.mount(null, "/", null, propagation.initial(), null);
            setParentPropagation(propagation.parent());
            // pivot_root (and MS_MOVE) need the new root to be a mount point.
            sys.mount(rootfs, rootfs, "bind", MS_BIND | MS_REC, null);
        } else {
            String asked = linux().rootfsPropagation();
            if (asked != null && !asked.isEmpty()) {
                warn.accept("linux.rootfsPropagation \"" + asked + "\" is not applied: there is no mount namespace, "
                        + "and the host's mounts are not jrunc's to change");
            }
            // Only a mount of our own can be made read-only; the host's one holding the rootfs is not ours.
            if (spec.root() != null && spec.root().isReadonly()) sys.mount(rootfs, rootfs, "bind", MS_BIND | MS_REC, null);
        }
        try (RootPaths root = new RootPaths(sys, rootfs)) {
            try {
                List<Spec.Mount> mounts = spec.mountsOrEmpty();
                for (mountIndex = 0; mountIndex < mounts.size(); mountIndex++) {
                    try {
                        mount(root, mounts.get(mountIndex));
                    } catch (ConfigException e) {
                        throw e; // names its field already
                    } catch (JruncException e) {
                        throw new JruncException("$.mounts[" + mountIndex + "]: " + e.getMessage(), e);
                    }
                }
                boolean devIsBind = spec.mountsOrEmpty().stream()
                        .anyMatch(m -> "/dev".equals(clean(m.destination())) && MountOptions.parse(m.optionsOrEmpty()).bind());
                if (!devIsBind) {
                    new Devices(sys, root, inUserNamespace).create(linux().devicesOrEmpty());
                }
                if (devReadonlyLater) makeReadonly(root, "/dev", false);
            } finally {
                created.addAll(root.created());
            }
        }
    }

    /**
     * The mount holding the rootfs directory gets the given propagation (it is the rootfs itself
     * when the engine mounted one there). Found by walking up: MS_PRIVATE on a directory that is
     * no mount root fails with EINVAL. Never called without a mount namespace of our own.
     */
    private void setParentPropagation(long flags) {
        for (Path p = Path.of(rootfs); p != null; p = p.getParent()) {
            try {
                sys.mount(null, p.toString(), null, flags, null);
                return;
            } catch (SyscallException e) {
                if (e.errno() != Errno.EINVAL) throw e;
            }
        }
    }

    /** mount_setattr(MOUNT_ATTR_RDONLY) of the mount just made on dest, leaving its other flags alone. */
    private void makeReadonly(RootPaths root, String dest, boolean recursive) {
        Integer fresh = root.open(dest, 0);
        if (fresh == null) throw new JruncException("mount on " + dest + " disappeared before it could be made read-only");
        try {
            sys.mountSetattr(fresh, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), MOUNT_ATTR_RDONLY, 0, 0, -1);
        } finally {
            sys.close(fresh);
        }
    }

    /** The `r` options (rro, rnosuid, ...): mount_setattr(AT_RECURSIVE) over the mount on dest and all below. */
    private void applyRecursiveAttrs(RootPaths root, String dest, MountOptions opts) {
        if (!opts.hasRecursiveAttrs()) return;
        Integer fresh = root.open(dest, 0);
        if (fresh == null) throw new JruncException("mount on " + dest + " disappeared before its recursive options");
        try {
            sys.mountSetattr(fresh, "", AT_EMPTY_PATH | AT_RECURSIVE, opts.attrSet(), opts.attrClr(), 0, -1);
        } finally {
            sys.close(fresh);
        }
    }

    private static String clean(String dest) {
        String d = "/" + String.join("/", RootPaths.components(dest));
        return d;
    }

    private void mount(RootPaths root, Spec.Mount m) {
        String dest = clean(m.destination());
        MountOptions opts = MountOptions.parse(m.optionsOrEmpty());
        String type = m.type() == null ? "" : m.type();
        boolean bind = opts.bind() || type.equals("bind");
        try {
            if (type.equals("cgroup") || type.equals("cgroup2")) {
                mountCgroup(root, dest, opts);
            } else if (bind) {
                mountBind(root, m, dest, opts);
            } else {
                mountFilesystem(root, m, dest, type, opts);
            }
        } catch (SyscallException e) {
            throw new JruncException("mount " + describe(m) + ": " + e.getMessage(), e);
        }
    }

    private static String describe(Spec.Mount m) {
        return (m.source() == null ? m.type() : m.source()) + " on " + m.destination()
                + (m.type() == null ? "" : " (type " + m.type() + ")");
    }

    private int targetDir(RootPaths root, String dest, String type) {
        // /proc and /sys must be real directories: a symlink there would let an image redirect
        // the kernel's files to somewhere else in the container.
        if (type.equals("proc") || type.equals("sysfs")) {
            Integer fd;
            try {
                fd = root.open(dest, RESOLVE_NO_SYMLINKS);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ELOOP) {
                    throw new JruncException("mount destination " + dest + " is a symlink in the rootfs: refusing to mount " + type + " there");
                }
                throw e;
            }
            if (fd != null) return fd;
        }
        return root.mkdirs(dest, 0755);
    }

    private void mountFilesystem(RootPaths root, Spec.Mount m, String dest, String type, MountOptions opts) {
        long flags = opts.flags();
        // What jrunc still has to write there (device nodes, pts/shm/mqueue, the tmpcopyup copy)
        // needs the mount writable: read-only comes after, as runc does it.
        boolean devLater = dest.equals("/dev") && (flags & MS_RDONLY) != 0;
        boolean copyLater = opts.tmpcopyup() && type.equals("tmpfs") && (flags & MS_RDONLY) != 0;
        if (devLater || copyLater) flags &= ~MS_RDONLY;
        int fd = targetDir(root, dest, type);
        try {
            String target = RootPaths.procPath(fd);
            try {
                String data = type.equals("devpts") ? mappedIdsOnly(opts.dataOrNull()) : opts.dataOrNull();
                try {
                    newMount(type, m.source() == null ? type : m.source(), fd, "", flags, data);
                } catch (SyscallException e) {
                    throw e; // the kernel's answer, handled below
                } catch (JruncException e) {
                    throw new JruncException("mount " + describe(m) + ": " + e.getMessage(), e);
                }
            } catch (SyscallException e) {
                if (type.equals("sysfs") && e.errno() == Errno.EPERM && inUserNamespace) {
                    // A user namespace without its own network namespace may not mount sysfs:
                    // show the host's read-only instead, as runc does.
                    sys.mount("/sys", target, null, MS_BIND | MS_REC, null);
                    remountBind(root, dest, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
                } else if (type.equals("mqueue") && e.errno() == Errno.EPERM) {
                    sys.mount("/dev/mqueue", target, null, MS_BIND, null);
                } else {
                    throw e;
                }
            }
            if (type.equals("tmpfs") && opts.tmpcopyup()) copyUp(root, dest, fd);
        } finally {
            sys.close(fd);
        }
        if (copyLater) makeReadonly(root, dest, false);
        if (devLater) devReadonlyLater = true;
        if (opts.propagation() != 0) mountAgain(root, dest, opts.propagation());
        applyRecursiveAttrs(root, dest, opts);
    }

    /**
     * A new filesystem on dirfd (path "") or on path: made by {@link NewFilesystems} and attached
     * here, or mount(2) here.
     */
    private void newMount(String type, String source, int dirfd, String path, long flags, String data) {
        Integer detached = newFilesystems.mount(type, source, filesystemOptions(flags, data), mountAttrs(flags));
        if (detached == null) {
            sys.mount(source, path.isEmpty() ? RootPaths.procPath(dirfd) : path, type, flags, data);
            return;
        }
        try {
            sys.moveMount(detached, "", dirfd, path, MOVE_MOUNT_F_EMPTY_PATH | (path.isEmpty() ? MOVE_MOUNT_T_EMPTY_PATH : 0));
        } finally {
            sys.close(detached);
        }
    }

    /**
     * mount(2)'s data as filesystem options, and the superblock flags mount(2) takes as flags
     * (ro, sync, dirsync, lazytime), for a filesystem made with fsopen/fsconfig.
     */
    static List<String> filesystemOptions(long flags, String data) {
        List<String> out = new ArrayList<>();
        if (data != null) {
            for (String o : data.split(",")) {
                if (!o.isEmpty()) out.add(o);
            }
        }
        if ((flags & MS_RDONLY) != 0) out.add("ro"); // mount(2) makes a read-only superblock too
        if ((flags & MS_SYNCHRONOUS) != 0) out.add("sync");
        if ((flags & MS_DIRSYNC) != 0) out.add("dirsync");
        if ((flags & MS_LAZYTIME) != 0) out.add("lazytime");
        return out;
    }

    /** The MOUNT_ATTR_* form of mount(2)'s per-mount flags. */
    static long mountAttrs(long flags) {
        long attrs = 0;
        if ((flags & MS_RDONLY) != 0) attrs |= MOUNT_ATTR_RDONLY;
        if ((flags & MS_NOSUID) != 0) attrs |= MOUNT_ATTR_NOSUID;
        if ((flags & MS_NODEV) != 0) attrs |= MOUNT_ATTR_NODEV;
        if ((flags & MS_NOEXEC) != 0) attrs |= MOUNT_ATTR_NOEXEC;
        if ((flags & MS_NOATIME) != 0) attrs |= MOUNT_ATTR_NOATIME;
        else if ((flags & MS_STRICTATIME) != 0) attrs |= MOUNT_ATTR_STRICTATIME;
        if ((flags & MS_NODIRATIME) != 0) attrs |= MOUNT_ATTR_NODIRATIME;
        return attrs;
    }

    /**
     * A remount or propagation change of the mount just made on dest. It goes through a fresh fd:
     * one opened before the mount names the directory under it, which is not a mount root (EINVAL).
     */
    private void remountBind(RootPaths root, String dest, long flags) {
        int fresh = root.open(dest, 0);
        try {
            remount(RootPaths.procPath(fresh), flags);
        } finally {
            sys.close(fresh);
        }
    }

    private static final long LOCKABLE = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    private static final long ATIME = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

    /**
     * A bind remount. A mount the container's user namespace copied from a more privileged one
     * has its nosuid, nodev, noexec, read-only and atime flags locked: a remount that would clear
     * one fails with EPERM. There the mount's current flags of those kinds are kept, as runc does,
     * rather than failing: the container never gets less restriction than its source had.
     */
    private void remount(String target, long flags) {
        try {
            sys.mount(null, target, null, flags, null);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EPERM || !inUserNamespace) throw e;
            long current = sys.statfsMountFlags(target);
            long keep = (flags & ~ATIME) | (current & LOCKABLE) | (current & ATIME);
            if (keep == flags) throw e;
            sys.mount(null, target, null, keep, null);
        }
    }

    /**
     * devpts's uid= and gid= options, without those the container's user namespace does not map
     * (the kernel refuses the mount otherwise): a rootless container mapping only the user's own
     * gid has no gid 5 (tty), so its ptys keep the group of the process that opens them.
     */
    String mappedIdsOnly(String data) {
        if (data == null || !inUserNamespace) return data;
        List<LinuxSpec.IdMapping> uids = linux().uidMappingsOrEmpty();
        List<LinuxSpec.IdMapping> gids = linux().gidMappingsOrEmpty();
        List<String> kept = new ArrayList<>();
        for (String o : data.split(",")) {
            if (o.startsWith("gid=") && !gids.isEmpty() && !isMapped(gids, o.substring(4))) continue;
            if (o.startsWith("uid=") && !uids.isEmpty() && !isMapped(uids, o.substring(4))) continue;
            kept.add(o);
        }
        return kept.isEmpty() ? null : String.join(",", kept);
    }

    private static boolean isMapped(List<LinuxSpec.IdMapping> maps, String id) {
        long v;
        try {
            v = Long.parseLong(id);
        } catch (NumberFormatException e) {
            return true; // the kernel's to refuse
        }
        return maps.stream().anyMatch(m -> v >= m.containerID() && v < m.containerID() + m.size());
    }

    private void mountAgain(RootPaths root, String dest, long flags) {
        int fresh = root.open(dest, 0);
        try {
            sys.mount(null, RootPaths.procPath(fresh), null, flags, null);
        } finally {
            sys.close(fresh);
        }
    }

    /**
     * runc's `tmpcopyup`: the new tmpfs starts with a copy of what the image had at that path
     * (read through fd, the directory now under the mount). Symlinks are copied, never followed;
     * owners, modes and times are kept.
     */
    private void copyUp(RootPaths root, String dest, int underFd) {
        Integer fresh = root.open(dest, 0);
        try {
            Path from = Path.of(RootPaths.procPath(underFd), ".");
            Path to = Path.of(RootPaths.procPath(fresh), ".");
            Files.walkFileTree(from, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path dir, java.nio.file.attribute.BasicFileAttributes a)
                        throws java.io.IOException {
                    if (dir.equals(from)) {
                        // The tmpfs's root takes the mode and owner of the directory it covers.
                        Files.setOwner(to, Files.getOwner(from));
                        Files.setAttribute(to, "unix:mode", Files.getAttribute(from, "unix:mode")); // sticky bit too
                    } else {
                        Files.copy(dir, to.resolve(from.relativize(dir).toString()), LinkOption.NOFOLLOW_LINKS,
                                StandardCopyOption.COPY_ATTRIBUTES);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes a)
                        throws java.io.IOException {
                    Files.copy(file, to.resolve(from.relativize(file).toString()), LinkOption.NOFOLLOW_LINKS,
                            StandardCopyOption.COPY_ATTRIBUTES);
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (java.io.IOException e) {
            throw new JruncException("tmpcopyup on " + dest + ": " + e.getMessage(), e);
        } finally {
            sys.close(fresh);
        }
    }

    private void mountBind(RootPaths root, Spec.Mount m, String dest, MountOptions opts) {
        if (m.source() == null) throw new JruncException("bind mount on " + dest + " has no source");
        Integer tree = detachedMounts.get(mountIndex);
        if (tree == null && (opts.idmap() || m.uidMappings() != null || m.gidMappings() != null)) {
            throw new JruncException("bind mount on " + dest + " asks for an idmapping but no idmapped mount was prepared for it");
        }
        Integer sourceFd = bindSources.get(mountIndex);
        Path source = sourceFd != null ? Path.of(RootPaths.procPath(sourceFd)) : bundle.resolve(m.source());
        if (tree == null && !Files.exists(source)) {
            throw new JruncException("bind mount source " + source + " does not exist");
        }
        boolean directory = tree != null ? isDirectory(tree) : Files.isDirectory(source);
        int fd = directory ? root.mkdirs(dest, 0755) : root.mkfile(dest, 0644);
        try {
            String target = RootPaths.procPath(fd);
            if (tree != null) {
                sys.moveMount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
            } else {
                sys.mount(source.toString(), target, null, MS_BIND | (opts.recursive() ? MS_REC : 0), null);
            }
            // A second mount, through a fresh fd, to reach the new mount rather than what was under it.
            long extra = opts.flags() & ~MS_REMOUNT;
            if (extra != 0) remountBind(root, dest, MS_BIND | MS_REMOUNT | extra);
            if (opts.propagation() != 0) {
                Integer fresh = root.open(dest, 0);
                try {
                    sys.mount(null, RootPaths.procPath(fresh), null, opts.propagation(), null);
                } finally {
                    sys.close(fresh);
                }
            }
        } finally {
            sys.close(fd);
        }
        applyRecursiveAttrs(root, dest, opts);
    }

    /** Whether an fd names a directory: "." resolves from a directory only. */
    private boolean isDirectory(int fd) {
        try {
            sys.close(sys.openat2(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0));
            return true;
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOTDIR) return false;
            throw e;
        }
    }

    /**
     * The container sees only its own cgroup: a bind of its cgroup directory per hierarchy (under
     * a tmpfs when there are several, as v1 lays them out), read-only unless asked otherwise.
     */
    private void mountCgroup(RootPaths root, String dest, MountOptions opts) {
        if (cgroupDirs.isEmpty() && inUserNamespace) {
            // A rootless container without a cgroup of its own: the host's hierarchy, read-only
            // (what the user can read anyway), as runc shows it.
            int fd = root.mkdirs(dest, 0755);
            try {
                sys.mount("/sys/fs/cgroup", RootPaths.procPath(fd), null, MS_BIND | MS_REC, null);
            } finally {
                sys.close(fd);
            }
            remountBind(root, dest, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
            makeReadonly(root, dest, true);
            return;
        }
        if (cgroupDirs.isEmpty()) {
            warn.accept("no cgroup hierarchy to show at " + dest + "; skipping the cgroup mount");
            return;
        }
        long ro = opts.flags() & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        if (cgroupDirs.size() == 1 && cgroupDirs.containsKey("")) {
            bindCgroupDir(root, dest, cgroupDirs.get(""), ro);
            return;
        }
        int fd = root.mkdirs(dest, 0755);
        try {
            newMount("tmpfs", "tmpfs", fd, "", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
        } finally {
            sys.close(fd);
        }
        for (var e : cgroupDirs.entrySet()) {
            bindCgroupDir(root, dest + "/" + e.getKey(), e.getValue(), ro);
        }
        if ((ro & MS_RDONLY) != 0) {
            Integer fresh = root.open(dest, 0);
            try {
                sys.mount(null, RootPaths.procPath(fresh), null, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
            } finally {
                sys.close(fresh);
            }
        }
    }

    private void bindCgroupDir(RootPaths root, String dest, String hostDir, long flags) {
        int fd = root.mkdirs(dest, 0755);
        try {
            sys.mount(hostDir, RootPaths.procPath(fd), null, MS_BIND | MS_REC, null);
        } finally {
            sys.close(fd);
        }
        if (flags != 0) remountBind(root, dest, MS_BIND | MS_REMOUNT | flags);
    }

    /**
     * Makes the rootfs the root: pivot_root, then detach the old root from under it; with
     * --no-pivot, MS_MOVE onto "/" and chroot; without a mount namespace, a chroot alone.
     */
    public void pivotRoot(boolean noPivot) {
        if (!ownMountNamespace) {
            chrootOnly();
        } else if (noPivot) {
            moveRoot();
        } else {
            pivot();
        }
    }

    private void chrootOnly() {
        int root = sys.open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0);
        try {
            sys.fchdir(root);
            sys.chroot(".");
            sys.chdir("/");
        } finally {
            sys.close(root);
        }
    }

    /**
     * --no-pivot: the old root stays in the namespace, under the new one. The kernel lets a
     * process in a user namespace mount a new proc or sysfs only where one is fully visible
     * already, and counts every mount of the namespace, reachable or not: so the host's /proc
     * and /sys (this namespace's copies) go first, or the container could mount a bare /proc in a
     * nested user namespace. A copy the kernel has locked (the container's user namespace made
     * this mount namespace) cannot be unmounted: an empty read-only tmpfs covers it instead, which
     * a nested namespace then sees locked on top of it, so it no longer counts as visible.
     */
    private void moveRoot() {
        hideHostProcAndSys();
        // Nothing moved onto the old root may propagate to wherever it has peers.
        sys.mount(null, "/", null, MS_PRIVATE, null);
        sys.chdir(rootfs);
        sys.mount(rootfs, "/", null, MS_MOVE, null);
        sys.chroot(".");
        sys.chdir("/");
    }

    private void hideHostProcAndSys() {
        List<HostMounts.Mount> table = HostMounts.parse(mountInfo.get());
        Map<Integer, HostMounts.Mount> byId = new java.util.HashMap<>();
        for (HostMounts.Mount m : table) byId.put(m.id(), m);
        List<HostMounts.Mount> visible = new ArrayList<>();
        for (HostMounts.Mount m : table) {
            boolean kernelView = m.fsType().equals("proc") || m.fsType().equals("sysfs");
            if (kernelView && m.root().equals("/") && !HostMounts.isAtOrUnder(m.mountPoint(), rootfs)) visible.add(m);
        }
        // Deepest first: detaching a parent takes its children along.
        visible.sort(java.util.Comparator.comparingInt((HostMounts.Mount m) -> RootPaths.components(m.mountPoint()).size())
                .reversed());
        for (HostMounts.Mount m : visible) {
            String path = m.mountPoint();
            try {
                // Neither the unmount nor a cover may reach the mount's or its parent's peers (the host).
                sys.mount(null, path, null, MS_PRIVATE, null);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.EINVAL) continue; // gone with a parent
                throw e;
            }
            HostMounts.Mount parent = byId.get(m.parent());
            boolean parentPrivate = false;
            if (parent != null) {
                try {
                    sys.mount(null, parent.mountPoint(), null, MS_PRIVATE, null);
                    parentPrivate = true;
                } catch (SyscallException e) {
                    // unreachable parent: cover instead of unmounting
                }
            }
            if (parentPrivate) {
                try {
                    sys.umount2(path, MNT_DETACH);
                    continue;
                } catch (SyscallException e) {
                    if (e.errno() != Errno.EINVAL && e.errno() != Errno.EPERM) throw e;
                }
            }
            newMount("tmpfs", "tmpfs", AT_FDCWD, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0555,size=4k");
        }
    }

    private static String readMountInfo() {
        try {
            // thread-self: a thread that joined the mount namespace sees its own table.
            return Files.readString(Path.of("/proc/thread-self/mountinfo"));
        } catch (java.io.IOException e) {
            throw new JruncException("cannot read /proc/thread-self/mountinfo: " + e.getMessage(), e);
        }
    }

    private void pivot() {
        int oldRoot = sys.open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0);
        int newRoot = sys.open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC, 0);
        try {
            sys.fchdir(newRoot);
            // pivot_root(".", ".") stacks the old root on top of the new one; it is then detached
            // from the current directory without needing a directory for it in the image.
            sys.pivotRoot(".", ".");
            sys.fchdir(oldRoot);
            sys.mount(null, ".", null, MS_SLAVE | MS_REC, null);
            sys.umount2(".", MNT_DETACH);
            sys.chdir("/");
        } finally {
            sys.close(oldRoot);
            sys.close(newRoot);
        }
    }

    /** After pivot_root: readonlyPaths, maskedPaths, root.readonly, then linux.rootfsPropagation on the root. */
    public void finish() {
        for (String p : linux().readonlyPathsOrEmpty()) {
            readonly(p);
        }
        for (String p : linux().maskedPathsOrEmpty()) {
            mask(p);
        }
        if (spec.root() != null && spec.root().isReadonly()) {
            remount("/", MS_BIND | MS_REMOUNT | MS_RDONLY);
        }
        // Last: an unbindable tree would refuse the binds of readonlyPaths.
        long after = RootPropagation.of(linux().rootfsPropagation()).after();
        if (ownMountNamespace && after != 0) sys.mount(null, "/", null, after, null);
    }

    private void readonly(String path) {
        try {
            sys.mount(path, path, null, MS_BIND | MS_REC, null);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) return;
            throw e;
        }
        remount(path, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }

    private void mask(String path) {
        Path p = Path.of(path);
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            newMount("tmpfs", "tmpfs", AT_FDCWD, path, MS_RDONLY, null);
        } else if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            sys.mount("/dev/null", path, null, MS_BIND, null);
        }
    }

    public static List<String> defaultPath() {
        return List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
    }
}
