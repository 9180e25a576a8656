package dev.jrunc.process;

import dev.jrunc.JruncException;
import dev.jrunc.container.ContainerState;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.Seccomp;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seccomp agent at linux.seccomp.listenerPath: the runtime connects (the path is the
 * host's), and the container's last stage sends the user-notification fd over that connection
 * with one SCM_RIGHTS message whose payload is the container process state of runtime.md
 * (ociVersion, fds ["seccompFd"], pid, metadata, state), then closes it.
 */
public final class SeccompListener {
    private SeccompListener() {}

    /** A connected socket (close-on-exec) to the agent; an error naming the path if there is none. */
    public static int connect(Syscalls sys, Spec spec) {
        Seccomp seccomp = spec.linux().seccomp();
        String path = seccomp.listenerPath();
        if (path == null || path.isEmpty()) {
            throw new JruncException("linux.seccomp.listenerPath is required for SCMP_ACT_NOTIFY");
        }
        try {
            return sys.connectUnix(path);
        } catch (RuntimeException e) {
            throw new JruncException("linux.seccomp.listenerPath " + path + ": " + e.getMessage(), e);
        }
    }

    /** The container process state, as JSON bytes. */
    public static byte[] payload(Spec spec, int pid, ContainerState state) {
        try {
            return SpecJson.mapper().writeValueAsBytes(processState(spec, pid, state));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JruncException("cannot encode the container process state: " + e.getMessage(), e);
        }
    }

    static Map<String, Object> processState(Spec spec, int pid, ContainerState state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", spec.ociVersion());
        m.put("fds", List.of("seccompFd"));
        m.put("pid", pid);
        String metadata = spec.linux().seccomp().listenerMetadata();
        if (metadata != null && !metadata.isEmpty()) m.put("metadata", metadata);
        m.put("state", state);
        return m;
    }
}
