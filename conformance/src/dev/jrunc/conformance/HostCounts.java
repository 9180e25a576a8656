package dev.jrunc.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a run of containers could leak, counted on the host: mounts (mountinfo lines), cgroup
 * directories (under every hierarchy's root), processes, zombies, and the test JVM's own open fds.
 *
 * <p>Each count is taken twice: for the whole host, and for what belongs to one test (its
 * "mark"). The machine may be running other containers meanwhile, so only the marked counts can
 * say whether jrunc leaked: a mount is marked when it names the test's directory, a cgroup when
 * its path holds the mark (the test's container ids start with it), a process when its
 * environment carries {@link #ENV}={@code mark} (jrunc and the helpers it starts inherit it from
 * the test) or its cgroup is marked, and a zombie when it is marked or its parent is the test
 * JVM or a marked process (a zombie of the host's init is only waiting to be reaped).
 */
record HostCounts(int mounts, int markedMounts, int cgroups, int markedCgroups, int processes,
        int markedProcesses, int zombies, int markedZombies, int fds, List<String> markedNames) {
    /** The environment variable that marks the processes a test started. */
    static final String ENV = "JRUNC_TEST_MARK";

    static HostCounts take(String mark, Path dir) {
        int mounts = 0;
        int markedMounts = 0;
        List<String> named = new ArrayList<>();
        for (String line : lines(Path.of("/proc/self/mountinfo"))) {
            mounts++;
            if (line.contains(dir.toString())) {
                markedMounts++;
                named.add("mount " + line);
            }
        }
        int[] cg = new int[2];
        for (Path h : hierarchies()) walkCgroups(h, mark, cg, named);

        Map<Long, Proc> procs = allProcesses();
        long self = ProcessHandle.current().pid();
        Set<Long> marked = new TreeSet<>();
        for (Proc p : procs.values()) {
            // Reparented to the host's init, which reaps it in its own time: exited, not leaked.
            if (p.zombie() && p.ppid() == 1) continue;
            if (p.environ().contains(ENV + "=" + mark) || p.cgroup().contains(mark)) marked.add(p.pid());
        }
        int zombies = 0;
        int markedZombies = 0;
        for (Proc p : procs.values()) {
            if (!p.zombie()) continue;
            zombies++;
            if (p.ppid() == 1) continue;
            if (marked.contains(p.pid()) || p.ppid() == self || marked.contains(p.ppid())) {
                markedZombies++;
                named.add("zombie " + p.pid() + " (parent " + p.ppid() + ") " + p.comm());
            }
        }
        for (long pid : marked) {
            Proc p = procs.get(pid);
            if (!p.zombie()) named.add("process " + pid + " " + p.comm() + " " + p.cmdline());
        }
        return new HostCounts(mounts, markedMounts, cg[0], cg[1], procs.size(), marked.size(), zombies, markedZombies,
                openFds(), List.copyOf(named));
    }

    /** The counts a leak check compares (the host-wide ones move with everything else on it). */
    Map<String, Integer> checked() {
        Map<String, Integer> m = new TreeMap<>();
        m.put("mounts", markedMounts);
        m.put("cgroups", markedCgroups);
        m.put("processes", markedProcesses);
        m.put("zombies", markedZombies);
        m.put("fds", fds);
        return m;
    }

    static String header() {
        return String.format("%7s  %-13s %-13s %-13s %-11s %5s %10s", "cycle", "mounts", "cgroup-dirs", "processes",
                "zombies", "fds", "engine-rss");
    }

    /** One row: each count as test/host, and the resident engine's RSS ("-" without an engine). */
    String row(int cycle, String engineRss) {
        return String.format("%7d  %-13s %-13s %-13s %-11s %5d %10s", cycle, markedMounts + "/" + mounts,
                markedCgroups + "/" + cgroups, markedProcesses + "/" + processes, markedZombies + "/" + zombies, fds,
                engineRss);
    }

    private record Proc(long pid, long ppid, boolean zombie, String comm, String environ, String cgroup, String cmdline) {}

    private static Map<Long, Proc> allProcesses() {
        Map<Long, Proc> out = new TreeMap<>();
        for (Path p : list(Path.of("/proc"))) {
            String name = p.getFileName().toString();
            if (!name.chars().allMatch(Character::isDigit)) continue;
            long pid = Long.parseLong(name);
            String stat = read(p.resolve("stat"));
            int close = stat.lastIndexOf(')');
            if (close < 0) continue; // gone meanwhile
            String[] f = stat.substring(close + 2).split(" ");
            String comm = stat.substring(stat.indexOf('(') + 1, close);
            out.put(pid, new Proc(pid, Long.parseLong(f[1]), f[0].equals("Z"), comm,
                    read(p.resolve("environ")).replace('\0', '\n'), read(p.resolve("cgroup")),
                    read(p.resolve("cmdline")).replace('\0', ' ').strip()));
        }
        return out;
    }

    /** Every cgroup mount's root: the v1 controllers, the unified hierarchy, or the v2 root. */
    private static List<Path> hierarchies() {
        List<Path> out = new ArrayList<>();
        for (String line : lines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash > 0 && dash + 1 < f.length && (f[dash + 1].equals("cgroup") || f[dash + 1].equals("cgroup2"))) {
                out.add(Path.of(f[4]));
            }
        }
        return out;
    }

    private static void walkCgroups(Path dir, String mark, int[] counts, List<String> named) {
        for (Path d : list(dir)) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) continue;
            counts[0]++;
            if (d.toString().contains(mark)) {
                counts[1]++;
                named.add("cgroup " + d);
            }
            walkCgroups(d, mark, counts, named);
        }
    }

    static int openFds() {
        return list(Path.of("/proc/self/fd")).size();
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) out.add(p);
        } catch (IOException e) {
            // gone or unreadable: nothing there to count
        }
        return out;
    }

    private static List<String> lines(Path file) {
        return read(file).lines().toList();
    }

    private static String read(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
