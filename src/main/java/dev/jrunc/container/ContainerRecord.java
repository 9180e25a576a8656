package dev.jrunc.container;

import dev.jrunc.cgroups.CgroupLayout;
import dev.jrunc.cgroups.CgroupManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
 * @param config the container's config.json as created (and updated), kept as a JSON tree: most
 *     verbs never look at it, and binding the whole spec model costs more than the rest of a
 *     verb; {@link #spec()} binds it for those that do.
 * @param cgroupCreated the cgroup directories create made for the container (listed before they
 *     are made); {@code cgroupJoined} the existing ones on its paths that jrunc made for another
 *     container. Only these are ever removed, and only while jrunc's registry holds them.
 * @param pidNamespace the init's PID namespace ("pid:[INODE]"): a process in the container's
 *     cgroup but in another PID namespace belongs to another container sharing the cgroup, and
 *     kill --all and delete leave it alone. null until the init is known.
 * @param creating while create runs (and after it was killed): who runs it and the namespace
 *     helper it spawned; null once the container is created.
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
        JsonNode config,
        List<String> cgroupJoined,
        String pidNamespace,
        Creating creating) {

    /** A create in progress: the jrunc process running it and the helper it spawned (0 until then). */
    public record Creating(int creatorPid, long creatorStartTime, int helperPid, long helperStartTime) {}

    /** A record as the first version of this file wrote it: created, without the fields added since. */
    public ContainerRecord(String ociVersion, String id, int pid, long initStartTime, String bundle, String rootfs,
            String created, String owner, boolean systemdCgroup, Map<String, String> cgroupPaths,
            List<String> cgroupCreated, String notifySocket, JsonNode config) {
        this(ociVersion, id, pid, initStartTime, bundle, rootfs, created, owner, systemdCgroup, cgroupPaths,
                cgroupCreated, notifySocket, config, List.of(), null, null);
    }

    /** The record for a container just created from {@code spec}. */
    public static ContainerRecord of(String id, int pid, long initStartTime, String bundle, String rootfs,
            String created, boolean systemdCgroup, Map<String, String> cgroupPaths, List<String> cgroupCreated,
            String notifySocket, Spec spec) {
        return new ContainerRecord(spec.ociVersion(), id, pid, initStartTime, bundle, rootfs, created, "",
                systemdCgroup, cgroupPaths, cgroupCreated, notifySocket, SpecJson.mapper().valueToTree(spec));
    }

    /**
     * The first record of a create, written before anything is made: the cgroup directories it
     * is about to make, and who is making them.
     */
    public static ContainerRecord beginning(String id, String bundle, String rootfs, String created,
            boolean systemdCgroup, Map<String, String> cgroupPaths, List<String> cgroupPlanned, String notifySocket,
            Spec spec, Creating creating) {
        return new ContainerRecord(spec.ociVersion(), id, 0, 0, bundle, rootfs, created, "", systemdCgroup,
                cgroupPaths, cgroupPlanned, notifySocket, SpecJson.mapper().valueToTree(spec), List.of(), null,
                creating);
    }

    /** This record with the cgroup directories create made and joined. */
    public ContainerRecord withCgroups(List<String> made, List<String> joined) {
        return new ContainerRecord(ociVersion, id, pid, initStartTime, bundle, rootfs, created, owner, systemdCgroup,
                cgroupPaths, made, notifySocket, config, joined, pidNamespace, creating);
    }

    /** This record with the namespace helper create spawned. */
    public ContainerRecord withHelper(int helperPid, long helperStartTime) {
        Creating c = creating == null ? null
                : new Creating(creating.creatorPid(), creating.creatorStartTime(), helperPid, helperStartTime);
        return new ContainerRecord(ociVersion, id, pid, initStartTime, bundle, rootfs, created, owner, systemdCgroup,
                cgroupPaths, cgroupCreated, notifySocket, config, cgroupJoined, pidNamespace, c);
    }

    /** This record with the container's init. */
    public ContainerRecord withInit(int initPid, long startTime, String pidNs) {
        return new ContainerRecord(ociVersion, id, initPid, startTime, bundle, rootfs, created, owner, systemdCgroup,
                cgroupPaths, cgroupCreated, notifySocket, config, cgroupJoined, pidNs, creating);
    }

    /** This record once create has finished, at time {@code now}. */
    public ContainerRecord asCreated(String now) {
        return new ContainerRecord(ociVersion, id, pid, initStartTime, bundle, rootfs, now, owner, systemdCgroup,
                cgroupPaths, cgroupCreated, notifySocket, config, cgroupJoined, pidNamespace, null);
    }

    /**
     * This record as state.json's tree. Written and read by hand rather than bound: state,
     * kill, list and ps read it on every call, and Jackson's first binding of a type costs
     * more than such a verb's own work.
     */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("ociVersion", ociVersion);
        o.put("id", id);
        o.put("pid", pid);
        o.put("initStartTime", initStartTime);
        o.put("bundle", bundle);
        o.put("rootfs", rootfs);
        o.put("created", created);
        o.put("owner", owner);
        o.put("systemdCgroup", systemdCgroup);
        ObjectNode paths = o.putObject("cgroupPaths");
        if (cgroupPaths != null) cgroupPaths.forEach(paths::put);
        ArrayNode made = o.putArray("cgroupCreated");
        if (cgroupCreated != null) cgroupCreated.forEach(made::add);
        if (cgroupJoined != null && !cgroupJoined.isEmpty()) {
            ArrayNode joined = o.putArray("cgroupJoined");
            cgroupJoined.forEach(joined::add);
        }
        if (pidNamespace != null) o.put("pidNamespace", pidNamespace);
        if (creating != null) {
            o.putObject("creating").put("pid", creating.creatorPid()).put("startTime", creating.creatorStartTime())
                    .put("helperPid", creating.helperPid()).put("helperStartTime", creating.helperStartTime());
        }
        if (notifySocket != null) o.put("notifySocket", notifySocket);
        if (config != null) o.set("config", config);
        return o;
    }

    /** The record {@link #toJson()} wrote; a missing or mistyped field is an error naming it. */
    public static ContainerRecord fromJson(JsonNode o) {
        if (o == null || !o.isObject()) throw new IllegalArgumentException("not a JSON object");
        Map<String, String> paths = new LinkedHashMap<>();
        o.path("cgroupPaths").properties().forEach(e -> paths.put(e.getKey(), e.getValue().asText()));
        List<String> made = new java.util.ArrayList<>();
        o.path("cgroupCreated").forEach(n -> made.add(n.asText()));
        List<String> joined = new java.util.ArrayList<>();
        o.path("cgroupJoined").forEach(n -> joined.add(n.asText()));
        JsonNode c = o.get("creating");
        Creating creating = c == null || !c.isObject() ? null : new Creating(c.path("pid").asInt(),
                c.path("startTime").asLong(), c.path("helperPid").asInt(), c.path("helperStartTime").asLong());
        JsonNode config = o.get("config");
        return new ContainerRecord(text(o, "ociVersion"), required(o, "id").asText(),
                required(o, "pid").asInt(), required(o, "initStartTime").asLong(), text(o, "bundle"),
                text(o, "rootfs"), text(o, "created"), text(o, "owner"), o.path("systemdCgroup").asBoolean(),
                paths, made, text(o, "notifySocket"), config == null || config.isNull() ? null : config, joined,
                text(o, "pidNamespace"), creating);
    }

    private static JsonNode required(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) throw new IllegalArgumentException("missing field \"" + field + "\"");
        if (!n.isValueNode()) throw new IllegalArgumentException("field \"" + field + "\" is not a value");
        return n;
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** The saved config bound to the spec model. */
    public Spec spec() {
        if (config == null || config.isNull()) return null;
        try {
            return SpecJson.mapper().treeToValue(config, Spec.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("container \"" + id + "\": saved config does not bind: " + e.getMessage(), e);
        }
    }

    /** The container's cgroup, reopened from what create recorded. */
    public CgroupManager cgroup() {
        Map<String, Path> paths = new LinkedHashMap<>();
        if (cgroupPaths != null) cgroupPaths.forEach((k, v) -> paths.put(k, Path.of(v)));
        List<Path> created = cgroupCreated == null ? List.of() : cgroupCreated.stream().map(Path::of).toList();
        List<Path> joined = cgroupJoined == null ? List.of() : cgroupJoined.stream().map(Path::of).toList();
        // A rootless container without a cgroup of its own recorded none.
        if (paths.isEmpty() && !systemdCgroup) return new dev.jrunc.cgroups.NoCgroup(pidNamespace, pid);
        CgroupLayout layout = CgroupLayout.detect();
        CgroupManager cgroupfs = CgroupManager.open(layout, paths, created, joined);
        return systemdCgroup && !paths.isEmpty() ? dev.jrunc.cgroups.SystemdManager.forRecordedContainer(cgroupfs, layout.mode())
                : cgroupfs;
    }

    /**
     * This record with resources merged into config's linux.resources: objects merge key by key,
     * anything else replaces; 0 and "" mean "unchanged" (as runc reads them) and are skipped, and
     * device rules are never changed by an update.
     */
    public ContainerRecord withResources(Resources resources) {
        ObjectMapper m = SpecJson.mapper();
        ObjectNode tree = config != null && config.isObject() ? ((ObjectNode) config).deepCopy() : m.createObjectNode();
        ObjectNode linux = tree.has("linux") && tree.get("linux").isObject()
                ? (ObjectNode) tree.get("linux") : tree.putObject("linux");
        ObjectNode current = linux.has("resources") && linux.get("resources").isObject()
                ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
        ObjectNode given = m.valueToTree(resources);
        given.remove("devices");
        merge(current, given);
        try {
            m.treeToValue(tree, Spec.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("merging updated resources into the saved config: " + e.getMessage(), e);
        }
        return new ContainerRecord(ociVersion, id, pid, initStartTime, bundle, rootfs, created, owner, systemdCgroup,
                cgroupPaths, cgroupCreated, notifySocket, tree, cgroupJoined, pidNamespace, creating);
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
        JsonNode a = config == null ? null : config.get("annotations");
        if (a == null || !a.isObject()) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        a.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    public ContainerState toState(Status status) {
        int shownPid = status == Status.STOPPED ? 0 : pid;
        return new ContainerState(ociVersion, id, shownPid, status.text(), bundle, rootfs, created,
                annotations(), owner);
    }
}
