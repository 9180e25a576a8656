package dev.jrunc.cgroups;

import dev.jrunc.linux.RecordingSyscalls;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * cgroupfs imitated on a temp dir: mkdir fills the new directory with the files the kernel
 * would show for its hierarchy, rmdir refuses a directory with sub-directories or processes,
 * every write is recorded, and device programs are kept instead of loaded.
 */
final class FakeCgroupFs extends CgroupFs {
    /** Files (and initial contents) of a new cgroup, per hierarchy mount point. */
    final Map<Path, Map<String, String>> templates = new LinkedHashMap<>();
    final List<String> writes = new ArrayList<>();
    final Map<Path, byte[]> devicePrograms = new LinkedHashMap<>();
    final List<Path> rmdirs = new ArrayList<>();

    FakeCgroupFs() {
        super(new RecordingSyscalls()); // installDeviceFilter is overridden: no bpf call is made
    }

    @Override
    public void write(Path file, String value) throws IOException {
        writes.add(file + "=" + value);
        super.write(file, value);
        // the v2 freezer settles at once here
        if (file.getFileName().toString().equals("cgroup.freeze")) {
            Files.writeString(file.resolveSibling("cgroup.events"), "populated 1\nfrozen " + value.trim() + "\n");
        }
    }

    @Override
    public void mkdir(Path dir) throws IOException {
        super.mkdir(dir);
        for (var e : templates.entrySet()) {
            if (dir.startsWith(e.getKey())) {
                for (var f : e.getValue().entrySet()) {
                    Files.writeString(dir.resolve(f.getKey()), f.getValue());
                }
            }
        }
    }

    @Override
    public void rmdir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p)) {
                    throw new DirectoryNotEmptyException(dir.toString());
                }
            }
        }
        Path procs = dir.resolve("cgroup.procs");
        if (Files.exists(procs) && !Files.readString(procs).isBlank()) {
            throw new java.nio.file.FileSystemException(dir.toString(), null, "Device or resource busy");
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
        rmdirs.add(dir);
    }

    @Override
    public void installDeviceFilter(Path dir, byte[] program) {
        devicePrograms.put(dir, program);
    }

    /** Values written to file, in order. */
    List<String> writesTo(Path file) {
        String prefix = file + "=";
        return writes.stream().filter(w -> w.startsWith(prefix)).map(w -> w.substring(prefix.length())).toList();
    }

    String last(Path file) {
        List<String> w = writesTo(file);
        return w.isEmpty() ? null : w.get(w.size() - 1);
    }
}
