package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The mounts a container without a mount namespace of its own leaves on the host, all under its
 * rootfs. `create` records, in the container's state directory, which mounts were there before
 * the init started and, once it is set up, which ones it made; `delete` (or a failed create)
 * unmounts exactly those. Each is reached through the rootfs without following symlinks, and
 * unmounted only if the mount found there is still the one recorded (same mount ID): whatever
 * the container did meanwhile, nothing else on the host is touched.
 */
public final class HostMounts {
    /** In the state directory. */
    public static final String FILE = "rootfs-mounts.json";

    private HostMounts() {}

    /** One line of mountinfo. */
    public record Mount(int id, int parent, String root, String mountPoint, String fsType) {}

    /** /proc/PID/mountinfo's lines; mount points and roots unescaped (\040 is a space). */
    public static List<Mount> parse(String mountinfo) {
        List<Mount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            if (f.length < 7 || dash < 6 || dash + 1 >= f.length) continue;
            out.add(new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[3]), unescape(f[4]), f[dash + 1]));
        }
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) return false;
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') return false;
        }
        return true;
    }

    /** Whether path is dir or lies under it (both absolute, normalized). */
    public static boolean isAtOrUnder(String path, String dir) {
        if (dir.equals("/")) return true;
        return path.equals(dir) || path.startsWith(dir + "/");
    }

    /** The mounts at or under rootfs in this thread's mount namespace now. */
    public static List<Mount> under(String rootfs) {
        List<Mount> out = new ArrayList<>();
        for (Mount m : parse(readOwnTable())) {
            if (isAtOrUnder(m.mountPoint(), rootfs)) out.add(m);
        }
        return out;
    }

    private static String readOwnTable() {
        try {
            return Files.readString(Path.of("/proc/thread-self/mountinfo"));
        } catch (IOException e) {
            throw new JruncException("cannot read /proc/thread-self/mountinfo: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- the record in the state directory

    /** Before the container's init starts: which mounts under the rootfs are not the container's. */
    public static Set<Integer> recordBefore(Path stateDir, String rootfs) {
        Set<Integer> before = new HashSet<>();
        for (Mount m : under(rootfs)) before.add(m.id());
        ObjectNode o = SpecJson.mapper().createObjectNode();
        o.put("rootfs", rootfs);
        ArrayNode ids = o.putArray("before");
        before.stream().sorted().forEach(ids::add);
        write(stateDir, o);
        return before;
    }

    /** Once the init is set up: the mounts it made, so `delete` undoes exactly those. */
    public static void recordMade(Path stateDir, String rootfs, Set<Integer> before) {
        ObjectNode o = SpecJson.mapper().createObjectNode();
        o.put("rootfs", rootfs);
        ArrayNode made = o.putArray("made");
        for (Mount m : madeSince(rootfs, before)) {
            made.addObject().put("id", m.id()).put("mountPoint", m.mountPoint());
        }
        write(stateDir, o);
    }

    /**
     * `delete`: unmounts what the record names; a record with only "before" (a create that never
     * finished) means every mount under the rootfs that was not there then.
     */
    public static List<String> release(Syscalls sys, Path stateDir) {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) return List.of();
        JsonNode o;
        try {
            o = SpecJson.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new JruncException(file + ": cannot read the record of the container's mounts: " + e.getMessage(), e);
        }
        String rootfs = o.path("rootfs").asText();
        List<Mount> mounts = new ArrayList<>();
        if (o.has("made")) {
            for (JsonNode m : o.get("made")) mounts.add(new Mount(m.path("id").asInt(), 0, "/", m.path("mountPoint").asText(), ""));
        } else {
            Set<Integer> before = new HashSet<>();
            o.path("before").forEach(n -> before.add(n.asInt()));
            mounts = madeSince(rootfs, before);
        }
        return unmount(sys, rootfs, mounts);
    }

    /** A failed create: unmounts every mount under the rootfs that was not there before. */
    public static List<String> releaseSince(Syscalls sys, String rootfs, Set<Integer> before) {
        return unmount(sys, rootfs, madeSince(rootfs, before));
    }

    static List<Mount> madeSince(String rootfs, Set<Integer> before) {
        List<Mount> out = new ArrayList<>();
        for (Mount m : under(rootfs)) {
            if (!before.contains(m.id())) out.add(m);
        }
        return out;
    }

    /**
     * Unmounts each mount, deepest first, if the mount now at its place is the one recorded.
     * Returns what could not be unmounted (described), the rest gone.
     */
    static List<String> unmount(Syscalls sys, String rootfs, List<Mount> mounts) {
        List<String> left = new ArrayList<>();
        if (mounts.isEmpty()) return left;
        List<Mount> order = new ArrayList<>(mounts);
        order.sort(Comparator.comparingInt((Mount m) -> RootPaths.components(m.mountPoint()).size())
                .thenComparingInt(Mount::id).reversed());
        int root;
        try {
            root = sys.open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        } catch (SyscallException e) {
            for (Mount m : order) left.add(m.mountPoint() + " (" + e.getMessage() + ")");
            return left;
        }
        try {
            for (Mount m : order) {
                String rel = m.mountPoint().equals(rootfs) ? "." : m.mountPoint().substring(rootfs.equals("/") ? 1 : rootfs.length() + 1);
                int fd;
                try {
                    fd = sys.openat2(root, rel, O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
                } catch (SyscallException e) {
                    if (e.errno() != Errno.ENOENT) left.add(m.mountPoint() + " (" + e.getMessage() + ")");
                    continue;
                }
                try {
                    if (mountId(fd) != m.id()) continue; // unmounted already, or another mount now
                    sys.umount2(RootPaths.procPath(fd), MNT_DETACH);
                } catch (SyscallException e) {
                    left.add(m.mountPoint() + " (" + e.getMessage() + ")");
                } finally {
                    sys.close(fd);
                }
            }
        } finally {
            sys.close(root);
        }
        return left;
    }

    /** The mount ID (as mountinfo numbers it) of the mount an fd lies on. */
    private static int mountId(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/thread-self/fdinfo/" + fd))) {
                if (line.startsWith("mnt_id:")) return Integer.parseInt(line.substring(7).trim());
            }
        } catch (IOException | NumberFormatException e) {
            throw new JruncException("cannot read the mount ID of fd " + fd + ": " + e.getMessage(), e);
        }
        throw new JruncException("no mnt_id for fd " + fd);
    }

    private static void write(Path stateDir, ObjectNode o) {
        Path file = stateDir.resolve(FILE);
        Path tmp = stateDir.resolve("." + FILE + ".tmp");
        try {
            Files.write(tmp, SpecJson.mapper().writeValueAsBytes(o));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new JruncException("cannot record the container's mounts in " + file + ": " + e.getMessage(), e);
        }
    }
}
