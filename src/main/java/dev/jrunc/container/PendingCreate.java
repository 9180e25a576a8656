package dev.jrunc.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.JruncException;
import dev.jrunc.cgroups.CgroupLayout;
import dev.jrunc.cgroups.CgroupManager;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Signals;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a create in progress has made, written to its state directory before it is made: the
 * container's cgroup and its init. A create that dies half-way (its JVM killed, an engine gone)
 * cannot run its undo; `delete --force` reads this and undoes it instead: the init is killed and
 * the cgroup (and the parents create made) removed, so nothing is left behind.
 */
final class PendingCreate {
    static final String FILE = "creating.json";

    private PendingCreate() {}

    /** Records (again) the cgroup create is making and, once known, the init's pid. */
    static void record(Path stateDir, CgroupManager cgroup, int initPid) {
        ObjectNode o = SpecJson.mapper().createObjectNode();
        ObjectNode paths = o.putObject("cgroupPaths");
        cgroup.paths().forEach((k, v) -> paths.put(k, v.toString()));
        var made = o.putArray("cgroupCreated");
        cgroup.createdDirs().forEach(p -> made.add(p.toString()));
        if (initPid > 0) {
            o.put("initPid", initPid);
            o.put("initStartTime", ProcStat.startTimeIfAlive(initPid).orElse(-1));
        }
        Path tmp = stateDir.resolve(FILE + ".tmp");
        try {
            Files.write(tmp, SpecJson.mapper().writeValueAsBytes(o));
            Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new JruncException("cannot write " + stateDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Undoes what the record says a dead create made; nothing to do without a record. */
    static void undo(Syscalls sys, Path stateDir) {
        JsonNode o;
        try {
            o = SpecJson.mapper().readTree(Files.readAllBytes(stateDir.resolve(FILE)));
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new JruncException("cannot read " + stateDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
        int pid = o.path("initPid").asInt(0);
        if (pid > 0 && ProcStat.isSameProcess(pid, o.path("initStartTime").asLong(-1))) signal(sys, pid);
        Map<String, Path> paths = new LinkedHashMap<>();
        o.path("cgroupPaths").properties().forEach(e -> paths.put(e.getKey(), Path.of(e.getValue().asText())));
        List<Path> made = new ArrayList<>();
        o.path("cgroupCreated").forEach(n -> made.add(Path.of(n.asText())));
        if (paths.isEmpty()) return;
        CgroupManager cgroup = CgroupManager.open(CgroupLayout.detect(), paths, made);
        if (paths.values().stream().anyMatch(Files::isDirectory)) {
            cgroup.killAll(Signals.SIGKILL, (p, s) -> signal(sys, (int) p));
            waitEmpty(cgroup);
        }
        cgroup.destroy();
    }

    private static void signal(Syscalls sys, int pid) {
        try {
            sys.kill(pid, Signals.SIGKILL);
        } catch (SyscallException e) {
            if (e.errno() != Errno.ESRCH) throw e;
        }
    }

    /** A killed process leaves its cgroup only once it has died: rmdir fails until then. */
    private static void waitEmpty(CgroupManager cgroup) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cgroup.pids().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
