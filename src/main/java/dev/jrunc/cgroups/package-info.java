/**
 * Placing a container in cgroups and enforcing linux.resources, by plain file writes under the
 * host's cgroup mounts (v1, v2, or a v1/v2 hybrid).
 *
 * <p>Create: {@code CgroupManager m = CgroupManager.forSpec(spec, id, systemdFlag)} (which refuses
 * a hierarchy's root, jrunc's own cgroup and its ancestors), record {@code m.paths()} and
 * {@code m.missingDirs()} in the container state, then {@code m.create(CgroupRegistry.host());
 * m.apply(CgroupManager.initialResources(spec.linux())); m.addProcess(pid);} and persist
 * {@code m.createdDirs()} and {@code m.joinedDirs()}. Later commands:
 * {@code CgroupManager.open(CgroupLayout.detect(), paths, createdDirs, joinedDirs)} then
 * {@code apply} (update), {@code freeze}/{@code thaw} (pause/resume), {@code stats} (events),
 * {@code pids} (ps), {@code killAll} (kill --all), {@code destroy} (delete, and the undo of a
 * failed create), the last two leaving alone the processes of other containers sharing the
 * cgroup and every directory jrunc did not make ({@link dev.jrunc.cgroups.CgroupRegistry}).
 *
 * <p>On cgroup v2 the device rules become an eBPF program ({@link dev.jrunc.cgroups.DeviceBpfProgram})
 * that {@link dev.jrunc.cgroups.DeviceFilter} attaches with the bpf(2) calls of
 * {@link dev.jrunc.linux.Syscalls}; everything else is files.
 */
package dev.jrunc.cgroups;
