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
    private final Map<String, Path> paths;
    private final List<Path> created;

    V1Manager(CgroupFs fs, Map<String, Path> paths, List<Path> created) {
        this.fs = fs;
        this.paths = new LinkedHashMap<>(paths);
        this.paths.remove(CgroupLayout.UNIFIED);
        this.created = new ArrayList<>(created);
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
    public void create() {
        for (var e : paths.entrySet()) {
            List<Path> made = CgroupTree.mkdirs(fs, e.getValue());
            created.addAll(made);
            if (e.getKey().equals("cpuset")) {
                for (Path p : made) {
                    Cpuset.inheritFromParent(new CgroupDir(fs, p), new CgroupDir(fs, p.getParent()));
                }
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
        for (Path p : distinctDirs()) {
            new CgroupDir(fs, p).write("cgroup.procs (adding pid " + pid + ")", "cgroup.procs", Long.toString(pid));
        }
    }

    @Override
    public void destroy() {
        CgroupException first = null;
        for (Path p : distinctDirs()) {
            try {
                CgroupTree.removeTree(fs, p);
            } catch (CgroupException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        CgroupTree.removeCreatedParents(fs, created);
        if (first != null) {
            throw first;
        }
        created.clear();
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
    public void killAll(int signal, Signaller signaller) {
        boolean freeze = canFreeze();
        if (freeze) {
            try {
                freeze();
            } catch (CgroupException e) {
                // a cgroup that will not freeze must still be killable; accept the fork race
                freeze = false;
            }
        }
        try {
            for (long pid : pids()) {
                signaller.signal(pid, signal);
            }
        } finally {
            if (freeze) {
                thaw();
            }
        }
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
}
