package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleTest {
    @TempDir
    Path tmp;

    @Test
    void destroyRemovesOnlyWhatCreateMade() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        host.fs.mkdir(tmp.resolve("memory/existing"));
        CgroupManager m = host.created("/existing/new/ctr");
        assertTrue(m.createdDirs().contains(tmp.resolve("memory/existing/new")));
        assertFalse(m.createdDirs().contains(tmp.resolve("memory/existing")));
        assertTrue(m.createdDirs().contains(tmp.resolve("pids/existing")));
        host.destroy(m);
        assertTrue(Files.isDirectory(tmp.resolve("memory/existing")));
        assertFalse(Files.exists(tmp.resolve("memory/existing/new")));
        assertFalse(Files.exists(tmp.resolve("pids/existing")));
        assertFalse(Files.exists(tmp.resolve("systemd/existing")));
    }

    @Test
    void aParentJruncMadeGoesWithTheLastContainerUsingIt() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager a = host.created("/pod/a");
        CgroupManager b = host.created("/pod/b");
        assertEquals(List.of(tmp.resolve("pod"), tmp.resolve("pod/a")), a.createdDirs());
        assertEquals(List.of(tmp.resolve("pod/b")), b.createdDirs());
        assertEquals(List.of(tmp.resolve("pod")), b.joinedDirs(), "b uses the pod cgroup jrunc made for a");
        host.destroy(a);
        assertTrue(Files.isDirectory(tmp.resolve("pod/b")));
        host.destroy(b);
        assertFalse(Files.exists(tmp.resolve("pod")), "jrunc made pod: the last container out removes it");
    }

    @Test
    void aParentJruncDidNotMakeStaysEmpty() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        host.fs.mkdir(tmp.resolve("pod"));
        CgroupManager a = host.created("/pod/a");
        assertEquals(List.of(), a.joinedDirs());
        host.destroy(a);
        assertTrue(Files.isDirectory(tmp.resolve("pod")));
    }

    @Test
    void destroyRemovesSubCgroupsTheContainerMade() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager m = host.created("/ctr");
        host.fs.mkdir(tmp.resolve("ctr/init.scope"));
        host.fs.mkdir(tmp.resolve("ctr/init.scope/deeper"));
        host.destroy(m);
        assertFalse(Files.exists(tmp.resolve("ctr")));
    }

    @Test
    void reopenedManagerSeesTheSameDirectoriesAndCreatedList() throws IOException {
        FakeHost host = FakeHost.hybridHost(tmp);
        CgroupManager m = host.created("/a/ctr");
        CgroupManager again = CgroupManager.open(host.layout(), m.paths(), m.createdDirs(), m.joinedDirs(), host.fs);
        assertEquals(m.paths(), again.paths());
        assertEquals(Set.copyOf(m.createdDirs()), Set.copyOf(again.createdDirs()));
        host.destroy(again);
        assertFalse(Files.exists(tmp.resolve("unified/a")));
        assertFalse(Files.exists(tmp.resolve("cpu/a")));
    }

    @Test
    void pidsIncludeSubCgroups() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager m = host.created("/ctr");
        host.fs.mkdir(tmp.resolve("ctr/sub"));
        Files.writeString(tmp.resolve("ctr/cgroup.procs"), "10\n");
        Files.writeString(tmp.resolve("ctr/sub/cgroup.procs"), "11\n12\n");
        assertEquals(Set.of(10L, 11L, 12L), m.pids());
    }

    @Test
    void busyCgroupIsRetriedThenReported() throws IOException {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager m = host.created("/ctr");
        Files.writeString(tmp.resolve("ctr/cgroup.procs"), "10\n");
        long t0 = System.nanoTime();
        var e = assertThrows(CgroupException.class, () -> host.destroy(m));
        assertTrue(e.getMessage().contains(tmp.resolve("ctr").toString()), e.getMessage());
        assertTrue(System.nanoTime() - t0 >= CgroupTree.RMDIR_TIMEOUT_MS * 1_000_000 / 2);
    }

    @Test
    void busyCgroupThatEmptiesIsRemoved() throws Exception {
        FakeHost host = FakeHost.v2Host(tmp);
        CgroupManager m = host.created("/ctr");
        Files.writeString(tmp.resolve("ctr/cgroup.procs"), "10\n");
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
                Files.writeString(tmp.resolve("ctr/cgroup.procs"), "");
            } catch (Exception ignored) {
                // the assertion below reports it
            }
        });
        t.start();
        host.destroy(m);
        t.join();
        assertFalse(Files.exists(tmp.resolve("ctr")));
    }

    @Test
    void v1KillAllFreezesAroundTheSignals() throws IOException {
        FakeHost host = FakeHost.v1Host(tmp);
        CgroupManager m = host.created("/ctr");
        Files.writeString(tmp.resolve("pids/ctr/cgroup.procs"), "5\n6\n");
        List<String> seen = new java.util.ArrayList<>();
        m.killAll(9, (pid, sig) -> seen.add(pid + ":" + sig + ":" + (m.isFrozen() ? "frozen" : "thawed")), FakeHost.NONE_FOREIGN);
        assertEquals(List.of("5:9:frozen", "6:9:frozen"), seen);
        assertFalse(m.isFrozen());
    }
}
