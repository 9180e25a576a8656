package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds the container's filesystem view inside its (already private) mount namespace, in
 * runtime-spec order: root propagation, the rootfs as a mount point, config mounts in order,
 * devices, then pivot_root (or chroot with --no-pivot), read-only root, masked and read-only paths.
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
    private int mountIndex;

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
        sys.mount(null, "/", null, MountOptions.rootPropagation(linux().rootfsPropagation()), null);
        // pivot_root needs the new root to be a mount point.
        sys.mount(rootfs, rootfs, "bind", MS_BIND | MS_REC, null);
        try (RootPaths root = new RootPaths(sys, rootfs)) {
            List<Spec.Mount> mounts = spec.mountsOrEmpty();
            for (mountIndex = 0; mountIndex < mounts.size(); mountIndex++) {
                mount(root, mounts.get(mountIndex));
            }
            boolean devIsBind = spec.mountsOrEmpty().stream()
                    .anyMatch(m -> "/dev".equals(clean(m.destination())) && MountOptions.parse(m.optionsOrEmpty()).bind());
            if (!devIsBind) {
                new Devices(sys, root, inUserNamespace).create(linux().devicesOrEmpty());
            }
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
        int fd = targetDir(root, dest, type);
        try {
            String target = RootPaths.procPath(fd);
            try {
                sys.mount(m.source() == null ? type : m.source(), target, type, opts.flags(), opts.dataOrNull());
            } catch (SyscallException e) {
                if (type.equals("sysfs") && e.errno() == Errno.EPERM && inUserNamespace) {
                    // A user namespace without its own network namespace may not mount sysfs:
                    // show the host's read-only instead, as runc does.
                    sys.mount("/sys", target, null, MS_BIND | MS_REC, null);
                    mountAgain(root, dest, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
                } else if (type.equals("mqueue") && e.errno() == Errno.EPERM) {
                    sys.mount("/dev/mqueue", target, null, MS_BIND, null);
                } else {
                    throw e;
                }
            }
            if (type.equals("tmpfs") && m.optionsOrEmpty().contains("tmpcopyup")) copyUp(root, dest, fd);
        } finally {
            sys.close(fd);
        }
        if (opts.propagation() != 0) mountAgain(root, dest, opts.propagation());
    }

    /**
     * A remount or propagation change of the mount just made on dest. It goes through a fresh fd:
     * one opened before the mount names the directory under it, which is not a mount root (EINVAL).
     */
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
        Integer sourceFd = bindSources.get(mountIndex);
        Path source = sourceFd != null ? Path.of(RootPaths.procPath(sourceFd)) : bundle.resolve(m.source());
        if (!Files.exists(source)) {
            throw new JruncException("bind mount source " + source + " does not exist");
        }
        int fd = Files.isDirectory(source) ? root.mkdirs(dest, 0755) : root.mkfile(dest, 0644);
        try {
            String target = RootPaths.procPath(fd);
            sys.mount(source.toString(), target, null, MS_BIND | (opts.recursive() ? MS_REC : 0), null);
            // A second mount, through a fresh fd, to reach the new mount rather than what was under it.
            long extra = opts.flags() & ~MS_REMOUNT;
            if (extra != 0) {
                Integer fresh = root.open(dest, 0);
                try {
                    sys.mount(null, RootPaths.procPath(fresh), null, MS_BIND | MS_REMOUNT | extra, null);
                } finally {
                    sys.close(fresh);
                }
            }
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
    }

    /**
     * The container sees only its own cgroup: a bind of its cgroup directory per hierarchy (under
     * a tmpfs when there are several, as v1 lays them out), read-only unless asked otherwise.
     */
    private void mountCgroup(RootPaths root, String dest, MountOptions opts) {
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
            sys.mount("tmpfs", RootPaths.procPath(fd), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
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
        if (flags != 0) {
            Integer fresh = root.open(dest, 0);
            try {
                sys.mount(null, RootPaths.procPath(fresh), null, MS_BIND | MS_REMOUNT | flags, null);
            } finally {
                sys.close(fresh);
            }
        }
    }

    /** Makes the rootfs the root: pivot_root, then detach the old root from under it. */
    public void pivotRoot(boolean noPivot) {
        if (noPivot) {
            sys.chdir(rootfs);
            sys.mount(rootfs, "/", null, MS_MOVE, null);
            sys.chroot(".");
            sys.chdir("/");
            return;
        }
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

    /** After pivot_root: root.readonly, then maskedPaths and readonlyPaths. */
    public void finish() {
        for (String p : linux().readonlyPathsOrEmpty()) {
            readonly(p);
        }
        for (String p : linux().maskedPathsOrEmpty()) {
            mask(p);
        }
        if (spec.root() != null && spec.root().isReadonly()) {
            sys.mount(null, "/", null, MS_BIND | MS_REMOUNT | MS_RDONLY, null);
        }
    }

    private void readonly(String path) {
        try {
            sys.mount(path, path, null, MS_BIND | MS_REC, null);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) return;
            throw e;
        }
        sys.mount(null, path, null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
    }

    private void mask(String path) {
        Path p = Path.of(path);
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            sys.mount("tmpfs", path, "tmpfs", MS_RDONLY, null);
        } else if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            sys.mount("/dev/null", path, null, MS_BIND, null);
        }
    }

    public static List<String> defaultPath() {
        return List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
    }
}
