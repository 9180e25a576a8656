package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A container's cgroup on cgroup v1: one directory per hierarchy. */
public final class V1Manager implements CgroupManager {
    private final CgroupFs fs;
    private final CgroupLayout layout;
    private final Map<String, Path> paths;
    private final List<Path> created;
    private final List<Path> joined;

    V1Manager(CgroupFs fs, CgroupLayout layout, Map<String, Path> paths, List<Path> created, List<Path> joined) {
        this.fs = fs;
        this.layout = layout;
        this.paths = new LinkedHashMap<>(paths);
        this.paths.remove(CgroupLayout.UNIFIED);
        this.created = new ArrayList<>(created);
        this.joined = new ArrayList<>(joined);
    }

    /** The directory of a controller, or null when it is not mounted. */
    CgroupDir dir(String controller) {
        Path p = paths.get(controller);
        return p == null ? null : new CgroupDir(fs, p);
    }

    private CgroupDir require(String controller, String key) {
        CgroupDir d = dir(controller);
        if (d == null) {
            throw Check.invalid(key, "the " + controller + " cgroup controller is not mounted on this host");
        }
        return d;
    }

    private Set<Path> distinctDirs() {
        return new LinkedHashSet<>(paths.values());
    }

    @Override
    public List<Path> missingDirs() {
        return CgroupTree.missing(fs, distinctDirs());
    }

    @Override
    public void create(CgroupRegistry registry) {
        checkNotFrozen();
        makeDirs(registry);
    }

    /** A frozen cgroup (or the frozen parent of a new one) would hold the container's init forever. */
    void checkNotFrozen() {
        Path p = paths.get("freezer");
        if (p == null) {
            return;
        }
        Path mount = layout.v1Mounts().get("freezer");
        for (Path d = p; d != null && !d.equals(mount) && (mount == null || d.startsWith(mount)); d = d.getParent()) {
            if (!fs.exists(d)) {
                continue;
            }
            String state = new CgroupDir(fs, d).readIfPresent("freezer.state");
            if (state != null && !state.equals("THAWED")) {
                throw Freezer.frozen(d, d.equals(p), "freezer.state " + state);
            }
            return;
        }
    }

    void makeDirs(CgroupRegistry registry) {
        CgroupTree.Made m = CgroupTree.make(fs, registry, distinctDirs());
        created.addAll(m.made());
        joined.addAll(m.joined());
        Path cpuset = paths.get("cpuset");
        Path mount = layout.v1Mounts().get("cpuset");
        if (cpuset != null && mount != null && cpuset.startsWith(mount)) {
            // The kernel refuses a process in a v1 cpuset cgroup whose cpus or mems are empty, and a
            // new cgroup starts empty: fill every empty level from the top down, including parents
            // jrunc did not make (a pod cgroup an engine made), never changing a value that is set.
            List<Path> levels = new ArrayList<>();
            for (Path d = cpuset; !d.equals(mount); d = d.getParent()) {
                levels.add(0, d);
            }
            for (Path d : levels) {
                Cpuset.inheritFromParent(new CgroupDir(fs, d), new CgroupDir(fs, d.getParent()));
            }
        }
    }

    @Override
    public void apply(Resources r) {
        if (r == null) {
            return;
        }
        if (r.memory() != null) {
            MemoryV1.apply(require("memory", Check.R + "memory"), r.memory());
        }
        if (r.cpu() != null) {
            if (CpuV1.needed(r.cpu())) {
                CpuV1.apply(require("cpu", Check.R + "cpu"), r.cpu());
            }
            if (Cpuset.needed(r.cpu())) {
                Cpuset.apply(require("cpuset", Check.R + "cpu.cpus"), r.cpu());
            }
        }
        if (r.pids() != null && Check.set(r.pids().limit())) {
            Pids.apply(require("pids", Check.R + "pids"), r.pids());
        }
        if (r.blockIO() != null) {
            BlkioV1.apply(require("blkio", Check.R + "blockIO"), r.blockIO());
        }
        if (r.hugepageLimits() != null && !r.hugepageLimits().isEmpty()) {
            Hugetlb.apply(require("hugetlb", Check.R + "hugepageLimits"), r.hugepageLimits(), false);
        }
        if (r.network() != null) {
            NetworkV1.apply(dir("net_cls"), dir("net_prio"), r.network());
        }
        if (r.rdma() != null && !r.rdma().isEmpty()) {
            Rdma.apply(dir("rdma"), r.rdma());
        }
        if (r.unified() != null && !r.unified().isEmpty()) {
            String file = r.unified().keySet().iterator().next();
            throw Check.invalid(Unified.key(file), "this host has no cgroup v2 hierarchy (cgroup v1 only)");
        }
        if (r.devices() != null && !r.devices().isEmpty()) {
            DevicesV1.apply(require("devices", Check.R + "devices"), r.devices());
        }
    }

    @Override
    public void addProcess(long pid) {
        addProcess(pid, paths);
    }

    @Override
    public void addProcess(long pid, Map<String, Path> dirs) {
        for (Path p : new LinkedHashSet<>(dirs.values())) {
            new CgroupDir(fs, p).write("cgroup.procs (adding pid " + pid + ")", "cgroup.procs", Long.toString(pid));
        }
    }

    @Override
    public List<Path> occupied() {
        List<Path> out = new ArrayList<>();
        for (Path p : distinctDirs()) {
            if (!CgroupTree.procsOf(fs, p).isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    @Override
    public void destroy(CgroupRegistry registry, java.util.function.LongPredicate foreign) {
        List<Path> candidates = new ArrayList<>(created);
        candidates.addAll(joined);
        CgroupTree.remove(fs, registry, distinctDirs(), candidates, foreign);
    }

    @Override
    public void freeze() {
        Freezer.setV1(require("freezer", "freezer"), true);
    }

    @Override
    public void thaw() {
        Freezer.setV1(require("freezer", "freezer"), false);
    }

    @Override
    public boolean isFrozen() {
        CgroupDir d = dir("freezer");
        return d != null && Freezer.isFrozenV1(d);
    }

    boolean canFreeze() {
        return dir("freezer") != null;
    }

    @Override
    public Set<Long> pids() {
        for (String c : new String[] {"pids", "freezer", "memory", "devices", "cpu"}) {
            if (paths.containsKey(c)) {
                return CgroupTree.pids(fs, paths.get(c));
            }
        }
        return paths.isEmpty() ? Set.of() : CgroupTree.pids(fs, paths.values().iterator().next());
    }

    @Override
    public void killAll(int signal, Signaller signaller, java.util.function.LongPredicate foreign) {
        Set<Long> all = pids();
        // Freezing stops a fork race, but a cgroup shared with another container's processes is
        // not this container's to freeze.
        boolean freeze = canFreeze() && all.stream().noneMatch(foreign::test);
        signalEach(all, freeze, signal, signaller, foreign);
    }

    @Override
    public CgroupStats stats() {
        return StatsV1.read(this::dir);
    }

    @Override
    public long oomKillCount() {
        CgroupDir d = dir("memory");
        return d == null ? 0 : d.readKeyValues("memory.oom_control").getOrDefault("oom_kill", 0L);
    }

    @Override
    public Map<String, Path> paths() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(paths));
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
