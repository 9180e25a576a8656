package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which init builds the rootfs: a thread of the runtime, or (where a thread cannot) the init JVM. */
class InitPathTest {
    private static ContainerCreator.Options options(boolean rootless) {
        return new ContainerCreator.Options("c", Path.of("/b"), null, null, false, false, 0, false, rootless, null);
    }

    /** Rootless, called by euid in (or not in) a user namespace of its own. */
    private static ContainerCreator.Options rootless(long euid, boolean inUserNamespace) {
        return new ContainerCreator.Options("c", Path.of("/b"), null, null, false, false, 0, false, true,
                new CallerIdentity(euid, euid, inUserNamespace, name -> null));
    }

    private static Spec with(List<LinuxSpec.Namespace> namespaces) {
        Spec s = DefaultSpec.example();
        LinuxSpec l = s.linux();
        LinuxSpec linux = new LinuxSpec(namespaces, l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                l.cgroupsPath(), l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(),
                l.readonlyPaths(), l.mountLabel(), l.intelRdt(), l.personality(), l.memoryPolicy(), l.netDevices());
        return new Spec(s.ociVersion(), s.root(), s.mounts(), s.process(), s.hostname(), s.domainname(), s.hooks(),
                s.annotations(), linux);
    }

    private static List<LinuxSpec.Namespace> defaults(LinuxSpec.Namespace... more) {
        List<LinuxSpec.Namespace> out = new ArrayList<>();
        for (String t : List.of("pid", "network", "ipc", "uts", "mount", "cgroup")) out.add(new LinuxSpec.Namespace(t, null));
        out.addAll(List.of(more));
        return out;
    }

    private static Spec withCreateContainerHook(Spec s) {
        Spec.Hooks hooks = new Spec.Hooks(null, null, List.of(new Spec.Hook("/bin/true", null, null, null)), null, null, null);
        return new Spec(s.ociVersion(), s.root(), s.mounts(), s.process(), s.hostname(), s.domainname(), hooks,
                s.annotations(), s.linux());
    }

    @Test
    void theDefaultConfigJoinedNamespacesOtherThanMountUserNamespacesAndRootlessPodmanGetTheThread() {
        assertTrue(ContainerCreator.initInThread(with(defaults()), options(false)));
        List<LinuxSpec.Namespace> joinedNet = new ArrayList<>(defaults());
        joinedNet.set(1, new LinuxSpec.Namespace("network", "/proc/1/ns/net"));
        assertTrue(ContainerCreator.initInThread(with(joinedNet), options(false)));
        // no mount namespace: a chroot, built from a thread in the host's mount namespace
        assertTrue(ContainerCreator.initInThread(with(List.of(new LinuxSpec.Namespace("pid", null))), options(false)));
        // a user namespace, made or joined: PID 1 makes the filesystems, the thread creates as its root
        assertTrue(ContainerCreator.initInThread(with(defaults(new LinuxSpec.Namespace("user", null))), options(false)));
        assertTrue(ContainerCreator.initInThread(with(defaults(new LinuxSpec.Namespace("user", "/proc/9/ns/user"))), options(false)));
        // a time namespace without createContainer hooks
        assertTrue(ContainerCreator.initInThread(with(defaults(new LinuxSpec.Namespace("time", null))), options(false)));
        // createContainer hooks without a user or time namespace run from the thread
        assertTrue(ContainerCreator.initInThread(withCreateContainerHook(with(defaults())), options(false)));
        // rootless podman's runtime: root of podman's user namespace, whose capabilities there let
        // a thread join the container's namespaces
        assertTrue(ContainerCreator.initInThread(with(defaults()), rootless(0, true)));
        assertTrue(ContainerCreator.initInThread(with(defaults(new LinuxSpec.Namespace("user", null))), rootless(0, true)));
    }

    @Test
    void userOrTimeNamespacesWithHooksJoinedMountNamespacesAndUnprivilegedCallersKeepTheInitJvm() {
        // createContainer hooks run in the container's namespaces: a thread cannot join these two
        assertFalse(ContainerCreator.initInThread(withCreateContainerHook(with(defaults(new LinuxSpec.Namespace("user", null)))),
                options(false)));
        assertFalse(ContainerCreator.initInThread(withCreateContainerHook(with(defaults(new LinuxSpec.Namespace("time", null)))),
                options(false)));
        List<LinuxSpec.Namespace> joinedMount = new ArrayList<>(defaults());
        joinedMount.set(4, new LinuxSpec.Namespace("mount", "/proc/9/ns/mnt"));
        assertFalse(ContainerCreator.initInThread(with(joinedMount), options(false)));
        // an unprivileged caller: no CAP_SYS_ADMIN in its own user namespace, which setns(CLONE_NEWNS) needs
        assertFalse(ContainerCreator.initInThread(with(defaults()), rootless(1000, false)));
        assertFalse(ContainerCreator.initInThread(with(defaults(new LinuxSpec.Namespace("user", null))), rootless(1000, false)));
        assertFalse(ContainerCreator.initInThread(with(defaults()), rootless(1000, true)));
    }
}
