package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real containers for the cgroup tests: one busybox rootfs shared by every bundle, a private
 * --root, jrunc invocations with output in files (a detached container keeps writing to them),
 * the container's cgroup directories from its state.json, and a check that delete left neither
 * state nor cgroup directories behind.
 */
final class CgroupTestSupport implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    record Result(List<String> command, int exit, String out, String err) {
        String all() {
            return out + err;
        }

        Result ok() {
            if (exit != 0) fail("expected exit 0: " + this);
            return this;
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " => " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private final Path binary;
    private final Path work;
    private final Path root;
    private final Path rootfs;
    private final ObjectNode baseConfig;
    private final Set<String> ids = new LinkedHashSet<>();
    private int counter;

    CgroupTestSupport() throws IOException, InterruptedException {
        String b = System.getProperty("jrunc.binary");
        if (b == null || b.isBlank()) throw new IllegalStateException("system property jrunc.binary is not set");
        binary = Path.of(b).toAbsolutePath();
        work = Files.createTempDirectory("jrunc-cgroups-");
        // a container in a user namespace runs as an unprivileged host uid: it must reach its rootfs
        Files.setAttribute(work, "unix:mode", 0755);
        root = work.resolve("root");
        Path base = work.resolve("base");
        Path script = Path.of(System.getProperty("user.dir"), "scripts/make-bundle.sh");
        Result r = exec(List.of(script.toString(), base.toString(), binary.toString()), Duration.ofSeconds(60), null);
        if (r.exit() != 0) throw new IllegalStateException("make-bundle.sh failed: " + r);
        rootfs = base.resolve("rootfs");
        baseConfig = (ObjectNode) JSON.readTree(base.resolve("config.json").toFile());
        ((ObjectNode) baseConfig.get("process")).put("terminal", false);
        ((ObjectNode) baseConfig.get("root")).put("path", rootfs.toString()).put("readonly", false);
    }

    Path root() {
        return root;
    }

    /** A path in the shared rootfs, as the host sees it. */
    Path inRootfs(String path) {
        return rootfs.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    String uniqueId(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + (++counter);
    }

    /** The default config with process.args replaced and an empty linux.resources. */
    ObjectNode config(String... args) {
        ObjectNode c = baseConfig.deepCopy();
        ArrayNode a = ((ObjectNode) c.get("process")).putArray("args");
        for (String s : args) a.add(s);
        return c;
    }

    /** config.linux.resources, created if absent. */
    static ObjectNode resources(ObjectNode config) {
        ObjectNode linux = (ObjectNode) config.get("linux");
        return linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
    }

    static ObjectNode sub(ObjectNode o, String name) {
        return o.has(name) ? (ObjectNode) o.get(name) : o.putObject(name);
    }

    Path bundle(String id, ObjectNode config) throws IOException {
        Path dir = work.resolve("bundles").resolve(id);
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        return dir;
    }

    /** {@code jrunc --root ROOT args...} */
    Result jrunc(String... args) {
        return jruncIn(null, args);
    }

    Result jruncIn(byte[] stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, Duration.ofSeconds(60), stdin);
    }

    /** {@code jrunc --root stateRoot args...} with extra environment variables and a time limit. */
    Result jruncAt(Path stateRoot, Map<String, String> env, Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", stateRoot.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, timeout, null, env);
    }

    /** Runs the container in the foreground (run, then delete): exit status and output. */
    Result runToEnd(String id, ObjectNode config) throws IOException {
        Path b = bundle(id, config);
        ids.add(id);
        return jrunc("run", "--bundle", b.toString(), id);
    }

    /** Creates and starts the container in the background. */
    int runDetached(String id, ObjectNode config) throws IOException {
        Path b = bundle(id, config);
        ids.add(id);
        jrunc("run", "--detach", "--bundle", b.toString(), id).ok();
        return pid(id);
    }

    Result create(String id, ObjectNode config) throws IOException {
        Path b = bundle(id, config);
        ids.add(id);
        return jrunc("create", "--bundle", b.toString(), id);
    }

    JsonNode stateFile(String id) throws IOException {
        return JSON.readTree(root.resolve(id).resolve("state.json").toFile());
    }

    int pid(String id) throws IOException {
        return JSON.readTree(jrunc("state", id).ok().out()).get("pid").asInt();
    }

    String status(String id) throws IOException {
        Result r = jrunc("state", id);
        if (r.exit() != 0) return "absent";
        return JSON.readTree(r.out()).get("status").asText();
    }

    /** The container's cgroup directory for a hierarchy key ("memory", "pids", "" for cgroup2). */
    Path cgroupDir(String id, String hierarchy) throws IOException {
        JsonNode p = stateFile(id).get("cgroupPaths").get(hierarchy);
        if (p == null) throw new AssertionError("no " + hierarchy + " cgroup recorded for " + id);
        return Path.of(p.asText());
    }

    String cgroupFile(String id, String hierarchy, String file) throws IOException {
        return Files.readString(cgroupDir(id, hierarchy).resolve(file)).trim();
    }

    Map<String, Path> cgroupDirs(String id) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        stateFile(id).get("cgroupPaths").properties().forEach(e -> out.put(e.getKey(), Path.of(e.getValue().asText())));
        return out;
    }

