package dev.jrunc.spec;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of config.md / config-linux.md a schema cannot express, checked after binding. Each
 * failure is a {@link ConfigException} naming the JSON path; tolerated oddities (as runc
 * tolerates them) come back as warnings.
 */
public final class SemanticChecks {
    /** Namespace types of config-linux.md. */
    public static final Set<String> NAMESPACE_TYPES =
            Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");

    /** RLIMIT_* names and their resource numbers (asm-generic, as on x86-64 and arm64). */
    public static final Map<String, Integer> RLIMITS = rlimits();

    private static final String DOC = ConfigLoader.CONFIG_FILE;

    private SemanticChecks() {}

    private static Map<String, Integer> rlimits() {
        String[] names = {
            "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS",
            "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"
        };
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put("RLIMIT_" + names[i], i);
        }
        return Map.copyOf(m);
    }

    /**
     * Checks a bound config for creating a container from {@code bundleDir}.
     *
     * @return warnings (never null)
     * @throws ConfigException on the first rule broken
     */
    public static List<String> check(Spec spec, Path bundleDir) {
        List<String> warnings = new ArrayList<>();
        if (spec.ociVersion() == null || spec.ociVersion().isBlank()) {
            fail("$.ociVersion", "is required");
        }
        checkRoot(spec, bundleDir);
        // config.md: process is optional at create; such a container can only be killed and deleted.
        if (spec.process() != null) checkProcess(spec.process(), "$.process", DOC);
        checkMounts(spec, warnings);
        checkLinux(spec);
        return warnings;
    }

    private static void checkRoot(Spec spec, Path bundleDir) {
        if (spec.root() == null) {
            fail("$.root", "is required");
        }
        String p = spec.root().path();
        if (p == null || p.isEmpty()) {
            fail("$.root.path", "is required");
        }
        Path rootfs = bundleDir.toAbsolutePath().resolve(p).normalize();
        if (!Files.exists(rootfs)) {
            fail("$.root.path", "rootfs " + rootfs + " does not exist");
        }
        if (!Files.isDirectory(rootfs)) {
            fail("$.root.path", "rootfs " + rootfs + " is not a directory");
        }
    }

    /** Checks a process object found at {@code at} (e.g. "$.process") of document {@code doc}. */
    public static void checkProcess(ProcessSpec process, String at, String doc) {
        if (process.args() == null || process.args().isEmpty()) {
            throw new ConfigException(
                    doc, at + ".args", "must be a non-empty array (required to create a container)");
        }
        if (process.args().getFirst() == null || process.args().getFirst().isEmpty()) {
            throw new ConfigException(doc, at + ".args[0]", "must name the program to run");
        }
        if (process.cwd() == null || process.cwd().isEmpty()) {
            throw new ConfigException(doc, at + ".cwd", "is required");
        }
        if (!process.cwd().startsWith("/")) {
            throw new ConfigException(
                    doc, at + ".cwd", "must be an absolute path, got \"" + process.cwd() + "\"");
        }
        List<ProcessSpec.Rlimit> rlimits = process.rlimits() == null ? List.of() : process.rlimits();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rlimits.size(); i++) {
            ProcessSpec.Rlimit r = rlimits.get(i);
            String here = at + ".rlimits[" + i + "]";
            if (!RLIMITS.containsKey(r.type())) {
                throw new ConfigException(doc, here + ".type", "unknown rlimit type \"" + r.type() + "\"");
            }
            if (!seen.add(r.type())) {
                throw new ConfigException(doc, here + ".type", "duplicate rlimit type \"" + r.type() + "\"");
            }
            if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                throw new ConfigException(doc, here, "soft limit "
                        + Long.toUnsignedString(r.soft()) + " is above hard limit "
                        + Long.toUnsignedString(r.hard()));
            }
        }
    }

    private static void checkMounts(Spec spec, List<String> warnings) {
        List<Spec.Mount> mounts = spec.mountsOrEmpty();
        for (int i = 0; i < mounts.size(); i++) {
            String dest = mounts.get(i).destination();
            if (dest == null || dest.isEmpty()) {
                fail("$.mounts[" + i + "].destination", "is required");
            }
            if (!dest.startsWith("/")) {
                warnings.add("config.json: $.mounts[" + i + "].destination: \"" + dest
                        + "\" is not an absolute path; taken relative to the container's /");
            }
        }
    }

    private static void checkLinux(Spec spec) {
        LinuxSpec linux = spec.linux();
        List<LinuxSpec.Namespace> nss = linux == null ? List.of() : linux.namespacesOrEmpty();
        Map<String, LinuxSpec.Namespace> byType = new LinkedHashMap<>();
        for (int i = 0; i < nss.size(); i++) {
            LinuxSpec.Namespace ns = nss.get(i);
            String here = "$.linux.namespaces[" + i + "]";
            if (!NAMESPACE_TYPES.contains(ns.type())) {
                fail(here + ".type", "unknown namespace type \"" + ns.type() + "\"");
            }
            if (byType.putIfAbsent(ns.type(), ns) != null) {
                fail(here + ".type", "duplicate namespace \"" + ns.type() + "\"");
            }
            if (ns.path() != null && !ns.path().isEmpty()) {
                if (!ns.path().startsWith("/")) {
                    fail(here + ".path", "must be an absolute path, got \"" + ns.path() + "\"");
                }
                if (!Files.exists(Path.of(ns.path()), LinkOption.NOFOLLOW_LINKS)
                        && !Files.exists(Path.of(ns.path()))) {
                    fail(here + ".path", ns.type() + " namespace path " + ns.path() + " does not exist");
                }
            }
        }

        LinuxSpec.Namespace user = byType.get("user");
        boolean newUserNs = user != null && (user.path() == null || user.path().isEmpty());
        boolean hasUidMap = linux != null && !linux.uidMappingsOrEmpty().isEmpty();
        boolean hasGidMap = linux != null && !linux.gidMappingsOrEmpty().isEmpty();
        if (newUserNs) {
            if (!hasUidMap) {
                fail("$.linux.uidMappings", "a new user namespace is requested but no uid mappings are given");
            }
            if (!hasGidMap) {
                fail("$.linux.gidMappings", "a new user namespace is requested but no gid mappings are given");
            }
        } else if (user == null) {
            if (hasUidMap) {
                fail("$.linux.uidMappings", "uid mappings are given but no user namespace is requested");
            }
            if (hasGidMap) {
                fail("$.linux.gidMappings", "gid mappings are given but no user namespace is requested");
            }
        }

        if (linux != null && linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
            LinuxSpec.Namespace time = byType.get("time");
            if (time == null) {
                fail("$.linux.timeOffsets", "time offsets are given but no time namespace is requested");
            }
            if (time.path() != null && !time.path().isEmpty()) {
                fail("$.linux.timeOffsets", "time offsets cannot be set when joining an existing time namespace");
            }
        }

        if (spec.hostname() != null && !spec.hostname().isEmpty() && !byType.containsKey("uts")) {
            fail("$.hostname", "unable to set hostname without a private UTS namespace");
        }
        if (spec.domainname() != null && !spec.domainname().isEmpty() && !byType.containsKey("uts")) {
            fail("$.domainname", "unable to set domainname without a private UTS namespace");
        }
    }

    private static void fail(String path, String rule) {
        throw new ConfigException(DOC, path, rule);
    }
}
