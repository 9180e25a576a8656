package dev.jrunc.cgroups;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import java.util.stream.Stream;

/** Making, walking and removing cgroup directories (only those jrunc made: see {@link CgroupRegistry}). */
final class CgroupTree {
    /** How long rmdir keeps retrying EBUSY while the last processes of a cgroup exit. */
    static final long RMDIR_TIMEOUT_MS = 2000;

    private CgroupTree() {}

    /** What {@link #make} did on the way to the container's directories. */
    record Made(List<Path> made, List<Path> joined) {}

    /** The directories missing on the way to each of dirs, parents first, each once. */
    static List<Path> missing(CgroupFs fs, Collection<Path> dirs) {
        Set<Path> out = new LinkedHashSet<>();
        for (Path dir : new LinkedHashSet<>(dirs)) {
            List<Path> chain = new ArrayList<>();
            for (Path p = dir; p != null && !fs.exists(p); p = p.getParent()) {
                chain.add(p);
            }
            Collections.reverse(chain);
            out.addAll(chain);
        }
        return new ArrayList<>(out);
    }

    /**
     * mkdir -p of each of dirs, every directory recorded in the registry before it is made; also
     * lists the existing directories on the way that jrunc made for another container (from the
     * innermost up to the first one jrunc did not make): this container shares them.
     */
    static Made make(CgroupFs fs, CgroupRegistry registry, Collection<Path> dirs) {
        return registry.locked(() -> {
            List<Path> made = new ArrayList<>();
            List<Path> joined = new ArrayList<>();
            for (Path dir : new LinkedHashSet<>(dirs)) {
                for (Path p = dir; p != null; p = p.getParent()) {
                    if (!fs.exists(p)) {
                        continue;
                    }
                    if (made.contains(p) || joined.contains(p) || !registry.madeByJrunc(p)) {
                        break;
                    }
                    joined.add(p);
                }
                for (Path p : missing(fs, List.of(dir))) {
                    registry.claim(p);
                    try {
                        fs.mkdir(p);
                    } catch (java.nio.file.FileAlreadyExistsException e) {
                        // made just now by someone who is not jrunc (jrunc makes them under this lock): not ours
                        registry.forget(p);
                        continue;
                    } catch (IOException e) {
                        registry.forget(p);
                        throw new CgroupException("creating cgroup " + p + ": " + CgroupDir.reason(e), e);
                    }
                    made.add(p);
                    registry.made(p);
                }
            }
            return new Made(made, joined);
        });
    }

    /**
     * Removes what jrunc made of a container's cgroup: each of leaves that is among candidates
     * and that jrunc made (with the sub-cgroups the container made in it) once no process is
     * left in it, then every other candidate (the parents) that jrunc made and that is empty.
     * A leaf that still holds a process that is not the container's (foreign) stays: another
     * container shares it, and its delete will remove it. A cgroup jrunc did not make is never
     * touched, nor anything in it.
     */
    static void remove(CgroupFs fs, CgroupRegistry registry, Collection<Path> leaves, Collection<Path> candidates,
            LongPredicate foreign) {
        Set<Path> wanted = new LinkedHashSet<>(candidates);
        if (wanted.isEmpty()) {
            return;
        }
        CgroupException first = null;
        for (Path leaf : new LinkedHashSet<>(leaves)) {
            if (!wanted.contains(leaf) || !registry.locked(() -> registry.madeByJrunc(leaf))) {
                continue;
            }
            try {
                removeLeaf(fs, registry, leaf, foreign);
            } catch (CgroupException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        List<Path> parents = new ArrayList<>(wanted);
        parents.removeAll(leaves);
        parents.sort((a, b) -> b.getNameCount() - a.getNameCount());
        registry.lockedRun(() -> {
            for (Path p : parents) {
                if (!registry.madeByJrunc(p)) {
                    continue;
                }
                try {
                    fs.rmdir(p);
                    registry.forget(p);
                } catch (NoSuchFileException e) {
                    registry.forget(p);
                } catch (IOException e) {
                    // another container's cgroup lives below it, or a process does: its delete removes it
                }
            }
        });
        if (first != null) {
            throw first;
        }
    }

    private static void removeLeaf(CgroupFs fs, CgroupRegistry registry, Path leaf, LongPredicate foreign) {
        long deadline = System.nanoTime() + RMDIR_TIMEOUT_MS * 1_000_000;
        long sleep = 5;
        while (true) {
            Set<Long> pids = pids(fs, leaf);
            if (pids.stream().anyMatch(foreign::test)) {
                return;
            }
            String why;
            if (pids.isEmpty()) {
                Boolean removed = registry.locked(() -> tryRemoveTree(fs, registry, leaf));
                if (removed) {
                    return;
                }
                why = "Device or resource busy";
            } else {
                why = "processes " + pids + " are still in it";
            }
            if (System.nanoTime() > deadline) {
                throw new CgroupException("removing cgroup " + leaf + ": " + why);
            }
            sleep(sleep);
            sleep = Math.min(sleep * 2, 100);
        }
    }

    /** rmdir of leaf's sub-cgroups, deepest first, then of leaf; false if one is busy. */
    private static boolean tryRemoveTree(CgroupFs fs, CgroupRegistry registry, Path leaf) {
        List<Path> dirs = new ArrayList<>(subCgroups(leaf));
        dirs.add(leaf);
        for (Path d : dirs) {
            try {
                fs.rmdir(d);
            } catch (NoSuchFileException e) {
                // gone already
            } catch (IOException e) {
                if (isBusy(e)) {
                    return false;
                }
                throw new CgroupException("removing cgroup " + d + ": " + CgroupDir.reason(e), e);
            }
        }
        registry.forget(leaf);
        return true;
    }

    static boolean isBusy(IOException e) {
        return e instanceof DirectoryNotEmptyException
                || (e instanceof FileSystemException f && f.getReason() != null && f.getReason().contains("busy"));
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

    /** PIDs in dir's cgroup.procs and those of every sub-cgroup. */
    static Set<Long> pids(CgroupFs fs, Path dir) {
        Set<Long> out = new TreeSet<>();
        List<Path> dirs = new ArrayList<>(subCgroups(dir));
        dirs.add(dir);
        for (Path d : dirs) {
            out.addAll(procsOf(fs, d));
        }
        return out;
    }

    /** PIDs in dir's own cgroup.procs; none when dir is gone. */
    static Set<Long> procsOf(CgroupFs fs, Path dir) {
        Set<Long> out = new TreeSet<>();
        Path procs = dir.resolve("cgroup.procs");
        try {
            if (fs.exists(procs)) {
                for (String line : fs.read(procs).split("\n")) {
                    if (!line.isBlank()) {
                        out.add(Long.parseLong(line.trim()));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            // the cgroup went away while we looked
        } catch (IOException e) {
            throw new CgroupException("reading " + procs + ": " + CgroupDir.reason(e), e);
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
