package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The uid and gid maps of a rootless container. The kernel lets an unprivileged user write one
 * line mapping its own id (for gids only once setgroups is "deny"); that case is written here
 * directly. Any other map needs the ranges /etc/subuid and /etc/subgid grant the user, which only
 * the setuid newuidmap and newgidmap (shadow's uidmap package) may write: jrunc runs them, after
 * checking every range itself so that a range the user may not have is refused before anything
 * is made, naming the mapping.
 */
final class RootlessIdMaps {
    /** A range of host ids: start, size. */
    record Range(long start, long size) {
        boolean covers(long from, long n) {
            return from >= start && from + n <= start + size;
        }

        @Override
        public String toString() {
            return start + ".." + (start + size - 1);
        }
    }

    private static final List<Path> TOOL_DIRS = List.of(Path.of("/usr/bin"), Path.of("/bin"), Path.of("/usr/sbin"), Path.of("/sbin"));

    private final CallerIdentity caller;
    private final String userName;
    private final List<Range> subUids;
    private final List<Range> subGids;

    RootlessIdMaps(CallerIdentity caller, String userName, List<Range> subUids, List<Range> subGids) {
        this.caller = caller;
        this.userName = userName;
        this.subUids = subUids;
        this.subGids = subGids;
    }

    /** The caller's name (from /etc/passwd) and its ranges in /etc/subuid and /etc/subgid. */
    static RootlessIdMaps of(CallerIdentity caller) {
        String name = userName(Path.of("/etc/passwd"), caller.euid());
        return new RootlessIdMaps(caller, name, ranges(Path.of("/etc/subuid"), name, caller.euid()),
                ranges(Path.of("/etc/subgid"), name, caller.euid()));
    }

    /** Refuses maps the caller may not write: each range is its own id or inside a range it was granted. */
    void check(LinuxSpec linux) {
        if (linux.uidMappingsOrEmpty().isEmpty() || linux.gidMappingsOrEmpty().isEmpty()) {
            throw new ConfigException("config.json", linux.uidMappingsOrEmpty().isEmpty() ? "$.linux.uidMappings" : "$.linux.gidMappings",
                    "a rootless container needs a uid and a gid mapping (at least the user's own id)");
        }
        check(linux.uidMappingsOrEmpty(), caller.euid(), subUids, "$.linux.uidMappings", "uid", "/etc/subuid");
        check(linux.gidMappingsOrEmpty(), caller.egid(), subGids, "$.linux.gidMappings", "gid", "/etc/subgid");
    }

    /** With the user's own gid alone, setgroups is denied in the namespace: no supplementary groups. */
    static void checkGroups(dev.jrunc.spec.Spec spec, long egid) {
        if (spec.process() == null || spec.process().user() == null) return;
        List<Long> extra = spec.process().user().additionalGids();
        if (extra != null && !extra.isEmpty() && isOwnIdOnly(spec.linux().gidMappingsOrEmpty(), egid)) {
            throw new ConfigException("config.json", "$.process.user.additionalGids",
                    "a rootless container that maps only the user's own gid cannot set supplementary groups"
                            + " (the kernel denies setgroups there): map more gids through /etc/subgid, or leave them out");
        }
    }

    private void check(List<LinuxSpec.IdMapping> maps, long own, List<Range> granted, String path, String kind, String file) {
        for (int i = 0; i < maps.size(); i++) {
            LinuxSpec.IdMapping m = maps.get(i);
            if (m.size() == 1 && m.hostID() == own) continue;
            if (granted.stream().anyMatch(r -> r.covers(m.hostID(), m.size()))) continue;
            Range asked = new Range(m.hostID(), m.size());
            throw new ConfigException("config.json", path + "[" + i + "]",
                    "host " + kind + "s " + asked + " are not the user's to map: " + (userName == null ? kind + " " + own : userName)
                            + " may map its own " + kind + " " + own + (granted.isEmpty() ? " and has no range in " + file
                            : " and the ranges " + file + " grants it (" + granted.stream().map(Range::toString)
                                    .reduce((a, b) -> a + ", " + b).orElse("") + ")"));
        }
    }

    /** Writes both maps of the process pid, which has just made its user namespace. */
    void write(int pid, LinuxSpec linux) {
        Path proc = Path.of("/proc", Integer.toString(pid));
        List<LinuxSpec.IdMapping> uids = linux.uidMappingsOrEmpty();
        List<LinuxSpec.IdMapping> gids = linux.gidMappingsOrEmpty();
        if (isOwnIdOnly(uids, caller.euid())) {
            writeFile(proc.resolve("uid_map"), line(uids.getFirst()), "$.linux.uidMappings");
        } else {
            runTool("newuidmap", pid, uids, "$.linux.uidMappings");
        }
        if (isOwnIdOnly(gids, caller.egid())) {
            // The kernel takes an unprivileged gid map only once setgroups is denied for good.
            writeFile(proc.resolve("setgroups"), "deny", "$.linux.gidMappings");
            writeFile(proc.resolve("gid_map"), line(gids.getFirst()), "$.linux.gidMappings");
        } else {
            runTool("newgidmap", pid, gids, "$.linux.gidMappings");
        }
    }

    static boolean isOwnIdOnly(List<LinuxSpec.IdMapping> maps, long own) {
        return maps.size() == 1 && maps.getFirst().size() == 1 && maps.getFirst().hostID() == own;
    }

    private static String line(LinuxSpec.IdMapping m) {
        return m.containerID() + " " + m.hostID() + " " + m.size() + "\n";
    }

    private static void writeFile(Path file, String text, String jsonPath) {
        try {
            Files.write(file, text.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new JruncException(jsonPath + ": cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** newuidmap/newgidmap PID (containerID hostID size)...: its output is the error when it fails. */
    private static void runTool(String tool, int pid, List<LinuxSpec.IdMapping> maps, String jsonPath) {
        Path exe = TOOL_DIRS.stream().map(d -> d.resolve(tool)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new JruncException(jsonPath + ": mapping more than the user's own id needs " + tool
                        + ", which is not installed (Debian: apt-get install uidmap)"));
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), Integer.toString(pid)));
        for (LinuxSpec.IdMapping m : maps) {
            cmd.addAll(List.of(Long.toString(m.containerID()), Long.toString(m.hostID()), Long.toString(m.size())));
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new JruncException(jsonPath + ": " + String.join(" ", cmd) + " failed (exit status " + rc + ")"
                        + (out.isEmpty() ? "" : ": " + out));
            }
        } catch (IOException e) {
            throw new JruncException(jsonPath + ": cannot run " + exe + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JruncException(jsonPath + ": interrupted while " + tool + " ran", e);
        }
    }

    /** The login name of uid in a passwd file, or null. */
    static String userName(Path passwd, long uid) {
        try {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[2].equals(Long.toString(uid))) return f[0];
            }
        } catch (IOException e) {
            // no name: only numeric entries of /etc/subuid can match
        }
        return null;
    }

    /** The ranges a subuid/subgid file grants the user (by name or by number); none when it is missing. */
    static List<Range> ranges(Path file, String name, long id) {
        List<Range> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            String[] f = line.strip().split(":");
            if (f.length != 3 || !(f[0].equals(name) || f[0].equals(Long.toString(id)))) continue;
            try {
                out.add(new Range(Long.parseLong(f[1]), Long.parseLong(f[2])));
            } catch (NumberFormatException e) {
                // a malformed line grants nothing, as for newuidmap
            }
        }
        return out;
    }
}
