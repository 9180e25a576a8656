package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The systemd cgroup driver (--systemd-cgroup) on a host where systemd is not running: a clear
 * error, no fallback to cgroupfs, and nothing left behind. (Hosts with systemd are covered by
 * `make test-systemd`, which boots one in a VM.)
 */
class SystemdCgroupIT extends ContainerTest {

    private static void assumeNoSystemd() {
        Assumptions.assumeFalse(Files.isDirectory(Path.of("/run/systemd/system")),
                "this host runs systemd: make test-systemd covers the driver there");
    }

    /** Every directory under the cgroup mounts whose name contains needle (depth 3: slice/slice/unit). */
    private static List<Path> cgroupsNamed(String needle) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.find(Path.of("/sys/fs/cgroup"), 4,
                (p, a) -> a.isDirectory() && p.getFileName().toString().contains(needle))) {
            s.forEach(found::add);
        }
        return found;
    }

    private void assertOneError(Jrunc.Result r, String text) {
        assertContains(r.err(), text);
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("jrunc: ")).count(), "one error line: " + r.err());
        assertEquals("", r.out());
    }

    @Test
    void withoutSystemdCreateAndRunFailAndLeaveNothing() throws IOException {
        assumeNoSystemd();
        boolean hadSystemSlice = !cgroupsNamed("system.slice").isEmpty();
        Bundle b = bundle("b").args("true");
        for (String verb : List.of("create", "run")) {
            String id = newId("sd-" + verb);
            Jrunc.Result r = jrunc.run("--systemd-cgroup", verb, "--bundle", b.save().dir.toString(), id).assertExit(1);
            assertOneError(r, "--systemd-cgroup: systemd is not running on this host (/run/systemd/system does not exist)");
            assertNothingLeftBehind(id);
            assertEquals(List.of(), cgroupsNamed(id), "no scope directory in any hierarchy");
            assertEquals("", jrunc.run("list", "-q").assertOk().out());
        }
        assertEquals(hadSystemSlice, !cgroupsNamed("system.slice").isEmpty(), "no slice directory made");
    }

    @Test
    void aKubernetesPathWithoutSystemdIsTheSameError() throws IOException {
        assumeNoSystemd();
        Bundle b = bundle("b").args("true");
        b.linux().put("cgroupsPath", "kubepods-besteffort-pod1234.slice:cri-containerd:abc");
        String id = newId("sd-k8s");
        Jrunc.Result r = jrunc.run("--systemd-cgroup", "create", "--bundle", b.save().dir.toString(), id).assertExit(1);
        assertOneError(r, "systemd is not running");
        assertNothingLeftBehind(id);
        assertEquals(List.of(), cgroupsNamed("kubepods"));
    }

    @Test
    void aCgroupsPathSystemdWouldRefuseNamesTheField() {
        Bundle b = bundle("b").args("true");
        b.linux().put("cgroupsPath", "system.slice:p:a+b");
        String id = newId("sd-name");
        Jrunc.Result r = jrunc.run("--systemd-cgroup", "create", "--bundle", b.save().dir.toString(), id).assertExit(1);
        assertOneError(r, "linux.cgroupsPath: \"p-a+b.scope\" is not a valid systemd unit name");
        assertNothingLeftBehind(id);

        b.linux().put("cgroupsPath", "test.slice:p:other.slice");
        id = newId("sd-slice");
        r = jrunc.run("--systemd-cgroup", "create", "--bundle", b.save().dir.toString(), id).assertExit(1);
        assertOneError(r, "linux.cgroupsPath: systemd places slice other.slice at /other.slice, not under test.slice");
        assertNothingLeftBehind(id);
    }

    /** The D-Bus library is loaded by the systemd driver only: cgroupfs containers pay nothing for it. */
    @Test
    void cgroupfsVerbsDoNotLoadTheDBusLibrary() throws IOException {
        Bundle b = bundle("b").args("sleep", "30");
        String id = newId("sd-cl");
        run(b, id, "-d").assertOk();
        for (String verb : List.of("state", "pause", "resume", "kill", "delete")) {
            Path log = tmp.resolve("classes-" + verb + ".txt");
            List<String> cmd = new ArrayList<>(List.of(Jrunc.binary().toString(), "--root", jrunc.root().toString()));
            cmd.addAll(switch (verb) {
                case "kill" -> List.of("kill", id, "KILL");
                case "delete" -> List.of("delete", "--force", id);
                default -> List.of(verb, id);
            });
            // In a JVM of its own (direct mode), whose class loading the log shows: what a cold
            // verb pays. The resident engine loads each class once for all verbs.
            Jrunc.Result r = jrunc.exec(cmd, Duration.ofSeconds(60),
                    Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + log, "JRUNC_ENGINE", "off"), null);
            assertEquals(0, r.exit(), r.toString());
            String classes = Files.readString(log);
            assertTrue(classes.contains("dev.jrunc.Main"), "the log lists classes");
            assertFalse(classes.contains("org.freedesktop.dbus"), verb + " loaded D-Bus classes");
            assertFalse(classes.contains("dev.jrunc.cgroups.Systemd"), verb + " loaded the systemd driver");
        }
        assertNothingLeftBehind(id);
    }
}
