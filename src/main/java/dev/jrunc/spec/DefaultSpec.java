package dev.jrunc.spec;

import static dev.jrunc.namespaces.NamespaceKind.IPC;
import static dev.jrunc.namespaces.NamespaceKind.MOUNT;
import static dev.jrunc.namespaces.NamespaceKind.NETWORK;
import static dev.jrunc.namespaces.NamespaceKind.PID;
import static dev.jrunc.namespaces.NamespaceKind.USER;
import static dev.jrunc.namespaces.NamespaceKind.UTS;

import dev.jrunc.namespaces.NamespaceKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config.json that {@code spec} writes: the same document {@code runc spec} produces (fields,
 * values, order), and with {@code --rootless} the same conversion runc applies.
 */
public final class DefaultSpec {
    /** The runtime-spec version jrunc writes into new configs. */
    public static final String OCI_VERSION = "1.2.1";

    private static final List<String> CAPS =
            List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");

    private DefaultSpec() {}

    /** The default (root) config. */
    public static Spec example() {
        ProcessSpec process = new ProcessSpec(
                true,
                null,
                new ProcessSpec.User(0, 0, null, null, null),
                List.of("sh"),
                null,
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                "/",
                new ProcessSpec.Capabilities(CAPS, CAPS, null, CAPS, CAPS),
                List.of(new ProcessSpec.Rlimit("RLIMIT_NOFILE", 1024, 1024)),
                true,
                null, null, null, null, null, null);
        List<Spec.Mount> mounts = List.of(
                mount("/proc", "proc", "proc", null),
                mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                mount("/dev/shm", "tmpfs", "shm",
                        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                mount("/sys/fs/cgroup", "cgroup", "cgroup",
                        List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        Resources resources = new Resources(
                List.of(new Resources.DeviceRule(false, null, null, null, "rwm")),
                null, null, null, null, null, null, null, null);
        LinuxSpec linux = new LinuxSpec(
                List.of(ns(PID), ns(NETWORK), ns(IPC), ns(UTS), ns(MOUNT)),
                null, null, null, null, null,
                resources,
                null, null, null,
                List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
                List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"),
                null, null, null, null, null);
        return new Spec(OCI_VERSION, new Spec.Root("rootfs", true), mounts, process, "runc",
                null, null, null, linux);
    }

    /** The rootless config for the current effective uid and gid. */
    public static Spec rootless() {
        long[] ids = effectiveIds();
        return toRootless(example(), ids[0], ids[1]);
    }

    /**
     * runc's rootless conversion: no network namespace, a new user namespace mapping {@code uid}
     * and {@code gid} to 0, /sys bind-mounted read-only instead of a new sysfs, uid=/gid= mount
     * options dropped, no cgroup resources.
     */
    public static Spec toRootless(Spec spec, long uid, long gid) {
        LinuxSpec l = spec.linux();
        List<LinuxSpec.Namespace> nss = new ArrayList<>();
        for (LinuxSpec.Namespace n : l.namespacesOrEmpty()) {
            if (!n.type().equals(NETWORK.specName()) && !n.type().equals(USER.specName())) {
                nss.add(n);
            }
        }
        nss.add(ns(USER));
        List<Spec.Mount> mounts = new ArrayList<>();
        for (Spec.Mount m : spec.mountsOrEmpty()) {
            if (Path.of(m.destination()).normalize().toString().equals("/sys")) {
                mounts.add(mount("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
                continue;
            }
            List<String> opts = null;
            if (m.options() != null) {
                opts = m.options().stream()
                        .filter(o -> !o.startsWith("gid=") && !o.startsWith("uid="))
                        .toList();
                if (opts.isEmpty()) opts = null;
            }
            mounts.add(new Spec.Mount(m.destination(), m.type(), m.source(), opts,
                    m.uidMappings(), m.gidMappings()));
        }
        LinuxSpec linux = new LinuxSpec(
                nss,
                List.of(new LinuxSpec.IdMapping(0, uid, 1)),
                List.of(new LinuxSpec.IdMapping(0, gid, 1)),
                l.timeOffsets(), l.devices(), l.cgroupsPath(),
                null,
                l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(), l.readonlyPaths(),
                l.mountLabel(), l.intelRdt(), l.personality(), l.memoryPolicy(), l.netDevices());
        return new Spec(spec.ociVersion(), spec.root(), mounts, spec.process(), spec.hostname(),
                spec.domainname(), spec.hooks(), spec.annotations(), linux);
    }

    /** The document as {@code spec} writes it to config.json (tab-indented, like runc). */
    public static String json(boolean rootless) {
        return SpecJson.toJson(rootless ? rootless() : example());
    }

    private static Spec.Mount mount(String dest, String type, String source, List<String> options) {
        return new Spec.Mount(dest, type, source, options, null, null);
    }

    private static LinuxSpec.Namespace ns(NamespaceKind kind) {
        return new LinuxSpec.Namespace(kind.specName(), null);
    }

    /** Effective uid and gid of this process, from /proc/self/status. */
    static long[] effectiveIds() {
        long uid = -1, gid = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) uid = Long.parseLong(line.split("\\s+")[2]);
                if (line.startsWith("Gid:")) gid = Long.parseLong(line.split("\\s+")[2]);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read effective ids from /proc/self/status", e);
        }
        return new long[] {uid, gid};
    }
}
