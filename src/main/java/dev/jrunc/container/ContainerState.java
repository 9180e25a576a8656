package dev.jrunc.container;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The state `jrunc state` prints: runtime.md's fields plus rootfs, created and owner, in runc's
 * order so scripts parsing runc's output keep working.
 */
@JsonPropertyOrder({"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"})
public record ContainerState(
        String ociVersion,
        String id,
        int pid,
        String status,
        String bundle,
        String rootfs,
        String created,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> annotations,
        String owner) {

    /**
     * This state as a JSON tree in runc's field order, without absent fields or empty
     * annotations. Built by hand: the verbs that print it never pay for data binding.
     */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        putIfPresent(o, "ociVersion", ociVersion);
        putIfPresent(o, "id", id);
        o.put("pid", pid);
        putIfPresent(o, "status", status);
        putIfPresent(o, "bundle", bundle);
        putIfPresent(o, "rootfs", rootfs);
        putIfPresent(o, "created", created);
        if (annotations != null && !annotations.isEmpty()) {
            ObjectNode a = o.putObject("annotations");
            annotations.forEach(a::put);
        }
        putIfPresent(o, "owner", owner);
        return o;
    }

    private static void putIfPresent(ObjectNode o, String field, String value) {
        if (value != null) o.put(field, value);
    }
}
