package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/** A container's cgroup on cgroup v2: one directory in the unified hierarchy. */
public final class V2Manager implements CgroupManager {
    private final CgroupFs fs;
    private final CgroupLayout layout;
    private final Path path;
    private final List<Path> created;
    private final List<Path> joined;
    /** Pure v2 enables every controller on the way down; hybrid only those it uses. */
    private final boolean enableAllControllers;

    V2Manager(CgroupFs fs, CgroupLayout layout, Path path, List<Path> created, List<Path> joined,
            boolean enableAllControllers) {
        if (path == null) {
            throw new CgroupException("no cgroup2 directory for the container (layout " + layout + ")");
        }
        this.fs = fs;
        this.layout = layout;
        this.path = path;
        this.created = new ArrayList<>(created);
        this.joined = new ArrayList<>(joined);
        this.enableAllControllers = enableAllControllers;
    }

    CgroupDir dir() {
        return new CgroupDir(fs, path);
    }

    @Override
    public List<Path> missingDirs() {
        return CgroupTree.missing(fs, List.of(path));
    }

    @Override
    public void create(CgroupRegistry registry) {
        checkNotFrozen();
        makeDirs(registry);
    }

    /** A frozen cgroup (or the frozen parent of a new one) would hold the container's init forever. */
    void checkNotFrozen() {
        Path root = layout.unifiedMount();
        for (Path d = path; d != null && !d.equals(root) && (root == null || d.startsWith(root)); d = d.getParent()) {
            if (!fs.exists(d)) {
                continue;
            }
            CgroupDir dir = new CgroupDir(fs, d);
            if (Freezer.isFrozenV2(dir) || "1".equals(dir.readIfPresent("cgroup.freeze"))) {
                throw Freezer.frozen(d, d.equals(path), "cgroup.freeze 1");
            }
            return;
        }
    }

    void makeDirs(CgroupRegistry registry) {
        CgroupTree.Made m = CgroupTree.make(fs, registry, List.of(path));
        created.addAll(m.made());
        joined.addAll(m.joined());
        if (enableAllControllers) {
            enable(null);
        }
    }

    /**
     * A controller is usable in a cgroup only if every ancestor lists it in
     * cgroup.subtree_control, so enable it from the hierarchy root down to the parent.
     * wanted == null means every controller each level has.
     */
    void enable(Set<String> wanted) {
        Path root = layout.unifiedMount();
        if (root == null || !path.startsWith(root)) {
            return;
        }
        List<Path> levels = new ArrayList<>();
        for (Path p = path.getParent(); p != null && p.startsWith(root); p = p.getParent()) {
            levels.add(0, p);
        }
        for (Path level : levels) {
            CgroupDir d = new CgroupDir(fs, level);
            Set<String> available = words(d.readIfPresent("cgroup.controllers"));
            Set<String> enabled = words(d.readIfPresent("cgroup.subtree_control"));
            List<String> add = new ArrayList<>();
            for (String c : available) {
                if ((wanted == null || wanted.contains(c)) && !enabled.contains(c)) {
                    add.add("+" + c);
                }
            }
            if (add.isEmpty() || !d.has("cgroup.subtree_control")) {
                continue;
            }
            try {
                d.write("cgroup.subtree_control", "cgroup.subtree_control", String.join(" ", add));
            } catch (CgroupException e) {
                // one refused controller (cpu with realtime processes, say) must not block the others
                for (String one : add) {
                    try {
                        d.write("cgroup.subtree_control", "cgroup.subtree_control", one);
                    } catch (CgroupException ignored) {
                        // reported later if a limit needs it: its files will be missing
                    }
                }
            }
        }
    }

