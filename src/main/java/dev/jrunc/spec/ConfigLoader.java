package dev.jrunc.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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

    /** Loads and fully checks bundle/config.json; warnings go to jrunc's log. */
    public static Spec load(Path bundleDir) {
        return load(bundleDir, dev.jrunc.Log::warn);
    }

    /** Loads and fully checks bundle/config.json, handing each warning to {@code warnings}. */
    public static Spec load(Path bundleDir, Consumer<String> warnings) {
        Spec spec = read(bundleDir.resolve(CONFIG_FILE));
        List<String> found = SemanticChecks.check(spec, bundleDir);
        found.forEach(warnings);
        return spec;
    }

    /**
     * Parses, schema-validates and binds a config file without the semantic checks (which look at
     * the host: rootfs and namespace paths).
     */
    public static Spec read(Path configFile) {
        String doc = documentName(configFile);
        JsonNode tree = parse(readBytes(configFile, doc), doc);
        SpecSchemas.validate(SpecSchemas.Kind.CONFIG, tree, doc);
        return SpecJson.bind(tree, Spec.class, doc);
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
        SemanticChecks.checkProcess(process, "$", doc);
        return process;
    }

    /** A linux.resources document, as {@code update --resources} reads it. */
    public static Resources parseResources(byte[] json, String doc) {
        JsonNode tree = parse(json, doc);
        SpecSchemas.validate(SpecSchemas.Kind.RESOURCES, tree, doc);
        return SpecJson.bind(tree, Resources.class, doc);
    }

    /**
     * The absolute rootfs path: root.path resolved against the bundle directory when relative,
     * with symlinks resolved when it exists.
     */
    public static Path resolveRootfs(Path bundleDir, Spec spec) {
        if (spec.root() == null || spec.root().path() == null) {
            throw new ConfigException(CONFIG_FILE, "$.root.path", "is required");
        }
        Path p = bundleDir.toAbsolutePath().resolve(spec.root().path()).normalize();
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
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
