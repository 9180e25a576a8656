package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Shared plumbing of the exec, terminal, hook and fd tests: one busybox rootfs per test JVM
 * (read-only, shared by every container), a private --root per test class, jrunc runs whose
 * stdio goes to files (a detached container keeps its stdio open; pipes would never end), and
 * the config.json of each container edited as a Jackson tree.
 */
final class ExecTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path JRUNC = Path.of(System.getProperty("jrunc.binary", "jrunc")).toAbsolutePath();
    static final Path FIXTURES = Path.of(System.getProperty("user.dir"), "conformance", "fixtures");
    static final Path MAKE_BUNDLE = Path.of(System.getProperty("user.dir"), "scripts", "make-bundle.sh");

    private static Path sharedBundle;
    private static ObjectNode template;

    /** What a command did: exit status and everything it wrote. */
    record Result(int exit, String out, String err) {
        Result expect(int status) {
            if (exit != status) fail("expected exit status " + status + ", got " + this);
            return this;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    final Path tmp;
    final Path root;

    ExecTestSupport(Path tmp) {
        this.tmp = tmp;
        this.root = tmp.resolve("root");
        try {
            // JUnit's temp dirs are 0700; a container whose root is a mapped uid must still reach
            // its exec fifo under --root (jrunc's own default root is 0711 for the same reason).
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The busybox rootfs every container of this JVM uses; made once with scripts/make-bundle.sh. */
    static synchronized Path rootfs() {
        if (sharedBundle == null) {
            try {
                Path dir = Files.createTempDirectory("jrunc-exec-tests-");
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                Path bundle = dir.resolve("bundle");
                Result r = runCommand(List.of(MAKE_BUNDLE.toString(), bundle.toString(), JRUNC.toString()), Map.of(),
                        null, dir, 60);
                if (r.exit() != 0) fail("make-bundle.sh failed: " + r);
                // Mount points for the tests' own mounts: a read-only rootfs cannot grow them.
                for (String d : List.of("only-here", "hooks", "tools", "data")) {
                    Files.createDirectories(bundle.resolve("rootfs").resolve(d));
                }
                template = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
                sharedBundle = bundle;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sharedBundle.resolve("rootfs");
    }

    /** `jrunc spec`'s default, without a terminal, on the shared rootfs (read-only). */
    ObjectNode config(String... args) {
        Path rootfs = rootfs();
        ObjectNode c = template.deepCopy();
        ((ObjectNode) c.get("root")).put("path", rootfs.toString()).put("readonly", true);
        ObjectNode p = (ObjectNode) c.get("process");
        p.put("terminal", false);
        if (args.length > 0) setArgs(c, args);
        return c;
    }

    static void setArgs(ObjectNode config, String... args) {
        ArrayNode a = ((ObjectNode) config.get("process")).putArray("args");
        for (String s : args) a.add(s);
    }

    static ObjectNode process(ObjectNode config) {
        return (ObjectNode) config.get("process");
    }

    static void addEnv(ObjectNode config, String... vars) {
        ArrayNode env = (ArrayNode) process(config).get("env");
        for (String v : vars) env.add(v);
    }

    /** Adds a mount; options may be empty. */
    static void addMount(ObjectNode config, String destination, String type, String source, String... options) {
        ObjectNode m = ((ArrayNode) config.get("mounts")).addObject();
        m.put("destination", destination).put("type", type).put("source", source);
        ArrayNode o = m.putArray("options");
        for (String s : options) o.add(s);
    }

    /** A writable /tmp: the rootfs is shared and read-only. */
    static void addTmp(ObjectNode config) {
        addMount(config, "/tmp", "tmpfs", "tmpfs", "mode=1777", "size=4m");
    }

    /** Writes a bundle directory holding only config.json (its root is the shared rootfs). */
    Path bundle(String name, ObjectNode config) {
        Path dir = tmp.resolve("bundle-" + name);
        try {
            Files.createDirectories(dir);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** `jrunc --root ROOT ARGS...` with empty stdin. */
    Result jrunc(String... args) {
        return jruncIn(null, args);
    }

    /** `jrunc --root ROOT ARGS...` with the given stdin (null: empty). */
    Result jruncIn(String stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of(JRUNC.toString(), "--root", root.toString()));
        argv.addAll(Arrays.asList(args));
        return runCommand(argv, Map.of(), stdin, tmp, 60);
    }

    /**
     * bash -c SCRIPT, with $JRUNC the binary and $ROOT this class's --root: for what a
     * ProcessBuilder cannot set up (extra open fds, exec keeping the pid for LISTEN_PID).
     */
    Result bash(String script, Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("JRUNC", JRUNC.toString());
        all.put("ROOT", root.toString());
        return runCommand(List.of("bash", "-c", script), all, null, tmp, 60);
    }

    Result runAndCollect(List<String> argv) {
        return runCommand(argv, Map.of(), null, tmp, 60);
    }

    private static final AtomicInteger OUTPUTS = new AtomicInteger();

    static Result runCommand(List<String> argv, Map<String, String> env, String stdin, Path dir, int timeoutSeconds) {
        try {
            int n = OUTPUTS.incrementAndGet();
            Path out = dir.resolve(".out-" + n);
            Path err = dir.resolve(".err-" + n);
            Path in = dir.resolve(".in-" + n);
            Files.writeString(in, stdin == null ? "" : stdin);
            ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
                    .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(argv + " did not finish within " + timeoutSeconds + "s; output so far:\n"
                        + Files.readString(out) + "\n" + Files.readString(err));
            }
            Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            Files.delete(in);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** `run -d` of a config; returns the init's host pid. */
    int runDetached(String id, ObjectNode config) {
        jrunc("run", "-d", "--bundle", bundle(id, config).toString(), id).expect(0);
        return initPid(id);
    }

    JsonNode state(String id) {
        Result r = jrunc("state", id).expect(0);
        try {
            return JSON.readTree(r.out());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int initPid(String id) {
        return state(id).get("pid").asInt();
    }

    /** `delete --force` of every container left under this --root. */
    void deleteAll() {
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                jrunc("delete", "--force", d.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Alive and not a zombie. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readLink(String path) {
        try {
            return Files.readSymbolicLink(Path.of(path)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, String content) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void waitUntil(String what, long timeoutMillis, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeoutMillis + " ms waiting for " + what);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Compiles a fixture C file with gcc -static into dir; returns the binary. */
    static Path compileStatic(String fixture, Path dir, String name) {
        Path out = dir.resolve(name);
        Result r = runCommand(List.of("gcc", "-static", "-O2", "-o", out.toString(), FIXTURES.resolve(fixture).toString()),
                Map.of(), null, dir, 120);
        if (r.exit() != 0) fail("gcc " + fixture + ": " + r);
        assertTrue(Files.isExecutable(out));
        return out;
    }

    /** Lines of text, trailing blanks stripped. */
    static List<String> lines(String s) {
        return s.lines().map(String::stripTrailing).toList();
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a temp directory
        }
    }
}
