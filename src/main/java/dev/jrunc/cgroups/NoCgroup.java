package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * A rootless container that has no cgroup of its own (cgroup v1, or a v2 subtree not delegated to
 * the user): nothing is made, limited or removed. Its processes are those of its PID namespace
 * (recorded at create); without one of its own, its init alone. Pause, resume, update and stats
 * need a cgroup and say so.
 */
public final class NoCgroup implements CgroupManager {
    /** Why a verb that needs the cgroup cannot run. */
    static final String WHY = "the container has no cgroup of its own: it runs rootless and the user has no delegated"
            + " cgroup v2 subtree (cgroup v1, or one not writable by the user)";

    private final String pidNamespace;
    private final String hostPidNamespace;
    private final long initPid;
    private final Path proc;

    /** pidNamespace: the container's ("pid:[N]"), or null when unknown; initPid: its init, 0 when unknown. */
    public NoCgroup(String pidNamespace, long initPid) {
        this(pidNamespace, initPid, Path.of("/proc"));
    }

    NoCgroup(String pidNamespace, long initPid, Path proc) {
        this.pidNamespace = pidNamespace;
        this.initPid = initPid;
        this.proc = proc;
        this.hostPidNamespace = namespaceOf(proc.resolve("self"));
    }

    @Override
    public List<Path> missingDirs() {
        return List.of();
    }

    @Override
    public void create(CgroupRegistry registry) {}

    /** Nothing to write to; the creator warns about the limits it skips. */
    @Override
    public void apply(Resources resources) {
        if (!RootlessCgroups.limitNames(resources).isEmpty()) throw new CgroupException("cannot set limits: " + WHY);
    }

    @Override
    public void addProcess(long pid) {}

    @Override
    public void addProcess(long pid, Map<String, Path> dirs) {}

    @Override
    public List<Path> occupied() {
        return List.of();
    }

    @Override
    public void destroy(CgroupRegistry registry, LongPredicate foreign) {}

    @Override
    public void freeze() {
        throw new CgroupException("cannot pause: " + WHY);
    }

    @Override
    public void thaw() {
        throw new CgroupException("cannot resume: " + WHY);
    }

    @Override
    public boolean isFrozen() {
        return false;
    }

    /** The processes of the container's PID namespace, when it has one of its own; else its init. */
    @Override
    public Set<Long> pids() {
        Set<Long> out = new TreeSet<>();
        if (pidNamespace == null || pidNamespace.equals(hostPidNamespace)) {
            if (initPid > 0 && Files.exists(proc.resolve(Long.toString(initPid)))) out.add(initPid);
            return out;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : all) {
                if (pidNamespace.equals(namespaceOf(p))) out.add(Long.parseLong(p.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new CgroupException("cannot list the processes in " + proc + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void killAll(int signal, Signaller signaller, LongPredicate foreign) {
        for (long pid : pids()) {
            if (!foreign.test(pid)) signaller.signal(pid, signal);
        }
    }

    @Override
    public CgroupStats stats() {
        throw new CgroupException("no statistics: " + WHY);
    }

    @Override
    public long oomKillCount() {
        return 0;
    }

    @Override
    public Map<String, Path> paths() {
        return Map.of();
    }

    @Override
    public List<Path> createdDirs() {
        return List.of();
    }

    @Override
    public List<Path> joinedDirs() {
        return List.of();
    }

    private static String namespaceOf(Path process) {
        try {
            return Files.readSymbolicLink(process.resolve("ns/pid")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
