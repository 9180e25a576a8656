package dev.jrunc.invocation;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one verb takes from whoever invoked it: environment, working directory, umask, stdio, the
 * caller's cgroup and pid, and the {@link Caller} that starts the container's processes.
 *
 * <p>A resident engine runs many verbs at once for different callers, so nothing a verb does may
 * depend on this JVM's own environment, cwd, umask, stdio or cgroup: relative paths resolve
 * against {@link #cwd()}, files made for the caller get {@link #umask()}, relative cgroupsPaths
 * hang off {@link #cgroup()}, NOTIFY_SOCKET and LISTEN_FDS come from {@link #env()}.
 */
public final class Invocation {
    private final Map<String, String> env;
    private final Path cwd;
    private final int umask;
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final long pid;
    private final Supplier<String> cgroup;
    private final Caller caller;

    /**
     * @param cwd absolute
     * @param pid the caller's pid (what LISTEN_PID names)
     * @param cgroup the caller's /proc/PID/cgroup text, read when first needed
     */
    public Invocation(Map<String, String> env, Path cwd, int umask, PrintStream out, PrintStream err, InputStream in,
            long pid, Supplier<String> cgroup, Caller caller) {
        if (!cwd.isAbsolute()) throw new IllegalArgumentException("cwd must be absolute: " + cwd);
        this.env = Map.copyOf(env);
        this.cwd = cwd;
        this.umask = umask;
        this.out = out;
        this.err = err;
        this.in = in;
        this.pid = pid;
        this.cgroup = cgroup;
        this.caller = caller;
    }

    /** This JVM as its own caller: direct mode, where one JVM runs one verb. */
    public static Invocation directMode(Syscalls sys) {
        return new Invocation(System.getenv(), Path.of("").toAbsolutePath(), processUmask(), System.out, System.err,
                System.in, ProcessHandle.current().pid(), Invocation::ownCgroup, LocalCaller.directMode(sys));
    }

    /**
     * A JVM that embeds jrunc through the Java API: its environment and cwd, umask 022, the given
     * output streams for what verbs print, and the given caller (see {@link LocalCaller#embedded}).
     */
    public static Invocation embedded(PrintStream out, PrintStream err, Caller caller) {
        return new Invocation(System.getenv(), Path.of("").toAbsolutePath(), 022, out, err, InputStream.nullInputStream(),
                ProcessHandle.current().pid(), Invocation::ownCgroup, caller);
    }

    public Map<String, String> env() {
        return env;
    }

    /** The caller's environment variable, or null when unset or empty. */
    public String getenv(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    public Path cwd() {
        return cwd;
    }

    /** path as the caller means it: relative to its working directory. */
    public Path resolve(Path path) {
        return cwd.resolve(path);
    }

    /** A socket path as the caller means it; abstract ("@name") and absolute ones stay as given. */
    public String resolveSocket(String path) {
        if (path == null || path.isEmpty() || path.startsWith("@") || path.startsWith("/")) return path;
        return cwd.resolve(path).toString();
    }

    public int umask() {
        return umask;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public InputStream in() {
        return in;
    }

    public long pid() {
        return pid;
    }

    /** The caller's /proc/PID/cgroup: relative cgroupsPaths hang off the caller's cgroup. */
    public String cgroup() {
        return cgroup.get();
    }

    public Caller caller() {
        return caller;
    }

    private static String ownCgroup() {
        try {
            return Files.readString(Path.of("/proc/self/cgroup"));
        } catch (IOException e) {
            throw new JruncException("cannot read /proc/self/cgroup: " + e.getMessage(), e);
        }
    }

    /** The umask, read from /proc/self/status: umask(2) would have to change it to read it. */
    static int processUmask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Umask:")) return Integer.parseInt(line.substring(6).trim(), 8);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: the common default
        }
        return 022;
    }
}
