package dev.jrunc.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * No string jrunc passes to the kernel may hold a NUL byte: the kernel takes C strings, so
 * "a\u0000b" would silently become "a" (an argument, an environment entry) or fail deep inside a
 * syscall (a path). Every string of a document's known properties is checked, and its JSON path
 * named; annotations are exempt (they are only ever passed on as JSON), and so are properties
 * jrunc does not know (the spec says to ignore them).
 */
public final class SpecStrings {
    private SpecStrings() {}

    /**
     * Checks {@code known}: the document as bound to its records and written back, so that it
     * holds only the properties jrunc reads.
     *
     * @param at the JSON path of {@code known} in its document, "$" for the whole document
     */
    public static void refuseNul(JsonNode known, String doc, String at) {
        walk(known, doc, at);
    }

    /** ".name", or ["name"] for a map key that is not a plain name (sysctl keys have dots). */
    static String member(String name) {
        return PLAIN.matcher(name).matches() ? "." + name : "[\"" + name + "\"]";
    }

    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static void walk(JsonNode node, String doc, String at) {
        if (node.isTextual()) {
            if (node.textValue().indexOf('\0') >= 0) {
                throw new ConfigException(doc, at, "contains a NUL byte (\\u0000), which no kernel interface takes");
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), doc, at + "[" + i + "]");
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (at.equals("$") && name.equals("annotations")) continue;
                if (name.indexOf('\0') >= 0) {
                    throw new ConfigException(doc, at, "the key " + SemanticChecks.quote(name.replace("\0", "\\u0000"))
                            + " contains a NUL byte (\\u0000), which no kernel interface takes");
                }
                walk(e.getValue(), doc, at + member(name));
            }
        }
    }
}
