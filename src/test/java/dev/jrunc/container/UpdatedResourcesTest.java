package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UpdatedResourcesTest {
    private static ContainerRecord record(String resourcesJson) throws Exception {
        Spec spec = SpecJson.mapper().readValue(
                "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"cgroupsPath\":\"/x\",\"resources\":"
                        + resourcesJson + "}}", Spec.class);
        return new ContainerRecord("1.2.0", "c", 1, 1, "/b", "/b/rootfs", "now", "", false, Map.of(), List.of(), null, SpecJson.mapper().valueToTree(spec));
    }

    @Test
    void updateMergesIntoTheSavedResources() throws Exception {
        ContainerRecord r = record("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
                + "\"memory\":{\"limit\":33554432,\"reservation\":1000},\"cpu\":{\"shares\":512,\"cpus\":\"0\"}}");
        Resources update = new Resources(List.of(new Resources.DeviceRule(true, "a", null, null, "rwm")),
                new Resources.Memory(67108864L, 0L, null, null, null, null, null, null, null),
                new Resources.Cpu(null, 20000L, null, null, null, null, "", null, null),
                new Resources.Pids(20L), null, null, null, null, null);
        Resources saved = r.withResources(update).spec().linux().resources();
        assertEquals(67108864L, saved.memory().limit());
        assertEquals(1000L, saved.memory().reservation(), "0 means unchanged");
        assertEquals(512L, saved.cpu().shares());
        assertEquals(20000L, saved.cpu().quota());
        assertEquals("0", saved.cpu().cpus(), "\"\" means unchanged");
        assertEquals(20L, saved.pids().limit());
        assertEquals(1, saved.devices().size(), "device rules are not updated");
        assertEquals(false, saved.devices().get(0).allow());
        assertEquals("/x", r.withResources(update).spec().linux().cgroupsPath());
    }

    @Test
    void updateOfAConfigWithoutResourcesAddsThem() throws Exception {
        ContainerRecord r = record("null");
        Resources update = new Resources(null, null, null, new Resources.Pids(5L), null, null, null, null, null);
        Resources saved = r.withResources(update).spec().linux().resources();
        assertEquals(5L, saved.pids().limit());
        assertNull(saved.memory());
    }
}
