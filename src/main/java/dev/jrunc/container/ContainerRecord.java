package dev.jrunc.container;

import dev.jrunc.cgroups.CgroupLayout;
import dev.jrunc.cgroups.CgroupManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What state.json under --root holds for one container: enough to answer every later verb
 * without the bundle (which the engine may already have removed).
 *
 * @param initStartTime the init's start time in clock ticks (/proc/PID/stat field 22), so a
 *     recycled pid is never mistaken for the container's init.
 * @param notifySocket the caller's NOTIFY_SOCKET, or null: `start` relays the container's READY=1 to it
 */
public record ContainerRecord(
        String ociVersion,
        String id,
        int pid,
        long initStartTime,
        String bundle,
        String rootfs,
        String created,
        String owner,
        boolean systemdCgroup,
        Map<String, String> cgroupPaths,
        List<String> cgroupCreated,
        String notifySocket,
        Spec config) {

    /** The container's cgroup, reopened from what create recorded. */
    public CgroupManager cgroup() {
        Map<String, Path> paths = new LinkedHashMap<>();
        if (cgroupPaths != null) cgroupPaths.forEach((k, v) -> paths.put(k, Path.of(v)));
        List<Path> created = cgroupCreated == null ? List.of() : cgroupCreated.stream().map(Path::of).toList();
        return CgroupManager.open(CgroupLayout.detect(), paths, created);
    }

    /**
     * This record with resources merged into config's linux.resources: objects merge key by key,
     * anything else replaces; 0 and "" mean "unchanged" (as runc reads them) and are skipped, and
     * device rules are never changed by an update.
     */
    public ContainerRecord withResources(Resources resources) {
        ObjectMapper m = SpecJson.mapper();
        ObjectNode tree = config == null ? m.createObjectNode() : (ObjectNode) m.valueToTree(config);
        ObjectNode linux = tree.has("linux") && tree.get("linux").isObject()
                ? (ObjectNode) tree.get("linux") : tree.putObject("linux");
        ObjectNode current = linux.has("resources") && linux.get("resources").isObject()
                ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
        ObjectNode given = m.valueToTree(resources);
        given.remove("devices");
        merge(current, given);
        Spec merged;
        try {
            merged = m.treeToValue(tree, Spec.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("merging updated resources into the saved config: " + e.getMessage(), e);
        }
        return new ContainerRecord(ociVersion, id, pid, initStartTime, bundle, rootfs, created, owner, systemdCgroup,
                cgroupPaths, cgroupCreated, notifySocket, merged);
    }

    private static void merge(ObjectNode into, ObjectNode from) {
        for (var it = from.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (v.isNull() || (v.isNumber() && v.asLong() == 0 && !v.isFloatingPointNumber())
                    || (v.isTextual() && v.asText().isEmpty())) {
                continue;
            }
            JsonNode old = into.get(e.getKey());
            if (v.isObject() && old != null && old.isObject()) {
                merge((ObjectNode) old, (ObjectNode) v);
            } else {
                into.set(e.getKey(), v);
            }
        }
    }

    public Map<String, String> annotations() {
        return config == null ? Map.of() : config.annotationsOrEmpty();
    }

    public ContainerState toState(Status status) {
        int shownPid = status == Status.STOPPED ? 0 : pid;
        return new ContainerState(ociVersion, id, shownPid, status.text(), bundle, rootfs, created,
                annotations(), owner);
    }
}
