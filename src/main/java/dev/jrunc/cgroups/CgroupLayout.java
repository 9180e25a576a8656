package dev.jrunc.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where this host mounts its cgroup hierarchies and where the calling process sits in each,
 * read from /proc/self/mountinfo and /proc/self/cgroup.
 *
 * <p>v1 hierarchies are keyed by controller ("memory", "cpu", ...) or by "name=NAME" for named
 * hierarchies such as name=systemd; the cgroup2 hierarchy uses the key {@link #UNIFIED} (""), the
 * same key /proc/self/cgroup gives it.
 */
public final class CgroupLayout {
    public static final String UNIFIED = "";

    /** Controllers a v1 mount may carry; other super options (rw, clone_children, ...) are flags. */
    static final Set<String> V1_CONTROLLERS = Set.of(
            "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
            "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc");

    private final Map<String, Path> v1Mounts;
    private final Path unifiedMount;
    private final Set<String> unifiedControllers;
    private final Map<String, String> ownPaths;

    public CgroupLayout(Map<String, Path> v1Mounts, Path unifiedMount, Set<String> unifiedControllers,
            Map<String, String> ownPaths) {
        this.v1Mounts = Collections.unmodifiableMap(new LinkedHashMap<>(v1Mounts));
        this.unifiedMount = unifiedMount;
        this.unifiedControllers = Collections.unmodifiableSet(new LinkedHashSet<>(unifiedControllers));
        this.ownPaths = Collections.unmodifiableMap(new LinkedHashMap<>(ownPaths));
    }

    /** The layout seen by this process. */
    public static CgroupLayout detect() {
        try {
            return parse(Files.readString(Path.of("/proc/self/mountinfo")),
                    Files.readString(Path.of("/proc/self/cgroup")), CgroupFs.REAL);
        } catch (IOException e) {
            throw new CgroupException("reading /proc/self/mountinfo or /proc/self/cgroup: " + CgroupDir.reason(e), e);
        }
    }

    /**
     * Parses the two proc files. Mount points are taken as they are, so tests can describe a fake
     * tree in a temporary directory; cgroup.controllers is read from the cgroup2 mount through fs.
     */
    public static CgroupLayout parse(String mountinfo, String procSelfCgroup, CgroupFs fs) {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Map<String, String> mountRoots = new LinkedHashMap<>();
        Path unified = null;
        String unifiedRoot = "/";
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split(" ");
            int sep = List.of(f).indexOf("-");
            if (sep < 6 || f.length < sep + 4) {
                continue;
            }
            String root = unescape(f[3]);
            Path mountPoint = Path.of(unescape(f[4]));
            String fsType = f[sep + 1];
            String superOptions = f[sep + 3];
            if (fsType.equals("cgroup2")) {
                if (unified == null) {
                    unified = mountPoint;
                    unifiedRoot = root;
                }
            } else if (fsType.equals("cgroup")) {
                for (String opt : superOptions.split(",")) {
                    if ((V1_CONTROLLERS.contains(opt) || opt.startsWith("name=")) && !v1.containsKey(opt)) {
                        v1.put(opt, mountPoint);
                        mountRoots.put(opt, root);
                    }
                }
            }
        }
        Set<String> controllers = new LinkedHashSet<>();
        if (unified != null) {
            try {
                Path f = unified.resolve("cgroup.controllers");
                if (fs.exists(f)) {
                    for (String c : fs.read(f).trim().split("\\s+")) {
                        if (!c.isEmpty()) {
                            controllers.add(c);
                        }
                    }
                }
            } catch (IOException e) {
                throw new CgroupException("reading " + unified + "/cgroup.controllers: " + CgroupDir.reason(e), e);
            }
        }
        Map<String, String> own = new LinkedHashMap<>();
        for (String line : procSelfCgroup.split("\n")) {
            String[] p = line.trim().split(":", 3);
            if (p.length != 3) {
                continue;
            }
            if (p[1].isEmpty()) {
                own.put(UNIFIED, relativeToMountRoot(p[2], unifiedRoot));
            } else {
                for (String c : p[1].split(",")) {
                    own.put(c, relativeToMountRoot(p[2], mountRoots.getOrDefault(c, "/")));
                }
            }
        }
        return new CgroupLayout(v1, unified, controllers, own);
    }

    /** A mount whose root is not "/" (a bind of a sub-cgroup) shows paths below that root. */
    private static String relativeToMountRoot(String path, String root) {
        if (root.equals("/") || !path.startsWith(root)) {
            return path;
        }
        String rest = path.substring(root.length());
        return rest.isEmpty() ? "/" : rest.startsWith("/") ? rest : "/" + rest;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public CgroupMode mode() {
        boolean anyV1Controller = v1Mounts.keySet().stream().anyMatch(V1_CONTROLLERS::contains);
        if (!anyV1Controller) {
            if (unifiedMount == null) {
                throw new CgroupException("no cgroup hierarchy is mounted (neither cgroup v1 controllers nor cgroup2)");
            }
            return CgroupMode.V2;
        }
        return unifiedMount == null ? CgroupMode.V1 : CgroupMode.HYBRID;
    }

    /** Mount point per v1 controller or "name=..." hierarchy. */
    public Map<String, Path> v1Mounts() {
        return v1Mounts;
    }

    public boolean hasV1(String controller) {
        return v1Mounts.containsKey(controller);
    }

    /** The cgroup2 mount point, or null. */
    public Path unifiedMount() {
        return unifiedMount;
    }

    /** cgroup.controllers of the cgroup2 root. */
    public Set<String> unifiedControllers() {
        return unifiedControllers;
    }

    /** This process's cgroup in the hierarchy of key (a controller, "name=...", or UNIFIED); "/" if unknown. */
    public String ownPath(String key) {
        return ownPaths.getOrDefault(key, "/");
    }

    public Map<String, String> ownPaths() {
        return ownPaths;
    }

    /**
     * The directory of the container's cgroup in every hierarchy this layout's mode uses, keyed as
     * the hierarchies are. An absolute path hangs off the hierarchy root; a relative one off this
     * process's cgroup in v1 and hybrid, and off the parent of it on pure v2, where a cgroup with
     * processes in it cannot have controllers enabled for its children.
     */
    public Map<String, Path> placement(String cgroupPath) {
        Map<String, Path> out = new LinkedHashMap<>();
        CgroupMode mode = mode();
        if (mode != CgroupMode.V2) {
            for (var e : v1Mounts.entrySet()) {
                out.put(e.getKey(), under(e.getValue(), cgroupPath, ownPath(e.getKey())));
            }
        }
        if (unifiedMount != null) {
            String base = ownPath(UNIFIED);
            if (mode == CgroupMode.V2) {
                base = parentOf(base);
            }
            out.put(UNIFIED, under(unifiedMount, cgroupPath, base));
        }
        return out;
    }

    /**
     * Refuses a placement that would put the container in the root of a hierarchy, in jrunc's
     * own cgroup or in an ancestor of it: the container's limits would then bind the host (or
     * jrunc itself), `kill --all` would reach processes that are not the container's, and its
     * removal would remove cgroups that are not its own. shown is linux.cgroupsPath as given.
     */
    public void checkPlacement(String shown, Map<String, Path> placement) {
        for (var e : placement.entrySet()) {
            String key = e.getKey();
            Path mount = key.equals(UNIFIED) ? unifiedMount : v1Mounts.get(key);
            if (mount == null) {
                continue;
            }
            Path dir = e.getValue().normalize();
            String name = key.equals(UNIFIED) ? "cgroup2" : key;
            String why = null;
            if (!dir.startsWith(mount) || dir.equals(mount)) {
                why = "the root of the " + name + " hierarchy (" + mount + ")";
            } else {
                String rel = "/" + mount.relativize(dir);
                String own = ownPath(key);
                if (own.equals(rel)) {
                    why = "jrunc's own cgroup in the " + name + " hierarchy (" + dir + ")";
                } else if (own.startsWith(rel + "/")) {
                    why = dir + ", an ancestor of jrunc's own cgroup in the " + name + " hierarchy (" + own + ")";
                }
            }
            if (why != null) {
                throw new CgroupException("$.linux.cgroupsPath: \"" + shown + "\" resolves to " + why
                        + ": jrunc never places a container there, as its limits, kill --all and removal would"
                        + " reach processes and cgroups that are not the container's");
            }
        }
    }

    private static Path under(Path mount, String cgroupPath, String own) {
        String rel = cgroupPath.startsWith("/") ? cgroupPath : join(own, cgroupPath);
        rel = rel.replaceAll("^/+", "");
        return rel.isEmpty() ? mount : mount.resolve(rel);
    }

    private static String join(String a, String b) {
        return a.endsWith("/") ? a + b : a + "/" + b;
    }

    private static String parentOf(String p) {
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    /** Distinct mount points among the v1 hierarchies (co-mounted controllers share one). */
    public List<Path> distinctV1Mounts() {
        return new ArrayList<>(new LinkedHashSet<>(v1Mounts.values()));
    }

    @Override
    public String toString() {
        return "CgroupLayout[mode=" + mode() + ", v1=" + v1Mounts + ", unified=" + unifiedMount
                + " " + unifiedControllers + ", own=" + ownPaths + "]";
    }
}
