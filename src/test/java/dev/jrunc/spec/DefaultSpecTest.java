package dev.jrunc.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultSpecTest {
    @TempDir Path bundle;

    @Test
    void sameDocumentAsRuncSpecIncludingOrder() throws IOException {
        JsonNode ours = SpecJson.mapper().readTree(DefaultSpec.json(false));
        JsonNode runc = SpecJson.mapper().readTree(Files.readAllBytes(Shared.engineConfig("runc-spec.json")));
        ((ObjectNode) runc).put("ociVersion", DefaultSpec.OCI_VERSION);
        assertEquals(runc, ours);
        assertEquals(order(runc), order(ours));
    }

    @Test
    void validatesAndLoads() throws IOException {
        for (boolean rootless : new boolean[] {false, true}) {
            String json = DefaultSpec.json(rootless);
            assertEquals(List.of(), SpecSchemas.violations(SpecSchemas.Kind.CONFIG,
                    ConfigLoader.parse(json.getBytes(), "config.json")));
            Files.writeString(bundle.resolve("config.json"), json);
            Files.createDirectories(bundle.resolve("rootfs"));
            List<String> warnings = new ArrayList<>();
            Spec spec = ConfigLoader.load(bundle, warnings::add);
            assertEquals(List.of(), warnings);
            assertEquals(rootless ? DefaultSpec.rootless() : DefaultSpec.example(), spec);
        }
    }

    @Test
    void writtenLikeRunc() {
        String json = DefaultSpec.json(false);
        assertTrue(json.startsWith("{\n\t\"ociVersion\": \"" + DefaultSpec.OCI_VERSION + "\",\n\t\"process\": {\n\t\t\"terminal\": true,"),
                json);
    }

    @Test
    void rootlessConversion() {
        Spec s = DefaultSpec.toRootless(DefaultSpec.example(), 1000, 1001);
        assertFalse(s.linux().hasNamespace("network"));
        assertTrue(s.linux().hasNamespace("user"));
        assertEquals("user", s.linux().namespaces().getLast().type());
        assertEquals(List.of(new LinuxSpec.IdMapping(0, 1000, 1)), s.linux().uidMappings());
        assertEquals(List.of(new LinuxSpec.IdMapping(0, 1001, 1)), s.linux().gidMappings());
        assertNull(s.linux().resources());
        Spec.Mount sys = s.mounts().stream().filter(m -> m.destination().equals("/sys")).findFirst().orElseThrow();
        assertEquals(new Spec.Mount("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro"), null, null), sys);
        Spec.Mount pts = s.mounts().stream().filter(m -> m.destination().equals("/dev/pts")).findFirst().orElseThrow();
        assertFalse(pts.options().stream().anyMatch(o -> o.startsWith("gid=") || o.startsWith("uid=")));
        assertEquals(DefaultSpec.example().mounts().size(), s.mounts().size());
    }

    private static List<String> order(JsonNode n) {
        List<String> out = new ArrayList<>();
        walk(n, "$", out);
        return out;
    }

    private static void walk(JsonNode n, String at, List<String> out) {
        if (n.isObject()) {
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                out.add(at + "." + f);
                walk(n.get(f), at + "." + f, out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) walk(n.get(i), at + "[" + i + "]", out);
        }
    }
}
