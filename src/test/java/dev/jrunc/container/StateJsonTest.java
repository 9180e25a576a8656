package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jrunc.spec.SpecJson;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `jrunc state` prints what runc prints: json.MarshalIndent(state, "", "  "). */
class StateJsonTest {
    @Test
    void stateIsIndentedLikeRunc() {
        ContainerState s = new ContainerState("1.2.1", "c1", 42, "running", "/b", "/b/rootfs",
                "2026-01-01T00:00:00Z", Map.of(), "");
        assertEquals("""
                {
                  "ociVersion": "1.2.1",
                  "id": "c1",
                  "pid": 42,
                  "status": "running",
                  "bundle": "/b",
                  "rootfs": "/b/rootfs",
                  "created": "2026-01-01T00:00:00Z",
                  "owner": ""
                }""", SpecJson.toJson(s, "  "));
    }
}
