package dev.jrunc.container;

import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.spec.Spec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The state file of a create in progress: written before each step makes something (cgroup
 * directories, the helper, the init), so that a create killed at any point leaves a container
 * that `state` and `list` show and `delete` removes completely. Every write is atomic (a
 * temporary file and a rename, see {@link StateStore#write}).
 */
final class CreateJournal {
    private final StateStore store;
    private ContainerRecord record;

    /**
     * Writes the first record: what the cgroup is about to make, and which process is making it:
     * creator, the process that stands for this jrunc (this JVM in direct mode; in the engine the
     * caller's front, which a create killed half-way leaves dead like a direct-mode JVM).
     */
    CreateJournal(StateStore store, String id, Path bundle, Path rootfs, boolean systemdCgroup, CgroupManager cgroup,
            String notifySocket, Spec spec, long creator) {
        this.store = store;
        long self = creator;
        long start = ProcStat.startTimeIfAlive((int) self).orElse(0);
        this.record = ContainerRecord.beginning(id, bundle.toString(), rootfs.toString(), Instant.now().toString(),
                systemdCgroup, strings(cgroup.paths()), cgroup.missingDirs().stream().map(Path::toString).toList(),
                notifySocket, spec, new ContainerRecord.Creating((int) self, start, 0, 0));
        store.write(record);
    }

    ContainerRecord record() {
        return record;
    }

    /** The cgroup directories create made, and those it shares with another container. */
    void cgroupMade(CgroupManager cgroup) {
        update(record.withCgroups(cgroup.createdDirs().stream().map(Path::toString).toList(),
                cgroup.joinedDirs().stream().map(Path::toString).toList()));
    }

    void helperSpawned(int pid) {
        update(record.withHelper(pid, ProcStat.startTimeIfAlive(pid).orElse(0)));
    }

    void initKnown(int pid, long startTime, String pidNamespace) {
        update(record.withInit(pid, startTime, pidNamespace));
    }

    /** The final record: the container is created. */
    ContainerRecord created() {
        update(record.asCreated(Instant.now().toString()));
        return record;
    }

    private void update(ContainerRecord next) {
        store.write(next);
        record = next;
    }

    private static Map<String, String> strings(Map<String, Path> paths) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        paths.forEach((k, v) -> out.put(k, v.toString()));
        return out;
    }
}
