package dev.jrunc.linux;

import static dev.jrunc.linux.Linux.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake {@link Syscalls} for tests: nothing reaches the kernel.
 *
 * <ul>
 *   <li>Every call is recorded, in order, as one strace-like line, e.g.
 *       {@code mount("proc", "/proc/self/fd/7", "proc", 0, null)} or
 *       {@code openat2(3, "dev/pts", O_PATH|O_CLOEXEC, RESOLVE_IN_ROOT) = 9}. Flags are shown by
 *       name, modes in octal, device numbers as {@code makedev(major, minor)}. A call that fails
 *       ends in {@code = -1 ENOENT} and throws {@link SyscallException} like the real one.
 *   <li>File descriptors are handed out in increasing order from 3; each remembers the path it
 *       was opened on ({@link #pathOf}); {@link #openFds} shows leaks, closing an fd twice fails
 *       with EBADF.
 *   <li>A small in-memory tree ({@link #dir}, {@link #file}, {@link #symlink}) stands in for the
 *       filesystem: open/openat2 resolve paths in it (symlinks, RESOLVE_IN_ROOT,
 *       RESOLVE_NO_SYMLINKS, O_CREAT, O_NOFOLLOW, O_DIRECTORY), mkdirat/mknodat/symlinkat/mkfifo
 *       add to it and fchownat changes owners. "/" always exists. Mounts do not change the tree.
 *   <li>Mounts are tracked by path: a remount or propagation change through
 *       {@code /proc/self/fd/N} fails with EINVAL, as in the kernel, when fd N was opened before
 *       anything was mounted at its path (the fd then names the directory under the mount, which
 *       is not a mount root).
 *   <li>Failures can be scripted: {@link #failNextMount}, {@link #failOpens}, or any call with
 *       {@link #failNext}/{@link #failAlways} and a predicate over the {@link Call}.
 * </ul>
 */
public final class RecordingSyscalls implements Syscalls {

    /** One call: its name, its arguments as passed, the path it names (absolute) if any, its line. */
    public record Call(String name, List<Object> args, String path, String line) {
        public Object arg(int i) {
            return args.get(i);
        }
    }

    /** What the in-memory tree holds at one path. */
    public enum Kind { DIR, FILE, SYMLINK, CHR, BLK, FIFO }

    public record Node(Kind kind, String target, int mode, long dev, long uid, long gid) {
        Node withOwner(long u, long g) {
            return new Node(kind, target, mode, dev, u, g);
        }
    }

    private record Failure(String name, Predicate<Call> when, int errno, boolean once) {}

    private final List<String> lines = new ArrayList<>();
    private final List<Call> calls = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private final TreeMap<String, Node> tree = new TreeMap<>();
    private final Map<Integer, String> fds = new LinkedHashMap<>();
    /** For each fd: how many mounts were stacked on its path when it was opened. */
    private final Map<Integer, Integer> fdMountDepth = new HashMap<>();
    private final Map<String, Integer> mountDepth = new HashMap<>();
    private final Deque<byte[]> incoming = new ArrayDeque<>();
    private final Deque<WaitStatus> waits = new ArrayDeque<>();
    private int nextFd = 3;
    private int nextPid = 1000;
    private int umask = 022;
    private String cwd = "/";

    public RecordingSyscalls() {
        tree.put("/", new Node(Kind.DIR, null, 0755, 0, 0, 0));
        mountDepth.put("/", 1);
    }

    // ------------------------------------------------------------------ set-up and inspection

    /** Directories (with their parents), as in `mkdir -p`. */
    public RecordingSyscalls dir(String... paths) {
        for (String p : paths) {
            String cur = "";
            for (String c : components(p)) {
                cur = cur + "/" + c;
                tree.putIfAbsent(cur, new Node(Kind.DIR, null, 0755, 0, 0, 0));
            }
        }
        return this;
    }

    /** A regular file, creating its parent directories. */
    public RecordingSyscalls file(String path) {
        dir(parent(normalize(path)));
        tree.put(normalize(path), new Node(Kind.FILE, null, 0644, 0, 0, 0));
        return this;
    }

    /** A symlink at path pointing at target (not resolved when made), creating its parents. */
    public RecordingSyscalls symlink(String path, String target) {
        dir(parent(normalize(path)));
        tree.put(normalize(path), new Node(Kind.SYMLINK, target, 0777, 0, 0, 0));
        return this;
    }

    /** Paths that are mount points already (the host's /proc, /sys...), as the tree starts. */
    public RecordingSyscalls mountedAt(String... paths) {
        for (String p : paths) mountDepth.merge(normalize(p), 1, Integer::sum);
        return this;
    }

    /** Every mount gone, as when the mount namespace holding them dies (the tree stays). */
    public RecordingSyscalls forgetMounts() {
        mountDepth.clear();
        mountDepth.put("/", 1);
        return this;
    }

    /** The node at exactly this path (symlinks not followed), or null. */
    public Node node(String path) {
        return tree.get(normalize(path));
    }

    public boolean exists(String path) {
        return tree.containsKey(normalize(path));
    }

    /**
     * The tree under a directory (not the directory itself), one sorted line per entry, relative
     * to it: {@code "null c 1:3 0666 0:0"}, {@code "pts/"}, {@code "fd -> /proc/self/fd"}, {@code "hosts"}.
     */
    public List<String> listing(String dir) {
        String base = normalize(dir);
        String prefix = base.equals("/") ? "/" : base + "/";
        List<String> out = new ArrayList<>();
        for (var e : tree.tailMap(prefix, true).entrySet()) {
            if (!e.getKey().startsWith(prefix)) break;
            String rel = e.getKey().substring(prefix.length());
            Node n = e.getValue();
            out.add(switch (n.kind()) {
                case DIR -> rel + "/";
                case FILE -> rel;
                case SYMLINK -> rel + " -> " + n.target();
                case CHR, BLK -> rel + " " + (n.kind() == Kind.CHR ? "c " : "b ") + major(n.dev()) + ":"
                        + minor(n.dev()) + " " + octal(n.mode()) + " " + n.uid() + ":" + n.gid();
                case FIFO -> rel + " p " + octal(n.mode()) + " " + n.uid() + ":" + n.gid();
            });
        }
        return out;
    }

    /** Every call so far, in order. */
    public List<String> calls() {
        return List.copyOf(lines);
    }

    /** The calls so far with this name ("mount", "openat2", "mknodat", ...). */
    public List<String> calls(String name) {
        return calls.stream().filter(c -> c.name().equals(name)).map(Call::line).toList();
    }

    /** The calls so far whose name is one of these, in order. */
    public List<String> calls(String... names) {
        List<String> wanted = List.of(names);
        return calls.stream().filter(c -> wanted.contains(c.name())).map(Call::line).toList();
    }

    public List<Call> recorded() {
        return List.copyOf(calls);
    }

    /**
     * The mount calls, with a {@code "/proc/self/fd/N"} target shown as {@code @/path} — the path
     * fd N was opened on — so a test need not depend on fd numbering:
     * {@code mount("proc", @/bundle/rootfs/proc, "proc", 0, null)}.
     */
    public List<String> mounts() {
        List<String> out = new ArrayList<>();
        for (Call c : calls) {
            switch (c.name()) {
                case "mount" -> out.add(withFdPaths(c));
                case "move_mount", "mount_setattr", "open_tree" -> out.add(withFdRefs(c));
                default -> { }
            }
        }
        return out;
    }

    /** A new-mount-API line with every "fd:N" shown as {@code @/path}. */
    private String withFdRefs(Call c) {
        Matcher m = Pattern.compile("fd:(\\d+)").matcher(c.line());
        StringBuilder r = new StringBuilder();
        while (m.find()) {
            String p = pathOf(Integer.parseInt(m.group(1)));
            m.appendReplacement(r, Matcher.quoteReplacement(p == null ? m.group() : "@" + p));
        }
        m.appendTail(r);
        return r.toString();
    }

    /** The path an open (or closed) fd was opened on; null if it never was. */
    public String pathOf(int fd) {
        String p = fds.get(fd);
        return p != null ? p : closedFds.get(fd);
    }

    private final Map<Integer, String> closedFds = new HashMap<>();

    /** fds opened and not closed: fd → path. */
    public Map<Integer, String> openFds() {
        return Map.copyOf(fds);
    }

    /** Forget the calls recorded so far (the tree, fds and scripted failures stay). */
    public void clearCalls() {
        lines.clear();
        calls.clear();
    }

    // ------------------------------------------------------------------ scripted failures

    /** The next call with this name for which when holds fails with errno. */
    public RecordingSyscalls failNext(String name, Predicate<Call> when, int errno) {
        failures.add(new Failure(name, when, errno, true));
        return this;
    }

    /** Every call with this name for which when holds fails with errno. */
    public RecordingSyscalls failAlways(String name, Predicate<Call> when, int errno) {
        failures.add(new Failure(name, when, errno, false));
        return this;
    }

    /** The next mount whose fstype is this one (e.g. "sysfs") fails with errno. */
    public RecordingSyscalls failNextMount(String fstype, int errno) {
        return failNext("mount", c -> fstype.equals(c.arg(2)), errno);
    }

    /** Every open/openat2 of this absolute path (dirfd's path joined with the argument) fails with errno. */
    public RecordingSyscalls failOpens(String path, int errno) {
        String p = normalize(path);
        failures.add(new Failure("openat2", c -> p.equals(c.path()), errno, false));
        failures.add(new Failure("open", c -> p.equals(c.path()), errno, false));
        return this;
    }

    /** A packet recv() will return; once these run out recv() returns null (peer closed). */
    public RecordingSyscalls receive(String packet) {
        incoming.add(packet.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private final Map<byte[], String> incomingFds = new java.util.IdentityHashMap<>();

    /** A packet recvFd() will return with a descriptor: a new fd of this fake, standing for name. */
    public RecordingSyscalls receiveWithFd(String packet, String name) {
        byte[] b = packet.getBytes(StandardCharsets.UTF_8);
        incoming.add(b);
        incomingFds.put(b, name);
        return this;
    }

    /** A status waitpid() will return; once these run out waitpid() returns null. */
    public RecordingSyscalls waitResult(WaitStatus status) {
        waits.add(status);
        return this;
    }

    // ------------------------------------------------------------------ recording

    /** Records the call; throws if a scripted failure matches. */
    private Call begin(String name, String path, String line, Object... args) {
        Call c = new Call(name, java.util.Arrays.asList(args), path, line);
        calls.add(c);
        lines.add(line);
        for (var it = failures.iterator(); it.hasNext(); ) {
            Failure f = it.next();
            if (f.name().equals(name) && f.when().test(c)) {
                if (f.once()) it.remove();
                throw fail(f.errno());
            }
        }
        return c;
    }

    /** Marks the last recorded call failed and makes the exception to throw. */
    private SyscallException fail(int errno) {
        int last = lines.size() - 1;
        String line = lines.get(last) + " = -1 " + Errno.name(errno);
        lines.set(last, line);
        Call c = calls.get(last);
        calls.set(last, new Call(c.name(), c.args(), c.path(), line));
        return new SyscallException(c.line(), errno);
    }

    private <T> T returns(T value) {
        int last = lines.size() - 1;
        String line = lines.get(last) + " = " + value;
        lines.set(last, line);
        Call c = calls.get(last);
        calls.set(last, new Call(c.name(), c.args(), c.path(), line));
        return value;
    }

    // ------------------------------------------------------------------ the calls

    @Override
    public void mount(String source, String target, String fstype, long flags, String data) {
        String line = "mount(" + q(source) + ", " + q(target) + ", " + q(fstype) + ", " + mountFlags(flags) + ", "
                + q(data) + ")";
        begin("mount", null, line, source, target, fstype, flags, data);
        Integer fd = fdOfProcPath(target);
        String path = fd != null ? fds.get(fd) : target == null ? null : absolute(target);
        if (path == null && fd == null) throw fail(14); // EFAULT
        if (fd != null && path == null) throw fail(Errno.ENOENT);
        boolean changesExisting = (flags & (MS_REMOUNT | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) != 0;
        if (changesExisting) {
            // The kernel wants the root of a mount; an fd opened before the mount names what is under it.
            int depth = fd != null ? fdMountDepth.getOrDefault(fd, 0) : mountDepth.getOrDefault(path, 0);
            if (depth == 0 && !(fd == null && path.equals("/"))) throw fail(Errno.EINVAL);
        } else if ((flags & MS_MOVE) == 0) {
            mountDepth.merge(path, 1, Integer::sum);
        }
    }

    @Override
    public void umount2(String target, int flags) {
        begin("umount2", null, "umount2(" + q(target) + ", " + bits(flags, UMOUNT_FLAGS) + ")", target, flags);
    }

    @Override
    public void pivotRoot(String newRoot, String putOld) {
        begin("pivot_root", null, "pivot_root(" + q(newRoot) + ", " + q(putOld) + ")", newRoot, putOld);
    }

    @Override
    public void chroot(String path) {
        begin("chroot", absolute(path), "chroot(" + q(path) + ")", path);
    }

    @Override
    public void chdir(String path) {
        begin("chdir", absolute(path), "chdir(" + q(path) + ")", path);
        Resolved r = resolve(cwd, "/", path, false, true, false);
        if (r.errno != 0) throw fail(r.errno);
        if (tree.get(r.path).kind() != Kind.DIR) throw fail(Errno.ENOTDIR);
        cwd = r.path;
    }

    private final java.util.Map<String, Long> mountFlags = new java.util.HashMap<>();

    /** What {@link #statfsMountFlags} answers for the mount at path (0 when not set). */
    public RecordingSyscalls mountFlags(String path, long flags) {
        mountFlags.put(path, flags);
        return this;
    }

    @Override
    public long statfsMountFlags(String path) {
        begin("statfs", absolute(path), "statfs(" + q(path) + ")", path);
        Integer fd = fdOfProcPath(path);
        String p = fd != null ? fds.get(fd) : absolute(path);
        return mountFlags.getOrDefault(p, 0L);
    }

    @Override
    public void fchdir(int fd) {
        begin("fchdir", fds.get(fd), "fchdir(" + fd + ")", fd);
        String p = fds.get(fd);
        if (p == null) throw fail(Errno.EBADF);
        cwd = p;
    }

    @Override
    public int openat2(int dirfd, String path, long flags, long mode, long resolve) {
        String base = dirfd == AT_FDCWD ? cwd : fds.get(dirfd);
        String line = "openat2(" + (dirfd == AT_FDCWD ? "AT_FDCWD" : dirfd) + ", " + q(path) + ", "
                + openFlags(flags) + ((flags & O_CREAT) != 0 ? ", " + octal(mode) : "") + ", "
                + bits(resolve, RESOLVE_FLAGS) + ")";
        boolean inRoot = (resolve & RESOLVE_IN_ROOT) != 0;
        String full = base == null ? null : join(base, inRoot ? "./" + path : path);
        begin("openat2", full, line, dirfd, path, flags, mode, resolve);
        if (base == null) throw fail(Errno.EBADF);
        return openResolved(base, inRoot ? base : "/", path, flags, (int) mode,
                (resolve & RESOLVE_NO_SYMLINKS) != 0, inRoot);
    }

    @Override
    public int open(String path, int flags, int mode) {
        String line = "open(" + q(path) + ", " + openFlags(flags) + ((flags & O_CREAT) != 0 ? ", " + octal(mode) : "")
                + ")";
        begin("open", absolute(path), line, path, flags, mode);
        return openResolved(cwd, "/", path, flags, mode, false, false);
    }

    private int openResolved(String base, String root, String path, long flags, int mode, boolean noSymlinks,
            boolean inRoot) {
        boolean follow = (flags & O_NOFOLLOW) == 0;
        Resolved r = resolve(base, root, path, noSymlinks, follow, inRoot);
        if (r.errno == Errno.ENOENT && r.missingLast && (flags & O_CREAT) != 0) {
            tree.put(r.path, new Node(Kind.FILE, null, mode & ~umask & 07777, 0, 0, 0));
        } else if (r.errno != 0) {
            throw fail(r.errno);
        } else {
            Node n = tree.get(r.path);
            if ((flags & O_CREAT) != 0 && (flags & O_EXCL) != 0) throw fail(Errno.EEXIST);
            if (n.kind() == Kind.SYMLINK && (flags & O_PATH) == 0) throw fail(Errno.ELOOP);
            if ((flags & O_DIRECTORY) != 0 && n.kind() != Kind.DIR) throw fail(Errno.ENOTDIR);
        }
        int fd = nextFd++;
        fds.put(fd, r.path);
        fdMountDepth.put(fd, mountDepth.getOrDefault(r.path, 0));
        return returns(fd);
    }

    @Override
    public void close(int fd) {
        begin("close", fds.get(fd), "close(" + fd + ")", fd);
        String p = fds.remove(fd);
        if (p == null) throw fail(Errno.EBADF);
        closedFds.put(fd, p);
    }

    @Override
    public void mkdirat(int dirfd, String path, int mode) {
        String line = "mkdirat(" + fdName(dirfd) + ", " + q(path) + ", " + octal(mode) + ")";
        Created c = create("mkdirat", dirfd, path, line, dirfd, path, mode);
        tree.put(c.path, new Node(Kind.DIR, null, mode & ~umask & 07777, 0, 0, 0));
    }

    @Override
    public void mknodat(int dirfd, String path, int mode, long dev) {
        String line = "mknodat(" + fdName(dirfd) + ", " + q(path) + ", " + fileType(mode) + "|"
                + octal(mode & 07777) + ", makedev(" + major(dev) + ", " + minor(dev) + "))";
        Created c = create("mknodat", dirfd, path, line, dirfd, path, mode, dev);
        Kind kind = switch (mode & 0170000) {
            case S_IFCHR -> Kind.CHR;
            case S_IFBLK -> Kind.BLK;
            case S_IFIFO -> Kind.FIFO;
            case 0, S_IFREG -> Kind.FILE;
            default -> throw fail(Errno.EINVAL);
        };
        tree.put(c.path, new Node(kind, null, mode & ~umask & 07777, dev, 0, 0));
    }

    @Override
    public void symlinkat(String target, int dirfd, String linkPath) {
        String line = "symlinkat(" + q(target) + ", " + fdName(dirfd) + ", " + q(linkPath) + ")";
        Created c = create("symlinkat", dirfd, linkPath, line, target, dirfd, linkPath);
        tree.put(c.path, new Node(Kind.SYMLINK, target, 0777, 0, 0, 0));
    }

    @Override
    public void mkfifo(String path, int mode) {
        String line = "mkfifo(" + q(path) + ", " + octal(mode) + ")";
        Created c = create("mkfifo", AT_FDCWD, path, line, path, mode);
        tree.put(c.path, new Node(Kind.FIFO, null, mode & ~umask & 07777, 0, 0, 0));
    }

    private record Created(String path) {}

    /** Records a call making a new entry at dirfd/path: the parent must exist, the entry must not. */
    private Created create(String name, int dirfd, String path, String line, Object... args) {
        String base = dirfd == AT_FDCWD ? cwd : fds.get(dirfd);
        begin(name, base == null ? null : join(base, path), line, args);
        if (base == null) throw fail(Errno.EBADF);
        Resolved r = resolve(base, "/", path, false, false, false);
        if (r.errno == 0) throw fail(Errno.EEXIST);
        if (!r.missingLast) throw fail(r.errno);
        return new Created(r.path);
    }

    @Override
    public void fchownat(int dirfd, String path, long uid, long gid, int flags) {
        String base = dirfd == AT_FDCWD ? cwd : fds.get(dirfd);
        String line = "fchownat(" + fdName(dirfd) + ", " + q(path) + ", " + uid + ", " + gid + ", "
                + bits(flags, AT_FLAGS) + ")";
        begin("fchownat", base == null ? null : join(base, path), line, dirfd, path, uid, gid, flags);
        if (base == null) throw fail(Errno.EBADF);
        Resolved r = resolve(base, "/", path, false, (flags & AT_SYMLINK_NOFOLLOW) == 0, false);
        if (r.errno != 0) throw fail(r.errno);
        tree.put(r.path, tree.get(r.path).withOwner(uid, gid));
    }

    @Override
    public String readlinkat(int dirfd, String path) {
        String base = dirfd == AT_FDCWD ? cwd : fds.get(dirfd);
        begin("readlinkat", base == null ? null : join(base, path), "readlinkat(" + fdName(dirfd) + ", " + q(path) + ")",
                dirfd, path);
        if (base == null) throw fail(Errno.EBADF);
        Resolved r = resolve(base, "/", path, false, false, false);
        if (r.errno != 0) throw fail(r.errno);
        Node n = tree.get(r.path);
        if (n.kind() != Kind.SYMLINK) throw fail(Errno.EINVAL);
        return returns(n.target());
    }

    @Override
    public void unlinkat(int dirfd, String path, int flags) {
        String base = dirfd == AT_FDCWD ? cwd : fds.get(dirfd);
        begin("unlinkat", base == null ? null : join(base, path), "unlinkat(" + fdName(dirfd) + ", " + q(path) + ", "
                + bits(flags, AT_FLAGS) + ")", dirfd, path, flags);
        if (base == null) throw fail(Errno.EBADF);
        Resolved r = resolve(base, "/", path, false, false, false);
        if (r.errno != 0) throw fail(r.errno);
        Node n = tree.get(r.path);
        if ((flags & AT_REMOVEDIR) != 0) {
            if (n.kind() != Kind.DIR) throw fail(Errno.ENOTDIR);
            String prefix = r.path.equals("/") ? "/" : r.path + "/";
            String next = tree.higherKey(r.path);
            if (next != null && next.startsWith(prefix)) throw fail(39); // ENOTEMPTY
            if (mountDepth.getOrDefault(r.path, 0) > 0) throw fail(16); // EBUSY
        } else if (n.kind() == Kind.DIR) {
            throw fail(21); // EISDIR
        }
        tree.remove(r.path);
    }

    @Override
    public int openTree(int dirfd, String path, int flags) {
        String base = dirfd == AT_FDCWD ? cwd : fds.get(dirfd);
        String full = base == null ? null : join(base, path);
        begin("open_tree", full, "open_tree(" + fdName(dirfd) + ", " + q(path) + ", " + bits(flags, OPEN_TREE_FLAGS)
                + ")", dirfd, path, flags);
        if (base == null) throw fail(Errno.EBADF);
        Resolved r = resolve(base, "/", path, false, true, false);
        if (r.errno != 0) throw fail(r.errno);
        int fd = nextFd++;
        fds.put(fd, r.path);
        // A clone is a mount of its own: its root is a mount root.
        fdMountDepth.put(fd, (flags & OPEN_TREE_CLONE) != 0 ? 1 : mountDepth.getOrDefault(r.path, 0));
        return returns(fd);
    }

    @Override
    public void moveMount(int fromDirfd, String fromPath, int toDirfd, String toPath, int flags) {
        String line = "move_mount(" + fdRef(fromDirfd) + ", " + q(fromPath) + ", " + fdRef(toDirfd) + ", " + q(toPath)
                + ", " + bits(flags, MOVE_MOUNT_FLAGS) + ")";
        begin("move_mount", null, line, fromDirfd, fromPath, toDirfd, toPath, flags);
        String to = (flags & MOVE_MOUNT_T_EMPTY_PATH) != 0 ? fds.get(toDirfd) : absolute(toPath);
        if (to == null || ((flags & MOVE_MOUNT_F_EMPTY_PATH) != 0 && !fds.containsKey(fromDirfd))) {
            throw fail(Errno.EBADF);
        }
        mountDepth.merge(to, 1, Integer::sum);
    }

    @Override
    public void mountSetattr(int dirfd, String path, int flags, long attrSet, long attrClr, long propagation,
            int usernsFd) {
        String line = "mount_setattr(" + fdRef(dirfd) + ", " + q(path) + ", " + bits(flags, AT_FLAGS) + ", set="
                + bits(attrSet, MOUNT_ATTRS) + ", clr=" + bits(attrClr, MOUNT_ATTRS)
                + (propagation == 0 ? "" : ", propagation=" + mountFlags(propagation))
                + (usernsFd < 0 ? "" : ", userns=" + fdRef(usernsFd)) + ")";
        begin("mount_setattr", null, line, dirfd, path, flags, attrSet, attrClr, propagation, usernsFd);
        Integer fd = (flags & AT_EMPTY_PATH) != 0 && path.isEmpty() ? Integer.valueOf(dirfd) : null;
        String target = fd != null ? fds.get(fd) : absolute(path);
        if (target == null) throw fail(Errno.EBADF);
        int depth = fd != null ? fdMountDepth.getOrDefault(fd, 0) : mountDepth.getOrDefault(target, 0);
        if (depth == 0 && !target.equals("/")) throw fail(Errno.EINVAL);
    }

    /** An fd as the new-mount-API lines show it: "fd:N", which {@link #mounts} turns into the path. */
    private static String fdRef(int fd) {
        return fd == AT_FDCWD ? "AT_FDCWD" : "fd:" + fd;
    }

    @Override
    public void setfsuid(int uid) {
        begin("setfsuid", null, "setfsuid(" + uid + ")", uid);
    }

    @Override
    public void setfsgid(int gid) {
        begin("setfsgid", null, "setfsgid(" + gid + ")", gid);
    }

    @Override
    public void raiseEffectiveCapabilities() {
        begin("capset", null, "capset(effective = permitted)");
    }

    @Override
    public void unshare(long flags) {
        begin("unshare", null, "unshare(0x" + Long.toHexString(flags) + ")", flags);
    }

    @Override
    public void setns(int fd, long nstype) {
        begin("setns", fds.get(fd), "setns(" + fdRef(fd) + ", 0x" + Long.toHexString(nstype) + ")", fd, nstype);
    }

    private final java.util.Map<String, Long> namespaceFiles = new java.util.HashMap<>();

    /** Makes path (a file of the tree) a namespace file of that CLONE_NEW* type for {@link #namespaceType}. */
    public RecordingSyscalls namespaceFile(String path, long type) {
        file(path);
        namespaceFiles.put(path, type);
        return this;
    }

    @Override
    public long namespaceType(String path) {
        begin("namespaceType", absolute(path), "namespaceType(" + q(path) + ")", path);
        Resolved r = resolve(cwd, "/", path, false, true, false);
        if (r.errno != 0) throw fail(r.errno);
        Long type = namespaceFiles.get(r.path);
        if (type == null) throw fail(Errno.ENOTTY);
        return type;
    }

    @Override
    public void sethostname(String name) {
        begin("sethostname", null, "sethostname(" + q(name) + ")", name);
    }

    @Override
    public void setdomainname(String name) {
        begin("setdomainname", null, "setdomainname(" + q(name) + ")", name);
    }

    @Override
    public boolean mallocTrim() {
        begin("mallocTrim", null, "malloc_trim(0)");
        return false;
    }

    @Override
    public int umask(int mask) {
        begin("umask", null, "umask(" + octal(mask) + ")", mask);
        int old = umask;
        umask = mask & 0777;
        return old;
    }

    @Override
    public void prlimit(int pid, int resource, long soft, long hard) {
        begin("prlimit", null, "prlimit(" + pid + ", " + resource + ", " + limit(soft) + ", " + limit(hard) + ")",
                pid, resource, soft, hard);
    }

    @Override
    public long prctl(int option, long arg2, long arg3, long arg4, long arg5) {
        begin("prctl", null, "prctl(" + PRCTL_OPTIONS.getOrDefault(option, Integer.toString(option)) + ", " + arg2
                + ", " + arg3 + ", " + arg4 + ", " + arg5 + ")", option, arg2, arg3, arg4, arg5);
        return 0;
    }

    /** Recorded and returns (the real one does not return on success). */
    @Override
    public void execveat(int dirfd, String path, List<String> argv, List<String> envp, int flags) {
        begin("execveat", null, "execveat(" + fdName(dirfd) + ", " + q(path) + ", " + strings(argv) + ", "
                + strings(envp) + ", " + bits(flags, AT_FLAGS) + ")", dirfd, path, argv, envp, flags);
    }

    @Override
    public int spawn(String path, List<String> argv, List<String> envp, Map<Integer, Integer> dupTo, String cwd) {
        begin("spawn", absolute(path), "spawn(" + q(path) + ", " + strings(argv) + ", " + strings(envp) + ", "
                + new TreeMap<>(dupTo) + (cwd == null ? "" : ", cwd=" + q(cwd)) + ")", path, argv, envp, dupTo);
        return returns(nextPid++);
    }

    @Override
    public WaitStatus waitpid(int pid, int options) {
        begin("waitpid", null, "waitpid(" + pid + ", " + (options == WNOHANG ? "WNOHANG" : options) + ")", pid,
                options);
        return waits.poll();
    }

    @Override
    public void kill(int pid, int signal) {
        begin("kill", null, "kill(" + pid + ", " + signal + ")", pid, signal);
    }

    @Override
    public int pidfdOpen(int pid) {
        begin("pidfd_open", null, "pidfd_open(" + pid + ")", pid);
        int fd = nextFd++;
        fds.put(fd, "pidfd:" + pid);
        return returns(fd);
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        begin("pidfd_send_signal", null, "pidfd_send_signal(" + pidfd + ", " + signal + ")", pidfd, signal);
    }

    @Override
    public boolean pollIn(int fd, int timeoutMillis) {
        begin("poll", null, "poll(" + fd + ", " + timeoutMillis + ")", fd, timeoutMillis);
        return returns(true);
    }

    @Override
    public void flock(int fd, int operation) {
        begin("flock", fds.get(fd), "flock(" + fd + ", " + bits(operation, LOCK_FLAGS) + ")", fd, operation);
        if (!fds.containsKey(fd)) throw fail(Errno.EBADF);
    }

    @Override
    public int[] socketpair(int domain, int type) {
        begin("socketpair", null, "socketpair(" + (domain == AF_UNIX ? "AF_UNIX" : domain) + ", "
                + bits(type, SOCKET_TYPES) + ")", domain, type);
        int a = nextFd++;
        int b = nextFd++;
        fds.put(a, "socket:" + a);
        fds.put(b, "socket:" + b);
        returns("[" + a + ", " + b + "]");
        return new int[] {a, b};
    }

    @Override
    public void send(int fd, byte[] message) {
        begin("send", null, "send(" + fd + ", " + bytes(message) + ")", fd, message);
    }

    @Override
    public byte[] recv(int fd, int maxLength) {
        begin("recv", null, "recv(" + fd + ")", fd, maxLength);
        return incoming.poll();
    }

    @Override
    public void write(int fd, byte[] data) {
        begin("write", fds.get(fd), "write(" + fd + ", " + bytes(data) + ")", fd, data);
    }

    @Override
    public byte[] read(int fd, int max) {
        begin("read", fds.get(fd), "read(" + fd + ", " + max + ")", fd, max);
        return new byte[0];
    }

    // ------------------------------------------------------------------ path resolution

    /**
     * Where a path leads. errno is 0 when found; ENOENT with missingLast when only the last
     * component is missing (path is then where it would be created).
     */
    private record Resolved(String path, int errno, boolean missingLast) {}

    private Resolved resolve(String base, String root, String path, boolean noSymlinks, boolean followLast,
            boolean inRoot) {
        Deque<String> todo = new ArrayDeque<>(components(path));
        String cur = path.startsWith("/") ? (inRoot ? root : "/") : base;
        int hops = 0;
        while (!todo.isEmpty()) {
            String c = todo.poll();
            if (c.equals("..")) {
                if (!(inRoot && cur.equals(root))) cur = parent(cur);
                continue;
            }
            String next = join(cur, c);
            Node n = tree.get(next);
            if (n == null) {
                return new Resolved(next, Errno.ENOENT, todo.isEmpty());
            }
            if (n.kind() == Kind.SYMLINK && (!todo.isEmpty() || followLast)) {
                if (noSymlinks || ++hops > 40) return new Resolved(next, Errno.ELOOP, false);
                List<String> target = components(n.target());
                for (int i = target.size() - 1; i >= 0; i--) todo.push(target.get(i));
                if (n.target().startsWith("/")) cur = inRoot ? root : "/";
                continue;
            }
            if (!todo.isEmpty() && n.kind() != Kind.DIR) return new Resolved(next, Errno.ENOTDIR, false);
            cur = next;
        }
        return new Resolved(cur, 0, false);
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty() && !c.equals(".")) out.add(c);
        }
        return out;
    }

    /** Lexical join: base + "/" + path, or path if it is absolute; "." and ".." folded. */
    private static String join(String base, String path) {
        return normalize(path.startsWith("/") ? path : base + "/" + path);
    }

    private static String normalize(String path) {
        Deque<String> out = new ArrayDeque<>();
        for (String c : components(path)) {
            if (c.equals("..")) {
                out.pollLast();
            } else {
                out.add(c);
            }
        }
        return "/" + String.join("/", out);
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private String absolute(String path) {
        return join(cwd, path);
    }

    private static final Pattern PROC_FD = Pattern.compile("/proc/self/fd/(\\d+)");

    private static Integer fdOfProcPath(String path) {
        if (path == null) return null;
        Matcher m = PROC_FD.matcher(path);
        return m.matches() ? Integer.parseInt(m.group(1)) : null;
    }

    private String withFdPaths(Call c) {
        String target = (String) c.arg(1);
        Integer fd = fdOfProcPath(target);
        if (fd == null || pathOf(fd) == null) return c.line();
        return c.line().replaceFirst(Pattern.quote(q(target)), Matcher.quoteReplacement("@" + pathOf(fd)));
    }

    // ------------------------------------------------------------------ formatting

    private static String q(String s) {
        if (s == null) return "null";
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }

    private static String octal(long mode) {
        return mode == 0 ? "0" : "0" + Long.toOctalString(mode);
    }

    private static String limit(long v) {
        return v == -1 ? "RLIM_INFINITY" : Long.toUnsignedString(v);
    }

    private String fdName(int fd) {
        return fd == AT_FDCWD ? "AT_FDCWD" : Integer.toString(fd);
    }

    private static String strings(List<String> list) {
        List<String> out = new ArrayList<>();
        for (String s : list) out.add(q(s));
        return "[" + String.join(", ", out) + "]";
    }

    private static String bytes(byte[] data) {
        return q(new String(data, StandardCharsets.UTF_8));
    }

    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & 0xfffff000L);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & 0xffffff00L);
    }

    private static String fileType(int mode) {
        return switch (mode & 0170000) {
            case S_IFCHR -> "S_IFCHR";
            case S_IFBLK -> "S_IFBLK";
            case S_IFIFO -> "S_IFIFO";
            case S_IFREG -> "S_IFREG";
            case 0 -> "0";
            default -> "0" + Integer.toOctalString(mode & 0170000);
        };
    }

    /** Names of the set bits, in the table's order, "|"-joined; leftover bits in hex; "0" for none. */
    private static String bits(long value, Map<Long, String> names) {
        List<String> out = new ArrayList<>();
        long rest = value;
        for (var e : names.entrySet()) {
            if ((rest & e.getKey()) == e.getKey() && e.getKey() != 0) {
                out.add(e.getValue());
                rest &= ~e.getKey();
            }
        }
        if (rest != 0) out.add("0x" + Long.toHexString(rest));
        return out.isEmpty() ? "0" : String.join("|", out);
    }

    private static String mountFlags(long flags) {
        return bits(flags, MOUNT_FLAGS);
    }

    private static String openFlags(long flags) {
        String rest = bits(flags & ~3L, OPEN_FLAGS);
        if ((flags & O_PATH) != 0) return rest;
        String access = switch ((int) (flags & 3)) {
            case O_WRONLY -> "O_WRONLY";
            case O_RDWR -> "O_RDWR";
            default -> "O_RDONLY";
        };
        return rest.equals("0") ? access : access + "|" + rest;
    }

    private static Map<Long, String> table(Object... pairs) {
        Map<Long, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(((Number) pairs[i]).longValue(), (String) pairs[i + 1]);
        }
        return m;
    }

    private static final Map<Long, String> MOUNT_FLAGS = table(
            MS_RDONLY, "MS_RDONLY", MS_NOSUID, "MS_NOSUID", MS_NODEV, "MS_NODEV", MS_NOEXEC, "MS_NOEXEC",
            MS_SYNCHRONOUS, "MS_SYNCHRONOUS", MS_REMOUNT, "MS_REMOUNT", MS_MANDLOCK, "MS_MANDLOCK",
            MS_DIRSYNC, "MS_DIRSYNC", MS_NOSYMFOLLOW, "MS_NOSYMFOLLOW", MS_NOATIME, "MS_NOATIME",
            MS_NODIRATIME, "MS_NODIRATIME", MS_BIND, "MS_BIND", MS_MOVE, "MS_MOVE", MS_REC, "MS_REC",
            MS_SILENT, "MS_SILENT", MS_UNBINDABLE, "MS_UNBINDABLE", MS_PRIVATE, "MS_PRIVATE",
            MS_SLAVE, "MS_SLAVE", MS_SHARED, "MS_SHARED", MS_RELATIME, "MS_RELATIME",
            MS_STRICTATIME, "MS_STRICTATIME", MS_I_VERSION, "MS_I_VERSION", MS_LAZYTIME, "MS_LAZYTIME");

    private static final Map<Long, String> OPEN_FLAGS = table(
            O_PATH, "O_PATH", O_CREAT, "O_CREAT", O_EXCL, "O_EXCL", O_NOCTTY, "O_NOCTTY", O_TRUNC, "O_TRUNC",
            O_NONBLOCK, "O_NONBLOCK", O_DIRECTORY, "O_DIRECTORY", O_NOFOLLOW, "O_NOFOLLOW",
            O_CLOEXEC, "O_CLOEXEC");

    private static final Map<Long, String> RESOLVE_FLAGS = table(
            RESOLVE_IN_ROOT, "RESOLVE_IN_ROOT", RESOLVE_BENEATH, "RESOLVE_BENEATH",
            RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS", RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS",
            RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV");

    private static final Map<Long, String> UMOUNT_FLAGS = table(1, "MNT_FORCE", MNT_DETACH, "MNT_DETACH",
            4, "MNT_EXPIRE", 8, "UMOUNT_NOFOLLOW");

    private static final Map<Long, String> AT_FLAGS = table(AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW",
            AT_EMPTY_PATH, "AT_EMPTY_PATH", AT_RECURSIVE, "AT_RECURSIVE", AT_REMOVEDIR, "AT_REMOVEDIR");

    private static final Map<Long, String> OPEN_TREE_FLAGS = table(OPEN_TREE_CLONE, "OPEN_TREE_CLONE",
            OPEN_TREE_CLOEXEC, "OPEN_TREE_CLOEXEC", AT_RECURSIVE, "AT_RECURSIVE", AT_EMPTY_PATH, "AT_EMPTY_PATH");

    private static final Map<Long, String> MOVE_MOUNT_FLAGS = table(MOVE_MOUNT_F_EMPTY_PATH, "MOVE_MOUNT_F_EMPTY_PATH",
            MOVE_MOUNT_T_EMPTY_PATH, "MOVE_MOUNT_T_EMPTY_PATH");

    private static final Map<Long, String> MOUNT_ATTRS = table(MOUNT_ATTR_RDONLY, "RDONLY", MOUNT_ATTR_NOSUID, "NOSUID",
            MOUNT_ATTR_NODEV, "NODEV", MOUNT_ATTR_NOEXEC, "NOEXEC", MOUNT_ATTR__ATIME, "_ATIME",
            MOUNT_ATTR_NOATIME, "NOATIME", MOUNT_ATTR_STRICTATIME, "STRICTATIME", MOUNT_ATTR_NODIRATIME, "NODIRATIME",
            MOUNT_ATTR_IDMAP, "IDMAP", MOUNT_ATTR_NOSYMFOLLOW, "NOSYMFOLLOW");

    private static final Map<Long, String> LOCK_FLAGS = table(1, "LOCK_SH", LOCK_EX, "LOCK_EX", LOCK_NB, "LOCK_NB",
            LOCK_UN, "LOCK_UN");

    private static final Map<Long, String> SOCKET_TYPES = table(SOCK_SEQPACKET, "SOCK_SEQPACKET",
            SOCK_CLOEXEC, "SOCK_CLOEXEC");

    private static final Map<Integer, String> PRCTL_OPTIONS = Map.of(
            PR_SET_PDEATHSIG, "PR_SET_PDEATHSIG", PR_SET_DUMPABLE, "PR_SET_DUMPABLE",
            PR_SET_KEEPCAPS, "PR_SET_KEEPCAPS", PR_SET_NAME, "PR_SET_NAME",
            PR_SET_CHILD_SUBREAPER, "PR_SET_CHILD_SUBREAPER", PR_SET_NO_NEW_PRIVS, "PR_SET_NO_NEW_PRIVS");

    // ---- fd passing and terminals: recorded, not simulated

    @Override
    public int connectUnix(String path) {
        begin("connect", path, "connectUnix(" + q(path) + ")", path);
        int fd = nextFd++;
        fds.put(fd, "socket:" + path);
        return fd;
    }

    @Override
    public void sendFd(int socket, int fd, byte[] payload) {
        begin("sendFd", null, "sendFd(" + socket + ", " + fd + ", " + q(new String(payload, java.nio.charset.StandardCharsets.UTF_8)) + ")");
    }

    @Override
    public FdMessage recvFd(int socket) {
        byte[] b = recv(socket, 1 << 20);
        if (b == null) return null;
        String name = incomingFds.remove(b);
        if (name == null) return new FdMessage(-1, b);
        int fd = nextFd++;
        fds.put(fd, name);
        return new FdMessage(fd, b);
    }

    @Override
    public int memfdCreate(String name, int flags) {
        begin("memfd_create", null, "memfd_create(" + q(name) + ", " + flags + ")", name);
        int fd = nextFd++;
        fds.put(fd, "memfd:" + name);
        return fd;
    }

    @Override
    public void setCloexec(int fd, boolean closeOnExec) {
        begin("fcntl", null, "fcntl(" + fd + ", F_SETFD, " + (closeOnExec ? "FD_CLOEXEC" : "0") + ")", fd);
    }

    @Override
    public void addSeals(int fd, int seals) {
        begin("fcntl", null, "fcntl(" + fd + ", F_ADD_SEALS, 0x" + Integer.toHexString(seals) + ")", fd);
    }

    @Override
    public int bindUnixDatagram(String path) {
        begin("bind", path, "bindUnixDatagram(" + q(path) + ")", path);
        int fd = nextFd++;
        fds.put(fd, "socket:" + path);
        return fd;
    }

    @Override
    public void sendToUnix(String path, byte[] datagram) {
        begin("sendToUnix", null, "sendToUnix(" + q(path) + ", " + q(new String(datagram, java.nio.charset.StandardCharsets.UTF_8)) + ")");
    }

    @Override
    public int[] windowSize(int fd) {
        begin("windowSize", null, "windowSize(" + fd + ")");
        return new int[] {24, 80};
    }

    @Override
    public void setWindowSize(int fd, int rows, int cols) {
        begin("setWindowSize", null, "setWindowSize(" + fd + ", " + rows + ", " + cols + ")");
    }

    @Override
    public byte[] makeRaw(int fd) {
        begin("makeRaw", null, "makeRaw(" + fd + ")");
        return new byte[60];
    }

    @Override
    public void restoreTerminal(int fd, byte[] saved) {
        begin("restoreTerminal", null, "restoreTerminal(" + fd + ")");
    }

    @Override
    public boolean isatty(int fd) {
        return false;
    }

    // ---- the engine's socket: recorded, not simulated

    @Override
    public int listenUnix(String path, int type, int backlog) {
        begin("listen", path, "listenUnix(" + q(path) + ", " + type + ", " + backlog + ")", path);
        int fd = nextFd++;
        fds.put(fd, "socket:" + path);
        return fd;
    }

    @Override
    public int accept(int socket) {
        begin("accept", null, "accept(" + socket + ")", socket);
        int fd = nextFd++;
        fds.put(fd, "socket:accepted");
        return fd;
    }

    @Override
    public int connectUnix(String path, int type) {
        begin("connect", path, "connectUnix(" + q(path) + ", " + type + ")", path);
        int fd = nextFd++;
        fds.put(fd, "socket:" + path);
        return fd;
    }

    @Override
    public PeerCredentials peerCredentials(int socket) {
        begin("getsockopt", null, "getsockopt(" + socket + ", SO_PEERCRED)", socket);
        return new PeerCredentials(1, 0, 0);
    }

    @Override
    public void sendFds(int socket, byte[] payload, int[] fdsToSend) {
        begin("sendmsg", null, "sendFds(" + socket + ", " + payload.length + " bytes, " + java.util.Arrays.toString(fdsToSend) + ")");
    }

    @Override
    public FdsMessage recvFds(int socket, int maxLength, int maxFds) {
        byte[] b = recv(socket, maxLength);
        return b == null ? null : new FdsMessage(b, new int[0]);
    }

    @Override
    public boolean peerClosed(int socket) {
        return false;
    }

    @Override
    public int dup(int fd) {
        begin("fcntl", null, "fcntl(" + fd + ", F_DUPFD_CLOEXEC)", fd);
        int copy = nextFd++;
        fds.put(copy, fds.get(fd));
        return copy;
    }

    @Override
    public void fchmod(int fd, int mode) {
        begin("fchmod", null, "fchmod(" + fd + ", 0" + Integer.toOctalString(mode) + ")", fd, mode);
    }

    @Override
    public void chmod(String path, int mode) {
        begin("chmod", path, "chmod(" + q(path) + ", 0" + Integer.toOctalString(mode) + ")", path, mode);
        Node n = tree.get(path);
        if (n != null) tree.put(path, new Node(n.kind(), n.target(), mode, n.dev(), n.uid(), n.gid()));
    }

    // ---- cgroup v2 device filters: programs loaded, and which cgroup has which attached

    private final Map<Integer, byte[]> bpfPrograms = new HashMap<>();
    private final Map<Integer, Integer> bpfProgramOfFd = new HashMap<>();
    private final Map<String, List<Integer>> bpfAttached = new HashMap<>();
    private int nextBpfProgramId = 100;

    /** A device program attached to the cgroup directory at path before the test (by an earlier run); its id. */
    public int attachedDeviceProgram(String path, byte[] insns) {
        int id = nextBpfProgramId++;
        bpfPrograms.put(id, insns.clone());
        bpfAttached.computeIfAbsent(normalize(path), k -> new ArrayList<>()).add(id);
        return id;
    }

    /** The ids of the device programs attached to the cgroup directory at path, in the order attached. */
    public List<Integer> deviceProgramIds(String path) {
        return List.copyOf(bpfAttached.getOrDefault(normalize(path), List.of()));
    }

    /** The instructions of a loaded program. */
    public byte[] deviceProgram(int id) {
        return bpfPrograms.get(id).clone();
    }

    @Override
    public int bpfLoadDeviceProgram(byte[] insns) {
        begin("bpf", null, "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt=" + insns.length / 8
                + "})", "BPF_PROG_LOAD", insns);
        if (insns.length == 0 || insns.length % 8 != 0) throw fail(Errno.EINVAL);
        int id = nextBpfProgramId++;
        bpfPrograms.put(id, insns.clone());
        return returns(newBpfProgramFd(id));
    }

    @Override
    public void bpfAttachDeviceProgram(int cgroupFd, int progFd) {
        begin("bpf", fds.get(cgroupFd), "bpf(BPF_PROG_ATTACH, {target_fd=" + cgroupFd + ", attach_bpf_fd=" + progFd
                + ", attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI})", "BPF_PROG_ATTACH", cgroupFd, progFd);
        List<Integer> attached = attachedAt(cgroupFd);
        int id = bpfProgramOf(progFd);
        if (attached.contains(id)) throw fail(Errno.EEXIST);
        attached.add(id);
    }

    @Override
    public void bpfDetachDeviceProgram(int cgroupFd, int progFd) {
        begin("bpf", fds.get(cgroupFd), "bpf(BPF_PROG_DETACH, {target_fd=" + cgroupFd + ", attach_bpf_fd=" + progFd
                + ", attach_type=BPF_CGROUP_DEVICE})", "BPF_PROG_DETACH", cgroupFd, progFd);
        List<Integer> attached = attachedAt(cgroupFd);
        if (!attached.remove(Integer.valueOf(bpfProgramOf(progFd)))) throw fail(Errno.ENOENT);
    }

    @Override
    public int[] bpfQueryDevicePrograms(int cgroupFd) {
        begin("bpf", fds.get(cgroupFd), "bpf(BPF_PROG_QUERY, {target_fd=" + cgroupFd
                + ", attach_type=BPF_CGROUP_DEVICE})", "BPF_PROG_QUERY", cgroupFd);
        List<Integer> attached = attachedAt(cgroupFd);
        returns(attached.toString());
        return attached.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public int bpfProgFdById(int progId) {
        begin("bpf", null, "bpf(BPF_PROG_GET_FD_BY_ID, {prog_id=" + progId + "})", "BPF_PROG_GET_FD_BY_ID", progId);
        // the kernel frees a program once no fd and no cgroup holds it
        boolean alive = bpfPrograms.containsKey(progId)
                && (bpfProgramOfFd.entrySet().stream().anyMatch(e -> e.getValue() == progId && fds.containsKey(e.getKey()))
                        || bpfAttached.values().stream().anyMatch(ids -> ids.contains(progId)));
        if (!alive) throw fail(Errno.ENOENT);
        return returns(newBpfProgramFd(progId));
    }

    private int newBpfProgramFd(int id) {
        int fd = nextFd++;
        fds.put(fd, "bpf-prog:" + id);
        bpfProgramOfFd.put(fd, id);
        return fd;
    }

    /** The programs attached to the directory cgroupFd was opened on; EBADF for an fd not open. */
    private List<Integer> attachedAt(int cgroupFd) {
        String path = fds.get(cgroupFd);
        if (path == null || bpfProgramOfFd.containsKey(cgroupFd)) throw fail(Errno.EBADF);
        return bpfAttached.computeIfAbsent(path, k -> new ArrayList<>());
    }

    private int bpfProgramOf(int progFd) {
        Integer id = bpfProgramOfFd.get(progFd);
        if (id == null || !fds.containsKey(progFd)) throw fail(Errno.EBADF);
        return id;
    }
}
