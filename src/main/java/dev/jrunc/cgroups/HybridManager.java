package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * A container's cgroup on a hybrid host: the v1 hierarchies carry the controllers they have, and
 * the process is also placed in the cgroup2 hierarchy, whose controllers (hugetlb, say) serve
 * the limits no v1 hierarchy can.
 */
public final class HybridManager implements CgroupManager {
    private final CgroupLayout layout;
    private final V1Manager v1;
    private final V2Manager v2;

    HybridManager(CgroupFs fs, CgroupLayout layout, Map<String, Path> paths, List<Path> created, List<Path> joined) {
        this.layout = layout;
        Path unified = paths.get(CgroupLayout.UNIFIED);
        Map<String, Path> v1Paths = new LinkedHashMap<>(paths);
        v1Paths.remove(CgroupLayout.UNIFIED);
        this.v1 = new V1Manager(fs, layout, v1Paths, v1Part(created, unified), v1Part(joined, unified));
        this.v2 = unified == null ? null
                : new V2Manager(fs, layout, unified, v2Part(created), v2Part(joined), false);
    }

    private List<Path> v1Part(List<Path> dirs, Path unified) {
        List<Path> out = new ArrayList<>();
        for (Path p : dirs) {
            if (unified == null || !p.startsWith(layout.unifiedMount())) {
                out.add(p);
            }
        }
        return out;
    }

    private List<Path> v2Part(List<Path> dirs) {
        List<Path> out = new ArrayList<>(dirs);
        out.removeAll(v1Part(dirs, layout.unifiedMount()));
        return out;
    }

    @Override
    public List<Path> missingDirs() {
        List<Path> all = new ArrayList<>(v1.missingDirs());
        if (v2 != null) {
            all.addAll(v2.missingDirs());
        }
        return all;
    }

    /** Both freezers are checked before anything is made: on a hybrid host either one stops the init. */
    @Override
    public void create(CgroupRegistry registry) {
        v1.checkNotFrozen();
        if (v2 != null) {
            v2.checkNotFrozen();
        }
        v1.makeDirs(registry);
        if (v2 != null) {
            v2.makeDirs(registry);
        }
    }

    /** Where v1 lacks a controller that cgroup2 has, the limit goes to cgroup2. */
    private boolean viaV2(String controller) {
        return !layout.hasV1(controller) && v2 != null && layout.unifiedControllers().contains(controller);
    }

    @Override
    public void apply(Resources r) {
        if (r == null) {
            return;
        }
        boolean hugetlbV2 = has(r.hugepageLimits()) && viaV2("hugetlb");
        boolean rdmaV2 = r.rdma() != null && !r.rdma().isEmpty() && viaV2("rdma");
        v1.apply(new Resources(r.devices(), r.memory(), r.cpu(), r.pids(), r.blockIO(),
                hugetlbV2 ? null : r.hugepageLimits(), r.network(), rdmaV2 ? null : r.rdma(), null));
        Set<String> wanted = new HashSet<>();
        if (hugetlbV2) {
            wanted.add("hugetlb");
        }
        if (rdmaV2) {
            wanted.add("rdma");
        }
        Map<String, String> unified = r.unified();
        if (unified != null && !unified.isEmpty()) {
            if (v2 == null) {
                throw Check.invalid(Unified.key(unified.keySet().iterator().next()), "no cgroup2 hierarchy is mounted");
            }
            for (String file : unified.keySet()) {
                String c = file.contains(".") ? file.substring(0, file.indexOf('.')) : file;
                if (!c.equals("cgroup") && !layout.unifiedControllers().contains(c)) {
                    throw Check.invalid(Unified.key(file), "the " + c + " controller is not in this host's cgroup2 hierarchy "
                            + layout.unifiedMount() + " (it has: " + String.join(" ", layout.unifiedControllers())
                            + "); on this hybrid host it can only be limited through linux.resources' v1 fields");
                }
                if (!c.equals("cgroup")) {
                    wanted.add(c);
                }
            }
        }
        if (!wanted.isEmpty()) {
            v2.enable(wanted);
            v2.applyV2Only(hugetlbV2 ? r.hugepageLimits() : null, rdmaV2 ? r.rdma() : null, unified);
        }
    }

    private static boolean has(List<?> l) {
        return l != null && !l.isEmpty();
    }

    @Override
    public void addProcess(long pid) {
        v1.addProcess(pid);
        if (v2 != null) {
            v2.addProcess(pid);
        }
    }

    @Override
    public void addProcess(long pid, Map<String, Path> dirs) {
        Map<String, Path> v1Dirs = new LinkedHashMap<>(dirs);
        v1Dirs.remove(CgroupLayout.UNIFIED);
        v1.addProcess(pid, v1Dirs);
        if (v2 != null) {
            v2.addProcess(pid, dirs);
        }
    }

    @Override
    public List<Path> occupied() {
        List<Path> all = new ArrayList<>(v1.occupied());
        if (v2 != null) {
            all.addAll(v2.occupied());
        }
        return all;
    }

    @Override
    public void destroy(CgroupRegistry registry, LongPredicate foreign) {
        CgroupException first = null;
        try {
            v1.destroy(registry, foreign);
        } catch (CgroupException e) {
            first = e;
        }
        if (v2 != null) {
            try {
                v2.destroy(registry, foreign);
            } catch (CgroupException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The v1 freezer when mounted, else the cgroup2 one. */
    @Override
    public void freeze() {
        if (v1.canFreeze() || v2 == null) {
            v1.freeze();
        } else {
            v2.freeze();
        }
    }

    @Override
    public void thaw() {
        if (v1.canFreeze() || v2 == null) {
            v1.thaw();
        } else {
            v2.thaw();
        }
    }

    @Override
    public boolean isFrozen() {
        return v1.canFreeze() || v2 == null ? v1.isFrozen() : v2.isFrozen();
    }

    @Override
    public Set<Long> pids() {
        return v1.pids();
    }

    @Override
    public void killAll(int signal, Signaller signaller, LongPredicate foreign) {
        if (v1.canFreeze() || v2 == null) {
            v1.killAll(signal, signaller, foreign);
        } else {
            v2.killAll(signal, signaller, foreign);
        }
    }

    @Override
    public CgroupStats stats() {
        CgroupStats s = v1.stats();
        if (viaV2("hugetlb")) {
            s = new CgroupStats(s.cpu(), s.memory(), s.pids(), s.blkio(), StatsV2.hugetlb(v2.dir()));
        }
        return s;
    }

    @Override
    public long oomKillCount() {
        return v1.oomKillCount();
    }

    @Override
    public Map<String, Path> paths() {
        Map<String, Path> all = new LinkedHashMap<>(v1.paths());
        if (v2 != null) {
            all.putAll(v2.paths());
        }
        return all;
    }

    @Override
    public List<Path> createdDirs() {
        List<Path> all = new ArrayList<>(v1.createdDirs());
        if (v2 != null) {
            all.addAll(v2.createdDirs());
        }
        return all;
    }

    @Override
    public List<Path> joinedDirs() {
        List<Path> all = new ArrayList<>(v1.joinedDirs());
        if (v2 != null) {
            all.addAll(v2.joinedDirs());
        }
        return all;
    }
}
