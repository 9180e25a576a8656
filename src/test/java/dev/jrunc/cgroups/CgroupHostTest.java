package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.Resources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs against this machine's real v1 hierarchies (root only); everything lives under jrunc-test-*. */
class CgroupHostTest {
    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    private CgroupRegistry registry() {
        return new CgroupRegistry(tmp.resolve("registry"), CgroupFs.REAL);
    }

    static final Signaller KILL_VIA_PROCESS_HANDLE = (pid, sig) -> {
        if (sig != 9) {
            throw new AssertionError("only SIGKILL is used here");
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    };

    @Test
    void limitPlaceFreezeKillDestroy() throws Exception {
        CgroupLayout layout = HostAssumptions.assumeRootWithV1("memory", "pids", "freezer", "cpuset");
        String top = "/" + HostAssumptions.uniqueName();
        CgroupManager m = CgroupManager.forContainer(layout, top + "/ctr", "ctr", false);
        Process sleep = null;
        try {
            m.create(registry());
            Path mem = m.paths().get("memory");
            Path pids = m.paths().get("pids");
            assertTrue(Files.isDirectory(mem) && Files.isDirectory(pids));
            assertTrue(m.createdDirs().contains(mem.getParent()), m.createdDirs().toString());

            m.apply(new Resources(null, new Resources.Memory(64L << 20, null, null, null, null, null, null, null, null),
                    new Resources.Cpu(null, null, null, null, null, null, "0", "0", null), new Resources.Pids(32L),
                    null, null, null, null, null));
            assertEquals(Long.toString(64L << 20), Files.readString(mem.resolve("memory.limit_in_bytes")).trim());
            assertEquals("32", Files.readString(pids.resolve("pids.max")).trim());
            assertEquals("0", Files.readString(m.paths().get("cpuset").resolve("cpuset.cpus")).trim());

            sleep = new ProcessBuilder("sleep", "60").start();
            long pid = sleep.pid();
            m.addProcess(pid);
            assertEquals(List.of(Long.toString(pid)), Files.readAllLines(mem.resolve("cgroup.procs")));
            assertEquals(List.of(Long.toString(pid)), Files.readAllLines(pids.resolve("cgroup.procs")));
            assertTrue(Files.readString(Path.of("/proc/" + pid + "/cgroup")).contains(":memory:" + top + "/ctr\n"));
            assertEquals(java.util.Set.of(pid), m.pids());

            CgroupStats stats = m.stats();
            assertEquals(64L << 20, stats.memory().usage().limit());
            assertEquals(new CgroupStats.Pids(1, 32), stats.pids());

            m.freeze();
            assertTrue(m.isFrozen());
            assertEquals("FROZEN", Files.readString(m.paths().get("freezer").resolve("freezer.state")).trim());
            m.thaw();
            assertFalse(m.isFrozen());

            m.killAll(9, KILL_VIA_PROCESS_HANDLE, none -> false);
            assertTrue(sleep.waitFor(5, TimeUnit.SECONDS));
            assertEquals(0, m.oomKillCount());

            m.destroy(registry(), none -> false);
            for (Path p : m.paths().values()) {
                assertFalse(Files.exists(p), p + " should be gone");
                assertFalse(Files.exists(p.getParent()), p.getParent() + " should be gone");
            }
        } finally {
            if (sleep != null) {
                sleep.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            try {
                m.thaw();
            } catch (RuntimeException ignored) {
                // not frozen, or already gone
            }
            m.destroy(registry(), none -> false);
        }
    }

    @Test
    void destroyWaitsForExitingProcesses() throws Exception {
        CgroupLayout layout = HostAssumptions.assumeRootWithV1("pids");
        String top = "/" + HostAssumptions.uniqueName();
        CgroupManager m = CgroupManager.forContainer(layout, top, "ctr", false);
        m.create(registry());
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            m.addProcess(p.pid());
            // rmdir is EBUSY until the kernel has reaped the process out of the cgroup
            p.destroyForcibly();
            m.destroy(registry(), none -> false);
            assertFalse(Files.exists(m.paths().get("pids")));
        } finally {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            m.destroy(registry(), none -> false);
        }
    }
}
