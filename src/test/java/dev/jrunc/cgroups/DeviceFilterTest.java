package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.linux.Errno;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.spec.Resources.DeviceRule;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Replacing a cgroup's device filter, call by call, against the recording fake of the syscalls. */
class DeviceFilterTest {
    static final String DIR = "/sys/fs/cgroup/c1";
    static final byte[] OLD = DeviceBpfProgram.build(List.of(DeviceRules.denyAll()));
    static final byte[] NEW = DeviceBpfProgram.build(
            DeviceRules.withDefaults(List.of(DeviceRules.denyAll(), new DeviceRule(true, "c", 10L, 200L, "rwm"))));
    static final String LOAD = "bpf(BPF_PROG_LOAD, {prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt="
            + NEW.length / 8 + "})";

    final RecordingSyscalls sys = new RecordingSyscalls().dir(DIR);

    void replace() {
        new DeviceFilter(sys).replace(Path.of(DIR), NEW);
    }

    static boolean is(RecordingSyscalls.Call c, String command) {
        return command.equals(c.arg(0));
    }

    @Test
    void theFirstFilterIsLoadedAttachedAndItsFdClosed() {
        replace();

        assertEquals(List.of(
                "open(\"" + DIR + "\", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 3",
                "bpf(BPF_PROG_QUERY, {target_fd=3, attach_type=BPF_CGROUP_DEVICE}) = []",
                LOAD + " = 4",
                "bpf(BPF_PROG_ATTACH, {target_fd=3, attach_bpf_fd=4, attach_type=BPF_CGROUP_DEVICE,"
                        + " attach_flags=BPF_F_ALLOW_MULTI})",
                "close(4)",
                "close(3)"), sys.calls());
        List<Integer> ids = sys.deviceProgramIds(DIR);
        assertEquals(1, ids.size());
        assertArrayEquals(NEW, sys.deviceProgram(ids.get(0)));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void theNewFilterIsAttachedBeforeTheOldOneIsDetached() {
        int old = sys.attachedDeviceProgram(DIR, OLD);

        replace();

        assertEquals(List.of(
                "open(\"" + DIR + "\", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 3",
                "bpf(BPF_PROG_QUERY, {target_fd=3, attach_type=BPF_CGROUP_DEVICE}) = [" + old + "]",
                LOAD + " = 4",
                "bpf(BPF_PROG_ATTACH, {target_fd=3, attach_bpf_fd=4, attach_type=BPF_CGROUP_DEVICE,"
                        + " attach_flags=BPF_F_ALLOW_MULTI})",
                "bpf(BPF_PROG_GET_FD_BY_ID, {prog_id=" + old + "}) = 5",
                "bpf(BPF_PROG_DETACH, {target_fd=3, attach_bpf_fd=5, attach_type=BPF_CGROUP_DEVICE})",
                "close(5)",
                "close(4)",
                "close(3)"), sys.calls());
        List<Integer> ids = sys.deviceProgramIds(DIR);
        assertEquals(1, ids.size());
        assertArrayEquals(NEW, sys.deviceProgram(ids.get(0)));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void replacingTwiceLeavesOnlyTheLastFilter() {
        sys.attachedDeviceProgram(DIR, OLD);
        sys.attachedDeviceProgram(DIR, OLD);

        replace();
        replace();

        List<Integer> ids = sys.deviceProgramIds(DIR);
        assertEquals(1, ids.size());
        assertArrayEquals(NEW, sys.deviceProgram(ids.get(0)));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void aFailedAttachClosesTheNewProgramAndLeavesTheOldFilter() {
        int old = sys.attachedDeviceProgram(DIR, OLD);
        sys.failNext("bpf", c -> is(c, "BPF_PROG_ATTACH"), Errno.EPERM);

        var e = assertThrows(CgroupException.class, this::replace);

        assertEquals("linux.resources.devices: the device filter of " + DIR + ": bpf(BPF_PROG_ATTACH, {target_fd=3,"
                + " attach_bpf_fd=4, attach_type=BPF_CGROUP_DEVICE, attach_flags=BPF_F_ALLOW_MULTI}): "
                + Errno.describe(Errno.EPERM), e.getMessage());
        assertEquals(Errno.EPERM, ((SyscallException) e.getCause()).errno());
        assertEquals(List.of(old), sys.deviceProgramIds(DIR));
        assertEquals(List.of("close(4)", "close(3)"), sys.calls("close"));
        assertTrue(sys.calls().stream().noneMatch(l -> l.contains("BPF_PROG_DETACH")), sys.calls().toString());
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void aProgramTheKernelRefusesLeavesTheOldFilter() {
        int old = sys.attachedDeviceProgram(DIR, OLD);
        sys.failNext("bpf", c -> is(c, "BPF_PROG_LOAD"), Errno.EACCES);

        var e = assertThrows(CgroupException.class, this::replace);

        assertTrue(e.getMessage().contains(LOAD + ": " + Errno.describe(Errno.EACCES)), e.getMessage());
        assertTrue(e.getMessage().contains(DIR), e.getMessage());
        assertEquals(List.of(old), sys.deviceProgramIds(DIR));
        assertTrue(sys.calls().stream().noneMatch(l -> l.contains("BPF_PROG_ATTACH")), sys.calls().toString());
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void anOldFilterThatCannotBeDetachedStaysBesideTheNewOne() {
        int old = sys.attachedDeviceProgram(DIR, OLD);
        sys.failNext("bpf", c -> is(c, "BPF_PROG_DETACH"), Errno.EPERM);

        var e = assertThrows(CgroupException.class, this::replace);

        assertTrue(e.getMessage().contains("bpf(BPF_PROG_DETACH, {target_fd=3, attach_bpf_fd=5,"), e.getMessage());
        List<Integer> ids = sys.deviceProgramIds(DIR);
        assertEquals(2, ids.size());
        assertEquals(old, ids.get(0));
        assertArrayEquals(NEW, sys.deviceProgram(ids.get(1)));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void aMissingCgroupNamesTheOpen() {
        var e = assertThrows(CgroupException.class,
                () -> new DeviceFilter(sys).replace(Path.of("/sys/fs/cgroup/gone"), NEW));

        assertTrue(e.getMessage().contains("open(\"/sys/fs/cgroup/gone\", O_RDONLY|O_DIRECTORY|O_CLOEXEC): "
                + Errno.describe(Errno.ENOENT)),
                e.getMessage());
        assertEquals(List.of(), sys.calls("bpf"));
    }
}
