package dev.jrunc.init;

import dev.jrunc.JruncException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds process.args[0] inside the container the way execvp would, with the process's PATH. */
public final class ExecutableLookup {
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ExecutableLookup() {}

    public static String find(String name, List<String> env, String cwd) {
        if (name.contains("/")) {
            Path p = Path.of(cwd).resolve(name);
            check(name, p);
            return p.toString();
        }
        String path = DEFAULT_PATH;
        for (String e : env) {
            if (e.startsWith("PATH=")) path = e.substring(5);
        }
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? cwd : dir).resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new JruncException("exec: \"" + name + "\": executable file not found in $PATH");
    }

    private static void check(String name, Path p) {
        if (!Files.exists(p)) {
            throw new JruncException("exec: \"" + name + "\": no such file or directory");
        }
        if (Files.isDirectory(p) || !Files.isExecutable(p)) {
            throw new JruncException("exec: \"" + name + "\": permission denied");
        }
    }
}
