package dev.jrunc.cgroups;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * systemd imitated on a {@link FakeHost}: starting a unit makes its directory in every hierarchy
 * systemd manages and puts the unit's PIDs in it; stopping removes those directories. Every call
 * is recorded as text, e.g. "start crio-abc.scope [Slice=..., ...]".
 */
final class FakeSystemd implements SystemdBus.Connector {
    final List<String> calls = new ArrayList<>();
    /** Units loaded now, by name: their directories. */
    final Map<String, List<Path>> units = new LinkedHashMap<>();
    /** Names whose start fails with UnitExists (a failed leftover until reset, or live with sticky). */
    final Map<String, Boolean> existing = new LinkedHashMap<>();
    private final List<Path> hierarchies;
    static final String MANAGED = "cpuset cpu io memory pids\n";
    int opened;
    int open;
    int version = 252;
    /** The manager's ControlGroup: "" for the system instance, the user@UID.service cgroup for a user's. */
    String controlGroup = "";

    /** hierarchies: the directories under which systemd realizes units (v2: the cgroup2 mount). */
    FakeSystemd(Path... hierarchies) {
        this.hierarchies = List.of(hierarchies);
    }

    @Override
    public SystemdBus open() {
        opened++;
        open++;
        return new SystemdBus() {
            @Override
            public void startTransientUnit(String unit, List<UnitProperty> properties) {
                calls.add("start " + unit + " " + properties);
                Boolean sticky = existing.get(unit);
                if (sticky != null) {
                    throw new UnitExistsException("Unit " + unit + " already exists.");
                }
                String slice = properties.stream().filter(p -> p.name().equals("Slice")).map(p -> (String) p.value())
                        .findFirst().orElse("-.slice");
                String rel = (slice.equals("-.slice") ? "" : CgroupsPath.expandSlice(slice).substring(1) + "/") + unit;
                List<Path> dirs = new ArrayList<>();
                for (Path h : hierarchies) {
                    Path dir = h.resolve(rel);
                    try {
                        for (Path d = h, rest = h.relativize(dir); rest != null; ) {
                            d = d.resolve(rest.getName(0));
                            rest = rest.getNameCount() > 1 ? rest.subpath(1, rest.getNameCount()) : null;
                            if (!Files.exists(d)) {
                                host.fs.mkdir(d);
                            }
                        }
                        for (UnitProperty p : properties) {
                            if (p.name().equals("PIDs")) {
                                Files.writeString(dir.resolve("cgroup.procs"), ((List<?>) p.value()).get(0) + "\n");
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    dirs.add(dir);
                    // systemd enables the controllers it manages on the way down
                    for (Path up = dir.getParent(); up.startsWith(h); up = up.getParent()) {
                        try {
                            Files.writeString(up.resolve("cgroup.subtree_control"), MANAGED);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        if (up.equals(h)) {
                            break;
                        }
                    }
                }
                units.put(unit, dirs);
            }

            @Override
            public void startUnit(String unit) {
                calls.add("activate " + unit);
                for (Path h : hierarchies) {
                    Path d = h;
                    for (String part : CgroupsPath.expandSlice(unit).substring(1).split("/")) {
                        d = d.resolve(part);
                        try {
                            if (!Files.exists(d)) {
                                host.fs.mkdir(d);
                            }
                            Files.writeString(d.getParent().resolve("cgroup.subtree_control"), MANAGED);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
            }

            @Override
            public void stopUnit(String unit) {
                calls.add("stop " + unit);
                List<Path> dirs = units.remove(unit);
                for (Path d : dirs == null ? List.<Path>of() : dirs) {
                    try (Stream<Path> walk = Files.walk(d)) {
                        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void resetFailedUnit(String unit) {
                calls.add("reset-failed " + unit);
                if (Boolean.FALSE.equals(existing.get(unit))) {
                    existing.remove(unit);
                }
            }

            @Override
            public void setUnitProperties(String unit, List<UnitProperty> properties) {
                calls.add("set " + unit + " " + properties);
            }

            @Override
            public String controlGroup() {
                calls.add("get ControlGroup");
                return controlGroup;
            }

            @Override
            public int version() {
                return version;
            }

            @Override
            public void close() {
                open--;
            }
        };
    }

    FakeHost host;

    FakeSystemd on(FakeHost h) {
        this.host = h;
        return this;
    }

    String call(String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix)).findFirst().orElse(null);
    }
}
