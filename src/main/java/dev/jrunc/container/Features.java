package dev.jrunc.container;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.process.Capabilities;
import java.util.List;
import java.util.Map;

/**
 * runtime-spec features.json: what this build of jrunc really implements, so engines can decide
 * what to send. Every list here is what the code accepts and applies, nothing more.
 */
@JsonPropertyOrder({"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux", "annotations",
    "potentiallyUnsafeConfigAnnotations"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Features(
        String ociVersionMin,
        String ociVersionMax,
        List<String> hooks,
        List<String> mountOptions,
        Linux linux,
        Map<String, String> annotations,
        List<String> potentiallyUnsafeConfigAnnotations) {

    @JsonPropertyOrder({"namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt",
        "mountExtensions"})
    public record Linux(
            List<String> namespaces,
            List<String> capabilities,
            Cgroup cgroup,
            Seccomp seccomp,
            Enabled apparmor,
            Enabled selinux,
            Enabled intelRdt,
            MountExtensions mountExtensions) {}

    public record Cgroup(boolean v1, boolean v2, boolean systemd, boolean systemdUser, boolean rdma) {}

    @JsonPropertyOrder({"enabled", "actions", "operators", "archs", "knownFlags", "supportedFlags"})
    public record Seccomp(
            boolean enabled,
            List<String> actions,
            List<String> operators,
            List<String> archs,
            List<String> knownFlags,
            List<String> supportedFlags) {}

    public record Enabled(boolean enabled) {}

    public record MountExtensions(Enabled idmap) {}

    public static Features current() {
        List<String> flags = List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
        return new Features(
                "1.0.0",
                "1.2.1",
                List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"),
                dev.jrunc.rootfs.MountOptions.known(),
                new Linux(
                        NamespaceKind.specNames(),
                        Capabilities.names(),
                        new Cgroup(true, true, true, false, true),
                        new Seccomp(true,
                                List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"),
                                List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                                        "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"),
                                List.of("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"),
                                flags, flags),
                        new Enabled(false),
                        new Enabled(false),
                        new Enabled(false),
                        new MountExtensions(new Enabled(true))),
                Map.of("org.opencontainers.runc.checkpoint.enabled", "false"),
                List.of());
    }
}
