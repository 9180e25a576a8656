package dev.jrunc.cgroups;

import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.nio.file.Path;

/**
 * The device filter of a cgroup v2 directory: a BPF_PROG_TYPE_CGROUP_DEVICE program
 * ({@link DeviceBpfProgram}) attached to it. Replacing it attaches the new program before
 * detaching the old ones, so the cgroup is never without a filter in between.
 */
public final class DeviceFilter {
    private final Syscalls sys;

    public DeviceFilter(Syscalls sys) {
        this.sys = sys;
    }

    /**
     * Makes program (struct bpf_insn[]) the device filter of the cgroup directory dir, in place of
     * the programs attached there before. If the new program cannot be loaded or attached, the old
     * filter stays as it was. If an old one then cannot be detached, both stay attached: a device
     * is allowed only when every attached program allows it, so the cgroup gets no more than
     * either filter grants.
     */
    public void replace(Path dir, byte[] program) {
        try {
            int cgroupFd = sys.open(dir.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
            try {
                int[] old = sys.bpfQueryDevicePrograms(cgroupFd);
                int progFd = sys.bpfLoadDeviceProgram(program);
                try {
                    sys.bpfAttachDeviceProgram(cgroupFd, progFd);
                    for (int id : old) {
                        detach(cgroupFd, id);
                    }
                } finally {
                    // the attachment holds its own reference to the program
                    sys.close(progFd);
                }
            } finally {
                sys.close(cgroupFd);
            }
        } catch (SyscallException e) {
            throw new CgroupException(Check.R + "devices: the device filter of " + dir + ": " + e.getMessage(), e);
        }
    }

    private void detach(int cgroupFd, int progId) {
        int oldFd = sys.bpfProgFdById(progId);
        try {
            sys.bpfDetachDeviceProgram(cgroupFd, oldFd);
        } finally {
            sys.close(oldFd);
        }
    }
}
