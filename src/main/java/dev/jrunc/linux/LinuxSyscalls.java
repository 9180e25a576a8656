package dev.jrunc.linux;

import static dev.jrunc.linux.Native.C_INT;
import static dev.jrunc.linux.Native.C_LONG;
import static dev.jrunc.linux.Native.C_POINTER;
import static dev.jrunc.linux.Native.cstr;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The real system calls, through the FFM API. */
final class LinuxSyscalls implements Syscalls {
    static final LinuxSyscalls INSTANCE = new LinuxSyscalls();

    // x86_64 numbers of the calls glibc 2.36 has no wrapper for (or whose wrapper we avoid).
    private static final long SYS_PIVOT_ROOT = 155;
    private static final long SYS_EXECVEAT = 322;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final long SYS_OPENAT2 = 437;
    private static final long SYS_OPEN_TREE = 428;
    private static final long SYS_MOVE_MOUNT = 429;
    private static final long SYS_MOUNT_SETATTR = 442;
    private static final long SYS_UNSHARE = 272;
    private static final long SYS_SETNS = 308;
    private static final long SYS_SETFSUID = 122;
    private static final long SYS_SETFSGID = 123;
    private static final long SYS_CAPGET = 125;
    private static final long SYS_CAPSET = 126;

    private LinuxSyscalls() {}

    /** A downcall handle made on first use, so a verb only pays for the calls it makes. */
    private static final class Fn {
        private final Supplier<MethodHandle> maker;
        private volatile MethodHandle handle;

        Fn(Supplier<MethodHandle> maker) {
            this.maker = maker;
        }

        MethodHandle h() {
            MethodHandle h = handle;
            if (h == null) {
                h = maker.get();
                handle = h;
            }
            return h;
        }

        static Fn libc(String name, FunctionDescriptor fd) {
            return new Fn(() -> Native.libc(name, fd));
        }

        static Fn syscall(int argc) {
            var args = new java.lang.foreign.MemoryLayout[argc + 1];
            java.util.Arrays.fill(args, C_LONG);
            return new Fn(() -> Native.variadic("syscall", FunctionDescriptor.of(C_LONG, args), 1));
        }
    }

