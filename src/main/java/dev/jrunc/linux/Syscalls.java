package dev.jrunc.linux;

import java.util.List;
import java.util.Map;

/**
 * Every system call jrunc makes, one typed method each. Failures throw {@link SyscallException}
 * naming the call and its arguments; callers never see -1. {@link LinuxSyscalls} is the real one
 * (FFM); tests use a recording fake so init steps can be checked without root.
 */
public interface Syscalls {
    static Syscalls linux() {
        return LinuxSyscalls.INSTANCE;
    }

    // ---- mounts and the root filesystem
    void mount(String source, String target, String fstype, long flags, String data);

    void umount2(String target, int flags);

    void pivotRoot(String newRoot, String putOld);

    void chroot(String path);

    void chdir(String path);

    void fchdir(int fd);

    /**
     * statfs(2)'s f_flags of the mount holding path, as MS_ mount flags: MS_RDONLY, MS_NOSUID,
     * MS_NODEV, MS_NOEXEC, MS_NOATIME, MS_NODIRATIME, MS_RELATIME.
     */
    long statfsMountFlags(String path);

    /** openat2(2): resolve is a RESOLVE_* mask, e.g. RESOLVE_IN_ROOT to keep symlinks inside. */
    int openat2(int dirfd, String path, long flags, long mode, long resolve);

    int open(String path, int flags, int mode);

    void close(int fd);

    void mkdirat(int dirfd, String path, int mode);

    void mknodat(int dirfd, String path, int mode, long dev);

    void symlinkat(String target, int dirfd, String linkPath);

    void mkfifo(String path, int mode);

    void fchownat(int dirfd, String path, long uid, long gid, int flags);

    /** readlinkat(2): the target of a symlink. */
    String readlinkat(int dirfd, String path);

    /** unlinkat(2); flags AT_REMOVEDIR removes an empty directory. */
    void unlinkat(int dirfd, String path, int flags);

    // ---- the new mount API
    /** open_tree(2): with OPEN_TREE_CLONE, a detached copy of the mount at path (its tree with AT_RECURSIVE). */
    int openTree(int dirfd, String path, int flags);

    /** move_mount(2): attaches (or moves) the mount at from onto to; MOVE_MOUNT_*_EMPTY_PATH take the fds themselves. */
    void moveMount(int fromDirfd, String fromPath, int toDirfd, String toPath, int flags);

    /**
     * mount_setattr(2) with struct mount_attr {attrSet, attrClr, propagation, usernsFd}: MOUNT_ATTR_*
     * bits to set and clear, an MS_* propagation type (0: unchanged), the user namespace of
     * MOUNT_ATTR_IDMAP. flags: AT_EMPTY_PATH, AT_RECURSIVE.
     */
    void mountSetattr(int dirfd, String path, int flags, long attrSet, long attrClr, long propagation, int usernsFd);

    // ---- credentials of the calling thread
    /**
     * setfsuid(2) for the calling thread only: who owns the files it creates. Moving fsuid away
     * from 0 clears the filesystem capabilities (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER,
     * CAP_MKNOD...) from its effective set: see {@link #raiseEffectiveCapabilities}.
     */
    void setfsuid(int uid);

    /** setfsgid(2) for the calling thread only: the group of the files it creates. */
    void setfsgid(int gid);

    /** capset(2) for the calling thread only: its effective set becomes its permitted set. */
    void raiseEffectiveCapabilities();

    // ---- namespaces of the calling thread
    /** unshare(2) for the calling thread only (CLONE_FS, namespaces a thread may leave alone). */
    void unshare(long flags);

    /** setns(2) of the calling thread into the namespace fd names; nstype a CLONE_NEW* flag. */
    void setns(int fd, long nstype);

    /**
     * The CLONE_NEW* flag of the namespace file at path (open, ioctl(2) NS_GET_NSTYPE, close).
     * ENOTTY: no namespace. What is not a regular file (as every namespace file is) is not even
     * opened, since opening a FIFO blocks and opening a device may act on it.
     */
    long namespaceType(String path);

    // ---- process attributes
    void sethostname(String name);

    void setdomainname(String name);

    int umask(int mask);

    /**
     * malloc_trim(3) with no pad: the C heap's free pages, in every malloc arena, go back to the
     * system. True when memory was released.
     */
    boolean mallocTrim();

    void prlimit(int pid, int resource, long soft, long hard);

    long prctl(int option, long arg2, long arg3, long arg4, long arg5);

    void execveat(int dirfd, String path, List<String> argv, List<String> envp, int flags);

