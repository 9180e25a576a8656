package dev.jrunc.init;

import dev.jrunc.container.ContainerState;
import dev.jrunc.spec.Spec;
import java.util.Map;

/**
 * Everything the init inside the container's namespaces needs, sent by `create` over the sync
 * socket. The config has been validated already; the init only applies it.
 *
 * @param cgroupDirs for a `cgroup` mount: the container's cgroup directory on the host per
 *     hierarchy, keyed by its name under /sys/fs/cgroup ("" for a unified-only host)
 * @param helper the native helper the init execs into for the last stage
 * @param state the container's state as createContainer and startContainer hooks receive it
 * @param userNamespace whether the container runs in a user namespace other than the runtime's:
 *     made or joined by the container, or rootless podman's
 * @param mountNamespace whether the container has a mount namespace of its own (made or joined);
 *     without one it shares the runtime's, and its root is only a chroot
 */
public record InitPlan(
        Spec spec,
        String rootfs,
        String bundle,
        boolean noPivot,
        String execFifo,
        String helper,
        int preserveFds,
        boolean userNamespace,
        boolean newCgroupNamespace,
        Map<String, String> cgroupDirs,
        ContainerState state,
        boolean mountNamespace) {}
