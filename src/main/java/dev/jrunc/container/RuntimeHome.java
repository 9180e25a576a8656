package dev.jrunc.container;

import dev.jrunc.JruncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where jrunc's own files are: the jar, its libraries, the native helper, the JVM flags and the
 * AOT cache. The front (or the JVM's command line) sets -Djrunc.home; nothing here depends on
 * PATH, JAVA_HOME or the working directory.
 */
public final class RuntimeHome {
    /** The JVM flags of short-lived jrunc JVMs, one per line, written by the build from the Makefile. */
    static final String JVM_FLAGS_FILE = "jvm-flags";

    private final Path home;

    private RuntimeHome(Path home) {
        this.home = home;
    }

    public static RuntimeHome current() {
        String h = System.getProperty("jrunc.home");
        if (h == null) {
            throw new JruncException("jrunc.home is not set: run jrunc through its launcher");
        }
        return new RuntimeHome(Path.of(h));
    }

    /** The home of an installed or built jrunc (a directory holding jrunc.jar and jrunc-nsexec). */
    public static RuntimeHome at(Path home) {
        return new RuntimeHome(home.toAbsolutePath());
    }

    public Path dir() {
        return home;
    }

    public Path helper() {
        Path p = home.resolve("jrunc-nsexec");
        if (!Files.isExecutable(p)) {
            throw new JruncException("native helper " + p + " is missing: rebuild jrunc with make");
        }
        return p;
    }

    public Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * jrunc's log directory (the Makefile's LOG_DIR, passed by the front), where the JVMs' crash
     * reports go; null when the front could not make it.
     */
    public static Path logDir() {
        String d = System.getProperty("jrunc.logDir");
        if (d == null || d.isEmpty()) return null;
        Path p = Path.of(d);
        return Files.isDirectory(p) && Files.isWritable(p) ? p : null;
    }

    /**
     * The flags of a JVM that lives for a fraction of a second (the init JVM, direct mode): the
     * build writes them from the Makefile, the one place they are defined, and the AOT cache was
     * trained with them.
     */
    public List<String> jvmFlags() {
        Path file = home.resolve(JVM_FLAGS_FILE);
        try {
            return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new JruncException("cannot read " + file + ": " + e.getMessage() + " (rebuild jrunc with make)", e);
        }
    }

    /**
     * The command line of the init JVM: small, quick to start, and never JIT-heavy. Its crash
     * reports go to crashDir, an fd of a directory the runtime made for this container's init
     * (through /proc/self/fd, which still leads there once the init's root has moved into the
     * container); -1 sends them to stderr rather than to the working directory or /tmp.
     */
    public List<String> initCommand(int syncFd, int crashDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java().toString());
        cmd.addAll(jvmFlags());
        if (crashDir >= 0) {
            cmd.add("-XX:ErrorFile=/proc/self/fd/" + crashDir + "/hs_err_pid%p.log");
            cmd.add("-XX:ReplayDataFile=/proc/self/fd/" + crashDir + "/replay_pid%p.log");
        } else {
            cmd.addAll(List.of("-XX:+ErrorFileToStderr", "-XX:-DumpReplayDataOnError"));
        }
        Path aot = home.resolve("jrunc.aot");
        // the cache holds only for the flags it was trained with
        if (!jvmFlags().isEmpty() && aot.toFile().length() > 0) cmd.add("-XX:AOTCache=" + aot);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Djrunc.home=" + home,
                "-cp", home.resolve("jrunc.jar").toString(), "dev.jrunc.init.InitMain", Integer.toString(syncFd),
                Integer.toString(crashDir)));
        return cmd;
    }
}
