package dev.jrunc.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An OCI bundle in a test's temporary directory: a busybox rootfs and a config.json edited as a
 * Jackson tree. The starting config is what `jrunc spec` writes, with terminal off and args `true`.
 */
final class Bundle {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path BUSYBOX = Path.of("/bin/busybox");

    private static List<String> applets;
    private static String defaultSpec;

    final Path dir;
    final Path rootfs;
    final ObjectNode config;

    private Bundle(Path dir, ObjectNode config) {
        this.dir = dir;
        this.rootfs = dir.resolve("rootfs");
        this.config = config;
    }

    /** A new bundle in {@code dir} (created), using {@code jrunc} once per JVM for `spec`. */
    static Bundle create(Path dir, Jrunc jrunc) {
        try {
            Files.createDirectories(dir);
            Bundle b = new Bundle(dir, (ObjectNode) JSON.readTree(defaultSpec(jrunc)));
            b.makeRootfs();
            b.process().put("terminal", false);
            b.args("true");
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A bundle whose config is a copy of {@code configFile}, with root.path pointing at a busybox rootfs. */
    static Bundle fromConfig(Path dir, Path configFile) {
        try {
            Files.createDirectories(dir);
            Bundle b = new Bundle(dir, (ObjectNode) JSON.readTree(configFile.toFile()));
            b.makeRootfs();
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized String defaultSpec(Jrunc jrunc) throws IOException {
        if (defaultSpec == null) {
            Path d = Files.createTempDirectory("jrunc-spec");
            try {
                jrunc.run("spec", "--bundle", d.toString()).assertOk();
                defaultSpec = Files.readString(d.resolve("config.json"));
            } finally {
                Files.deleteIfExists(d.resolve("config.json"));
                Files.deleteIfExists(d);
            }
        }
        return defaultSpec;
    }

    private static synchronized List<String> applets() {
        if (applets == null) {
            try {
                Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) throw new IllegalStateException("busybox --list failed: " + out);
                applets = out.lines().filter(s -> !s.isBlank()).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return applets;
    }

    private void makeRootfs() throws IOException {
        for (String d : List.of("bin", "proc", "sys", "dev", "etc", "tmp", "root")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(BUSYBOX, rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String app : applets()) {
            Path link = rootfs.resolve("bin").resolve(app);
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("busybox"));
            }
        }
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n");
        Files.setPosixFilePermissions(rootfs.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
        setSticky(rootfs.resolve("tmp"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void setSticky(Path p) throws IOException {
        Files.setAttribute(p, "unix:mode", 01777);
    }

    // ---- config editing ----

    ObjectNode process() {
        return obj(config, "process");
    }

    ObjectNode linux() {
        return obj(config, "linux");
    }

    ObjectNode root() {
        return obj(config, "root");
    }

    ArrayNode mounts() {
        return arr(config, "mounts");
    }

    ArrayNode namespaces() {
        return arr(linux(), "namespaces");
    }

    static ObjectNode obj(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) return o;
        return parent.putObject(field);
    }

    static ArrayNode arr(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ArrayNode a) return a;
        return parent.putArray(field);
    }

    Bundle args(String... args) {
        ArrayNode a = process().putArray("args");
        for (String s : args) a.add(s);
        return this;
    }

    /** process.args = sh -c script */
    Bundle sh(String script) {
        return args("sh", "-c", script);
    }

    Bundle env(String... entries) {
        ArrayNode env = arr(process(), "env");
        for (String e : entries) env.add(e);
        return this;
    }

    Bundle hostname(String name) {
        config.put("hostname", name);
        return this;
    }

    Bundle readonlyRoot(boolean ro) {
        root().put("readonly", ro);
        return this;
    }

    /** Adds a namespace of {@code type} (replacing one of the same type); path may be null. */
    Bundle namespace(String type, String path) {
        removeNamespace(type);
        ObjectNode ns = namespaces().addObject().put("type", type);
        if (path != null) ns.put("path", path);
        return this;
    }

    Bundle removeNamespace(String type) {
        for (Iterator<JsonNode> it = namespaces().iterator(); it.hasNext(); ) {
            if (type.equals(it.next().path("type").asText())) it.remove();
        }
        return this;
    }

    /** Appends a mount; options may be empty. */
    Bundle mount(String destination, String type, String source, String... options) {
        ObjectNode m = mounts().addObject().put("destination", destination);
        if (type != null) m.put("type", type);
        if (source != null) m.put("source", source);
        ArrayNode o = m.putArray("options");
        for (String s : options) o.add(s);
        return this;
    }

    /** Removes every mount whose destination is {@code destination}. */
    Bundle removeMount(String destination) {
        for (Iterator<JsonNode> it = mounts().iterator(); it.hasNext(); ) {
            if (destination.equals(it.next().path("destination").asText())) it.remove();
        }
        return this;
    }

    Bundle idMappings(long containerId, long hostId, long size) {
        for (String f : List.of("uidMappings", "gidMappings")) {
            linux().putArray(f).addObject().put("containerID", containerId).put("hostID", hostId).put("size", size);
        }
        return this;
    }

    /** Writes config.json. */
    Bundle save() {
        try {
            Files.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes config.json as this exact text (for broken documents). */
    Bundle saveRaw(String text) {
        try {
            Files.writeString(dir.resolve("config.json"), text);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** chown -R of the rootfs (for user namespace tests). */
    void chownRootfs(long uid, long gid) {
        List<String> cmd = new ArrayList<>(List.of("chown", "-hR", uid + ":" + gid, rootfs.toString()));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (p.waitFor() != 0) throw new IllegalStateException("chown failed: " + cmd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
