package dev.jrunc.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The fuzzer creates real containers as root on a shared host: whatever it generates must stay
 * inside its own work directory and cgroups. This rewrites, after mutation, every value that
 * could reach further (each rewrite is itself a valid, safe value, so the case still runs):
 *
 * <ul>
 *   <li>root.path must resolve inside the bundle (or not exist);
 *   <li>a bind mount's source must resolve inside the work directory (or not exist), and a mount
 *       type must not name a block-device filesystem the host has;
 *   <li>a namespace path may never be a real namespace: only missing paths or plain files;
 *   <li>hooks may run only /bin/true and /bin/false (or a program that does not exist);
 *   <li>cgroupsPath stays under this run's own cgroup names ({@link #cgroupPrefix});
 *   <li>a seccomp listener may only be a path in the work directory;
 *   <li>linux.netDevices is dropped: a real device name would move a host interface.
 * </ul>
 */
final class FuzzSafety {
    private static final Set<String> HOOKS = Set.of("/bin/true", "/bin/false", "/usr/bin/true", "/usr/bin/false");
    private static final Set<String> SAFE_TYPES = Set.of("bind", "tmpfs", "proc", "sysfs", "mqueue", "devpts",
            "cgroup", "cgroup2", "none", "");

    private final Path work;
    private final Path bundle;
    private final String cgroupPrefix;
    private final Set<String> hostFilesystems;

    FuzzSafety(Path work, Path bundle, String cgroupPrefix) {
        this.work = work;
        this.bundle = bundle;
        this.cgroupPrefix = cgroupPrefix;
        this.hostFilesystems = hostFilesystems();
    }

    /** The name every cgroup this run may make starts with, e.g. "jrunc-fuzz-1234". */
    String cgroupPrefix() {
        return cgroupPrefix;
    }

    // ---- values the mutator may choose -------------------------------------------------------

    String mountSourceChoice(SplittableRandom rnd) {
        String[] s = {work.resolve("srcdir").toString(), work.resolve("srcfile").toString(), "srcdir-rel",
            work.resolve("nonexistent").toString(), "rootfs/..", work.resolve("outside").toString(), "tmpfs", "",
            work.resolve("link-to-srcdir").toString()};
        return s[rnd.nextInt(s.length)];
    }

    String namespacePathChoice(SplittableRandom rnd) {
        String[] s = {work.resolve("no-such-ns").toString(), work.resolve("srcfile").toString(), "relative/ns",
            "/dev/null", ""};
        return s[rnd.nextInt(s.length)];
    }

    String hookPathChoice(SplittableRandom rnd) {
        String[] s = {"/bin/true", "/bin/false", "/nonexistent/hook", "true", work.resolve("srcfile").toString()};
        return s[rnd.nextInt(s.length)];
    }

    String cgroupsPathChoice(SplittableRandom rnd) {
        String n = Integer.toString(rnd.nextInt(1000));
        String[] s = {"/" + cgroupPrefix + "/c" + n, cgroupPrefix + "-r" + n, "/" + cgroupPrefix + "/a/../b" + n,
            "/" + cgroupPrefix + "/../" + cgroupPrefix + "-esc" + n, "/" + cgroupPrefix + "//c" + n,
            "/" + cgroupPrefix + "/c" + n + "/", "/" + cgroupPrefix + "/" + "c".repeat(300)};
        return s[rnd.nextInt(s.length)];
    }

    String rootPathChoice(SplittableRandom rnd) {
        String[] s = {"rootfs", bundle.resolve("rootfs").toString(), "rootfs-link", "rootfs/..", "no-such-rootfs",
            "config.json", "rootfs/bin/..", "other-rootfs", ""};
        return s[rnd.nextInt(s.length)];
    }

    // ---- the rewrite -----------------------------------------------------------------------------

