package dev.jrunc.container;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
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
        String owner) {}
