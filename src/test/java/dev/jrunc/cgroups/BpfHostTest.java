package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.Resources.DeviceRule;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Loads device programs into this kernel and attaches one to a cgroup2 directory: the kernel runs
 * cgroup device programs of a process's cgroup2 cgroup even on a hybrid host. Root only.
 */
class BpfHostTest {
    final Syscalls sys = Syscalls.linux();

    @Test
    void theVerifierAcceptsGeneratedPrograms() {
        assumeTrue(HostAssumptions.isRoot(), "needs root");
        List<List<DeviceRule>> programs = List.of(
                List.of(),
                List.of(DeviceRules.denyAll()),
                DeviceRules.withDefaults(List.of(DeviceRules.denyAll(),
                        new DeviceRule(true, "b", 8L, null, "r"), new DeviceRule(false, "c", 1L, 9L, "w"),
                        new DeviceRule(true, "a", null, 4L, "rm"))));
        for (List<DeviceRule> rules : programs) {
            int fd = sys.bpfLoadDeviceProgram(DeviceBpfProgram.build(rules));
            assertTrue(fd > 0);
            sys.close(fd);
        }
    }

    @Test
    void aRejectedProgramReportsTheCallAndTheVerifier() {
        assumeTrue(HostAssumptions.isRoot(), "needs root");
        // r0 is never set: the verifier refuses
        byte[] bad = DeviceBpfProgram.encode(List.of(new DeviceBpfProgram.Insn(0x95, 0, 0, 0, 0)));
        var e = assertThrows(SyscallException.class, () -> sys.bpfLoadDeviceProgram(bad));
        assertTrue(e.getMessage().contains("BPF_PROG_LOAD"), e.getMessage());
        assertTrue(e.getMessage().contains("R0"), e.getMessage());
    }

    @Test
    void attachedFilterDeniesAndReplacingItWorks() throws Exception {
        assumeTrue(HostAssumptions.isRoot(), "needs root");
        CgroupLayout layout = CgroupLayout.detect();
        assumeTrue(layout.unifiedMount() != null, "needs a cgroup2 mount");
        Path dir = layout.unifiedMount().resolve(HostAssumptions.uniqueName());
        Files.createDirectory(dir);
        Process p = null;
        try {
            List<DeviceRule> denyZero = DeviceRules.withDefaults(List.of(DeviceRules.denyAll()));
            denyZero = new ArrayList<>(denyZero);
            denyZero.add(new DeviceRule(false, "c", 1L, 5L, "rwm"));
            DeviceFilter filter = new DeviceFilter(sys);
            filter.replace(dir, DeviceBpfProgram.build(List.of(DeviceRules.denyAll())));
            filter.replace(dir, DeviceBpfProgram.build(denyZero));
            assertEquals(1, attachedPrograms(dir), "the first filter was detached");

            p = new ProcessBuilder("sh", "-c",
                    "read go; (head -c1 /dev/zero >/dev/null 2>&1 && echo zero-ok || echo zero-denied);"
                            + " (cat /dev/null && echo null-ok || echo null-denied)")
                    .redirectErrorStream(true).start();
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(p.pid()));
            try (OutputStream in = p.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
            }
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("zero-denied\nnull-ok\n", out);
        } finally {
            if (p != null) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            rmdir(dir);
        }
    }

    /**
     * A hundred rules make the verifier walk tens of thousands of instructions: logged at level 1
     * that is more than any log buffer, and a full log fails the load (ENOSPC).
     */
    @Test
    void aProgramWithManyRulesLoads() {
        assumeTrue(HostAssumptions.isRoot(), "needs root");
        List<DeviceRule> rules = new ArrayList<>(List.of(DeviceRules.denyAll()));
        for (int i = 0; i < 150; i++) {
            rules.add(new DeviceRule(true, "c", 10L + i, (long) i, "rw"));
        }
        int fd = sys.bpfLoadDeviceProgram(DeviceBpfProgram.build(rules));
        assertTrue(fd > 0);
        sys.close(fd);
    }

    /** BPF_PROG_QUERY asks again with room for all when more programs are attached than it had room for. */
    @Test
    void queryListsEveryAttachedProgram() throws Exception {
        assumeTrue(HostAssumptions.isRoot(), "needs root");
        CgroupLayout layout = CgroupLayout.detect();
        assumeTrue(layout.unifiedMount() != null, "needs a cgroup2 mount");
        Path dir = layout.unifiedMount().resolve(HostAssumptions.uniqueName());
        Files.createDirectory(dir);
        int cgroupFd = sys.open(dir.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
        List<Integer> progFds = new ArrayList<>();
        try {
            byte[] allowAll = DeviceBpfProgram.build(List.of());
            for (int i = 0; i < 12; i++) {
                int fd = sys.bpfLoadDeviceProgram(allowAll);
                progFds.add(fd);
                sys.bpfAttachDeviceProgram(cgroupFd, fd);
            }
            int[] ids = sys.bpfQueryDevicePrograms(cgroupFd);
            assertEquals(12, ids.length);
            assertEquals(12, java.util.Arrays.stream(ids).distinct().count());
            for (int fd : progFds) {
                sys.bpfDetachDeviceProgram(cgroupFd, fd);
            }
            assertEquals(0, sys.bpfQueryDevicePrograms(cgroupFd).length);
        } finally {
            for (int fd : progFds) {
                sys.close(fd);
            }
            sys.close(cgroupFd);
            rmdir(dir);
        }
    }

    int attachedPrograms(Path dir) {
        int fd = sys.open(dir.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
        try {
            return sys.bpfQueryDevicePrograms(fd).length;
        } finally {
            sys.close(fd);
        }
    }

    static void rmdir(Path dir) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        Files.deleteIfExists(dir);
    }
}
