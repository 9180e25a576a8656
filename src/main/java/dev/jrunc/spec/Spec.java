package dev.jrunc.spec;

import java.util.List;
import java.util.Map;

/**
 * config.json, as runtime-spec config.md defines it. Absent optional fields are null, never
 * defaulted here: defaults belong to the code that applies them, where the spec states them.
 */
public record Spec(
        String ociVersion,
        Root root,
        List<Mount> mounts,
        ProcessSpec process,
        String hostname,
        String domainname,
        Hooks hooks,
        Map<String, String> annotations,
        LinuxSpec linux) {

    public record Root(String path, Boolean readonly) {
        public boolean isReadonly() {
            return Boolean.TRUE.equals(readonly);
        }
    }

    public record Mount(
            String destination,
            String type,
            String source,
            List<String> options,
            List<LinuxSpec.IdMapping> uidMappings,
            List<LinuxSpec.IdMapping> gidMappings) {

        public List<String> optionsOrEmpty() {
            return options == null ? List.of() : options;
        }
    }

    public record Hooks(
            List<Hook> prestart,
            List<Hook> createRuntime,
            List<Hook> createContainer,
            List<Hook> startContainer,
            List<Hook> poststart,
            List<Hook> poststop) {}

    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

    /** A copy with another process and mounts: what jrunc adds itself (notify socket, activation fds). */
    public Spec with(ProcessSpec newProcess, List<Mount> newMounts) {
        return new Spec(ociVersion, root, newMounts, newProcess, hostname, domainname, hooks, annotations, linux);
    }

    public List<Mount> mountsOrEmpty() {
        return mounts == null ? List.of() : mounts;
    }

    public Map<String, String> annotationsOrEmpty() {
        return annotations == null ? Map.of() : annotations;
    }
}