    /** Makes {@code c} safe to create on this host (in place). */
    void sanitize(ObjectNode c) {
        if (c.get("root") instanceof ObjectNode root && root.get("path") != null && root.get("path").isTextual()) {
            if (!resolvesInsideOrNowhere(bundle, root.get("path").asText(), bundle)) root.put("path", "rootfs");
        }
        if (c.get("mounts") instanceof ArrayNode mounts) {
            for (JsonNode m : mounts) {
                if (m instanceof ObjectNode mount) sanitizeMount(mount);
            }
        }
        if (c.get("hooks") instanceof ObjectNode hooks) {
            hooks.fields().forEachRemaining(e -> {
                if (e.getValue() instanceof ArrayNode list) {
                    for (JsonNode h : list) {
                        if (h instanceof ObjectNode hook && hook.get("path") != null && hook.get("path").isTextual()) {
                            String p = hook.get("path").asText();
                            if (!HOOKS.contains(p) && !resolvesInsideOrNowhere(work, p, work)) hook.put("path", "/bin/true");
                        }
                    }
                }
            });
        }
        if (c.get("linux") instanceof ObjectNode linux) {
            if (linux.get("namespaces") instanceof ArrayNode nss) {
                for (JsonNode n : nss) {
                    if (n instanceof ObjectNode ns && ns.get("path") != null && ns.get("path").isTextual()) {
                        String p = ns.get("path").asText();
                        if (!p.equals("/dev/null") && !resolvesInsideOrNowhere(work, p, work)) {
                            ns.put("path", work.resolve("no-such-ns").toString());
                        }
                    }
                }
            }
            JsonNode cg = linux.get("cgroupsPath");
            if (cg != null && cg.isTextual() && !safeCgroupsPath(cg.asText())) {
                linux.put("cgroupsPath", "/" + cgroupPrefix + "/fixed");
            }
            if (linux.get("seccomp") instanceof ObjectNode sc && sc.get("listenerPath") != null
                    && sc.get("listenerPath").isTextual()
                    && !resolvesInsideOrNowhere(work, sc.get("listenerPath").asText(), work)) {
                sc.put("listenerPath", work.resolve("no-such-listener.sock").toString());
            }
            linux.remove("netDevices");
        }
    }

    private void sanitizeMount(ObjectNode m) {
        JsonNode type = m.get("type");
        if (type != null && type.isTextual() && !SAFE_TYPES.contains(type.asText())
                && hostFilesystems.contains(type.asText())) {
            m.put("type", "tmpfs");
        }
        boolean bind = type != null && type.isTextual() && type.asText().equals("bind");
        if (m.get("options") instanceof ArrayNode opts) {
            for (int i = opts.size() - 1; i >= 0; i--) {
                String o = opts.get(i).asText();
                if (o.equals("bind") || o.equals("rbind")) bind = true;
                if (o.equals("remount")) opts.remove(i);
            }
        }
        JsonNode src = m.get("source");
        if (src != null && src.isTextual() && !resolvesInsideOrNowhere(bundle, src.asText(), work)) {
            // Only a bind mount reads its source from the host; for others it is a name. Either
            // way a host path stays out, so that no case ever binds one into a container.
            if (bind || src.asText().startsWith("/") || src.asText().contains("..")) {
                m.put("source", work.resolve("srcdir").toString());
            }
        }
    }

    private boolean safeCgroupsPath(String p) {
        String rest;
        if (p.startsWith("/" + cgroupPrefix)) rest = p.substring(cgroupPrefix.length() + 1);
        else if (p.startsWith(cgroupPrefix)) rest = p.substring(cgroupPrefix.length());
        else return false;
        // "/prefix/../prefix-escN" resolves to a fresh name of ours; any other ".." could climb out.
        if (rest.contains("..")) return rest.matches("/\\.\\./" + java.util.regex.Pattern.quote(cgroupPrefix) + "-esc\\d+");
        return true;
    }

    /**
     * Whether {@code value}, taken relative to {@code base}, does not exist (jrunc makes none of
     * these paths) or resolves, symlinks followed, inside {@code inside}. A value no path can be
     * made of counts as nowhere.
     */
    private static boolean resolvesInsideOrNowhere(Path base, String value, Path inside) {
        try {
            Path p = base.resolve(value);
            if (!Files.exists(p)) return true;
            return p.toRealPath().startsWith(inside.toRealPath());
        } catch (InvalidPathException | IOException e) {
            return true;
        }
    }

    private static Set<String> hostFilesystems() {
        try {
            return Set.copyOf(Files.readAllLines(Path.of("/proc/filesystems")).stream()
                    .map(l -> l.substring(l.indexOf('\t') + 1).trim()).toList());
        } catch (IOException e) {
            return Set.of();
        }
    }

    static List<String> hookNames() {
        return List.copyOf(HOOKS);
    }
}
