package dev.jrunc.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads config.json from a bundle and refuses it with one clear error if it is not fit to create a
 * container: broken JSON (line and column), schema violations (oci-spec/config-schema.json, JSON
 * path), type mismatches while binding (JSON path), then the {@link SemanticChecks}.
 */
public final class ConfigLoader {
    public static final String CONFIG_FILE = "config.json";


    private ConfigLoader() {}

    /** A checked config and the one resolution of its $.root.path. */
    public record Loaded(Spec spec, Path rootfs) {}

    /** Loads and fully checks bundle/config.json; warnings go to jrunc's log. */
    public static Spec load(Path bundleDir) {
        return load(bundleDir, dev.jrunc.Log::warn);
    }

    /** Loads and fully checks bundle/config.json, handing each warning to {@code warnings}. */
    public static Spec load(Path bundleDir, Consumer<String> warnings) {
        return loadBundle(bundleDir, warnings).spec();
    }

    /**
     * Loads and fully checks bundle/config.json, and resolves $.root.path once: everything
     * after works inside the returned real path and never resolves root.path again.
     */
    public static Loaded loadBundle(Path bundleDir, Consumer<String> warnings) {
        Spec spec = read(bundleDir.resolve(CONFIG_FILE));
        Path rootfs = resolveRootfs(bundleDir, spec);
        List<String> found = SemanticChecks.check(spec);
        found.forEach(warnings);
        return new Loaded(spec, rootfs);
    }

    /**
     * Parses, schema-validates and binds a config file without the semantic checks (which look at
     * the host: rootfs and namespace paths). No string jrunc reads may hold a NUL byte.
     */
    public static Spec read(Path configFile) {
        String doc = documentName(configFile);
        JsonNode tree = parse(readBytes(configFile, doc), doc);
        SpecSchemas.validate(SpecSchemas.Kind.CONFIG, tree, doc);
        // linux is optional (config.md); on Linux an absent one asks for what an empty one does
        if (tree instanceof ObjectNode o && !o.has("linux")) o.putObject("linux");
        Spec spec = SpecJson.bind(tree, Spec.class, doc);
        SpecStrings.refuseNul(SpecJson.mapper().valueToTree(spec), doc, "$");
        return spec;
    }

    /** The process document of {@code exec --process FILE}: parsed, validated, bound, checked. */
    public static ProcessSpec loadProcess(Path file) {
        String doc = documentName(file);
        return parseProcess(readBytes(file, doc), doc);
    }

    /** A process document given as bytes (e.g. read from stdin). */
    public static ProcessSpec parseProcess(byte[] json, String doc) {
        JsonNode tree = parse(json, doc);
        SpecSchemas.validate(SpecSchemas.Kind.PROCESS, tree, doc);
        ProcessSpec process = SpecJson.bind(tree, ProcessSpec.class, doc);
        SpecStrings.refuseNul(SpecJson.mapper().valueToTree(process), doc, "$");
        SemanticChecks.checkProcess(process, "$", doc);
        return process;
    }

    /** A linux.resources document, as {@code update --resources} reads it. */
    public static Resources parseResources(byte[] json, String doc) {
        JsonNode tree = parse(json, doc);
        SpecSchemas.validate(SpecSchemas.Kind.RESOURCES, tree, doc);
        Resources r = SpecJson.bind(tree, Resources.class, doc);
        SpecStrings.refuseNul(SpecJson.mapper().valueToTree(r), doc, "$");
        SemanticChecks.checkResources(r, "$", doc);
        return r;
    }

    /**
     * The rootfs: root.path, relative to the bundle directory when not absolute, resolved to a
     * real path as the kernel resolves it (a symlink is followed, and ".." after it is taken in
     * its target). It must be a directory. Called once per create: the result is what the
     * container is built in and what its state records.
     */
    public static Path resolveRootfs(Path bundleDir, Spec spec) {
        if (spec.root() == null) {
            throw new ConfigException(CONFIG_FILE, "$.root", "is required");
        }
        String p = spec.root().path();
        if (p == null || p.isEmpty()) {
            throw new ConfigException(CONFIG_FILE, "$.root.path", "is required");
        }
        SemanticChecks.checkPathLength(p, "$.root.path", CONFIG_FILE);
        Path joined = bundleDir.toAbsolutePath().resolve(p);
        Path real;
        try {
            real = joined.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ConfigException(CONFIG_FILE, "$.root.path", "rootfs " + joined + " does not exist");
        } catch (IOException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    ? f.getReason() : e.getMessage();
            throw new ConfigException(CONFIG_FILE, "$.root.path", "rootfs " + joined + ": " + why);
        }
        if (!Files.isDirectory(real, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ConfigException(CONFIG_FILE, "$.root.path", "rootfs " + real + " is not a directory");
        }
        return real;
    }

    /** Parses JSON text into a tree; broken JSON is reported with its line and column. */
    public static JsonNode parse(byte[] json, String doc) {
        JsonNode tree;
        try {
            tree = SpecJson.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null
                    ? ""
                    : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            String what = e.getOriginalMessage();
            for (String cut : new String[] {"\n", " (for "}) {
                int at = what.indexOf(cut);
                if (at > 0) what = what.substring(0, at);
            }
            throw new ConfigException(doc, "$", "invalid JSON" + where + ": " + what, e);
        } catch (IOException e) {
            throw new ConfigException(doc, "$", "cannot read: " + e.getMessage(), e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new ConfigException(doc, "$", "invalid JSON: the document is empty");
        }
        return tree;
    }

    private static byte[] readBytes(Path file, String doc) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(doc, "$", "cannot read " + file + ": no such file", e);
        } catch (IOException e) {
            throw new ConfigException(doc, "$", "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String documentName(Path file) {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }
}
