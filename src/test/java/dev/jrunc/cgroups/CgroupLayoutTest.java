package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.linux.RecordingSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupLayoutTest {
    @TempDir
    Path tmp;

    /** This machine's mountinfo, verbatim. */
    static final String HYBRID_MOUNTINFO = """
            23 1 0:21 / / rw,relatime - overlay overlay rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    static final String HYBRID_PROC_CGROUP = """
            9:name=systemd:/
            8:pids:/
            7:blkio:/
            6:freezer:/
            5:devices:/
            4:memory:/process_api/4d36
            3:cpuset:/
            2:cpuacct:/
            1:cpu:/
            0::/
            """;

    @Test
    void parsesThisHostsHybridLayout() {
        CgroupLayout l = CgroupLayout.parse(HYBRID_MOUNTINFO, HYBRID_PROC_CGROUP, new CgroupFs(new RecordingSyscalls()) {
            @Override
            public boolean exists(Path file) {
                return file.toString().equals("/sys/fs/cgroup/unified/cgroup.controllers");
            }

            @Override
            public String read(Path file) {
                return "hugetlb\n";
            }
        });
        assertEquals(CgroupMode.HYBRID, l.mode());
        assertEquals(Path.of("/sys/fs/cgroup/cpu"), l.v1Mounts().get("cpu"));
        assertEquals(Path.of("/sys/fs/cgroup/cpuacct"), l.v1Mounts().get("cpuacct"));
        assertEquals(Path.of("/sys/fs/cgroup/systemd"), l.v1Mounts().get("name=systemd"));
        assertFalse(l.hasV1("hugetlb"));
        assertEquals(Path.of("/sys/fs/cgroup/unified"), l.unifiedMount());
        assertEquals(Set.of("hugetlb"), l.unifiedControllers());
        assertEquals("/process_api/4d36", l.ownPath("memory"));
        assertEquals("/", l.ownPath("cpu"));
        assertEquals("/", l.ownPath(CgroupLayout.UNIFIED));
    }

    @Test
    void relativePathHangsOffOwnCgroupPerHierarchyOnV1() {
        CgroupLayout l = CgroupLayout.parse(HYBRID_MOUNTINFO, HYBRID_PROC_CGROUP, new CgroupFs(new RecordingSyscalls()));
        Map<String, Path> p = l.placement("ctr");
        assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/4d36/ctr"), p.get("memory"));
        assertEquals(Path.of("/sys/fs/cgroup/cpu/ctr"), p.get("cpu"));
        assertEquals(Path.of("/sys/fs/cgroup/systemd/ctr"), p.get("name=systemd"));
        assertEquals(Path.of("/sys/fs/cgroup/unified/ctr"), p.get(CgroupLayout.UNIFIED));
        Map<String, Path> abs = l.placement("/a/b");
        assertEquals(Path.of("/sys/fs/cgroup/memory/a/b"), abs.get("memory"));
        assertEquals(Path.of("/sys/fs/cgroup/unified/a/b"), abs.get(CgroupLayout.UNIFIED));
    }

    @Test
    void pureV2RelativePathHangsOffTheParentOfOwnCgroup() throws IOException {
        Files.writeString(tmp.resolve("cgroup.controllers"), "cpu memory pids\n");
        String mi = "30 23 0:26 / " + tmp + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        CgroupLayout l = CgroupLayout.parse(mi, "0::/user.slice/user-0.slice/user@0.service\n", new CgroupFs(new RecordingSyscalls()));
        assertEquals(CgroupMode.V2, l.mode());
        assertEquals(Set.of("cpu", "memory", "pids"), l.unifiedControllers());
        assertEquals(Map.of("", tmp.resolve("user.slice/user-0.slice/ctr")), l.placement("ctr"));
        assertEquals(Map.of("", tmp.resolve("x/y")), l.placement("/x/y"));
    }

    @Test
    void coMountedControllersShareOneDirectoryAndOptionsAreNotControllers() {
        String mi = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                + "33 31 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children\n";
        CgroupLayout l = CgroupLayout.parse(mi, "2:cpu,cpuacct:/x\n1:cpuset:/\n", new CgroupFs(new RecordingSyscalls()));
        assertEquals(CgroupMode.V1, l.mode());
        assertEquals(Set.of("cpu", "cpuacct", "cpuset"), l.v1Mounts().keySet());
        assertEquals(1, l.distinctV1Mounts().stream().filter(p -> p.toString().contains("cpuacct")).count());
        assertEquals("/x", l.ownPath("cpuacct"));
    }

    @Test
    void ownPathIsRelativeToABindMountedRootAndEscapesAreDecoded() {
        String mi = "40 31 0:37 /docker/abc /sys/fs/cgroup/mem\\040ory rw - cgroup cgroup rw,memory\n";
        CgroupLayout l = CgroupLayout.parse(mi, "4:memory:/docker/abc/sub\n", new CgroupFs(new RecordingSyscalls()));
        assertEquals(Path.of("/sys/fs/cgroup/mem ory"), l.v1Mounts().get("memory"));
        assertEquals("/sub", l.ownPath("memory"));
    }

    @Test
    void noCgroupsAtAllIsAnError() {
        CgroupLayout l = CgroupLayout.parse("23 1 0:21 / / rw - ext4 /dev/sda rw\n", "", new CgroupFs(new RecordingSyscalls()));
        assertThrows(CgroupException.class, l::mode);
    }

    @Test
    void detectReadsThisProcess() {
        CgroupLayout l = CgroupLayout.detect();
        assertTrue(l.unifiedMount() != null || !l.v1Mounts().isEmpty());
    }
}