    private static final Fn MOUNT = Fn.libc("mount",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_POINTER));
    private static final Fn UMOUNT2 = Fn.libc("umount2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final Fn CHROOT = Fn.libc("chroot", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final Fn CHDIR = Fn.libc("chdir", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final Fn FCHDIR = Fn.libc("fchdir", FunctionDescriptor.of(C_INT, C_INT));
    private static final Fn STATFS = Fn.libc("statfs", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    private static final Fn OPEN = new Fn(() -> Native.variadic("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), 2));
    private static final Fn CLOSE = Fn.libc("close", FunctionDescriptor.of(C_INT, C_INT));
    private static final Fn MKDIRAT = Fn.libc("mkdirat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final Fn MKNODAT = Fn.libc("mknodat",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_LONG));
    private static final Fn SYMLINKAT = Fn.libc("symlinkat",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER));
    private static final Fn MKFIFO = Fn.libc("mkfifo", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final Fn FCHOWNAT = Fn.libc("fchownat",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_INT));
    private static final Fn READLINKAT = Fn.libc("readlinkat",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_POINTER, C_LONG));
    private static final Fn UNLINKAT = Fn.libc("unlinkat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final Fn SETHOSTNAME = Fn.libc("sethostname", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG));
    private static final Fn SETDOMAINNAME = Fn.libc("setdomainname", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG));
    private static final Fn UMASK = Fn.libc("umask", FunctionDescriptor.of(C_INT, C_INT));
    private static final Fn MALLOC_TRIM = Fn.libc("malloc_trim", FunctionDescriptor.of(C_INT, C_LONG));
    private static final Fn PRLIMIT = Fn.libc("prlimit",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_POINTER));
    private static final Fn PRCTL = new Fn(() -> Native.variadic("prctl",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_LONG, C_LONG, C_LONG), 1));
    private static final Fn WAITPID = Fn.libc("waitpid", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final Fn KILL = Fn.libc("kill", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final Fn POLL = Fn.libc("poll", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT));
    private static final Fn FLOCK = Fn.libc("flock", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final Fn SOCKETPAIR = Fn.libc("socketpair",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    private static final Fn SEND = Fn.libc("send", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT));
    private static final Fn RECV = Fn.libc("recv", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT));
    private static final Fn WRITE = Fn.libc("write", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
    private static final Fn READ = Fn.libc("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
    private static final Fn BIND = Fn.libc("bind", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final Fn CFMAKERAW = new Fn(() -> Native.plain("cfmakeraw",
            FunctionDescriptor.ofVoid(C_POINTER)));
    private static final Fn IOCTL = new Fn(() -> Native.variadic("ioctl",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER), 2));
    private static final Fn ISATTY = new Fn(() -> Native.plain("isatty", FunctionDescriptor.of(C_INT, C_INT)));
    private static final Fn SENDTO = Fn.libc("sendto",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT, C_POINTER, C_INT));
    private static final Fn TCGETATTR = Fn.libc("tcgetattr", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    private static final Fn TCSETATTR = Fn.libc("tcsetattr", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));
    private static final Fn SYSCALL2 = Fn.syscall(2);
    private static final Fn SYSCALL3 = Fn.syscall(3);
    private static final Fn SYSCALL4 = Fn.syscall(4);
    private static final Fn SYSCALL5 = Fn.syscall(5);
    private static final Fn POSIX_SPAWN = new Fn(() -> Native.plain("posix_spawn",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER)));
    private static final Fn FA_INIT = new Fn(() -> Native.plain("posix_spawn_file_actions_init",
            FunctionDescriptor.of(C_INT, C_POINTER)));
    private static final Fn FA_ADDDUP2 = new Fn(() -> Native.plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT)));
    private static final Fn FA_DESTROY = new Fn(() -> Native.plain("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(C_INT, C_POINTER)));
    private static final Fn FA_ADDCLOSEFROM = new Fn(() -> Native.plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT)));
    private static final Fn FA_ADDCHDIR = new Fn(() -> Native.plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER)));

    private static final Fn SENDMSG = Fn.libc("sendmsg", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    private static final Fn RECVMSG = Fn.libc("recvmsg", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    private static final Fn SOCKET = Fn.libc("socket", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final Fn CONNECT = Fn.libc("connect", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final Fn MEMFD_CREATE = Fn.libc("memfd_create", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final Fn LISTEN = Fn.libc("listen", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final Fn ACCEPT4 = Fn.libc("accept4",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
    private static final Fn GETSOCKOPT = Fn.libc("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER));
    private static final Fn FCHMOD = Fn.libc("fchmod", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final Fn FCHMODAT = Fn.libc("fchmodat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));
    private static final Fn FCNTL = new Fn(() -> Native.variadic("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), 2));

    @FunctionalInterface
    private interface Call {
        long invoke(Arena arena, MemorySegment errnoState) throws Throwable;
    }

    /** Runs one call; -1 becomes a SyscallException describing it. */
    private static long call(Supplier<String> what, Call call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.errnoState(arena);
            long r;
            try {
                r = call.invoke(arena, state);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(what.get(), t);
            }
            if (r == -1) {
                throw new SyscallException(what.get(), Native.errno(state));
            }
            return r;
        }
    }

    private static String q(String s) {
        return s == null ? "NULL" : '"' + s + '"';
    }

    @Override
    public void mount(String source, String target, String fstype, long flags, String data) {
        call(() -> "mount(" + q(source) + ", " + q(target) + ", " + q(fstype) + ", 0x"
                        + Long.toHexString(flags) + ", " + q(data) + ")",
                (a, st) -> (int) MOUNT.h().invokeExact(st, cstr(a, source), cstr(a, target),
                        cstr(a, fstype), flags, cstr(a, data)));
    }

    @Override
    public void umount2(String target, int flags) {
        call(() -> "umount2(" + q(target) + ", " + flags + ")",
                (a, st) -> (int) UMOUNT2.h().invokeExact(st, cstr(a, target), flags));
    }

    @Override
    public void pivotRoot(String newRoot, String putOld) {
        call(() -> "pivot_root(" + q(newRoot) + ", " + q(putOld) + ")",
                (a, st) -> (long) SYSCALL2.h().invokeExact(st, SYS_PIVOT_ROOT,
                        cstr(a, newRoot).address(), cstr(a, putOld).address()));
    }

    @Override
    public void chroot(String path) {
        call(() -> "chroot(" + q(path) + ")", (a, st) -> (int) CHROOT.h().invokeExact(st, cstr(a, path)));
    }

    @Override
    public void chdir(String path) {
        call(() -> "chdir(" + q(path) + ")", (a, st) -> (int) CHDIR.h().invokeExact(st, cstr(a, path)));
    }

    @Override
    public void fchdir(int fd) {
        call(() -> "fchdir(" + fd + ")", (a, st) -> (int) FCHDIR.h().invokeExact(st, fd));
    }

    /** struct statfs on x86_64: 120 bytes, f_flags the eleventh long (offset 80). */
    @Override
    public long statfsMountFlags(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(120, 8);
            call(() -> "statfs(" + q(path) + ")", (a, st) -> (int) STATFS.h().invokeExact(st, cstr(a, path), buf));
            long st = buf.get(C_LONG, 80);
            long flags = 0;
            if ((st & 1) != 0) flags |= Linux.MS_RDONLY;       // ST_RDONLY
            if ((st & 2) != 0) flags |= Linux.MS_NOSUID;       // ST_NOSUID
            if ((st & 4) != 0) flags |= Linux.MS_NODEV;        // ST_NODEV
            if ((st & 8) != 0) flags |= Linux.MS_NOEXEC;       // ST_NOEXEC
            if ((st & 1024) != 0) flags |= Linux.MS_NOATIME;   // ST_NOATIME
            if ((st & 2048) != 0) flags |= Linux.MS_NODIRATIME; // ST_NODIRATIME
            if ((st & 4096) != 0) flags |= Linux.MS_RELATIME;  // ST_RELATIME
            return flags;
        }
    }

    @Override
    public int openat2(int dirfd, String path, long flags, long mode, long resolve) {
        return (int) call(() -> "openat2(" + dirfd + ", " + q(path) + ", flags=0" + Long.toOctalString(flags)
                        + ", resolve=0x" + Long.toHexString(resolve) + ")",
                (a, st) -> {
                    MemorySegment how = a.allocate(24, 8);
                    how.set(ValueLayout.JAVA_LONG, 0, flags);
                    how.set(ValueLayout.JAVA_LONG, 8, mode);
                    how.set(ValueLayout.JAVA_LONG, 16, resolve);
                    return (long) SYSCALL4.h().invokeExact(st, SYS_OPENAT2, (long) dirfd,
                            cstr(a, path).address(), how.address(), 24L);
                });
    }

    @Override
    public int open(String path, int flags, int mode) {
        return (int) call(() -> "open(" + q(path) + ", 0" + Integer.toOctalString(flags) + ")",
                (a, st) -> (int) OPEN.h().invokeExact(st, cstr(a, path), flags, mode));
    }

    @Override
    public void close(int fd) {
        call(() -> "close(" + fd + ")", (a, st) -> (int) CLOSE.h().invokeExact(st, fd));
    }

    @Override
    public void mkdirat(int dirfd, String path, int mode) {
        call(() -> "mkdirat(" + dirfd + ", " + q(path) + ", 0" + Integer.toOctalString(mode) + ")",
                (a, st) -> (int) MKDIRAT.h().invokeExact(st, dirfd, cstr(a, path), mode));
    }

    @Override
    public void mknodat(int dirfd, String path, int mode, long dev) {
        call(() -> "mknodat(" + dirfd + ", " + q(path) + ", 0" + Integer.toOctalString(mode) + ", 0x"
                        + Long.toHexString(dev) + ")",
                (a, st) -> (int) MKNODAT.h().invokeExact(st, dirfd, cstr(a, path), mode, dev));
    }

    @Override
    public void symlinkat(String target, int dirfd, String linkPath) {
        call(() -> "symlinkat(" + q(target) + ", " + dirfd + ", " + q(linkPath) + ")",
                (a, st) -> (int) SYMLINKAT.h().invokeExact(st, cstr(a, target), dirfd, cstr(a, linkPath)));
    }

    @Override
    public void mkfifo(String path, int mode) {
        call(() -> "mkfifo(" + q(path) + ", 0" + Integer.toOctalString(mode) + ")",
                (a, st) -> (int) MKFIFO.h().invokeExact(st, cstr(a, path), mode));
    }

    @Override
    public void fchownat(int dirfd, String path, long uid, long gid, int flags) {
        call(() -> "fchownat(" + dirfd + ", " + q(path) + ", " + uid + ", " + gid + ")",
                (a, st) -> (int) FCHOWNAT.h().invokeExact(st, dirfd, cstr(a, path), (int) uid, (int) gid, flags));
    }

    @Override
    public String readlinkat(int dirfd, String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n = call(() -> "readlinkat(" + dirfd + ", " + q(path) + ")",
                    (a, st) -> (long) READLINKAT.h().invokeExact(st, dirfd, cstr(a, path), buf, 4096L));
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Override
    public void unlinkat(int dirfd, String path, int flags) {
        call(() -> "unlinkat(" + dirfd + ", " + q(path) + ", 0x" + Integer.toHexString(flags) + ")",
                (a, st) -> (int) UNLINKAT.h().invokeExact(st, dirfd, cstr(a, path), flags));
    }

    @Override
    public int openTree(int dirfd, String path, int flags) {
        return (int) call(() -> "open_tree(" + dirfd + ", " + q(path) + ", 0x" + Integer.toHexString(flags) + ")",
                (a, st) -> (long) SYSCALL3.h().invokeExact(st, SYS_OPEN_TREE, (long) dirfd,
                        cstr(a, path).address(), (long) flags));
    }

    @Override
    public void moveMount(int fromDirfd, String fromPath, int toDirfd, String toPath, int flags) {
        call(() -> "move_mount(" + fromDirfd + ", " + q(fromPath) + ", " + toDirfd + ", " + q(toPath) + ", 0x"
                        + Integer.toHexString(flags) + ")",
                (a, st) -> (long) SYSCALL5.h().invokeExact(st, SYS_MOVE_MOUNT, (long) fromDirfd,
                        cstr(a, fromPath).address(), (long) toDirfd, cstr(a, toPath).address(), (long) flags));
    }

    @Override
    public void mountSetattr(int dirfd, String path, int flags, long attrSet, long attrClr, long propagation,
            int usernsFd) {
        call(() -> "mount_setattr(" + dirfd + ", " + q(path) + ", 0x" + Integer.toHexString(flags) + ", {set=0x"
                        + Long.toHexString(attrSet) + ", clr=0x" + Long.toHexString(attrClr) + ", propagation=0x"
                        + Long.toHexString(propagation) + ", userns_fd=" + usernsFd + "})",
                (a, st) -> {
                    MemorySegment attr = a.allocate(32, 8);
                    attr.set(ValueLayout.JAVA_LONG, 0, attrSet);
                    attr.set(ValueLayout.JAVA_LONG, 8, attrClr);
                    attr.set(ValueLayout.JAVA_LONG, 16, propagation);
                    attr.set(ValueLayout.JAVA_LONG, 24, usernsFd < 0 ? 0L : usernsFd);
                    return (long) SYSCALL5.h().invokeExact(st, SYS_MOUNT_SETATTR, (long) dirfd,
                            cstr(a, path).address(), (long) flags, attr.address(), 32L);
                });
    }

    @Override
    public void setfsuid(int uid) {
        setfsid(SYS_SETFSUID, "setfsuid", uid);
    }

    @Override
    public void setfsgid(int gid) {
        setfsid(SYS_SETFSGID, "setfsgid", gid);
    }

    /** The kernel answers the previous id whether it changed it or not: a second call reads it back. */
    private static void setfsid(long nr, String name, int id) {
        call(() -> name + "(" + id + ")", (a, st) -> (long) SYSCALL2.h().invokeExact(st, nr, (long) id, 0L));
        long now = call(() -> name + "(-1)", (a, st) -> (long) SYSCALL2.h().invokeExact(st, nr, -1L, 0L));
        if ((int) now != id) throw new SyscallException(name + "(" + id + ")", Errno.EPERM);
    }

    @Override
    public void raiseEffectiveCapabilities() {
        call(() -> "capset(effective = permitted)", (a, st) -> {
            // _LINUX_CAPABILITY_VERSION_3: two 32-bit words of each set; pid 0, the calling thread
            MemorySegment header = a.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, 0x20080522);
            header.set(ValueLayout.JAVA_INT, 4, 0);
            MemorySegment data = a.allocate(24, 4);
            long r = (long) SYSCALL2.h().invokeExact(st, SYS_CAPGET, header.address(), data.address());
            if (r != 0) return r;
            for (int word = 0; word < 2; word++) {
                data.set(ValueLayout.JAVA_INT, word * 12L, data.get(ValueLayout.JAVA_INT, word * 12L + 4));
            }
            return (long) SYSCALL2.h().invokeExact(st, SYS_CAPSET, header.address(), data.address());
        });
    }

    @Override
    public void unshare(long flags) {
        call(() -> "unshare(0x" + Long.toHexString(flags) + ")",
                (a, st) -> (long) SYSCALL2.h().invokeExact(st, SYS_UNSHARE, flags, 0L));
    }

    @Override
    public void setns(int fd, long nstype) {
        call(() -> "setns(" + fd + ", 0x" + Long.toHexString(nstype) + ")",
                (a, st) -> (long) SYSCALL2.h().invokeExact(st, SYS_SETNS, (long) fd, nstype));
    }

    @Override
    public long namespaceType(String path) {
        java.nio.file.Path file = java.nio.file.Path.of(path);
        if (!java.nio.file.Files.isRegularFile(file) && java.nio.file.Files.exists(file)) {
            throw new SyscallException("ioctl(" + q(path) + ", NS_GET_NSTYPE)", Errno.ENOTTY, "not a regular file");
        }
        int fd = open(path, Linux.O_RDONLY | Linux.O_CLOEXEC | Linux.O_NOCTTY | Linux.O_NONBLOCK, 0);
        try {
            return call(() -> "ioctl(" + q(path) + ", NS_GET_NSTYPE)",
                    (a, st) -> (int) IOCTL.h().invokeExact(st, fd, NS_GET_NSTYPE, MemorySegment.NULL));
        } finally {
            close(fd);
        }
    }

    @Override
    public void sethostname(String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        call(() -> "sethostname(" + q(name) + ")",
                (a, st) -> (int) SETHOSTNAME.h().invokeExact(st, cstr(a, name), (long) b.length));
    }

    @Override
    public void setdomainname(String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        call(() -> "setdomainname(" + q(name) + ")",
                (a, st) -> (int) SETDOMAINNAME.h().invokeExact(st, cstr(a, name), (long) b.length));
    }

    @Override
    public int umask(int mask) {
        return (int) call(() -> "umask", (a, st) -> (int) UMASK.h().invokeExact(st, mask));
    }

    @Override
    public boolean mallocTrim() {
        return call(() -> "malloc_trim(0)", (a, st) -> (int) MALLOC_TRIM.h().invokeExact(st, 0L)) == 1;
    }

    @Override
    public void prlimit(int pid, int resource, long soft, long hard) {
        call(() -> "prlimit(" + pid + ", " + resource + ", soft=" + Long.toUnsignedString(soft)
                        + ", hard=" + Long.toUnsignedString(hard) + ")",
                (a, st) -> {
                    MemorySegment lim = a.allocate(16, 8);
                    lim.set(ValueLayout.JAVA_LONG, 0, soft);
                    lim.set(ValueLayout.JAVA_LONG, 8, hard);
                    return (int) PRLIMIT.h().invokeExact(st, pid, resource, lim, MemorySegment.NULL);
                });
    }

    @Override
    public long prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        return call(() -> "prctl(" + option + ", " + arg2 + ")",
                (a, st) -> (int) PRCTL.h().invokeExact(st, option, arg2, arg3, arg4, arg5));
    }

    @Override
    public void execveat(int dirfd, String path, List<String> argv, List<String> envp, int flags) {
        call(() -> "execveat(" + dirfd + ", " + q(path) + ", " + argv + ")",
                (a, st) -> (long) SYSCALL5.h().invokeExact(st, SYS_EXECVEAT, (long) dirfd,
                        cstr(a, path).address(), Native.cstrArray(a, argv).address(),
                        Native.cstrArray(a, envp).address(), (long) flags));
    }

    @Override
    public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> dupTo, String cwd) {
        try (Arena a = Arena.ofConfined()) {
            // posix_spawn_file_actions_t is 80 bytes in glibc; leave room to spare.
            MemorySegment actions = a.allocate(256, 8);
            MemorySegment pid = a.allocate(C_INT);
            int rc = (int) FA_INIT.h().invokeExact(actions);
            if (rc != 0) throw new SyscallException("posix_spawn_file_actions_init", rc);
            try {
                for (var e : dupTo.entrySet()) {
                    int from = e.getKey();
                    int to = e.getValue();
                    rc = (int) FA_ADDDUP2.h().invokeExact(actions, from, to);
                    if (rc != 0) {
                        throw new SyscallException("posix_spawn_file_actions_adddup2(" + from + ", " + to + ")", rc);
                    }
                }
                // The child gets stdio and the fds it is given, none of the JVM's others.
                int lowest = Math.max(2, dupTo.values().stream().mapToInt(Integer::intValue).max().orElse(2)) + 1;
                rc = (int) FA_ADDCLOSEFROM.h().invokeExact(actions, lowest);
                if (rc != 0) throw new SyscallException("posix_spawn_file_actions_addclosefrom_np(" + lowest + ")", rc);
                if (cwd != null) {
                    rc = (int) FA_ADDCHDIR.h().invokeExact(actions, cstr(a, cwd));
                    if (rc != 0) throw new SyscallException("posix_spawn_file_actions_addchdir_np(" + q(cwd) + ")", rc);
                }
                rc = (int) POSIX_SPAWN.h().invokeExact(pid, cstr(a, path), actions, MemorySegment.NULL,
                        Native.cstrArray(a, argv), Native.cstrArray(a, envp));
                if (rc != 0) throw new SyscallException("posix_spawn(" + q(path) + ")", rc);
                return pid.get(C_INT, 0);
            } finally {
                int ignored = (int) FA_DESTROY.h().invokeExact(actions);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("posix_spawn", t);
        }
    }

    @Override
    public WaitStatus waitpid(int pid, int options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(C_INT);
            int r = (int) call(() -> "waitpid(" + pid + ")", (a, st) -> {
                long rr;
                do {
                    rr = (int) WAITPID.h().invokeExact(st, pid, status, options);
                } while (rr == -1 && Native.errno(st) == Errno.EINTR);
                return rr;
            });
            return r == 0 ? null : new WaitStatus(r, status.get(C_INT, 0));
        }
    }

    @Override
    public void kill(int pid, int signal) {
        call(() -> "kill(" + pid + ", " + signal + ")", (a, st) -> (int) KILL.h().invokeExact(st, pid, signal));
    }

    @Override
    public int pidfdOpen(int pid) {
        return (int) call(() -> "pidfd_open(" + pid + ")",
                (a, st) -> (long) SYSCALL2.h().invokeExact(st, SYS_PIDFD_OPEN, (long) pid, 0L));
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        call(() -> "pidfd_send_signal(" + pidfd + ", " + signal + ")",
                (a, st) -> (long) SYSCALL4.h().invokeExact(st, SYS_PIDFD_SEND_SIGNAL, (long) pidfd,
                        (long) signal, 0L, 0L));
    }

    @Override
    public boolean pollIn(int fd, int timeoutMillis) {
        return call(() -> "poll(" + fd + ")", (a, st) -> {
                    MemorySegment pfd = a.allocate(8, 4);
                    pfd.set(ValueLayout.JAVA_INT, 0, fd);
                    pfd.set(ValueLayout.JAVA_SHORT, 4, (short) 1); // POLLIN
                    long r;
                    do {
                        r = (int) POLL.h().invokeExact(st, pfd, 1L, timeoutMillis);
                    } while (r == -1 && Native.errno(st) == Errno.EINTR);
                    return r;
                }) > 0;
    }

    @Override
    public void flock(int fd, int operation) {
        call(() -> "flock(" + fd + ", " + operation + ")", (a, st) -> {
            long r;
            do {
                r = (int) FLOCK.h().invokeExact(st, fd, operation);
            } while (r == -1 && Native.errno(st) == Errno.EINTR);
            return r;
        });
    }

    @Override
    public int[] socketpair(int domain, int type) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(C_INT, 2);
            call(() -> "socketpair(" + domain + ", " + type + ")",
                    (a, st) -> (int) SOCKETPAIR.h().invokeExact(st, domain, type, 0, fds));
            return new int[] {fds.getAtIndex(C_INT, 0), fds.getAtIndex(C_INT, 1)};
        }
    }

    @Override
    public void send(int fd, byte[] message) {
        call(() -> "send(" + fd + ", " + message.length + " bytes)", (a, st) -> {
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, message);
            long r;
            do {
                r = (long) SEND.h().invokeExact(st, fd, buf, (long) message.length, 0x4000 /* MSG_NOSIGNAL */);
            } while (r == -1 && Native.errno(st) == Errno.EINTR);
            return r;
        });
    }

    @Override
    public byte[] recv(int fd, int maxLength) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(maxLength);
            long n = call(() -> "recv(" + fd + ")", (a, st) -> {
                long r;
                do {
                    r = (long) RECV.h().invokeExact(st, fd, buf, (long) maxLength, 0);
                } while (r == -1 && Native.errno(st) == Errno.EINTR);
                return r;
            });
            return n == 0 ? null : buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public void write(int fd, byte[] data) {
        // All of it: a pipe or socket may take less than asked in one write.
        call(() -> "write(" + fd + ", " + data.length + " bytes)", (a, st) -> {
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, data);
            long done = 0;
            while (done < data.length) {
                long r = (long) WRITE.h().invokeExact(st, fd, buf.asSlice(done), (long) data.length - done);
                if (r == -1) {
                    if (Native.errno(st) == Errno.EINTR) continue;
                    return -1L;
                }
                done += r;
            }
            return done;
        });
    }

    @Override
    public byte[] read(int fd, int max) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, max));
            long n = call(() -> "read(" + fd + ")", (a, st) -> {
                long r;
                do {
                    r = (long) READ.h().invokeExact(st, fd, buf, (long) max);
                } while (r == -1 && Native.errno(st) == Errno.EINTR);
                return r;
            });
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    // struct msghdr and struct cmsghdr on x86_64 / aarch64 (LP64).
    private static final int MSGHDR_SIZE = 56;
    private static final int CMSG_HDR = 16;
    private static final int CMSG_SPACE_FD = 24; // CMSG_SPACE(sizeof(int))
    private static final int CMSG_LEN_FD = 20; // CMSG_LEN(sizeof(int))
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int MAX_FD_MESSAGE = 1 << 20;

    private static MemorySegment msghdr(Arena a, MemorySegment data, long len, MemorySegment control) {
        MemorySegment iov = a.allocate(16, 8);
        iov.set(ValueLayout.ADDRESS, 0, data);
        iov.set(ValueLayout.JAVA_LONG, 8, len);
        MemorySegment msg = a.allocate(MSGHDR_SIZE, 8);
        msg.set(ValueLayout.ADDRESS, 16, iov);
        msg.set(ValueLayout.JAVA_LONG, 24, 1L);
        msg.set(ValueLayout.ADDRESS, 32, control);
        msg.set(ValueLayout.JAVA_LONG, 40, control.byteSize());
        return msg;
    }

    @Override
    public FdMessage recvFd(int sock) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(MAX_FD_MESSAGE);
            MemorySegment control = arena.allocate(CMSG_SPACE_FD, 8);
            MemorySegment msg = msghdr(arena, buf, MAX_FD_MESSAGE, control);
            long n = call(() -> "recvmsg(" + sock + ")", (a, st) -> {
                long r;
                do {
                    r = (long) RECVMSG.h().invokeExact(st, sock, msg, MSG_CMSG_CLOEXEC);
                } while (r == -1 && Native.errno(st) == Errno.EINTR);
                return r;
            });
            int fd = -1;
            long controlLen = msg.get(ValueLayout.JAVA_LONG, 40);
            if (controlLen >= CMSG_LEN_FD
                    && control.get(ValueLayout.JAVA_INT, 8) == SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, 12) == SCM_RIGHTS) {
                fd = control.get(ValueLayout.JAVA_INT, CMSG_HDR);
            }
            if (n == 0 && fd < 0) return null;
            return new FdMessage(fd, buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public void sendFd(int sock, int fd, byte[] payload) {
        byte[] data = payload.length == 0 ? new byte[] {0} : payload;
        call(() -> "sendmsg(" + sock + ", SCM_RIGHTS " + fd + ", " + data.length + " bytes)", (a, st) -> {
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, data);
            MemorySegment control = a.allocate(CMSG_SPACE_FD, 8);
            control.set(ValueLayout.JAVA_LONG, 0, (long) CMSG_LEN_FD);
            control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
            control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
            control.set(ValueLayout.JAVA_INT, CMSG_HDR, fd);
            MemorySegment msg = msghdr(a, buf, data.length, control);
            long r;
            do {
                r = (long) SENDMSG.h().invokeExact(st, sock, msg, MSG_NOSIGNAL);
            } while (r == -1 && Native.errno(st) == Errno.EINTR);
            return r;
        });
    }

    @Override
    public int connectUnix(String path) {
        byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (p.length >= 108) {
            throw new SyscallException("connect(" + q(path) + "): path longer than sun_path", 36 /* ENAMETOOLONG */);
        }
        int sock = (int) call(() -> "socket(AF_UNIX, SOCK_STREAM)",
                (a, st) -> (int) SOCKET.h().invokeExact(st, Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC, 0));
        try {
            call(() -> "connect(" + sock + ", " + q(path) + ")", (a, st) -> {
                MemorySegment addr = a.allocate(110, 2);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) Linux.AF_UNIX);
                MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
                long r;
                do {
                    r = (int) CONNECT.h().invokeExact(st, sock, addr, 2 + p.length + 1);
                } while (r == -1 && Native.errno(st) == Errno.EINTR);
                return r;
            });
        } catch (RuntimeException e) {
            close(sock);
            throw e;
        }
        return sock;
    }

    @Override
    public int memfdCreate(String name, int flags) {
        return (int) call(() -> "memfd_create(" + q(name) + ", 0x" + Integer.toHexString(flags) + ")",
                (a, st) -> (int) MEMFD_CREATE.h().invokeExact(st, cstr(a, name), flags));
    }

    @Override
    public void addSeals(int fd, int seals) {
        call(() -> "fcntl(" + fd + ", F_ADD_SEALS, 0x" + Integer.toHexString(seals) + ")",
                (a, st) -> (int) FCNTL.h().invokeExact(st, fd, 1033 /* F_ADD_SEALS */, seals));
    }

    @Override
    public void setCloexec(int fd, boolean closeOnExec) {
        call(() -> "fcntl(" + fd + ", F_SETFD, " + (closeOnExec ? "FD_CLOEXEC" : "0") + ")",
                (a, st) -> (int) FCNTL.h().invokeExact(st, fd, 2 /* F_SETFD */, closeOnExec ? 1 : 0));
    }

    private static final long TIOCGWINSZ = 0x5413;
    private static final long TIOCSWINSZ = 0x5414;
    private static final long NS_GET_NSTYPE = 0xb703; // _IO(0xb7, 0x3), <linux/nsfs.h>
    private static final int TERMIOS_SIZE = 60;


    /** struct sockaddr_un for path; '@' at the start names an abstract socket. Returns its length. */
    private static int sockaddrUn(MemorySegment addr, String path) {
        byte[] p = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (p.length >= 108) throw new SyscallException("unix socket path " + q(path) + " is too long", Errno.EINVAL);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) Linux.AF_UNIX);
        MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
        if (p.length > 0 && p[0] == '@') {
            addr.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
            return 2 + p.length;
        }
        return 110;
    }


    @Override
    public int bindUnixDatagram(String path) {
        int fd = (int) call(() -> "socket(AF_UNIX, SOCK_DGRAM)",
                (a, st) -> (int) SOCKET.h().invokeExact(st, Linux.AF_UNIX, 2 | Linux.SOCK_CLOEXEC, 0));
        try {
            call(() -> "bind(" + q(path) + ")", (a, st) -> {
                MemorySegment addr = a.allocate(110, 2);
                int len = sockaddrUn(addr, path);
                return (int) BIND.h().invokeExact(st, fd, addr, len);
            });
            return fd;
        } catch (RuntimeException e) {
            close(fd);
            throw e;
        }
    }


    @Override
    public void sendToUnix(String path, byte[] datagram) {
        int fd = (int) call(() -> "socket(AF_UNIX, SOCK_DGRAM)",
                (a, st) -> (int) SOCKET.h().invokeExact(st, Linux.AF_UNIX, 2 | Linux.SOCK_CLOEXEC, 0));
        try {
            call(() -> "sendto(" + q(path) + ")", (a, st) -> {
                MemorySegment addr = a.allocate(110, 2);
                int len = sockaddrUn(addr, path);
                MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, datagram);
                return (long) SENDTO.h().invokeExact(st, fd, buf, (long) datagram.length, 0x4000, addr, len);
            });
        } finally {
            close(fd);
        }
    }


    @Override
    public int[] windowSize(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2);
            call(() -> "ioctl(" + fd + ", TIOCGWINSZ)", (a, st) -> (int) IOCTL.h().invokeExact(st, fd, TIOCGWINSZ, ws));
            return new int[] {Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0)),
                Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2))};
        }
    }


    @Override
    public void setWindowSize(int fd, int rows, int cols) {
        call(() -> "ioctl(" + fd + ", TIOCSWINSZ, " + rows + "x" + cols + ")", (a, st) -> {
            MemorySegment ws = a.allocate(8, 2);
            ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
            ws.set(ValueLayout.JAVA_SHORT, 2, (short) cols);
            return (int) IOCTL.h().invokeExact(st, fd, TIOCSWINSZ, ws);
        });
    }


    @Override
    public byte[] makeRaw(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE, 4);
            call(() -> "tcgetattr(" + fd + ")", (a, st) -> (int) TCGETATTR.h().invokeExact(st, fd, t));
            byte[] saved = t.toArray(ValueLayout.JAVA_BYTE);
            try {
                CFMAKERAW.h().invokeExact(t);
            } catch (Throwable e) {
                throw new IllegalStateException("cfmakeraw", e);
            }
            call(() -> "tcsetattr(" + fd + ")", (a, st) -> (int) TCSETATTR.h().invokeExact(st, fd, 0, t));
            return saved;
        }
    }


    @Override
    public void restoreTerminal(int fd, byte[] saved) {
        call(() -> "tcsetattr(" + fd + ")", (a, st) -> {
            MemorySegment t = a.allocateFrom(ValueLayout.JAVA_BYTE, saved);
            return (int) TCSETATTR.h().invokeExact(st, fd, 0, t);
        });
    }


    @Override
    public boolean isatty(int fd) {
        try {
            return (int) ISATTY.h().invokeExact(fd) == 1;
        } catch (Throwable e) {
            return false;
        }
    }

    // ---- the engine's socket

    @Override
    public int listenUnix(String path, int type, int backlog) {
        int fd = (int) call(() -> "socket(AF_UNIX, " + type + ")",
                (a, st) -> (int) SOCKET.h().invokeExact(st, Linux.AF_UNIX, type | Linux.SOCK_CLOEXEC, 0));
        try {
            call(() -> "bind(" + q(path) + ")", (a, st) -> {
                MemorySegment addr = a.allocate(110, 2);
                int len = sockaddrUn(addr, path);
                return (int) BIND.h().invokeExact(st, fd, addr, len);
            });
            call(() -> "listen(" + fd + ", " + backlog + ")", (a, st) -> (int) LISTEN.h().invokeExact(st, fd, backlog));
            return fd;
        } catch (RuntimeException e) {
            close(fd);
            throw e;
        }
    }

    @Override
    public int accept(int socket) {
        return (int) call(() -> "accept4(" + socket + ")", (a, st) -> {
            long r;
            do {
                r = (int) ACCEPT4.h().invokeExact(st, socket, MemorySegment.NULL, MemorySegment.NULL, Linux.SOCK_CLOEXEC);
            } while (r == -1 && Native.errno(st) == Errno.EINTR);
            return r;
        });
    }

    @Override
    public int connectUnix(String path, int type) {
        int sock = (int) call(() -> "socket(AF_UNIX, " + type + ")",
                (a, st) -> (int) SOCKET.h().invokeExact(st, Linux.AF_UNIX, type | Linux.SOCK_CLOEXEC, 0));
        try {
            call(() -> "connect(" + sock + ", " + q(path) + ")", (a, st) -> {
                MemorySegment addr = a.allocate(110, 2);
                int len = sockaddrUn(addr, path);
                long r;
                do {
                    r = (int) CONNECT.h().invokeExact(st, sock, addr, len);
                } while (r == -1 && Native.errno(st) == Errno.EINTR);
                return r;
            });
            return sock;
        } catch (RuntimeException e) {
            close(sock);
            throw e;
        }
    }

    private static final int SO_PEERCRED = 17;

    @Override
    public PeerCredentials peerCredentials(int socket) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(12, 4);
            MemorySegment len = arena.allocate(C_INT);
            len.set(C_INT, 0, 12);
            call(() -> "getsockopt(" + socket + ", SO_PEERCRED)",
                    (a, st) -> (int) GETSOCKOPT.h().invokeExact(st, socket, SOL_SOCKET, SO_PEERCRED, cred, len));
            return new PeerCredentials(cred.get(C_INT, 0), cred.get(C_INT, 4), cred.get(C_INT, 8));
        }
    }

    @Override
    public void sendFds(int sock, byte[] payload, int[] fds) {
        byte[] data = payload.length == 0 ? new byte[] {0} : payload;
        call(() -> "sendmsg(" + sock + ", " + fds.length + " fds, " + data.length + " bytes)", (a, st) -> {
            MemorySegment buf = a.allocateFrom(ValueLayout.JAVA_BYTE, data);
            MemorySegment control = MemorySegment.NULL;
            if (fds.length > 0) {
                long cmsgLen = CMSG_HDR + 4L * fds.length;
                control = a.allocate((cmsgLen + 7) & ~7L, 8);
                control.set(ValueLayout.JAVA_LONG, 0, cmsgLen);
                control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) control.set(ValueLayout.JAVA_INT, CMSG_HDR + 4L * i, fds[i]);
            }
            MemorySegment msg = msghdr(a, buf, data.length, control);
            long r;
            do {
                r = (long) SENDMSG.h().invokeExact(st, sock, msg, MSG_NOSIGNAL);
            } while (r == -1 && Native.errno(st) == Errno.EINTR);
            return r;
        });
    }

    @Override
    public FdsMessage recvFds(int sock, int maxLength, int maxFds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, maxLength));
            long controlSize = (CMSG_HDR + 4L * Math.max(1, maxFds) + 7) & ~7L;
            MemorySegment control = arena.allocate(controlSize, 8);
            MemorySegment msg = msghdr(arena, buf, maxLength, control);
            long n = call(() -> "recvmsg(" + sock + ")", (a, st) -> {
                long r;
                do {
                    r = (long) RECVMSG.h().invokeExact(st, sock, msg, MSG_CMSG_CLOEXEC);
                } while (r == -1 && Native.errno(st) == Errno.EINTR);
                return r;
            });
            int[] fds = new int[0];
            long controlLen = msg.get(ValueLayout.JAVA_LONG, 40);
            if (controlLen >= CMSG_HDR && control.get(ValueLayout.JAVA_INT, 8) == SOL_SOCKET
                    && control.get(ValueLayout.JAVA_INT, 12) == SCM_RIGHTS) {
                long cmsgLen = control.get(ValueLayout.JAVA_LONG, 0);
                fds = new int[(int) ((cmsgLen - CMSG_HDR) / 4)];
                for (int i = 0; i < fds.length; i++) fds[i] = control.get(ValueLayout.JAVA_INT, CMSG_HDR + 4L * i);
            }
            if (n == 0 && fds.length == 0) return null;
            return new FdsMessage(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), fds);
        }
    }

    private static final short POLLHUP = 0x10;
    private static final short POLLRDHUP = 0x2000;

    @Override
    public boolean peerClosed(int socket) {
        return call(() -> "poll(" + socket + ", POLLRDHUP)", (a, st) -> {
                    MemorySegment pfd = a.allocate(8, 4);
                    pfd.set(ValueLayout.JAVA_INT, 0, socket);
                    pfd.set(ValueLayout.JAVA_SHORT, 4, POLLRDHUP);
                    long r;
                    do {
                        r = (int) POLL.h().invokeExact(st, pfd, 1L, 0);
                    } while (r == -1 && Native.errno(st) == Errno.EINTR);
                    if (r == -1) return -1L;
                    return r > 0 && (pfd.get(ValueLayout.JAVA_SHORT, 6) & (POLLHUP | POLLRDHUP)) != 0 ? 1L : 0L;
                }) == 1;
    }

    @Override
    public int dup(int fd) {
        return (int) call(() -> "fcntl(" + fd + ", F_DUPFD_CLOEXEC)",
                (a, st) -> (int) FCNTL.h().invokeExact(st, fd, 1030 /* F_DUPFD_CLOEXEC */, 0));
    }

    @Override
    public void fchmod(int fd, int mode) {
        call(() -> "fchmod(" + fd + ", 0" + Integer.toOctalString(mode) + ")",
                (a, st) -> (int) FCHMOD.h().invokeExact(st, fd, mode));
    }

    @Override
    public void chmod(String path, int mode) {
        call(() -> "fchmodat(AT_FDCWD, " + q(path) + ", 0" + Integer.toOctalString(mode) + ")",
                (a, st) -> (int) FCHMODAT.h().invokeExact(st, Linux.AT_FDCWD, cstr(a, path), mode, 0));
    }

    // ---- cgroup v2 device filters: bpf(2)

    private static final long SYS_BPF = 321; // x86_64, as the numbers at the top
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_DETACH = 9;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_PROG_QUERY = 16;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    private static final int BPF_F_ALLOW_MULTI = 2;
    /** Larger than union bpf_attr on any kernel: the kernel accepts the size when the tail it does not know is zero. */
    private static final long BPF_ATTR_SIZE = 128;
    private static final int BPF_INSN_SIZE = 8;
    private static final int BPF_LOG_SIZE = 64 * 1024;
    private static final int BPF_LOG_LINES = 20;
    private static final int ENOSPC = 28;

    private static long bpf(MemorySegment errnoState, int cmd, MemorySegment attr) throws Throwable {
        return (long) SYSCALL3.h().invokeExact(errnoState, SYS_BPF, (long) cmd, attr.address(), BPF_ATTR_SIZE);
    }

    /**
     * Loaded without a verifier log first: at log level 1 the verifier logs every instruction it
     * walks, which for a hundred device rules is more than the buffer, and a full log fails the
     * load with ENOSPC. Only a refused program is loaded again, with the log, to say why.
     */
    @Override
    public int bpfLoadDeviceProgram(byte[] insns) {
        if (insns.length == 0 || insns.length % BPF_INSN_SIZE != 0) {
            throw new IllegalArgumentException("a BPF program of " + insns.length + " bytes: not a whole number of "
                    + BPF_INSN_SIZE + "-byte instructions");
        }
        int count = insns.length / BPF_INSN_SIZE;
        String what = "bpf(BPF_PROG_LOAD, prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=" + count + ")";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.errnoState(arena);
            MemorySegment attr = arena.allocate(BPF_ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_INT, 4, count);
            attr.set(ValueLayout.JAVA_LONG, 8, arena.allocateFrom(ValueLayout.JAVA_BYTE, insns).address());
            // device programs call no GPL-only helper; a license string is still required
            attr.set(ValueLayout.JAVA_LONG, 16, arena.allocateFrom("Apache-2.0").address());
            MemorySegment.copy(arena.allocateFrom("jrunc_devices"), 0, attr, 48, 14); // prog_name[16]
            long fd = bpfOrMinusOne(state, BPF_PROG_LOAD, attr, what);
            if (fd >= 0) {
                return (int) fd;
            }
            int errno = Native.errno(state);
            MemorySegment log = arena.allocate(BPF_LOG_SIZE);
            attr.set(ValueLayout.JAVA_INT, 24, 1); // log_level
            attr.set(ValueLayout.JAVA_INT, 28, BPF_LOG_SIZE);
            attr.set(ValueLayout.JAVA_LONG, 32, log.address());
            fd = bpfOrMinusOne(state, BPF_PROG_LOAD, attr, what);
            if (fd >= 0) {
                return (int) fd; // the first failure passed (EAGAIN, ENOMEM)
            }
            String verifier = lastLines(log.getString(0).strip(), BPF_LOG_LINES);
            throw verifier.isEmpty() ? new SyscallException(what, errno)
                    : new SyscallException(what, errno, "verifier: " + verifier);
        }
    }

    private static long bpfOrMinusOne(MemorySegment state, int cmd, MemorySegment attr, String what) {
        try {
            return bpf(state, cmd, attr);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what, t);
        }
    }

    /** The end of the verifier's log says why; the start is the walk that led there. */
    private static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return lines.size() <= n ? text
                : "... " + String.join("\n", lines.subList(lines.size() - n, lines.size()));
    }

    @Override
    public void bpfAttachDeviceProgram(int cgroupFd, int progFd) {
        call(() -> "bpf(BPF_PROG_ATTACH, target_fd=" + cgroupFd + ", attach_bpf_fd=" + progFd
                        + ", attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI)",
                (a, st) -> {
                    MemorySegment attr = a.allocate(BPF_ATTR_SIZE, 8);
                    attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
                    attr.set(ValueLayout.JAVA_INT, 4, progFd);
                    attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
                    attr.set(ValueLayout.JAVA_INT, 12, BPF_F_ALLOW_MULTI);
                    return bpf(st, BPF_PROG_ATTACH, attr);
                });
    }

    @Override
    public void bpfDetachDeviceProgram(int cgroupFd, int progFd) {
        call(() -> "bpf(BPF_PROG_DETACH, target_fd=" + cgroupFd + ", attach_bpf_fd=" + progFd
                        + ", attach_type=BPF_CGROUP_DEVICE)",
                (a, st) -> {
                    MemorySegment attr = a.allocate(BPF_ATTR_SIZE, 8);
                    attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
                    attr.set(ValueLayout.JAVA_INT, 4, progFd);
                    attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
                    return bpf(st, BPF_PROG_DETACH, attr);
                });
    }

    @Override
    public int[] bpfQueryDevicePrograms(int cgroupFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(BPF_ATTR_SIZE, 8);
            int room = 8;
            while (true) {
                MemorySegment ids = arena.allocate(4L * room, 4);
                attr.fill((byte) 0);
                attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
                attr.set(ValueLayout.JAVA_INT, 4, BPF_CGROUP_DEVICE);
                attr.set(ValueLayout.JAVA_LONG, 16, ids.address());
                attr.set(ValueLayout.JAVA_INT, 24, room);
                long r = call(() -> "bpf(BPF_PROG_QUERY, target_fd=" + cgroupFd + ", attach_type=BPF_CGROUP_DEVICE)",
                        (a, st) -> {
                            long rr = bpf(st, BPF_PROG_QUERY, attr);
                            return rr == -1 && Native.errno(st) == ENOSPC ? -2 : rr;
                        });
                int total = attr.get(ValueLayout.JAVA_INT, 24);
                if (r != -2) {
                    return ids.asSlice(0, 4L * Math.min(total, room)).toArray(ValueLayout.JAVA_INT);
                }
                // more programs than room: the kernel has said how many there are
                room = Math.max(total, room * 2);
            }
        }
    }

    @Override
    public int bpfProgFdById(int progId) {
        return (int) call(() -> "bpf(BPF_PROG_GET_FD_BY_ID, prog_id=" + progId + ")", (a, st) -> {
            MemorySegment attr = a.allocate(BPF_ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, progId);
            return bpf(st, BPF_PROG_GET_FD_BY_ID, attr);
        });
    }
}
