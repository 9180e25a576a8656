package dev.jrunc.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A fake host: cgroup mounts under a temp dir, with mountinfo and /proc/self/cgroup to match. */
final class FakeHost {
    static final String V1_MAX = "9223372036854771712";

    /** Nothing is foreign: every process in a cgroup is the container's. */
    static final java.util.function.LongPredicate NONE_FOREIGN = pid -> false;

    final Path root;
    final FakeCgroupFs fs = new FakeCgroupFs();
    /** jrunc's record of the directories it made, beside the fake mounts. */
    final CgroupRegistry registry;
    private final StringBuilder mountinfo = new StringBuilder();
    private final StringBuilder procCgroup = new StringBuilder();
    private int id = 30;

    FakeHost(Path root) {
        this.root = root;
        this.registry = new CgroupRegistry(root.resolve(".jrunc-cgroups"), fs);
    }

    static Map<String, String> files(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static Map<String, String> v1Files(String controller) {
        Map<String, String> m = switch (controller) {
            case "memory" -> files("memory.limit_in_bytes", V1_MAX, "memory.memsw.limit_in_bytes", V1_MAX,
                    "memory.soft_limit_in_bytes", V1_MAX, "memory.kmem.limit_in_bytes", V1_MAX,
                    "memory.kmem.tcp.limit_in_bytes", V1_MAX, "memory.swappiness", "60",
                    "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
                    "memory.use_hierarchy", "1", "memory.usage_in_bytes", "0", "memory.max_usage_in_bytes", "0",
                    "memory.failcnt", "0", "memory.memsw.usage_in_bytes", "0", "memory.stat", "cache 0\nrss 0\n");
            case "cpu" -> files("cpu.shares", "1024", "cpu.cfs_period_us", "100000", "cpu.cfs_quota_us", "-1",
                    "cpu.cfs_burst_us", "0", "cpu.rt_period_us", "1000000", "cpu.rt_runtime_us", "0", "cpu.idle", "0",
                    "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
            case "cpuacct" -> files("cpuacct.usage", "0", "cpuacct.usage_percpu", "0 0", "cpuacct.stat", "user 0\nsystem 0\n");
            case "cpuset" -> files("cpuset.cpus", "", "cpuset.mems", "");
            case "devices" -> files("devices.allow", "", "devices.deny", "", "devices.list", "a *:* rwm\n");
            case "freezer" -> files("freezer.state", "THAWED");
            case "blkio" -> files("blkio.weight", "500", "blkio.leaf_weight", "500", "blkio.weight_device", "",
                    "blkio.leaf_weight_device", "", "blkio.throttle.read_bps_device", "",
                    "blkio.throttle.write_bps_device", "", "blkio.throttle.read_iops_device", "",
                    "blkio.throttle.write_iops_device", "", "blkio.throttle.io_service_bytes_recursive", "Total 0\n");
            case "pids" -> files("pids.max", "max", "pids.current", "0");
            case "hugetlb" -> files("hugetlb.2MB.limit_in_bytes", V1_MAX, "hugetlb.1GB.limit_in_bytes", V1_MAX,
                    "hugetlb.2MB.usage_in_bytes", "0", "hugetlb.1GB.usage_in_bytes", "0");
            case "net_cls" -> files("net_cls.classid", "0");
            case "net_prio" -> files("net_prio.ifpriomap", "lo 0\n");
            case "rdma" -> files("rdma.max", "");
            default -> files();
        };
        m.put("cgroup.procs", "");
        m.put("tasks", "");
        return m;
    }

    static final String V2_CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma";

    static Map<String, String> v2Files(String controllers) {
        Map<String, String> m = files("cgroup.controllers", controllers + "\n", "cgroup.subtree_control", "",
                "cgroup.procs", "", "cgroup.freeze", "0", "cgroup.events", "populated 0\nfrozen 0\n", "cgroup.kill", "");
        for (String c : controllers.split(" ")) {
            switch (c) {
                case "memory" -> m.putAll(files("memory.max", "max", "memory.swap.max", "max", "memory.low", "0",
                        "memory.current", "0", "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
                        "memory.stat", "anon 0\nfile 0\n"));
                case "cpu" -> m.putAll(files("cpu.weight", "100", "cpu.max", "max 100000", "cpu.max.burst", "0",
                        "cpu.idle", "0", "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"));
                case "cpuset" -> m.putAll(files("cpuset.cpus", "", "cpuset.mems", ""));
                case "io" -> m.putAll(files("io.weight", "default 100", "io.max", "", "io.stat", ""));
                case "hugetlb" -> m.putAll(files("hugetlb.2MB.max", "max", "hugetlb.1GB.max", "max",
                        "hugetlb.2MB.current", "0", "hugetlb.1GB.current", "0"));
                case "pids" -> m.putAll(files("pids.max", "max", "pids.current", "0"));
                case "rdma" -> m.putAll(files("rdma.max", ""));
                default -> { }
            }
        }
        return m;
    }

    /** Mounts a v1 hierarchy carrying the given controllers (comma-separated), at dirName. */
    FakeHost v1(String dirName, String controllers, String ownPath) throws IOException {
        Path mount = root.resolve(dirName);
        Files.createDirectories(mount);
        Map<String, String> tmpl = new LinkedHashMap<>();
        for (String c : controllers.split(",")) {
            tmpl.putAll(v1Files(c));
        }
        fs.templates.put(mount, tmpl);
        for (var f : tmpl.entrySet()) {
            Files.writeString(mount.resolve(f.getKey()), f.getValue());
        }
        if (controllers.contains("cpuset")) {
            Files.writeString(mount.resolve("cpuset.cpus"), "0-3\n");
            Files.writeString(mount.resolve("cpuset.mems"), "0\n");
        }
        mountinfo.append(id++).append(" 31 0:").append(id).append(" / ").append(mount)
                .append(" rw,relatime - cgroup cgroup rw,").append(controllers).append('\n');
        procCgroup.append(id).append(':').append(controllers).append(':').append(ownPath).append('\n');
        return this;
    }

    FakeHost v2(String dirName, String controllers, String ownPath) throws IOException {
        Path mount = dirName.isEmpty() ? root : root.resolve(dirName);
        Files.createDirectories(mount);
        fs.templates.put(mount, v2Files(controllers));
        Map<String, String> rootFiles = files("cgroup.controllers", controllers + "\n", "cgroup.subtree_control", "",
                "cgroup.procs", "");
        for (var f : rootFiles.entrySet()) {
            Files.writeString(mount.resolve(f.getKey()), f.getValue());
        }
        mountinfo.append(id++).append(" 23 0:").append(id).append(" / ").append(mount)
                .append(" rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n");
        procCgroup.append("0::").append(ownPath).append('\n');
        return this;
    }

    /** The v1 layout of this test host: separate cpu and cpuacct, named systemd, net_cls+net_prio together. */
    static FakeHost v1Host(Path root) throws IOException {
        FakeHost h = new FakeHost(root);
        for (String c : new String[] {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                "hugetlb", "rdma"}) {
            h.v1(c, c, "/");
        }
        h.v1("net_cls,net_prio", "net_cls,net_prio", "/");
        h.v1("systemd", "name=systemd", "/");
        return h;
    }

    static FakeHost v2Host(Path root) throws IOException {
        return new FakeHost(root).v2("", V2_CONTROLLERS, "/user.slice/user@0.service");
    }

    /** Like this machine: v1 controllers, no v1 hugetlb, cgroup2 at unified/ with only hugetlb. */
    static FakeHost hybridHost(Path root) throws IOException {
        FakeHost h = new FakeHost(root);
        for (String c : new String[] {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"}) {
            h.v1(c, c, c.equals("memory") ? "/process_api/abc" : "/");
        }
        h.v1("systemd", "name=systemd", "/");
        h.v2("unified", "hugetlb", "/");
        return h;
    }

    String mountinfo() {
        return mountinfo.toString();
    }

    String procCgroup() {
        return procCgroup.toString();
    }

    CgroupLayout layout() {
        return CgroupLayout.parse(mountinfo(), procCgroup(), fs);
    }

    CgroupManager manager(String cgroupsPath, String id) {
        return CgroupManager.forContainer(layout(), cgroupsPath, id, false, fs);
    }

    /** Creates the container cgroup and returns the manager. */
    CgroupManager created(String cgroupsPath) {
        CgroupManager m = manager(cgroupsPath, "ctr");
        m.create(registry);
        return m;
    }

    /** Removes what jrunc made for m, as delete does for a container without other processes around. */
    void destroy(CgroupManager m) {
        m.destroy(registry, NONE_FOREIGN);
    }
}
