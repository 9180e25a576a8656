package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the conformance tests: a private --root and scratch space per test, unique container
 * ids, forced deletion of whatever a test leaves, and the "nothing left behind" checks.
 */
abstract class ContainerTest {
    @TempDir Path tmp;

    Jrunc jrunc;
    private final List<String> ids = new ArrayList<>();
    private final List<Bundle> bundles = new ArrayList<>();

    @BeforeEach
    void setUpHarness() throws IOException {
        Assumptions.assumeTrue(isRoot(), "the conformance suite runs real containers and needs root");
        // A mapped user (user namespace tests) must be able to reach the bundles.
        Files.setAttribute(tmp, "unix:mode", 0755);
        Path scratch = Files.createDirectories(tmp.resolve("out"));
        jrunc = new Jrunc(Jrunc.binary(), tmp.resolve("root"), scratch);
    }

    @AfterEach
    void tearDownHarness() {
        if (jrunc == null) return;
        List<String> problems = new ArrayList<>();
        for (String id : ids) {
            Jrunc.Result r = jrunc.run("delete", "--force", id);
            if (r.exit() != 0) problems.add("delete --force " + id + " failed: " + r);
        }
        for (String id : ids) {
            String left = leftBehind(id);
            if (!left.isEmpty()) problems.add(left);
        }
        if (!problems.isEmpty()) fail(String.join("\n", problems));
    }

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return line.split("\\s+")[2].equals("0");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** A fresh container id, deleted (forced) after the test. */
    String newId(String prefix) {
        String id = prefix + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        ids.add(id);
        return id;
    }

    /** A busybox bundle with `jrunc spec`'s config. */
    Bundle bundle(String name) {
        Bundle b = Bundle.create(tmp.resolve(name), jrunc);
        bundles.add(b);
        return b;
    }

    Bundle fixtureBundle(String name, Path config) {
        Bundle b = Bundle.fromConfig(tmp.resolve(name), config);
        bundles.add(b);
        return b;
    }

    // ---- running ----

    /** `run --bundle b id`, after saving b's config. */
    Jrunc.Result run(Bundle b, String id, String... extra) {
        b.save();
        List<String> args = new ArrayList<>(List.of("run", "--bundle", b.dir.toString()));
        args.addAll(List.of(extra));
        args.add(id);
        return jrunc.runWith(Jrunc.DEFAULT_TIMEOUT, args);
    }

    /** `create --bundle b id`, after saving b's config. */
    Jrunc.Result create(Bundle b, String id, String... extra) {
        b.save();
        List<String> args = new ArrayList<>(List.of("create", "--bundle", b.dir.toString()));
        args.addAll(List.of(extra));
        args.add(id);
        return jrunc.runWith(Jrunc.DEFAULT_TIMEOUT, args);
    }

    JsonNode state(String id) {
        Jrunc.Result r = jrunc.run("state", id).assertOk();
        try {
            return Bundle.JSON.readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("state output is not JSON: " + r, e);
        }
    }

    /** key=value lines of a container's output, in order (later keys win). */
    static Map<String, String> facts(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return m;
    }

    static boolean alive(long pid) {
        return Files.exists(Path.of("/proc/" + pid));
    }

    /** Waits (up to 10 s) for a host pid to be gone or a zombie; false if it is still running. */
    static boolean waitGone(long pid) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!alive(pid) || isZombie(pid)) return true;
            sleep(20);
        }
        return false;
    }

    static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits (up to 10 s) for a detached container's output file to contain {@code text}. */
    static String waitForOutput(Jrunc.Result detached, String text) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String now = detached.outNow();
        while (!now.contains(text) && System.nanoTime() < deadline) {
            sleep(20);
            now = detached.outNow();
        }
        return now;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static String hostNs(String type) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/" + type)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- nothing left behind ----

    /** Asserts that jrunc left no state, mount or cgroup for {@code id} and the test's bundles. */
    void assertNothingLeftBehind(String id) {
        String left = leftBehind(id);
        if (!left.isEmpty()) fail(left);
    }

    private String leftBehind(String id) {
        List<String> found = new ArrayList<>();
        Path stateDir = jrunc.root().resolve(id);
        if (Files.exists(stateDir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) found.add("state directory " + stateDir);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                for (Bundle b : bundles) {
                    if (line.contains(b.dir.toString())) found.add("mount " + line);
                }
                if (line.contains(jrunc.root().toString())) found.add("mount " + line);
            }
        } catch (IOException e) {
            found.add("cannot read /proc/self/mountinfo: " + e);
        }
        found.addAll(cgroupDirs(id));
        return found.isEmpty() ? "" : "container \"" + id + "\" left behind:\n  " + String.join("\n  ", found);
    }

    /** Directories named {@code id} at depth 1 or 2 under each cgroup hierarchy (v1 controllers, unified, or v2 root). */
    static List<String> cgroupDirs(String id) {
        List<String> found = new ArrayList<>();
        Path cg = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(cg)) return found;
        List<Path> hierarchies = new ArrayList<>();
        hierarchies.add(cg);
        for (Path p : subdirs(cg)) {
            if (isMountPoint(p)) hierarchies.add(p);
        }
        for (Path h : hierarchies) {
            for (Path d1 : subdirs(h)) {
                if (d1.getFileName().toString().equals(id)) found.add("cgroup " + d1);
                if (h.equals(cg) && hierarchies.contains(d1)) continue;
                for (Path d2 : subdirs(d1)) {
                    if (d2.getFileName().toString().equals(id)) found.add("cgroup " + d2);
                }
            }
        }
        return found;
    }

    private static List<Path> subdirs(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) out.add(p);
            }
        } catch (IOException e) {
            // not readable: nothing to see
        }
        return out;
    }

    private static boolean isMountPoint(Path p) {
        try {
            Object dev = Files.getAttribute(p, "unix:dev");
            Object parentDev = Files.getAttribute(p.getParent(), "unix:dev");
            return !dev.equals(parentDev);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static void assertContains(String haystack, String needle) {
        assertTrue(haystack.contains(needle), () -> "expected to find \"" + needle + "\" in:\n" + haystack);
    }

    static void assertNotContains(String haystack, String needle) {
        assertFalse(haystack.contains(needle), () -> "did not expect \"" + needle + "\" in:\n" + haystack);
    }

    static void assertFact(Map<String, String> facts, String key, String expected) {
        assertEquals(expected, facts.get(key), () -> "fact " + key + " in " + facts);
    }
}
