package dev.jrunc.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The project's JSON Schemas (oci-spec/*.json, packaged on the classpath) and validation against
 * them. Each schema is built on first use and kept; nothing is loaded by merely touching this class.
 */
public final class SpecSchemas {
    /** The documents jrunc validates, by schema location. */
    public enum Kind {
        CONFIG("config-schema.json"),
        PROCESS("config-schema.json#/definitions/process"),
        RESOURCES("config-linux.json#/definitions/resources"),
        STATE("state-schema.json"),
        FEATURES("features-schema.json");

        final String location;

        Kind(String location) {
            this.location = location;
        }
    }

    static final String BASE = "https://jrunc.dev/oci-spec/";
    /** At most this many violations are named in one error message. */
    static final int MAX_REPORTED = 3;

    private static final ConcurrentMap<Kind, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private SpecSchemas() {}

    private static final class Factory {
        static {
            // The validator logs through SLF4J; with no provider bound SLF4J prints a three-line
            // notice on stderr, which would reach every engine that runs jrunc. Keep it quiet
            // unless the user asked for SLF4J's own diagnostics.
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "ERROR");
            }
        }

        static final JsonSchemaFactory INSTANCE = JsonSchemaFactory.getInstance(
                SpecVersion.VersionFlag.V7,
                b -> b.jsonMapper(SpecJson.mapper())
                        .schemaMappers(m -> m.mapPrefix(BASE, "classpath:oci-spec/")));
    }

    static JsonSchema schema(Kind kind) {
        return SCHEMAS.computeIfAbsent(kind, k -> {
            JsonSchema s = Factory.INSTANCE.getSchema(SchemaLocation.of(BASE + k.location));
            s.initializeValidators();
            return s;
        });
    }

    /** The violations of {@code doc} against the schema, in the order it checks them; empty if valid. */
    public static List<ValidationMessage> violations(Kind kind, JsonNode doc) {
        Set<ValidationMessage> found = schema(kind).validate(doc);
        return new ArrayList<>(found);
    }

    /** Throws a ConfigException naming the first few violations, if there are any. */
    public static void validate(Kind kind, JsonNode doc, String document) {
        List<ValidationMessage> list = violations(kind, doc);
        if (list.isEmpty()) {
            return;
        }
        ValidationMessage first = list.getFirst();
        StringBuilder rule = new StringBuilder(rule(first));
        for (int i = 1; i < Math.min(list.size(), MAX_REPORTED); i++) {
            ValidationMessage m = list.get(i);
            rule.append("; also ").append(m.getInstanceLocation()).append(": ").append(rule(m));
        }
        if (list.size() > MAX_REPORTED) {
            rule.append("; and ").append(list.size() - MAX_REPORTED).append(" more");
        }
        throw new ConfigException(document, first.getInstanceLocation().toString(), rule.toString());
    }

    /** A violation's message without the location prefix the library puts in front. */
    static String rule(ValidationMessage m) {
        String msg = m.getMessage();
        String prefix = m.getInstanceLocation() + ": ";
        return msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
    }
}
