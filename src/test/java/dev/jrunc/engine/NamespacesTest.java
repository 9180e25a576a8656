package dev.jrunc.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.namespaces.NamespaceKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engine serves a front only when their namespaces match, compared as text: the front
 * (native-helpers/front.c) and the engine must list the same namespaces in the same order.
 */
class NamespacesTest {
    private static final Path FRONT = Path.of("native-helpers/front.c");

    /** The names in front.c's {@code const char *kinds[] = {...};} and the count its loop runs to. */
    private static List<String> frontKinds() throws IOException {
        String c = Files.readString(FRONT);
        Matcher array = Pattern.compile("const char \\*kinds\\[\\]\\s*=\\s*\\{([^}]*)\\};").matcher(c);
        assertTrue(array.find(), "front.c has no kinds[] array");
        List<String> kinds = new ArrayList<>();
        Matcher name = Pattern.compile("\"([a-z_]+)\"").matcher(array.group(1));
        while (name.find()) kinds.add(name.group(1));
        Matcher loop = Pattern.compile("for \\(int i = 0; i < (\\d+); i\\+\\+\\)").matcher(c.substring(array.end()));
        assertTrue(loop.find(), "front.c has no loop over kinds[]");
        assertEquals(kinds.size(), Integer.parseInt(loop.group(1)), "front.c's loop does not cover kinds[]");
        return kinds;
    }

    @Test
    void theEngineListsTheFrontsNamespacesInTheFrontsOrder() throws IOException {
        List<String> front = frontKinds();
        assertEquals(List.of("mnt", "pid", "net", "user", "cgroup"), front, "front.c is really read");
        assertEquals(front, Namespaces.KINDS.stream().map(NamespaceKind::procName).toList(),
                "native-helpers/front.c and dev.jrunc.engine.Namespaces disagree");
    }

    @Test
    void ownHasOneLinkALineInThatOrder() throws IOException {
        String[] lines = Namespaces.own().split("\n", -1);
        assertEquals(Namespaces.KINDS.size() + 1, lines.length, Namespaces.own());
        assertEquals("", lines[lines.length - 1], "each line ends with a newline, as the front's");
        for (int i = 0; i < Namespaces.KINDS.size(); i++) {
            NamespaceKind kind = Namespaces.KINDS.get(i);
            // what the front's readlink(2) of /proc/self/ns/KIND gives: "net:[4026531840]"
            assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns", kind.procName())).toString(), lines[i]);
            assertTrue(lines[i].startsWith(kind.procName() + ":["), lines[i]);
        }
    }
}
