package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.LinuxSpec;
import java.util.ArrayList;
import java.util.List;

/** /dev in the container: the default nodes every container gets, linux.devices, and the links. */
public final class Devices {
    /** runtime-spec's "Default Devices", char devices with mode 0666. */
    static final List<LinuxSpec.Device> DEFAULTS = List.of(
            dev("/dev/null", 1, 3), dev("/dev/zero", 1, 5), dev("/dev/full", 1, 7),
            dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0));

    private static LinuxSpec.Device dev(String path, long major, long minor) {
        return new LinuxSpec.Device("c", path, major, minor, 0666, 0L, 0L);
    }

    private final Syscalls sys;
    private final RootPaths root;
    private final boolean inUserNamespace;

    Devices(Syscalls sys, RootPaths root, boolean inUserNamespace) {
        this.sys = sys;
        this.root = root;
        this.inUserNamespace = inUserNamespace;
    }

    void create(List<LinuxSpec.Device> configured) {
        List<LinuxSpec.Device> all = new ArrayList<>(configured);
        for (LinuxSpec.Device d : DEFAULTS) {
            if (all.stream().noneMatch(c -> d.path().equals(c.path()))) all.add(d);
        }
        // Nodes get exactly their fileMode (0666 for the defaults), whatever umask jrunc inherited.
        int oldMask = sys.umask(0);
        try {
            for (int i = 0; i < all.size(); i++) {
                LinuxSpec.Device d = all.get(i);
                try {
                    create(d);
                } catch (JruncException e) {
                    if (i >= configured.size()) throw e; // one of jrunc's defaults: its message names it
                    throw new JruncException("$.linux.devices[" + i + "]: " + e.getMessage(), e);
                }
            }
        } finally {
            sys.umask(oldMask);
        }
        link("/proc/self/fd", "/dev/fd");
        link("/proc/self/fd/0", "/dev/stdin");
        link("/proc/self/fd/1", "/dev/stdout");
        link("/proc/self/fd/2", "/dev/stderr");
        if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/kcore"))) link("/proc/kcore", "/dev/core");
        if (root.open("/dev/pts", 0) instanceof Integer pts) {
            sys.close(pts);
            link("pts/ptmx", "/dev/ptmx");
        }
    }

    private void create(LinuxSpec.Device d) {
        int type = switch (d.type()) {
            case "c", "u" -> S_IFCHR;
            case "b" -> S_IFBLK;
            case "p" -> S_IFIFO;
            default -> throw new JruncException(d.path() + ": unknown device type \"" + d.type() + "\"");
        };
        Integer existing = root.open(d.path(), RESOLVE_NO_SYMLINKS);
        if (existing != null) {
            // The image (or a mount) already provides it.
            sys.close(existing);
            return;
        }
        long dev = makedev(d.major() == null ? 0 : d.major(), d.minor() == null ? 0 : d.minor());
        int mode = d.fileMode() == null ? 0666 : d.fileMode();
        if (inUserNamespace && type != S_IFIFO) {
            // mknod is not allowed in a user namespace: bind the host's node instead.
            int fd = root.mkfile(d.path(), 0);
            try {
                sys.mount(d.path(), RootPaths.procPath(fd), null, MS_BIND, null);
            } catch (SyscallException e) {
                throw new JruncException("device " + d.path() + ": bind from the host: " + e.getMessage(), e);
            } finally {
                sys.close(fd);
            }
            return;
        }
        RootPaths.Parent parent = root.parent(d.path(), false);
        try {
            sys.mknodat(parent.fd(), parent.name(), type | (mode & 07777), dev);
            root.created(parent.path());
            sys.fchownat(parent.fd(), parent.name(), d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid(),
                    AT_SYMLINK_NOFOLLOW);
        } catch (SyscallException e) {
            if (e.errno() != Errno.EEXIST) {
                throw new JruncException("device " + d.path() + ": " + e.getMessage(), e);
            }
        } finally {
            sys.close(parent.fd());
        }
    }

    private void link(String target, String path) {
        RootPaths.Parent parent = root.parent(path, false);
        try {
            sys.symlinkat(target, parent.fd(), parent.name());
            root.created(parent.path());
        } catch (SyscallException e) {
            if (e.errno() != Errno.EEXIST) throw e;
        } finally {
            sys.close(parent.fd());
        }
    }
}
