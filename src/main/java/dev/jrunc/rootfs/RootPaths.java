package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens and creates paths inside the container's rootfs without ever leaving it: every lookup is
 * openat2 with RESOLVE_IN_ROOT, so a symlink planted in the image (say /etc -> /host/etc)
 * resolves as it would after pivot_root, inside the rootfs.
 */
public final class RootPaths implements AutoCloseable {
    private final Syscalls sys;
    private final int rootFd;

    public RootPaths(Syscalls sys, String rootfs) {
        this.sys = sys;
        this.rootFd = sys.open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
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

    /** mkdir -p inside the rootfs; returns an O_PATH fd of the directory. */
    public int mkdirs(String path, int mode) {
        int cur = sys.openat2(rootFd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
        StringBuilder prefix = new StringBuilder();
        try {
            for (String c : components(path)) {
                prefix.append('/').append(c);
                Integer next = open(prefix.toString(), 0);
                if (next == null) {
                    try {
                        sys.mkdirat(cur, c, mode);
                    } catch (SyscallException e) {
                        if (e.errno() != Errno.EEXIST) throw e;
                    }
                    next = sys.openat2(rootFd, relative(prefix.toString()), O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                            RESOLVE_IN_ROOT);
                }
                sys.close(cur);
                cur = next;
            }
            return cur;
        } catch (RuntimeException e) {
            sys.close(cur);
            throw e;
        }
    }

    /** Makes an empty file (a bind-mount target or a device node's stand-in); returns an O_PATH fd. */
    public int mkfile(String path, int mode) {
        Integer existing = open(path, 0);
        if (existing != null) return existing;
        List<String> parts = components(path);
        String name = parts.getLast();
        int parent = mkdirs(String.join("/", parts.subList(0, parts.size() - 1)), 0755);
        try {
            int fd = sys.openat2(parent, name, O_CREAT | O_RDONLY | O_CLOEXEC | O_NOFOLLOW, mode,
                    RESOLVE_IN_ROOT);
            sys.close(fd);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EEXIST) throw e;
        } finally {
            sys.close(parent);
        }
        return sys.openat2(rootFd, relative(path), O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
    }

    /** The parent directory (created if missing) and the last component of a path. */
    public int parentOf(String path) {
        List<String> parts = components(path);
        return mkdirs(String.join("/", parts.subList(0, parts.size() - 1)), 0755);
    }

    public static String lastComponent(String path) {
        return components(path).getLast();
    }

    /** The path the kernel follows to reach an fd: a mount target that cannot be redirected. */
    public static String procPath(int fd) {
        return "/proc/self/fd/" + fd;
    }

    private static String relative(String path) {
        String rel = String.join("/", components(path));
        return rel.isEmpty() ? "." : rel;
    }

    @Override
    public void close() {
        sys.close(rootFd);
    }
}
