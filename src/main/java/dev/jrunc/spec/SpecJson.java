package dev.jrunc.spec;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;

/**
 * The one Jackson setup for runtime-spec documents: unknown properties ignored (the spec requires
 * tolerating them), nulls not written, properties written in the runtime-spec's (Go struct) order,
 * and {@code long}/{@code Long} accepting the whole uint64 range — values above Long.MAX_VALUE keep
 * their 64 bits, so 18446744073709551615 reads as -1L. uint64 fields that are written back
 * (rlimit soft/hard, seccomp arg values) are written unsigned again.
 */
public final class SpecJson {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private SpecJson() {}

    private static final class Holder {
        static final ObjectMapper MAPPER = create();
    }

    /** The shared mapper. Thread-safe; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    private static ObjectMapper create() {
        ObjectMapper m = new ObjectMapper();
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        m.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
        m.setSerializationInclusion(JsonInclude.Include.NON_NULL);
        // The records' convenience methods (isTerminal(), isReadonly(), ...) are not properties:
        // only record components are.
        m.setVisibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE);
        SimpleModule module = new SimpleModule("jrunc-spec");
        module.addDeserializer(Long.class, new Uint64Deserializer(false));
        module.addDeserializer(long.class, new Uint64Deserializer(true));
        m.registerModule(module);
        m.addMixIn(Spec.class, SpecOrder.class);
        m.addMixIn(LinuxSpec.class, LinuxOrder.class);
        m.addMixIn(ProcessSpec.Rlimit.class, RlimitOrder.class);
        m.addMixIn(Seccomp.Arg.class, SeccompArgUnsigned.class);
        return m;
    }

    /** Reads a JSON value into a long: any integer in [Long.MIN_VALUE, 2^64) is accepted. */
    static final class Uint64Deserializer extends JsonDeserializer<Long> {
        private final boolean primitive;

        Uint64Deserializer(boolean primitive) {
            this.primitive = primitive;
        }

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT) {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    BigInteger v = p.getBigIntegerValue();
                    if (v.signum() < 0 || v.compareTo(TWO_64) >= 0) {
                        return (Long) ctxt.handleWeirdNumberValue(
                                Long.class, v, "out of range of int64 and uint64");
                    }
                    return v.longValue();
                }
                return p.getLongValue();
            }
            return (Long) ctxt.handleUnexpectedToken(Long.class, p);
        }

        @Override
        public Long getNullValue(DeserializationContext ctxt) {
            return primitive ? 0L : null;
        }
    }

    /** Writes a long as the uint64 carried in its bits. */
    static final class Uint64Serializer extends JsonSerializer<Long> {
        @Override
        public void serialize(Long value, JsonGenerator gen, SerializerProvider serializers)
                throws IOException {
            if (value >= 0) {
                gen.writeNumber(value);
            } else {
                gen.writeNumber(new BigInteger(Long.toUnsignedString(value)));
            }
        }
    }

    @JsonPropertyOrder({
        "ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks",
        "annotations", "linux"
    })
    abstract static class SpecOrder {}

    @JsonPropertyOrder({
        "uidMappings", "gidMappings", "sysctl", "resources", "cgroupsPath", "namespaces",
        "devices", "netDevices", "seccomp", "rootfsPropagation", "maskedPaths", "readonlyPaths",
        "mountLabel", "intelRdt", "memoryPolicy", "personality", "timeOffsets"
    })
    abstract static class LinuxOrder {}

    @JsonPropertyOrder({"type", "hard", "soft"})
    abstract static class RlimitOrder {
        @JsonSerialize(using = Uint64Serializer.class)
        abstract long soft();

        @JsonSerialize(using = Uint64Serializer.class)
        abstract long hard();
    }

    abstract static class SeccompArgUnsigned {
        @JsonSerialize(using = Uint64Serializer.class)
        abstract long value();

        @JsonSerialize(using = Uint64Serializer.class)
        abstract long valueTwo();
    }

    /** Binds a parsed tree to a record; a type mismatch becomes a ConfigException with its path. */
    public static <T> T bind(JsonNode tree, Class<T> type, String document) {
        try {
            return mapper().treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw new ConfigException(document, jsonPath(e), bindingRule(e), e);
        } catch (IOException e) {
            throw new ConfigException(document, "$", String.valueOf(e.getMessage()), e);
        }
    }

    /** Reads a document into a record (no schema validation). */
    public static <T> T read(byte[] json, Class<T> type, String document) {
        return bind(ConfigLoader.parse(json, document), type, document);
    }

    public static Spec readSpec(byte[] json, String document) {
        return read(json, Spec.class, document);
    }

    /** A record as runtime-spec JSON, indented with tabs as runc writes it. */
    public static String toJson(Object value) {
        return toJson(value, "\t");
    }

    /** A record as JSON indented like Go's json.MarshalIndent(v, "", indent). */
    public static String toJson(Object value, String indent) {
        try {
            return prettyWriter(indent).writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record as compact runtime-spec JSON bytes (e.g. for state files). */
    public static byte[] toBytes(Object value) {
        try {
            return mapper().writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectWriter prettyWriter(String indent) {
        DefaultPrettyPrinter pp = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter(indent, "\n"))
                .withArrayIndenter(new DefaultIndenter(indent, "\n"))
                .withoutSpacesInObjectEntries();
        pp = new TightColonPrinter(pp);
        return mapper().writer(pp);
    }

    /** Go's MarshalIndent writes "key": value — a space after the colon, none before. */
    private static final class TightColonPrinter extends DefaultPrettyPrinter {
        private static final long serialVersionUID = 1L;

        TightColonPrinter(DefaultPrettyPrinter base) {
            super(base);
        }

        @Override
        public DefaultPrettyPrinter createInstance() {
            return new TightColonPrinter(this);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
            if (nrOfEntries == 0) {
                g.writeRaw('}');
                return;
            }
            super.writeEndObject(g, nrOfEntries);
        }

        @Override
        public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
            if (nrOfValues == 0) {
                g.writeRaw(']');
                return;
            }
            super.writeEndArray(g, nrOfValues);
        }
    }

    static String jsonPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder("$");
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append('.').append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String bindingRule(JsonMappingException e) {
        String msg = e.getOriginalMessage();
        int cut = msg.indexOf(" (for ");
        if (cut < 0) cut = msg.indexOf('\n');
        return "wrong type: " + (cut > 0 ? msg.substring(0, cut) : msg);
    }
}