    static boolean isV1(String controller) {
        return Files.isDirectory(CGROUP_ROOT.resolve(controller)) && !Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"));
    }

    /** Whether pid is a live process (a zombie waiting for its reaper is not). */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    static void waitFor(String what, Duration timeout, BooleanSupplier cond) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out after " + timeout + " waiting for " + what);
            sleep(50);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Directories named id anywhere in the host's cgroup hierarchies (a few levels deep). */
    static List<Path> cgroupDirsNamed(String id) {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(CGROUP_ROOT, 6)) {
            s.filter(p -> p.getFileName() != null && p.getFileName().toString().equals(id) && Files.isDirectory(p))
                    .forEach(found::add);
        } catch (IOException | UncheckedIOException e) {
            // a cgroup removed while walking
        }
        return found;
    }

    /** Nothing of the container is left: no state directory, no cgroup directory. */
    void assertNothingLeft(String id) {
        assertTrue(!Files.exists(root.resolve(id)), "state directory " + root.resolve(id) + " was left behind");
        assertEquals(List.of(), cgroupDirsNamed(id), "cgroup directories left behind for " + id);
    }

    /** delete --force, then the nothing-left check. */
    void remove(String id) {
        Result r = jrunc("delete", "--force", id);
        if (r.exit() != 0 && Files.exists(root.resolve(id))) fail("delete --force failed: " + r);
        ids.remove(id);
        assertNothingLeft(id);
    }

    @Override
    public void close() throws IOException {
        List<String> left = new ArrayList<>(ids);
        AssertionError first = null;
        for (String id : left) {
            try {
                remove(id);
            } catch (AssertionError e) {
                if (first == null) first = e;
            }
        }
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // leftovers in /tmp do no harm
        }
        if (first != null) throw first;
    }

    private Result exec(List<String> cmd, Duration timeout, byte[] stdin) {
        return exec(cmd, timeout, stdin, Map.of());
    }

    private Result exec(List<String> cmd, Duration timeout, byte[] stdin, Map<String, String> env) {
        try {
            Path out = Files.createTempFile(workOrTmp(), "out-", ".txt");
            Path err = Files.createTempFile(workOrTmp(), "err-", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (stdin != null) {
                try (var os = p.getOutputStream()) {
                    os.write(stdin);
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                fail("timed out after " + timeout + ": " + String.join(" ", cmd));
            }
            Result r = new Result(cmd, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Path workOrTmp() {
        return work != null && Files.isDirectory(work) ? work : Path.of(System.getProperty("java.io.tmpdir"));
    }
}
