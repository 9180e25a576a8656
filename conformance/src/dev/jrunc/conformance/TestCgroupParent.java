package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A cgroup of the test's own, "/jrunc-test-HEX", in every hierarchy of this host (each v1
 * mount and the cgroup2 one): the tests make their siblings, pre-existing and frozen cgroups
 * under it, and {@link #close()} removes all of it (and the processes it started) at the end.
 */
final class TestCgroupParent implements AutoCloseable {
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    final String name = "jrunc-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    /** Mount point per hierarchy: the v1 controller list ("memory", "name=systemd") or "" for cgroup2. */
    final Map<String, Path> mounts = mounts();
    private final List<Process> processes = new ArrayList<>();

    TestCgroupParent() {
        for (Path m : mounts.values()) {
            mkdir(m.resolve(name));
            copyCpuset(m.resolve(name));
        }
    }

    /** "/jrunc-test-HEX/rel", as linux.cgroupsPath. */
    String path(String rel) {
        return "/" + name + (rel.isEmpty() ? "" : "/" + rel);
    }

    /** The directory of rel under the parent in the hierarchy mounted at mount. */
    Path dir(Path mount, String rel) {
        return rel.isEmpty() ? mount.resolve(name) : mount.resolve(name).resolve(rel);
    }

    /** The directory in the hierarchy whose mount point ends with hierarchy ("memory", "unified"). */
    Path dir(String hierarchy, String rel) {
        return dir(CGROUP_ROOT.resolve(hierarchy), rel);
    }

    /** Makes rel under the parent in every hierarchy; a v1 cpuset gets its parent's cpus and mems. */
    void make(String rel) {
        for (Path m : mounts.values()) makeIn(m, rel);
    }

    void makeIn(Path mount, String rel) {
        Path d = dir(mount, rel);
        mkdir(d);
        copyCpuset(d);
    }

    /** A v1 cpuset cgroup starts with empty cpus and mems: give it its parent's. */
    static void copyCpuset(Path d) {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            Path file = d.resolve(f);
            try {
                if (Files.exists(file) && Files.readString(file).isBlank()) {
                    Files.writeString(file, Files.readString(d.getParent().resolve(f)).trim());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** rel in the v1 cpuset hierarchy only, with cpus and mems left empty, as a new cgroup (an engine's pod) starts. */
    Path makeEmptyCpuset(String rel) {
        Path d = dir("cpuset", rel);
        mkdir(d);
        return d;
    }

    /** A sleeping process placed in rel in every hierarchy (made first if missing). */
    Process sleeper(String rel) {
        make(rel);
        try {
            Process p = new ProcessBuilder("sleep", "1000").start();
            processes.add(p);
            for (Path m : mounts.values()) {
                Files.writeString(dir(m, rel).resolve("cgroup.procs"), Long.toString(p.pid()));
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every directory under the parent, in every hierarchy, as relative paths "MOUNT/…". */
    List<String> tree() {
        List<String> out = new ArrayList<>();
        for (Path m : mounts.values()) {
            Path top = m.resolve(name);
            if (!Files.isDirectory(top)) continue;
            try (Stream<Path> s = Files.walk(top)) {
                s.filter(Files::isDirectory).forEach(p -> out.add(CGROUP_ROOT.relativize(p).toString()));
            } catch (IOException | UncheckedIOException e) {
                // a cgroup removed while walking
            }
        }
        out.sort(null);
        return out;
    }

    /** Entries of jrunc's host-wide cgroup registry that name a directory under the parent. */
    List<String> registryEntries() {
        List<String> out = new ArrayList<>();
        Path reg = Path.of("/run/jrunc-cgroups");
        if (!Files.isDirectory(reg)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(reg)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.contains(name)) out.add(n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Removes everything under the parent. Whatever still runs there (a container a failed test
     * did not delete) is the test's own and is killed first; jrunc's records of directories it
     * made there go too.
     */
    @Override
    public void close() {
        for (Path m : mounts.values()) {
            for (Path d : dirsDeepestFirst(m.resolve(name))) thaw(d);
        }
        for (long pid : processesUnder()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!processesUnder().isEmpty() && System.nanoTime() < deadline) CgroupTestSupport.sleep(50);
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<String> problems = new ArrayList<>();
        for (Path m : mounts.values()) {
            for (Path d : dirsDeepestFirst(m.resolve(name))) removeRetrying(d, problems);
        }
        for (String entry : registryEntries()) {
            try {
                Files.deleteIfExists(Path.of("/run/jrunc-cgroups").resolve(entry));
            } catch (IOException e) {
                problems.add(entry + ": " + e);
            }
        }
        if (!problems.isEmpty()) fail("cannot remove the test's cgroups: " + problems);
    }

    private static List<Path> dirsDeepestFirst(Path top) {
        if (!Files.isDirectory(top)) return List.of();
        try (Stream<Path> s = Files.walk(top)) {
            return s.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /** Every process in a cgroup under the parent, in any hierarchy. */
    private List<Long> processesUnder() {
        List<Long> out = new ArrayList<>();
        for (Path m : mounts.values()) {
            for (Path d : dirsDeepestFirst(m.resolve(name))) {
                try {
                    for (String line : Files.readAllLines(d.resolve("cgroup.procs"))) {
                        if (!line.isBlank() && !out.contains(Long.parseLong(line.trim()))) out.add(Long.parseLong(line.trim()));
                    }
                } catch (IOException e) {
                    // removed meanwhile
                }
            }
        }
        return out;
    }

    private static void thaw(Path d) {
        try {
            if (Files.exists(d.resolve("freezer.state"))) Files.writeString(d.resolve("freezer.state"), "THAWED");
            if (Files.exists(d.resolve("cgroup.freeze"))) Files.writeString(d.resolve("cgroup.freeze"), "0");
        } catch (IOException e) {
            // removed already
        }
    }

    private static void removeRetrying(Path d, List<String> problems) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            try {
                Files.deleteIfExists(d);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    problems.add(d + ": " + e);
                    return;
                }
                CgroupTestSupport.sleep(50);
            }
        }
    }

    static void mkdir(Path d) {
        try {
            Files.createDirectory(d);
        } catch (IOException e) {
            throw new UncheckedIOException("mkdir " + d, e);
        }
    }

    /** Every cgroup hierarchy mounted under /sys/fs/cgroup, keyed by its super options (or "" for cgroup2). */
    private static Map<String, Path> mounts() {
        Map<String, Path> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int sep = List.of(f).indexOf("-");
                if (sep < 0 || f.length < sep + 4) continue;
                Path mp = Path.of(f[4]);
                if (f[sep + 1].equals("cgroup2")) out.putIfAbsent("", mp);
                else if (f[sep + 1].equals("cgroup")) out.putIfAbsent(f[sep + 3], mp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