    // ---- processes and signals
    /**
     * posix_spawn(3) with the given fds duplicated onto the given numbers in the child; every
     * other fd above them is closed in the child, whether close-on-exec or not.
     */
    default int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> dupTo) {
        return spawn(path, argv, envp, dupTo, null);
    }

    /** As {@link #spawn(String, List, List, Map)}, in the working directory cwd (null: the caller's). */
    int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> dupTo, String cwd);

    /** waitpid(2); returns the raw status, or -1 if options has WNOHANG and nothing changed. */
    WaitStatus waitpid(int pid, int options);

    void kill(int pid, int signal);

    int pidfdOpen(int pid);

    void pidfdSendSignal(int pidfd, int signal);

    /** poll(2) one fd for readability; false on timeout. */
    boolean pollIn(int fd, int timeoutMillis);

    void flock(int fd, int operation);

    // ---- the sync socket between the runtime and the container's init
    int[] socketpair(int domain, int type);

    void send(int fd, byte[] message);

    /** One packet, or null when the peer has closed its end. */
    byte[] recv(int fd, int maxLength);

    void write(int fd, byte[] data);

    /** read(2) up to max bytes; an empty array at end of file. */
    byte[] read(int fd, int max);

    // ---- passing file descriptors (console socket, seccomp listener)
    /** A connected AF_UNIX SOCK_STREAM socket (close-on-exec). */
    int connectUnix(String path);

    /** sendmsg(2) of payload with fd attached as SCM_RIGHTS. */
    void sendFd(int socket, int fd, byte[] payload);

    /**
     * recvmsg(2) of one message (up to 1 MiB) with room for one SCM_RIGHTS descriptor, received
     * close-on-exec: the fd it carried (or -1) and its bytes; null when the peer has closed its end.
     */
    FdMessage recvFd(int socket);

    record FdMessage(int fd, byte[] payload) {}

    /** An AF_UNIX SOCK_DGRAM socket bound at path (sd_notify's kind of socket). */
    int bindUnixDatagram(String path);

    /** sendto(2) of one datagram to the AF_UNIX socket at path (a leading '@' means abstract). */
    void sendToUnix(String path, byte[] datagram);

    // ---- terminals
    /** The window size of a terminal as {rows, cols}. */
    int[] windowSize(int fd);

    void setWindowSize(int fd, int rows, int cols);

    /** Puts a terminal in raw mode; returns its previous settings for {@link #restoreTerminal}. */
    byte[] makeRaw(int fd);

    void restoreTerminal(int fd, byte[] saved);

    boolean isatty(int fd);

    // ---- sealed in-memory executables
    /** memfd_create(2). */
    int memfdCreate(String name, int flags);

    /** fcntl(fd, F_ADD_SEALS, seals). */
    void addSeals(int fd, int seals);

    /** fcntl(fd, F_SETFD): whether fd closes on execve. */
    void setCloexec(int fd, boolean closeOnExec);

    // ---- the engine's socket: a listening AF_UNIX socket, its peers' credentials, many fds a message
    /** socket(AF_UNIX, type | SOCK_CLOEXEC), bind(path), listen(backlog). */
    int listenUnix(String path, int type, int backlog);

    /** accept4(2) with SOCK_CLOEXEC. */
    int accept(int socket);

    /** A connected AF_UNIX socket of the given type (close-on-exec). */
    int connectUnix(String path, int type);

    /** getsockopt(SO_PEERCRED): who is at the other end of a connected AF_UNIX socket. */
    PeerCredentials peerCredentials(int socket);

    record PeerCredentials(int pid, int uid, int gid) {}

    /** sendmsg(2) of payload with any number of fds (possibly none) attached as SCM_RIGHTS. */
    void sendFds(int socket, byte[] payload, int[] fds);

    /**
     * recvmsg(2) of one message of up to maxLength bytes with up to maxFds descriptors, received
     * close-on-exec; null when the peer has closed its end.
     */
    FdsMessage recvFds(int socket, int maxLength, int maxFds);

    record FdsMessage(byte[] payload, int[] fds) {}

    /** poll(2) with POLLRDHUP and no wait: whether the peer of a connected socket has gone. */
    boolean peerClosed(int socket);

    /** fcntl(fd, F_DUPFD_CLOEXEC, 0): a second fd for the same open file. */
    int dup(int fd);

    /** fchmod(2): the exact mode, whatever the process umask made of it at creation. */
    void fchmod(int fd, int mode);

    /** fchmodat(AT_FDCWD, path, mode, 0). */
    void chmod(String path, int mode);

    // ---- cgroup v2 device filters: bpf(2) with BPF_PROG_TYPE_CGROUP_DEVICE programs
    /**
     * bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program given as struct bpf_insn[]
     * (a multiple of 8 bytes); returns its fd, close-on-exec. A refusal's message carries the
     * verifier's log.
     */
    int bpfLoadDeviceProgram(byte[] insns);

    /** bpf(BPF_PROG_ATTACH): progFd becomes one more device program of the cgroup (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI). */
    void bpfAttachDeviceProgram(int cgroupFd, int progFd);

    /** bpf(BPF_PROG_DETACH): progFd is no longer a device program of the cgroup. */
    void bpfDetachDeviceProgram(int cgroupFd, int progFd);

    /** bpf(BPF_PROG_QUERY): the ids of the device programs attached to the cgroup itself (not inherited). */
    int[] bpfQueryDevicePrograms(int cgroupFd);

    /** bpf(BPF_PROG_GET_FD_BY_ID): an fd (close-on-exec) for the loaded program with this id. */
    int bpfProgFdById(int progId);

    /** A status as waitpid reports it. */
    record WaitStatus(int pid, int raw) {
        public boolean exited() {
            return (raw & 0x7f) == 0;
        }

        public int exitCode() {
            return (raw >> 8) & 0xff;
        }

        public boolean signaled() {
            return ((raw & 0x7f) + 1) >> 1 > 0 && (raw & 0x7f) != 0x7f;
        }

        public int termSignal() {
            return raw & 0x7f;
        }

        /** The shell's convention: the exit code, or 128 + the signal that killed it. */
        public int shellStatus() {
            return exited() ? exitCode() : 128 + termSignal();
        }
    }
}
