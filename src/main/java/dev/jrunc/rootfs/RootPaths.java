package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Opens and creates paths inside the container's rootfs without ever leaving it: every lookup is
 * openat2 with RESOLVE_IN_ROOT, so a symlink planted in the image (say /etc -> /host/etc)
 * resolves as it would after pivot_root, inside the rootfs. Paths are created through symlinks
 * too (a destination /var/run/x with /var/run -> /run and no /run makes /run/x), always inside.
 * Everything made here is remembered ({@link #created}), so a failed create can take it away.
 */
public final class RootPaths implements AutoCloseable {
    /** More symlinks than this in one path is a loop, as the kernel counts (ELOOP). */
    private static final int MAX_SYMLINKS = 40;

    private final Syscalls sys;
    private final int rootFd;
    private final List<String> created = new ArrayList<>();

    public RootPaths(Syscalls sys, String rootfs) {
        this.sys = sys;
        this.rootFd = sys.open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    }

    /** A directory of the rootfs (an O_PATH fd), the container path it resolved to, and a name in it. */
    public record Parent(int fd, String dir, String name) {
        public String path() {
            return (dir.equals("/") ? "" : dir) + "/" + name;
        }
    }

    /** Components of an absolute container path, with "." and empty parts dropped. */
    static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) out.add(c);
        }
        return out;
    }

    /** An O_PATH fd of an existing path, or null if it does not exist. */
    public Integer open(String path, long extraResolve) {
        try {
            return sys.openat2(rootFd, relative(path), O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | extraResolve);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) return null;
            throw e;
        }
    }

    /** mkdir -p inside the rootfs, through symlinks; returns an O_PATH fd of the directory. */
    public int mkdirs(String path, int mode) {
        String dir = resolveCreating(path, mode);
        return sys.openat2(rootFd, relative(dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
    }

    /** Makes an empty file (a bind-mount target or a device node's stand-in); returns an O_PATH fd. */
    public int mkfile(String path, int mode) {
        Integer existing = open(path, 0);
        if (existing != null) return existing;
        Parent p = parent(path, true);
        try {
            int fd = sys.openat2(p.fd(), p.name(), O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, mode,
                    RESOLVE_IN_ROOT);
            sys.close(fd);
            created.add(p.path());
        } catch (SyscallException e) {
            if (e.errno() != Errno.EEXIST) throw e;
        } finally {
            sys.close(p.fd());
        }
        return sys.openat2(rootFd, relative(p.path()), O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
    }

    /**
     * The directory that holds path's last component (created if missing) and that name. With
     * followLast, a last component that is a symlink is followed (inside the rootfs) and its
     * target's parent returned: a mount made there lands where the container will look for it.
     */
    public Parent parent(String path, boolean followLast) {
        List<String> parts = components(path);
        if (parts.isEmpty()) throw new JruncException("\"" + path + "\" names the container's root, not an entry in it");
        String dir = resolveCreating(String.join("/", parts.subList(0, parts.size() - 1)), 0755);
        String name = parts.getLast();
        for (int hops = 0; followLast && !name.equals(".."); hops++) {
            String link = readlinkIfSymlink(dir, name);
            if (link == null) break;
            if (hops >= MAX_SYMLINKS) throw new SyscallException("resolve " + path + " in the rootfs", Errno.ELOOP);
            // A target ending in "/", "." or ".." names a directory, not an entry to make.
            List<String> target = components(link.startsWith("/") ? link : dir + "/" + link);
            if (target.isEmpty() || link.endsWith("/") || target.getLast().equals("..")) {
                throw new JruncException("\"" + path + "\" is a symlink to the directory " + link + " in the rootfs");
            }
            dir = resolveCreating(String.join("/", target.subList(0, target.size() - 1)), 0755);
            name = target.getLast();
        }
        if (name.equals("..")) throw new JruncException("\"" + path + "\" ends in \"..\"");
        int fd = sys.openat2(rootFd, relative(dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
        return new Parent(fd, dir, name);
    }

    /** Records an entry made in the rootfs by other means (a device node, a link). */
    public void created(String containerPath) {
        created.add(containerPath);
    }

    /** What this object made in the rootfs, parents before children (container paths, symlink-free). */
    public List<String> created() {
        return List.copyOf(created);
    }

    public static String lastComponent(String path) {
        return components(path).getLast();
    }

    /** The path the kernel follows to reach an fd: a mount target that cannot be redirected. */
    public static String procPath(int fd) {
        return "/proc/self/fd/" + fd;
    }

    /**
     * Walks path inside the rootfs one component at a time, creating missing directories and
     * following symlinks (dangling ones too) the way RESOLVE_IN_ROOT does: an absolute target
     * starts again at the root, ".." never climbs above it. Returns the symlink-free container
     * path of the directory reached.
     */
    private String resolveCreating(String path, int mode) {
        Deque<String> todo = new ArrayDeque<>(components(path));
        List<String> at = new ArrayList<>();
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (c.equals("..")) {
                if (!at.isEmpty()) at.removeLast();
                continue;
            }
            String here = "/" + String.join("/", at);
            at.add(c);
            String next = "/" + String.join("/", at);
            try {
                // `at` holds no symlink, so only c itself can be one (ELOOP).
                int fd = sys.openat2(rootFd, relative(next), O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                        RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
                sys.close(fd);
            } catch (SyscallException e) {
                if (e.errno() == Errno.ELOOP) {
                    if (++hops > MAX_SYMLINKS) throw new SyscallException("resolve " + path + " in the rootfs", Errno.ELOOP);
                    at.removeLast();
                    String link = readlink(here, c);
                    List<String> target = components(link);
                    for (int i = target.size() - 1; i >= 0; i--) todo.push(target.get(i));
                    if (link.startsWith("/")) at.clear();
                } else if (e.errno() == Errno.ENOENT) {
                    mkdir(here, c, mode);
                    created.add(next);
                } else if (e.errno() == Errno.ENOTDIR) {
                    throw new JruncException(next + " in the rootfs is not a directory (on the way to " + path + ")");
                } else {
                    throw e;
                }
            }
        }
        return "/" + String.join("/", at);
    }

    private void mkdir(String dir, String name, int mode) {
        int parent = sys.openat2(rootFd, relative(dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
        try {
            sys.mkdirat(parent, name, mode);
        } finally {
            sys.close(parent);
        }
    }

    private String readlink(String dir, String name) {
        int parent = sys.openat2(rootFd, relative(dir), O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
        try {
            return sys.readlinkat(parent, name);
        } finally {
            sys.close(parent);
        }
    }

    /** The target of dir/name if that is a symlink; null if it is anything else or missing. */
    private String readlinkIfSymlink(String dir, String name) {
        try {
            return readlink(dir, name);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT) return null;
            throw e;
        }
    }

    private static String relative(String path) {
        String rel = String.join("/", components(path));
        return rel.isEmpty() ? "." : rel;
    }

    @Override
    public void close() {
        sys.close(rootFd);
    }

    /**
     * Removes what a failed create made in the rootfs, newest first: directories only when empty,
     * nothing reached through a symlink (the container may have replaced a directory with one).
     * Best effort: whatever cannot go is left, named in the returned list.
     */
    public static List<String> removeCreated(Syscalls sys, String rootfs, List<String> paths) {
        List<String> left = new ArrayList<>();
        int root;
        try {
            root = sys.open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        } catch (SyscallException e) {
            return List.copyOf(paths);
        }
        try {
            for (String p : paths.reversed()) {
                List<String> parts = components(p);
                if (parts.isEmpty() || parts.contains("..")) continue;
                String dir = relative(String.join("/", parts.subList(0, parts.size() - 1)));
                try {
                    int parent = sys.openat2(root, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                            RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
                    try {
                        unlink(sys, parent, parts.getLast());
                    } finally {
                        sys.close(parent);
                    }
                } catch (SyscallException e) {
                    if (e.errno() != Errno.ENOENT) left.add(p + " (" + Errno.name(e.errno()) + ")");
                }
            }
        } finally {
            sys.close(root);
        }
        return left;
    }

    private static void unlink(Syscalls sys, int parent, String name) {
        try {
            sys.unlinkat(parent, name, AT_REMOVEDIR);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ENOTDIR) throw e;
            sys.unlinkat(parent, name, 0);
        }
    }
}
