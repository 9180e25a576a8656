/**
 * Placing a container in cgroups and enforcing linux.resources, by plain file writes under the
 * host's cgroup mounts (v1, v2, or a v1/v2 hybrid).
 *
 * <p>Create: {@code CgroupManager m = CgroupManager.forSpec(spec, id, systemdFlag); m.create();
 * m.apply(CgroupManager.initialResources(spec.linux())); m.addProcess(pid);} and persist
 * {@code m.paths()} and {@code m.createdDirs()} in the container state. Later commands:
 * {@code CgroupManager.open(CgroupLayout.detect(), paths, createdDirs)} then {@code apply}
 * (update), {@code freeze}/{@code thaw} (pause/resume), {@code stats} (events), {@code pids} (ps),
 * {@code killAll} (kill --all), {@code destroy} (delete, and the undo of a failed create).
 *
 * <p>On cgroup v2 the device rules become an eBPF program ({@link dev.jrunc.cgroups.DeviceBpfProgram})
 * attached through {@link dev.jrunc.linux.Bpf}; everything else is files.
 */
package dev.jrunc.cgroups;
