package dev.jrunc.namespaces;

import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One kind of Linux namespace: its config-linux.md type name, its {@code /proc/PID/ns} entry
 * and its {@code CLONE_NEW*} flag. Declared in exec's join order: user first (it decides what the
 * other joins may do), then mount, pid, network, ipc, uts, cgroup, time.
 */
public enum NamespaceKind {
    USER("user", "user", Linux.CLONE_NEWUSER),
    MOUNT("mount", "mnt", Linux.CLONE_NEWNS),
    PID("pid", "pid", Linux.CLONE_NEWPID),
    NETWORK("network", "net", Linux.CLONE_NEWNET),
    IPC("ipc", "ipc", Linux.CLONE_NEWIPC),
    UTS("uts", "uts", Linux.CLONE_NEWUTS),
    CGROUP("cgroup", "cgroup", Linux.CLONE_NEWCGROUP),
    TIME("time", "time", Linux.CLONE_NEWTIME);

    private static final List<NamespaceKind> ALL = List.of(values());

    private final String specName;
    private final String procName;
    private final long cloneFlag;

    NamespaceKind(String specName, String procName, long cloneFlag) {
        this.specName = specName;
        this.procName = procName;
        this.cloneFlag = cloneFlag;
    }

    /** The type name in config.json's {@code linux.namespaces[].type} ("network", "mount", ...). */
    public String specName() {
        return specName;
    }

    /**
     * The entry under {@code /proc/PID/ns/} ("net", "mnt", ...); the native helper names
     * namespaces so too ({@code --join TYPE:PATH}, {@code --join-fd TYPE:FD}).
     */
    public String procName() {
        return procName;
    }

    /** The CLONE_NEW* flag of unshare(2), clone(2) and setns(2)'s nstype. */
    public long cloneFlag() {
        return cloneFlag;
    }

    /** Every kind, in exec's join order (user first). */
    public static List<NamespaceKind> all() {
        return ALL;
    }

    /** Every config-linux.md type name, sorted (as features.json lists them). */
    public static List<String> specNames() {
        return ALL.stream().map(NamespaceKind::specName).sorted().toList();
    }

    /** The kind a config-linux.md type name names; empty for an unknown name or null. */
    public static Optional<NamespaceKind> bySpecName(String name) {
        return Arrays.stream(values()).filter(k -> k.specName.equals(name)).findFirst();
    }

    /** The kind whose CLONE_NEW* flag this is (what ioctl NS_GET_NSTYPE returns); empty for another value. */
    public static Optional<NamespaceKind> byCloneFlag(long flag) {
        return ALL.stream().filter(k -> k.cloneFlag == flag).findFirst();
    }

    /**
     * The kind a config-linux.md type name names.
     *
     * @param field where the name was read, for the error (e.g. {@code $.linux.namespaces[0].type})
     * @throws UnknownNamespaceTypeException for a name config-linux.md does not define
     */
    public static NamespaceKind ofSpecName(String name, String field) {
        return bySpecName(name).orElseThrow(() -> new UnknownNamespaceTypeException(field, name));
    }

    /** {@code /proc/PID/ns/ENTRY} of a process. */
    public String procPath(long pid) {
        return "/proc/" + pid + "/ns/" + procName;
    }

    /** {@code /proc/self/ns/ENTRY}: this process's own namespace of this kind. */
    public Path ownPath() {
        return Path.of("/proc/self/ns", procName);
    }

    /** Opens a process's namespace of this kind (read-only, close-on-exec), for setns(2) or to pass on. */
    public int open(Syscalls sys, long pid) {
        return sys.open(procPath(pid), Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
    }

    /**
     * The namespace's identity as its {@code /proc/PID/ns} link reads ("pid:[4026531836]"): equal
     * strings, the same namespace. Null when the process is gone or the link cannot be read.
     */
    public String linkOf(long pid) {
        return link(Path.of(procPath(pid)));
    }

    /** This process's {@link #linkOf} link; null when it cannot be read. */
    public String ownLink() {
        return link(ownPath());
    }

    private static String link(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
