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
 * Hands a seccomp user-notification fd to the agent at linux.seccomp.listenerPath: one
 * SCM_RIGHTS message whose payload is the container process state of runtime.md
 * (ociVersion, fds ["seccompFd"], pid, metadata, state).
 */
public final class SeccompListener {
    private SeccompListener() {}

    /** Sends listenerFd (closed afterwards in any case) to the listener. */
    public static void deliver(Syscalls sys, int listenerFd, Spec spec, int pid, ContainerState state) {
        if (listenerFd < 0) throw new JruncException("the container's init sent no seccomp listener fd");
        try {
            Seccomp seccomp = spec.linux().seccomp();
            String path = seccomp.listenerPath();
            if (path == null || path.isEmpty()) {
                throw new JruncException("linux.seccomp.listenerPath is required for SCMP_ACT_NOTIFY");
            }
            byte[] payload = SpecJson.mapper().writeValueAsBytes(processState(spec, pid, state));
            int sock;
            try {
                sock = sys.connectUnix(path);
            } catch (RuntimeException e) {
                throw new JruncException("linux.seccomp.listenerPath " + path + ": " + e.getMessage(), e);
            }
            try {
                sys.sendFd(sock, listenerFd, payload);
            } finally {
                sys.close(sock);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new JruncException("cannot encode the container process state: " + e.getMessage(), e);
        } finally {
            sys.close(listenerFd);
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
