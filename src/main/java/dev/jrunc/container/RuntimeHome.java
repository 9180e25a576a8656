package dev.jrunc.container;

import dev.jrunc.JruncException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where jrunc's own files are: the jar, its libraries, the native helper and the JVM. The
 * launcher sets -Djrunc.home; nothing here depends on PATH, JAVA_HOME or the working directory.
 */
public final class RuntimeHome {
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
     * The command line of the init JVM: small, quick to start, and never JIT-heavy; the same
     * flags as the launcher's (Makefile JVM_FLAGS), which the AOT cache was trained with.
     */
    public List<String> initCommand(int syncFd) {
        List<String> cmd = new ArrayList<>(List.of(java().toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-Xss512k", "-Djdk.reflect.useNativeAccessorOnly=true"));
        Path aot = home.resolve("jrunc.aot");
        if (aot.toFile().length() > 0) cmd.add("-XX:AOTCache=" + aot);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Djrunc.home=" + home,
                "-cp", home.resolve("jrunc.jar").toString(), "dev.jrunc.init.InitMain", Integer.toString(syncFd)));
        return cmd;
    }
}
