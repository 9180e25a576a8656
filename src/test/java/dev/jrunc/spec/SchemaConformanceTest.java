package dev.jrunc.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Cross-checks the project's schemas (oci-spec/) against the runtime-spec's own good and bad test
 * documents: every good one validates, every bad one is refused.
 *
 * <p>Exception: a bad document that is not JSON at all (invalid-json.json) is refused by the
 * parser, before any schema sees it — asserted as such.
 */
class SchemaConformanceTest {
    private static final Map<String, SpecSchemas.Kind> KINDS = Map.of(
            "config", SpecSchemas.Kind.CONFIG,
            "state", SpecSchemas.Kind.STATE,
            "features", SpecSchemas.Kind.FEATURES);

    @TestFactory
    Stream<DynamicTest> upstreamTestDocuments() throws IOException {
        Path tests = Shared.upstream().resolve("test");
        List<Path> docs;
        try (Stream<Path> s = Files.walk(tests)) {
            docs = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(docs.isEmpty());
        return docs.stream().map(doc -> DynamicTest.dynamicTest(tests.relativize(doc).toString(), () -> {
            Path rel = tests.relativize(doc);
            SpecSchemas.Kind kind = KINDS.get(rel.getName(0).toString());
            boolean good = rel.getName(1).toString().equals("good");
            byte[] bytes = Files.readAllBytes(doc);
            if (good) {
                JsonNode tree = ConfigLoader.parse(bytes, rel.toString());
                List<ValidationMessage> v = SpecSchemas.violations(kind, tree);
                assertTrue(v.isEmpty(), rel + " should validate: " + v);
            } else if (rel.getFileName().toString().equals("invalid-json.json")) {
                ConfigException e = assertThrows(
                        ConfigException.class, () -> ConfigLoader.parse(bytes, rel.toString()));
                assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
            } else {
                JsonNode tree = ConfigLoader.parse(bytes, rel.toString());
                List<ValidationMessage> v = SpecSchemas.violations(kind, tree);
                assertFalse(v.isEmpty(), rel + " should be refused");
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> engineConfigsValidate() {
        return Stream.of("runc-spec.json", "containerd-ctr-run.json",
                        "containerd-ctr-run-seccomp.json", "podman-run.json")
                .map(name -> DynamicTest.dynamicTest(name, () -> {
                    JsonNode tree = ConfigLoader.parse(
                            Files.readAllBytes(Shared.engineConfig(name)), name);
                    assertEquals(List.of(), SpecSchemas.violations(SpecSchemas.Kind.CONFIG, tree));
                }));
    }

    @Test
    void unknownPropertiesAreAllowedEverywhere() {
        String doc = """
                {"ociVersion":"1.2.0","x-top":1,"root":{"path":"r","x":true},
                 "process":{"cwd":"/","args":["a"],"user":{"uid":0,"gid":0,"y":[]},"z":{}},
                 "linux":{"w":1,"namespaces":[{"type":"pid","q":2}],"resources":{"foo":{}}},
                 "windows":{"anything":1}}""";
        JsonNode tree = ConfigLoader.parse(doc.getBytes(), "t");
        assertEquals(List.of(), SpecSchemas.violations(SpecSchemas.Kind.CONFIG, tree));
    }

    @Test
    void uint64ExtremesValidate() {
        String doc = """
                {"ociVersion":"1.2.0","process":{"cwd":"/","args":["a"],"user":{"uid":0,"gid":0},
                 "rlimits":[{"type":"RLIMIT_NOFILE","soft":18446744073709551615,"hard":18446744073709551615}]}}""";
        JsonNode tree = ConfigLoader.parse(doc.getBytes(), "t");
        assertEquals(List.of(), SpecSchemas.violations(SpecSchemas.Kind.CONFIG, tree));
        String over = doc.replace("18446744073709551615,", "18446744073709551616,");
        assertFalse(SpecSchemas.violations(SpecSchemas.Kind.CONFIG,
                ConfigLoader.parse(over.getBytes(), "t")).isEmpty());
    }

    @Test
    void stateRules() {
        JsonNode created = ConfigLoader.parse("""
                {"ociVersion":"1.2.0","id":"c1","status":"created","bundle":"/b"}""".getBytes(), "s");
        assertFalse(SpecSchemas.violations(SpecSchemas.Kind.STATE, created).isEmpty(),
                "created needs a pid");
        JsonNode stopped = ConfigLoader.parse("""
                {"ociVersion":"1.2.0","id":"c1","status":"stopped","bundle":"/b","pid":0}""".getBytes(), "s");
        assertEquals(List.of(), SpecSchemas.violations(SpecSchemas.Kind.STATE, stopped));
        JsonNode weird = ConfigLoader.parse("""
                {"ociVersion":"1.2.0","id":"c1","status":"paused","bundle":"/b","pid":3}""".getBytes(), "s");
        assertFalse(SpecSchemas.violations(SpecSchemas.Kind.STATE, weird).isEmpty());
    }

    @Test
    void featuresAllowNulls() {
        JsonNode f = ConfigLoader.parse("""
                {"ociVersionMin":"1.0.0","ociVersionMax":"1.2.1","hooks":null,
                 "linux":{"namespaces":null,"cgroup":{"v2":true,"rdma":null},"seccomp":null},
                 "annotations":null}""".getBytes(), "f");
        assertEquals(List.of(), SpecSchemas.violations(SpecSchemas.Kind.FEATURES, f));
    }
}
