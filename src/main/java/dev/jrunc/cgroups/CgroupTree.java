package dev.jrunc.cgroups;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Making, walking and removing cgroup directories. */
final class CgroupTree {
    /** How long rmdir keeps retrying EBUSY while the last processes of a cgroup exit. */
    static final long RMDIR_TIMEOUT_MS = 2000;

    private CgroupTree() {}

    /** mkdir -p; returns the directories it made, parents first. */
    static List<Path> mkdirs(CgroupFs fs, Path dir) {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !fs.exists(p); p = p.getParent()) {
            missing.add(p);
        }
        Collections.reverse(missing);
        List<Path> made = new ArrayList<>();
        for (Path p : missing) {
            try {
                fs.mkdir(p);
                made.add(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another container made the same parent just now; it is not ours to remove
            } catch (IOException e) {
                throw new CgroupException("creating cgroup " + p + ": " + CgroupDir.reason(e), e);
            }
        }
        return made;
    }

    /** Sub-cgroup directories below dir, deepest first. */
    static List<Path> subCgroups(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> dirs = new ArrayList<>(s.filter(p -> !p.equals(dir) && Files.isDirectory(p)).toList());
            dirs.sort((a, b) -> b.getNameCount() - a.getNameCount());
            return dirs;
        } catch (IOException e) {
            throw new CgroupException("listing sub-cgroups of " + dir + ": " + CgroupDir.reason(e), e);
        }
    }

    /** Removes dir and every sub-cgroup in it, retrying EBUSY for a bounded time. */
    static void removeTree(CgroupFs fs, Path dir) {
        if (!fs.exists(dir)) {
            return;
        }
        for (Path sub : subCgroups(dir)) {
            rmdirRetrying(fs, sub);
        }
        rmdirRetrying(fs, dir);
    }

    static void rmdirRetrying(CgroupFs fs, Path dir) {
        long deadline = System.nanoTime() + RMDIR_TIMEOUT_MS * 1_000_000;
        long sleep = 5;
        while (true) {
            try {
                fs.rmdir(dir);
                return;
            } catch (NoSuchFileException e) {
                return;
            } catch (IOException e) {
                boolean busy = e instanceof DirectoryNotEmptyException
                        || (e instanceof FileSystemException f && f.getReason() != null
                                && f.getReason().contains("busy"));
                if (!busy || System.nanoTime() > deadline) {
                    throw new CgroupException("removing cgroup " + dir + ": " + CgroupDir.reason(e), e);
                }
                sleep(sleep);
                sleep = Math.min(sleep * 2, 100);
            }
        }
    }

    /** Removes parents create() made, innermost first; one still used by a sibling stays. */
    static void removeCreatedParents(CgroupFs fs, List<Path> created) {
        List<Path> reversed = new ArrayList<>(created);
        Collections.reverse(reversed);
        for (Path p : reversed) {
            try {
                if (fs.exists(p)) {
                    fs.rmdir(p);
                }
            } catch (IOException e) {
                // another container's cgroup lives below it now
            }
        }
    }

    /** PIDs in dir's cgroup.procs and those of every sub-cgroup. */
    static Set<Long> pids(CgroupFs fs, Path dir) {
        Set<Long> out = new TreeSet<>();
        List<Path> dirs = new ArrayList<>(subCgroups(dir));
        dirs.add(dir);
        for (Path d : dirs) {
            Path procs = d.resolve("cgroup.procs");
            try {
                if (fs.exists(procs)) {
                    for (String line : fs.read(procs).split("\n")) {
                        if (!line.isBlank()) {
                            out.add(Long.parseLong(line.trim()));
                        }
                    }
                }
            } catch (NoSuchFileException e) {
                // the sub-cgroup went away while we walked
            } catch (IOException e) {
                throw new CgroupException("reading " + procs + ": " + CgroupDir.reason(e), e);
            }
        }
        return out;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("interrupted while waiting for a cgroup", e);
        }
    }
}
