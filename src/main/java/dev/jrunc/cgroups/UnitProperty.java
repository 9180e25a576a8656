package dev.jrunc.cgroups;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One property of a systemd unit as StartTransientUnit and SetUnitProperties take it: its name,
 * its D-Bus signature and a plain Java value of that shape. Unsigned 64-bit values ("t") are
 * held in a long and read as unsigned, so {@link #INFINITY} (-1) is systemd's "infinity".
 *
 * <p>Shapes: "s" String, "b" Boolean, "t" Long, "au" and "as" a List, "ay" byte[], "a(ss)" a
 * List of two-String lists, "a(st)" a List of {@link PathValue}.
 */
public record UnitProperty(String name, String signature, Object value) {
    /** UINT64_MAX: what systemd reads as "infinity" in limits and USec values. */
    public static final long INFINITY = -1L;

    /** One entry of an "a(st)" list: a device path and a number. */
    public record PathValue(String path, long value) {}

    public static UnitProperty string(String name, String value) {
        return new UnitProperty(name, "s", value);
    }

    public static UnitProperty bool(String name, boolean value) {
        return new UnitProperty(name, "b", value);
    }

    public static UnitProperty uint64(String name, long value) {
        return new UnitProperty(name, "t", value);
    }

    public static UnitProperty strings(String name, List<String> value) {
        return new UnitProperty(name, "as", List.copyOf(value));
    }

    public static UnitProperty pids(String name, List<Long> value) {
        return new UnitProperty(name, "au", List.copyOf(value));
    }

    public static UnitProperty bytes(String name, byte[] value) {
        return new UnitProperty(name, "ay", value.clone());
    }

    public static UnitProperty stringPairs(String name, List<List<String>> value) {
        return new UnitProperty(name, "a(ss)", List.copyOf(value));
    }

    public static UnitProperty pathValues(String name, List<PathValue> value) {
        return new UnitProperty(name, "a(st)", List.copyOf(value));
    }

    /** "Name=value" as `systemctl show` would spell most of them; for logs and tests. */
    public String text() {
        return name + "=" + valueText();
    }

    private String valueText() {
        return switch (signature) {
            case "t" -> number((long) value);
            case "ay" -> HexFormat.of().formatHex((byte[]) value);
            case "a(ss)" -> ((List<?>) value).stream()
                    .map(e -> ((List<?>) e).stream().map(String::valueOf).collect(Collectors.joining(" ")))
                    .collect(Collectors.joining(", ", "[", "]"));
            case "a(st)" -> ((List<?>) value).stream().map(e -> ((PathValue) e).path() + " " + number(((PathValue) e).value()))
                    .collect(Collectors.joining(", ", "[", "]"));
            case "as", "au" -> ((List<?>) value).stream().map(String::valueOf).collect(Collectors.joining(" "));
            default -> String.valueOf(value);
        };
    }

    private static String number(long v) {
        return v == INFINITY ? "infinity" : Long.toUnsignedString(v);
    }

    @Override
    public String toString() {
        return text();
    }
}
