package dev.jrunc.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The native helper (C) and the runtime (Java) must give every message on the sync socket the
 * same word, direction and descriptor, and the helper must take its words from the header alone.
 */
class HelperProtocolTest {
    private static final Path HEADER = Path.of("native-helpers/helper-protocol.h");
    private static final Path HELPER = Path.of("native-helpers/nsexec.c");

    /** A message as the header gives it: "TO_RUNTIME USERNS", with " +fd" when a descriptor goes with it. */
    private static Map<String, String> headerMessages() throws IOException {
        Map<String, String> out = new TreeMap<>();
        String direction = null;
        Pattern section = Pattern.compile("^/\\* (helper -> runtime|runtime -> helper) \\*/$");
        Pattern define = Pattern.compile("^#define SYNC_([A-Z_]+) \"([A-Z_]+)\"\\s*/\\*(.*)\\*/$");
        for (String line : Files.readAllLines(HEADER)) {
            Matcher s = section.matcher(line);
            if (s.matches()) {
                direction = s.group(1).startsWith("helper") ? "TO_RUNTIME" : "FROM_RUNTIME";
                continue;
            }
            Matcher d = define.matcher(line);
            if (!d.matches()) continue;
            assertEquals(d.group(1), d.group(2), "the macro is named after its word: " + line);
            out.put(d.group(2), direction + (d.group(3).trim().startsWith("+fd") ? " +fd" : ""));
        }
        return out;
    }

    private static Map<String, String> javaMessages() {
        Map<String, String> out = new TreeMap<>();
        for (SyncMessage m : SyncMessage.values()) {
            if (m.helper()) out.put(m.word(), m.direction() + (m.carriesFd() ? " +fd" : ""));
        }
        return out;
    }

    @Test
    void everyMessageOfTheHelperHasTheSameWordDirectionAndDescriptorInTheHeaderAndTheEnum() throws IOException {
        assertEquals(javaMessages(), headerMessages(),
                "native-helpers/helper-protocol.h and dev.jrunc.init.SyncMessage (those with helper()) disagree");
    }

    @Test
    void theHeaderIsReallyRead() throws IOException {
        // A parser that found nothing would make the comparison above pass against an empty set.
        Map<String, String> header = headerMessages();
        assertEquals("TO_RUNTIME", header.get("PID"));
        assertEquals("TO_RUNTIME +fd", header.get("CONSOLE"));
        assertEquals("FROM_RUNTIME", header.get("GO"));
        assertEquals("FROM_RUNTIME +fd", header.get("EXEC"));
        assertEquals(15, header.size(), header.toString());
        // every #define of the header is a message the parser took
        long defines = Files.readAllLines(HEADER).stream().filter(l -> l.startsWith("#define SYNC_")).count();
        assertEquals(defines, header.size());
        assertNull(header.get("PLAN"), "the init JVM's messages are not the helper's");
    }

    @Test
    void wordsAreUniqueAndDecodeBack() {
        for (SyncMessage m : SyncMessage.values()) assertEquals(m, SyncMessage.of(m.word()));
        assertNull(SyncMessage.of("START"));
        assertNull(SyncMessage.of(""));
        assertNull(SyncMessage.of("ready"));
    }

    @Test
    void theHelperIncludesTheHeaderAndUsesEveryMessageOfIt() throws IOException {
        String source = withoutComments(Files.readString(HELPER));
        assertTrue(source.contains("#include \"helper-protocol.h\""), "nsexec.c includes helper-protocol.h");
        for (String word : headerMessages().keySet()) {
            assertTrue(Pattern.compile("\\bSYNC_" + word + "\\b").matcher(source).find(), "nsexec.c uses SYNC_" + word);
        }
    }

    @Test
    void theHelperSpellsNoMessageWordInAStringOfItsOwn() throws IOException {
        String source = Files.readString(HELPER);
        assertTrue(LITERAL.matcher(withoutComments(source)).results().count() > 100, "the strings of nsexec.c are read");
        assertEquals(List.of(), bareWords(source, headerMessages().keySet()),
                "nsexec.c takes its message words from helper-protocol.h");
    }

    @Test
    void theScanFindsABareWordInAStringButNotInACommentOrAMacro() {
        String sample = """
                send_msg("READY", 5); /* "PID" in a comment */
                fail("ROOT without a directory"); // "EXEC" here too
                fail(SYNC_ROOT " without a directory"); fail("ROOTS, GOT, ERRORS"); x = '"';
                fail("escaped \\" ERROR");
                """;
        assertEquals(List.of("READY in \"READY\"", "ROOT in \"ROOT without a directory\"",
                "ERROR in \"escaped \\\" ERROR\""), bareWords(sample, List.of("READY", "ROOT", "PID", "EXEC", "GO", "ERROR")));
    }

    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

    /** Every string of a C source (outside comments) that has one of the words as a word of its own. */
    private static List<String> bareWords(String source, java.util.Collection<String> words) {
        List<String> bare = new ArrayList<>();
        Matcher literal = LITERAL.matcher(withoutComments(source));
        while (literal.find()) {
            for (String word : words) {
                if (Pattern.compile("(?<![A-Za-z0-9_])" + word + "(?![A-Za-z0-9_])").matcher(literal.group(1)).find()) {
                    bare.add(word + " in \"" + literal.group(1) + "\"");
                }
            }
        }
        return bare;
    }

    /** The source with its comments blanked (a comment may name a message: it sends nothing) and char literals. */
    private static String withoutComments(String c) {
        StringBuilder out = new StringBuilder(c.length());
        int i = 0;
        while (i < c.length()) {
            char ch = c.charAt(i);
            if (ch == '"') {
                int end = i + 1;
                while (end < c.length() && c.charAt(end) != '"' && c.charAt(end) != '\n') end += c.charAt(end) == '\\' ? 2 : 1;
                out.append(c, i, Math.min(end + 1, c.length()));
                i = end + 1;
            } else if (ch == '\'') {
                int end = i + 1;
                while (end < c.length() && c.charAt(end) != '\'' && c.charAt(end) != '\n') end += c.charAt(end) == '\\' ? 2 : 1;
                out.append(' ');
                i = end + 1;
            } else if (c.startsWith("/*", i)) {
                int end = c.indexOf("*/", i + 2);
                i = end < 0 ? c.length() : end + 2;
                out.append(' ');
            } else if (c.startsWith("//", i)) {
                int end = c.indexOf('\n', i);
                i = end < 0 ? c.length() : end;
            } else {
                out.append(ch);
                i++;
            }
        }
        return out.toString();
    }
}
