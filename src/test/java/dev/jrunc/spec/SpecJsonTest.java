package dev.jrunc.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecJsonTest {
    @Test
    void oneSharedMapper() {
        assertSame(SpecJson.mapper(), SpecJson.mapper());
    }

    @Test
    void uint64MaxKeepsItsBits() {
        ProcessSpec.Rlimit r = SpecJson.read("""
                {"type":"RLIMIT_NOFILE","soft":18446744073709551615,"hard":9223372036854775808}"""
                .getBytes(), ProcessSpec.Rlimit.class, "t");
        assertEquals(-1L, r.soft());
        assertEquals(Long.MIN_VALUE, r.hard());
        String out = SpecJson.toJson(r);
        assertTrue(out.contains("\"soft\": 18446744073709551615"), out);
        assertTrue(out.contains("\"hard\": 9223372036854775808"), out);
        assertTrue(out.indexOf("\"hard\"") < out.indexOf("\"soft\""), "runc's order: type, hard, soft");
    }

    @Test
    void boxedLongsToo() {
        Resources.Memory m = SpecJson.read("""
                {"limit":-1,"swap":18446744073709551615}""".getBytes(), Resources.Memory.class, "t");
        assertEquals(-1L, m.limit());
        assertEquals(-1L, m.swap());
        assertNull(m.kernel());
    }

    @Test
    void seccompArgValuesRoundTripUnsigned() {
        Seccomp.Arg a = SpecJson.read("""
                {"index":1,"value":18446744073709551615,"op":"SCMP_CMP_MASKED_EQ"}"""
                .getBytes(), Seccomp.Arg.class, "t");
        assertEquals(-1L, a.value());
        assertEquals(0L, a.valueTwo());
        JsonNode back = SpecJson.mapper().valueToTree(a);
        assertEquals("18446744073709551615", back.get("value").asText());
    }

    @Test
    void outOfRangeIsAPathError() {
        ConfigException e = assertThrows(ConfigException.class, () -> SpecJson.read("""
                {"process":{"rlimits":[{"type":"RLIMIT_CORE","soft":18446744073709551616,"hard":0}]}}"""
                .getBytes(), Spec.class, "config.json"));
        assertEquals("$.process.rlimits[0].soft", e.path());
    }

    @Test
    void typeMismatchIsAPathError() {
        ConfigException e = assertThrows(ConfigException.class, () -> SpecJson.read("""
                {"linux":{"namespaces":[{"type":"pid"},{"type":["x"]}]}}""".getBytes(), Spec.class, "config.json"));
        assertEquals("$.linux.namespaces[1].type", e.path());
        assertTrue(e.getMessage().startsWith("config.json: $.linux.namespaces[1].type: wrong type"), e.getMessage());
    }

    @Test
    void unknownPropertiesIgnoredAndNullsNotWritten() {
        Spec s = SpecJson.readSpec("""
                {"ociVersion":"1.2.0","future":{"a":1},"root":{"path":"r","new":1}}""".getBytes(), "t");
        assertEquals("r", s.root().path());
        String out = new String(SpecJson.toBytes(s));
        assertEquals("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"}}", out);
    }

    @Test
    void recordHelpersAreNotProperties() {
        Spec s = SpecJson.readSpec("""
                {"ociVersion":"1.2.0","process":{"terminal":true,"args":["a"],"cwd":"/",
                 "user":{"uid":0,"gid":0}},"linux":{"namespaces":[{"type":"pid"}]}}""".getBytes(), "t");
        JsonNode tree = SpecJson.mapper().valueToTree(s);
        assertEquals(List.of("ociVersion", "process", "linux"), fieldNames(tree));
        assertEquals(List.of("terminal", "user", "args", "cwd"), fieldNames(tree.get("process")));
        assertEquals(List.of("namespaces"), fieldNames(tree.get("linux")));
    }

    @Test
    void newLinuxFieldsBind() {
        Spec s = SpecJson.readSpec("""
                {"ociVersion":"1.3.0","linux":{"memoryPolicy":{"mode":"MPOL_BIND","nodes":"0-1",
                 "flags":["MPOL_F_STATIC_NODES"]},"netDevices":{"eth1":{"name":"c0"}}}}""".getBytes(), "t");
        assertEquals("MPOL_BIND", s.linux().memoryPolicy().mode());
        assertEquals("c0", s.linux().netDevices().get("eth1").name());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
