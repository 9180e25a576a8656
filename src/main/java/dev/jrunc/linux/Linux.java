package dev.jrunc.linux;

/** Kernel constants for x86_64, named as in the kernel headers. */
public final class Linux {
    private Linux() {}

    // open(2)
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_EMPTY_PATH = 0x1000;

    // openat2(2) resolve flags
    public static final long RESOLVE_NO_XDEV = 0x01;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;
    public static final long RESOLVE_IN_ROOT = 0x10;

    // mount(2)
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOSYMFOLLOW = 256;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_MOVE = 8192;
    public static final long MS_REC = 16384;
    public static final long MS_SILENT = 32768;
    public static final long MS_UNBINDABLE = 1 << 17;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_STRICTATIME = 1 << 24;
    public static final long MS_LAZYTIME = 1 << 25;
    public static final long MS_I_VERSION = 1 << 23;
    public static final int MNT_DETACH = 2;
    public static final int UMOUNT_NOFOLLOW = 8;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_RECURSIVE = 0x8000;

    // open_tree(2), move_mount(2), mount_setattr(2)
    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = O_CLOEXEC;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 0x04;
    public static final int MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final long MOUNT_ATTR_NOEXEC = 0x8;
    public static final long MOUNT_ATTR__ATIME = 0x70;
    public static final long MOUNT_ATTR_RELATIME = 0x0;
    public static final long MOUNT_ATTR_NOATIME = 0x10;
    public static final long MOUNT_ATTR_STRICTATIME = 0x20;
    public static final long MOUNT_ATTR_NODIRATIME = 0x80;
    public static final long MOUNT_ATTR_IDMAP = 0x100000;
    public static final long MOUNT_ATTR_NOSYMFOLLOW = 0x200000;

    // a thread's own filesystem context (root, cwd, umask)
    public static final long CLONE_FS = 0x00000200;

    // clone(2) namespace flags
    public static final long CLONE_NEWTIME = 0x00000080;
    public static final long CLONE_NEWNS = 0x00020000;
    public static final long CLONE_NEWCGROUP = 0x02000000;
    public static final long CLONE_NEWUTS = 0x04000000;
    public static final long CLONE_NEWIPC = 0x08000000;
    public static final long CLONE_NEWUSER = 0x10000000;
    public static final long CLONE_NEWPID = 0x20000000;
    public static final long CLONE_NEWNET = 0x40000000;

    // file types for mknod(2)
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFREG = 0100000;

    // prctl(2)
    public static final int PR_SET_PDEATHSIG = 1;
    public static final int PR_SET_DUMPABLE = 4;
    public static final int PR_SET_KEEPCAPS = 8;
    public static final int PR_SET_NAME = 15;
    public static final int PR_SET_CHILD_SUBREAPER = 36;
    public static final int PR_SET_NO_NEW_PRIVS = 38;

    // sockets, wait, flock, poll
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int F_SEAL_SEAL = 1;
    public static final int F_SEAL_SHRINK = 2;
    public static final int F_SEAL_GROW = 4;
    public static final int F_SEAL_WRITE = 8;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final int WNOHANG = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32)
                | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12)
                | (minor & 0xffL);
    }
}
