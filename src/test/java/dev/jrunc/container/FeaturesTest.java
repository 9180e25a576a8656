package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrunc.spec.SpecJson;
import dev.jrunc.spec.SpecSchemas;
import org.junit.jupiter.api.Test;

class FeaturesTest {
    @Test
    void featuresDocumentValidatesAgainstTheSchema() {
        JsonNode tree = SpecJson.mapper().valueToTree(Features.current());
        assertTrue(SpecSchemas.violations(SpecSchemas.Kind.FEATURES, tree).isEmpty(),
                () -> SpecSchemas.violations(SpecSchemas.Kind.FEATURES, tree).toString());
    }

    @Test
    void advertisesEveryHookAndNamespace() {
        Features f = Features.current();
        assertEquals(6, f.hooks().size());
        assertEquals(java.util.List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"),
                f.linux().namespaces(), "every config-linux.md namespace type, sorted as runc lists them");
        assertTrue(f.linux().capabilities().contains("CAP_SYS_ADMIN"));
    }
}
