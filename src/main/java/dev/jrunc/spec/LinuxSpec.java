package dev.jrunc.spec;

import java.util.List;
import java.util.Map;

/** The `linux` object of config-linux.md. */
public record LinuxSpec(
        List<Namespace> namespaces,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        Map<String, TimeOffset> timeOffsets,
        List<Device> devices,
        String cgroupsPath,
        Resources resources,
        String rootfsPropagation,
        Seccomp seccomp,
        Map<String, String> sysctl,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        String mountLabel,
        IntelRdt intelRdt,
        Personality personality,
        MemoryPolicy memoryPolicy,
        Map<String, NetDevice> netDevices) {

    /** type is one of pid, network, mount, ipc, uts, user, cgroup, time. */
    public record Namespace(String type, String path) {}

    public record IdMapping(long containerID, long hostID, long size) {}

    public record TimeOffset(long secs, long nanosecs) {}

    public record Device(
            String type, String path, Long major, Long minor, Integer fileMode, Long uid, Long gid) {}

    public record IntelRdt(
            String closID,
            String l3CacheSchema,
            String memBwSchema,
            List<String> schemata,
            Boolean enableMonitoring) {}

    public record Personality(String domain, List<String> flags) {}

    /** mode is one of MPOL_DEFAULT, _BIND, _INTERLEAVE, _WEIGHTED_INTERLEAVE, _PREFERRED, _PREFERRED_MANY, _LOCAL. */
    public record MemoryPolicy(String mode, String nodes, List<String> flags) {}

    /** A host network device moved into the container; the map key is its host name. */
    public record NetDevice(String name) {}

    public List<Namespace> namespacesOrEmpty() {
        return namespaces == null ? List.of() : namespaces;
    }

    public List<IdMapping> uidMappingsOrEmpty() {
        return uidMappings == null ? List.of() : uidMappings;
    }

    public List<IdMapping> gidMappingsOrEmpty() {
        return gidMappings == null ? List.of() : gidMappings;
    }

    public List<Device> devicesOrEmpty() {
        return devices == null ? List.of() : devices;
    }

    public List<String> maskedPathsOrEmpty() {
        return maskedPaths == null ? List.of() : maskedPaths;
    }

    public List<String> readonlyPathsOrEmpty() {
        return readonlyPaths == null ? List.of() : readonlyPaths;
    }

    public Map<String, String> sysctlOrEmpty() {
        return sysctl == null ? Map.of() : sysctl;
    }

    public boolean hasNamespace(String type) {
        return namespacesOrEmpty().stream().anyMatch(n -> type.equals(n.type()));
    }
}