    static Set<String> words(String s) {
        Set<String> out = new LinkedHashSet<>();
        if (s != null) {
            for (String w : s.trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    out.add(w);
                }
            }
        }
        return out;
    }

    /** Controllers usable in the container's cgroup. */
    Set<String> controllers() {
        return words(dir().readIfPresent("cgroup.controllers"));
    }

    private CgroupDir require(String controller, String key) {
        Set<String> have = controllers();
        if (!have.contains(controller)) {
            throw Check.invalid(key, "the " + controller + " controller is not enabled for " + path
                    + " (cgroup.controllers: " + String.join(" ", have) + ")");
        }
        return dir();
    }

    @Override
    public void apply(Resources r) {
        if (r == null) {
            return;
        }
        if (r.memory() != null) {
            MemoryV2.apply(require("memory", Check.R + "memory"), r.memory());
        }
        if (r.cpu() != null) {
            if (CpuV1.needed(r.cpu())) {
                CpuV2.apply(require("cpu", Check.R + "cpu"), r.cpu());
            }
            if (Cpuset.needed(r.cpu())) {
                Cpuset.apply(require("cpuset", Check.R + "cpu.cpus"), r.cpu());
            }
        }
        if (r.pids() != null && Check.set(r.pids().limit())) {
            Pids.apply(require("pids", Check.R + "pids"), r.pids());
        }
        if (r.blockIO() != null) {
            IoV2.apply(require("io", Check.R + "blockIO"), r.blockIO());
        }
        if (r.network() != null) {
            NetworkV1.refuseOnV2(r.network());
        }
        applyV2Only(r.hugepageLimits(), r.rdma(), r.unified());
        if (r.devices() != null && !r.devices().isEmpty()) {
            fs.installDeviceFilter(path, DeviceBpfProgram.build(r.devices()));
        }
    }

    /** The parts a hybrid host may also route here. */
    void applyV2Only(List<Resources.HugepageLimit> hugepages, Map<String, Resources.Rdma> rdma,
            Map<String, String> unified) {
        if (hugepages != null && !hugepages.isEmpty()) {
            Hugetlb.apply(require("hugetlb", Check.R + "hugepageLimits"), hugepages, true);
        }
        if (rdma != null && !rdma.isEmpty()) {
            Rdma.apply(require("rdma", Check.R + "rdma"), rdma);
        }
        if (unified != null && !unified.isEmpty()) {
            Unified.apply(dir(), unified, controllers());
        }
    }

    @Override
    public void addProcess(long pid) {
        dir().write("cgroup.procs (adding pid " + pid + ")", "cgroup.procs", Long.toString(pid));
    }

    @Override
    public void addProcess(long pid, Map<String, Path> dirs) {
        Path p = dirs.getOrDefault(CgroupLayout.UNIFIED, path);
        new CgroupDir(fs, p).write("cgroup.procs (adding pid " + pid + ")", "cgroup.procs", Long.toString(pid));
    }

    @Override
    public List<Path> occupied() {
        return CgroupTree.procsOf(fs, path).isEmpty() ? List.of() : List.of(path);
    }

    @Override
    public void destroy(CgroupRegistry registry, LongPredicate foreign) {
        List<Path> candidates = new ArrayList<>(created);
        candidates.addAll(joined);
        CgroupTree.remove(fs, registry, List.of(path), candidates, foreign);
    }

    @Override
    public void freeze() {
        Freezer.setV2(dir(), true);
    }

    @Override
    public void thaw() {
        Freezer.setV2(dir(), false);
    }

    @Override
    public boolean isFrozen() {
        return Freezer.isFrozenV2(dir());
    }

    @Override
    public Set<Long> pids() {
        return CgroupTree.pids(fs, path);
    }

    @Override
    public void killAll(int signal, Signaller signaller, LongPredicate foreign) {
        Set<Long> all = pids();
        // cgroup.kill and the freezer act on every process of the cgroup: only for a cgroup that
        // holds nothing but this container's
        boolean exclusive = all.stream().noneMatch(foreign::test);
        // cgroup.kill (5.14+) kills atomically, including processes forked during the kill
        if (exclusive && signal == 9 && dir().has("cgroup.kill")) {
            dir().write("cgroup.kill", "cgroup.kill", "1");
            return;
        }
        boolean freeze = exclusive && dir().has("cgroup.freeze");
        signalEach(all, freeze, signal, signaller, foreign);
    }

    @Override
    public CgroupStats stats() {
        return StatsV2.read(dir());
    }

    @Override
    public long oomKillCount() {
        return dir().readKeyValues("memory.events").getOrDefault("oom_kill", 0L);
    }

    @Override
    public Map<String, Path> paths() {
        return Map.of(CgroupLayout.UNIFIED, path);
    }

    @Override
    public List<Path> createdDirs() {
        return List.copyOf(created);
    }

    @Override
    public List<Path> joinedDirs() {
        return List.copyOf(joined);
    }
}
