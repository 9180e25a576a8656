package dev.jrunc.cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * One cgroup directory. Every write names the spec key it serves, so a failure tells the user
 * which part of config.json could not be honoured and which kernel file refused it.
 */
public final class CgroupDir {
    private final CgroupFs fs;
    private final Path path;

    public CgroupDir(CgroupFs fs, Path path) {
        this.fs = fs;
        this.path = path;
    }

    public Path path() {
        return path;
    }

    public CgroupFs fs() {
        return fs;
    }

    public Path file(String name) {
        return path.resolve(name);
    }

    public boolean has(String name) {
        return fs.exists(file(name));
    }

    /** Writes value to name; the file must already exist, cgroupfs never creates files. */
    public void write(String key, String name, String value) {
        Path f = file(name);
        if (!fs.exists(f)) {
            throw new CgroupException(key + ": " + f + " does not exist (controller or feature not available on this kernel)");
        }
        try {
            fs.write(f, value);
        } catch (IOException e) {
            throw new CgroupException(key + ": writing \"" + value + "\" to " + f + ": " + reason(e), e);
        }
    }

    /** Writes each entry with its own write(2), as the kernel parses one entry per write. */
    public void writeEach(String key, String name, List<String> values) {
        for (String v : values) {
            write(key, name, v);
        }
    }

    public String read(String name) {
        Path f = file(name);
        try {
            return fs.read(f);
        } catch (IOException e) {
            throw new CgroupException("reading " + f + ": " + reason(e), e);
        }
    }

    /** The trimmed content, or null when the file does not exist. */
    public String readIfPresent(String name) {
        return has(name) ? read(name).trim() : null;
    }

    /** A single number; "max" reads as Long.MAX_VALUE; absent file → empty. */
    public OptionalLong readLong(String name) {
        String s = readIfPresent(name);
        if (s == null || s.isEmpty()) {
            return OptionalLong.empty();
        }
        if (s.equals("max")) {
            return OptionalLong.of(Long.MAX_VALUE);
        }
        try {
            return OptionalLong.of(Long.parseLong(s));
        } catch (NumberFormatException e) {
            // v1 reports "unlimited" as 2^63-1 rounded to a page; anything else is not a number we know
            return OptionalLong.of(parseUnsigned(s));
        }
    }

    public long readLongOr(String name, long dflt) {
        return readLong(name).orElse(dflt);
    }

    /** "key value" lines (memory.stat, cpu.stat, memory.events, cgroup.events, memory.oom_control). */
    public Map<String, Long> readKeyValues(String name) {
        Map<String, Long> out = new LinkedHashMap<>();
        String s = readIfPresent(name);
        if (s == null) {
            return out;
        }
        for (String line : s.split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], kv[1].equals("max") ? Long.MAX_VALUE : parseUnsigned(kv[1]));
                } catch (NumberFormatException ignored) {
                    // non-numeric entries are not statistics
                }
            }
        }
        return out;
    }

    /** Whitespace-separated numbers (cpuacct.usage_percpu). */
    public List<Long> readLongList(String name) {
        List<Long> out = new ArrayList<>();
        String s = readIfPresent(name);
        if (s != null && !s.isEmpty()) {
            for (String t : s.split("\\s+")) {
                out.add(parseUnsigned(t));
            }
        }
        return out;
    }

    /** File names in this directory that start with prefix and end with suffix. */
    public List<String> list(String prefix, String suffix) {
        try (Stream<Path> s = Files.list(path)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && n.endsWith(suffix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static long parseUnsigned(String s) {
        long v = Long.parseUnsignedLong(s);
        return v < 0 ? Long.MAX_VALUE : v;
    }

    static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            m = fse.getReason();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
