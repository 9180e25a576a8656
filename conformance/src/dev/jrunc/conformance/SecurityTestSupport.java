package dev.jrunc.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Busybox bundles and jrunc invocations for the process-security tests. */
final class SecurityTestSupport {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path JRUNC = Path.of(System.getProperty("jrunc.binary", "jrunc")).toAbsolutePath();
    /** The checkout (the binary under test may live elsewhere, e.g. target/jrunc-direct). */
    static final Path PROJECT = Path.of(System.getProperty("user.dir"));
    static final Path FIXTURES = Path.of(System.getProperty("jrunc.fixtures", PROJECT.resolve("conformance/fixtures").toString()));

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static Path template;

    final Path dir;
    final Path root;

    SecurityTestSupport(Path dir) throws IOException {
        this.dir = dir;
        this.root = dir.resolve("state");
        Files.createDirectories(root);
        // A user-namespace container's root is an unprivileged host uid: it must be able to
        // reach the bundle, as with runc.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    }

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    /** A fresh bundle: a copy of one busybox rootfs made by scripts/make-bundle.sh, terminal off. */
    Bundle bundle(String... args) throws IOException, InterruptedException {
        synchronized (SecurityTestSupport.class) {
            if (template == null) {
                Path t = Files.createTempDirectory("jrunc-sec-template");
                Result r = exec(List.of(PROJECT.resolve("scripts/make-bundle.sh").toString(), t.resolve("b").toString(),
                        JRUNC.toString()), null);
                if (r.exit() != 0) throw new IOException("make-bundle failed: " + r.all());
                template = t.resolve("b");
            }
        }
        Path b = dir.resolve("bundle" + SEQ.incrementAndGet());
        Result r = exec(List.of("cp", "-a", template.toString(), b.toString()), null);
        if (r.exit() != 0) throw new IOException("cp failed: " + r.all());
        Bundle bundle = new Bundle(b, (ObjectNode) JSON.readTree(b.resolve("config.json").toFile()));
        bundle.process().put("terminal", false);
        ((ObjectNode) bundle.config.get("root")).put("readonly", false);
        bundle.args(args);
        return bundle;
    }

    static final class Bundle {
        final Path dir;
        ObjectNode config;

        Bundle(Path dir, ObjectNode config) {
            this.dir = dir;
            this.config = config;
        }

        Path rootfs() {
            return dir.resolve("rootfs");
        }

        ObjectNode process() {
            return (ObjectNode) config.get("process");
        }

        ObjectNode linux() {
            return config.with("linux");
        }

        Bundle args(String... args) {
            ArrayNode a = process().putArray("args");
            for (String s : args) a.add(s);
            return this;
        }

        /** sh -c script */
        Bundle sh(String script) {
            return args("sh", "-c", script);
        }

        ArrayNode namespaces() {
            return (ArrayNode) linux().get("namespaces");
        }

        Bundle removeNamespace(String type) {
            ArrayNode ns = namespaces();
            for (int i = ns.size() - 1; i >= 0; i--) {
                if (ns.get(i).get("type").asText().equals(type)) ns.remove(i);
            }
            return this;
        }

        Bundle addNamespace(String type, String path) {
            removeNamespace(type);
            ObjectNode n = namespaces().addObject().put("type", type);
            if (path != null) n.put("path", path);
            return this;
        }

        void save() throws IOException {
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        }
    }

    String newId() {
        return "sec" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
    }

    /** `jrunc run` of the bundle; the container is deleted afterwards. */
    Result run(Bundle b, String... extra) throws IOException, InterruptedException {
        b.save();
        String id = newId();
        List<String> cmd = new ArrayList<>(List.of(JRUNC.toString(), "--root", root.toString(), "run"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-b", b.dir.toString(), id));
        try {
            return exec(cmd, null);
        } finally {
            jrunc("delete", "-f", id);
        }
    }

    Result jrunc(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(JRUNC.toString(), "--root", root.toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, null);
    }

    /** Creates the container; returns its id. */
    String create(Bundle b) throws IOException, InterruptedException {
        b.save();
        String id = newId();
        Result r = jrunc("create", "-b", b.dir.toString(), id);
        if (r.exit() != 0) throw new AssertionError("create failed: " + r.all());
        return id;
    }

    int pid(String id) throws IOException, InterruptedException {
        Result r = jrunc("state", id);
        return JSON.readTree(r.out()).get("pid").asInt();
    }

    static Result exec(List<String> cmd, Path stdoutFile) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Path out = stdoutFile != null ? stdoutFile : Files.createTempFile("jrunc-sec", ".out");
        Path err = Files.createTempFile("jrunc-sec", ".err");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        String o = Files.readString(out, StandardCharsets.UTF_8);
        String e = Files.readString(err, StandardCharsets.UTF_8);
        Files.deleteIfExists(err);
        if (stdoutFile == null) Files.deleteIfExists(out);
        return new Result(p.exitValue(), o, e);
    }

    /** One field of /proc/PID/status text, e.g. "CapBnd". */
    static String statusField(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) return line.substring(name.length() + 1).trim();
        }
        throw new AssertionError(name + " not in " + status);
    }

    static JsonNode seccompOf(String fixture) throws IOException {
        return JSON.readTree(FIXTURES.resolve("engine-configs").resolve(fixture).toFile()).get("linux").get("seccomp");
    }
}
