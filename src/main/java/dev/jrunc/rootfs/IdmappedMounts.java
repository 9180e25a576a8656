package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.init.SyncMessage;
import dev.jrunc.init.SyncProtocolException;
import dev.jrunc.init.SyncSocket;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Idmapped bind mounts (mounts[].uidMappings/gidMappings, options idmap and ridmap). The kernel
 * lets only a process privileged over the source's filesystem (the host's root, for the host's
 * filesystems) idmap a mount, and only while it is detached: so the runtime clones each source
 * with open_tree(OPEN_TREE_CLONE), gives the copy the mount's mapping with
 * mount_setattr(MOUNT_ATTR_IDMAP), and hands the fd to whoever builds the rootfs, which attaches
 * it with move_mount ({@link RootfsSetup#detachedMounts}).
 *
 * <p>A mapping is a user namespace: the container's own when the mount names no mappings (or the
 * same ones), else one made for it by the native helper (`jrunc-nsexec userns`), whose maps the
 * runtime writes; the mount keeps the namespace alive, the helper exits at once.
 *
 * <p>As with a user namespace's maps, a mapping line is "containerID hostID size": a file whose
 * owner on disk is containerID + k appears in the container as owned by hostID + k.
 */
public final class IdmappedMounts {
    private IdmappedMounts() {}

    /** Whether a mount asks for an idmapping. */
    public static boolean wanted(Spec.Mount m) {
        return m.uidMappings() != null || m.gidMappings() != null || MountOptions.parse(m.optionsOrEmpty()).idmap();
    }

    /** The config's rules for idmapped mounts (runtime-spec config.md, `idmap` and `uidMappings`). */
    public static void check(Spec spec, boolean newUserNamespace) {
        List<Spec.Mount> mounts = spec.mountsOrEmpty();
        for (int i = 0; i < mounts.size(); i++) {
            Spec.Mount m = mounts.get(i);
            if (!wanted(m)) continue;
            String at = "$.mounts[" + i + "]";
            if (m.uidMappings() != null && m.gidMappings() == null) {
                throw new ConfigException("config.json", at + ".gidMappings", "is required along with uidMappings");
            }
            if (m.gidMappings() != null && m.uidMappings() == null) {
                throw new ConfigException("config.json", at + ".uidMappings", "is required along with gidMappings");
            }
            MountOptions opts = MountOptions.parse(m.optionsOrEmpty());
            if (!opts.bind() && !"bind".equals(m.type())) {
                throw new ConfigException("config.json", at + ".options",
                        "an idmapping (idmap, ridmap, uidMappings) is supported on bind mounts only: add \"bind\" or \"rbind\"");
            }
            if (m.uidMappings() == null && !newUserNamespace) {
                throw new ConfigException("config.json", at + ".options",
                        "\"idmap\" without uidMappings and gidMappings takes the container's user namespace, and there is none");
            }
            if (m.uidMappings() != null && (m.uidMappings().isEmpty() || m.gidMappings().isEmpty())) {
                throw new ConfigException("config.json", at + (m.uidMappings().isEmpty() ? ".uidMappings" : ".gidMappings"),
                        "must not be empty");
            }
        }
    }

    /**
     * Opens every idmapped mount's source (a host path, relative to the bundle) as a detached,
     * idmapped copy: mount index -> fd (close-on-exec), in the caller's mount namespace.
     *
     * @param containerUserNs /proc/PID/ns/user of the container's init, or null without a new user namespace
     * @param helper the native helper, which makes the user namespaces of other mappings
     */
    public static Map<Integer, Integer> open(Syscalls sys, Spec spec, Path bundle, String containerUserNs,
            String helper) {
        Map<Integer, Integer> trees = new LinkedHashMap<>();
        Map<List<List<LinuxSpec.IdMapping>>, Integer> namespaces = new HashMap<>();
        LinuxSpec linux = spec.linux();
        List<LinuxSpec.IdMapping> ownUid = linux == null ? List.of() : linux.uidMappingsOrEmpty();
        List<LinuxSpec.IdMapping> ownGid = linux == null ? List.of() : linux.gidMappingsOrEmpty();
        try {
            List<Spec.Mount> mounts = spec.mountsOrEmpty();
            for (int i = 0; i < mounts.size(); i++) {
                Spec.Mount m = mounts.get(i);
                if (!wanted(m)) continue;
                String at = "$.mounts[" + i + "]";
                List<LinuxSpec.IdMapping> uid = m.uidMappings() == null ? ownUid : m.uidMappings();
                List<LinuxSpec.IdMapping> gid = m.gidMappings() == null ? ownGid : m.gidMappings();
                Integer userns = namespaces.get(List.of(uid, gid));
                if (userns == null) {
                    boolean own = containerUserNs != null && uid.equals(ownUid) && gid.equals(ownGid);
                    try {
                        userns = own ? sys.open(containerUserNs, O_RDONLY | O_CLOEXEC, 0)
                                : makeUserNamespace(sys, helper, uid, gid, at);
                    } catch (SyscallException e) {
                        throw new JruncException(at + ": the user namespace of the idmapping: " + e.getMessage(), e);
                    }
                    namespaces.put(List.of(uid, gid), userns);
                }
                trees.put(i, idmappedCopy(sys, bundle.resolve(m.source()).toString(),
                        MountOptions.parse(m.optionsOrEmpty()), userns, at));
            }
            return trees;
        } catch (RuntimeException e) {
            for (int fd : trees.values()) closeQuietly(sys, fd);
            throw e;
        } finally {
            for (int fd : namespaces.values()) closeQuietly(sys, fd);
        }
    }

    private static int idmappedCopy(Syscalls sys, String source, MountOptions opts, int userns, String at) {
        int tree;
        try {
            tree = sys.openTree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (opts.recursive() ? AT_RECURSIVE : 0));
        } catch (SyscallException e) {
            throw new JruncException(at + ".source: " + source + ": " + e.getMessage(), e);
        }
        try {
            sys.mountSetattr(tree, "", AT_EMPTY_PATH | (opts.recursiveIdmap() ? AT_RECURSIVE : 0), MOUNT_ATTR_IDMAP, 0, 0,
                    userns);
            return tree;
        } catch (SyscallException e) {
            closeQuietly(sys, tree);
            throw new JruncException(at + ": cannot idmap " + source + " (does its filesystem support idmapped mounts?): "
                    + e.getMessage(), e);
        }
    }

    /**
     * A user namespace with these maps, held by the native helper just long enough to open it:
     * the helper unshares it and says USERNS, the runtime writes the maps (it has the privilege
     * over the parent namespace the helper lacks) and opens /proc/PID/ns/user, then closes the
     * socket, on which the helper exits.
     */
    static int makeUserNamespace(Syscalls sys, String helper, List<LinuxSpec.IdMapping> uid,
            List<LinuxSpec.IdMapping> gid, String at) {
        int[] pair = sys.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC);
        int pid;
        try {
            pid = sys.spawn(helper, List.of("jrunc-nsexec", "userns", "--sync-fd", "3"), List.of(), Map.of(pair[1], 3));
        } catch (RuntimeException e) {
            sys.close(pair[0]);
            throw e;
        } finally {
            sys.close(pair[1]);
        }
        SyncSocket sync = new SyncSocket(sys, pair[0]);
        try {
            SyncSocket.Message hello;
            try {
                hello = sync.receive();
            } catch (SyncProtocolException e) {
                throw new JruncException(at + ": the native helper could not make a user namespace: " + e.getMessage(), e);
            }
            if (hello == null || hello.kind() != SyncMessage.USERNS) {
                throw new JruncException(at + ": the native helper could not make a user namespace: "
                        + (hello == null ? "nothing" : hello.kind() == SyncMessage.ERROR ? hello.text() : hello.kind().word()));
            }
            writeMap(Path.of("/proc", Integer.toString(pid), "uid_map"), uid, at + ".uidMappings");
            writeMap(Path.of("/proc", Integer.toString(pid), "gid_map"), gid, at + ".gidMappings");
            return NamespaceKind.USER.open(sys, pid);
        } finally {
            sync.close();
            sys.waitpid(pid, 0);
        }
    }

    private static void writeMap(Path file, List<LinuxSpec.IdMapping> maps, String field) {
        StringBuilder b = new StringBuilder();
        for (LinuxSpec.IdMapping m : maps) {
            b.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        }
        try {
            Files.write(file, b.toString().getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new JruncException(field + ": the kernel refused the mapping " + b.toString().strip().replace('\n', ',')
                    + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(Syscalls sys, int fd) {
        try {
            sys.close(fd);
        } catch (RuntimeException ignored) {
            // closing is all that is left to do
        }
    }

    /** Mount indexes of the idmapped mounts (for messages and tests). */
    public static List<Integer> indexes(Spec spec) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < spec.mountsOrEmpty().size(); i++) {
            if (wanted(spec.mountsOrEmpty().get(i))) out.add(i);
        }
        return out;
    }
}
