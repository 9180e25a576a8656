package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The config.json files containerd, podman and runc generated, driven the way containerd's shim
 * drives runc: --log json, create --pid-file, start, wait, delete.
 */
class EngineFixturesIT extends ContainerTest {

    static Path fixtures() {
        return Path.of(System.getProperty("jrunc.fixtures", "conformance/fixtures"), "engine-configs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"containerd-ctr-run.json", "containerd-ctr-run-seccomp.json", "podman-run.json", "runc-spec.json"})
    void engineConfigRunsToCompletion(String fixture) throws IOException {
        Path file = fixtures().resolve(fixture);
        Bundle b = fixtureBundle("b", file);
        String id = newId(fixture.replace(".json", ""));
        String marker = "hi-from-" + id;
        b.root().put("path", "rootfs");
        b.process().put("terminal", false);
        b.sh("echo " + marker);
        ObjectNode linux = b.linux();
        // Keep the engine's cgroup layout, but named after this container so leftovers are found.
        if (linux.has("cgroupsPath")) {
            String p = linux.get("cgroupsPath").asText();
            linux.put("cgroupsPath", p.substring(0, p.lastIndexOf('/') + 1) + id);
        }
        String holder = null;
        for (JsonNode ns : b.namespaces()) {
            if (ns.has("path")) {
                // podman's pre-made network namespace: a helper container's stands in for it.
                holder = newId("netns");
                Path pidFile = tmp.resolve("holder.pid");
                Bundle hb = bundle("holder").args("sleep", "30");
                run(hb, holder, "-d", "--pid-file", pidFile.toString()).assertOk();
                ((ObjectNode) ns).put("path", "/proc/" + Jrunc.read(pidFile).trim() + "/ns/" + "net");
            }
        }
        // podman's bind sources live in its storage: substitute files of ours.
        for (JsonNode m : b.mounts()) {
            String src = m.path("source").asText();
            if (m.path("type").asText().equals("bind") && !Files.exists(Path.of(src))) {
                String name = Path.of(src).getFileName().toString();
                Path sub = tmp.resolve("engine-files").resolve(name);
                Files.createDirectories(sub.getParent());
                if (name.equals("shm")) Files.createDirectories(sub);
                else Files.writeString(sub, name + "\n");
                ((ObjectNode) m).put("source", sub.toString());
            }
        }
        b.save();

        Path log = tmp.resolve("log.json");
        Path pidFile = tmp.resolve("init.pid");
        List<String> globals = List.of("--log", log.toString(), "--log-format", "json");
        Jrunc.Result created = engine(globals, "create", "--bundle", b.dir.toString(), "--pid-file", pidFile.toString(), id);
        created.assertOk();
        long pid = Long.parseLong(Jrunc.read(pidFile).trim());
        JsonNode state = state(id);
        assertEquals("created", state.get("status").asText());
        if (b.config.has("annotations")) {
            assertEquals(b.config.get("annotations"), state.get("annotations"), "state carries the annotations");
        }
        engine(globals, "start", id).assertOk();
        assertTrue(waitGone(pid), "the container's process exits");
        assertContains(waitForOutput(created, marker), marker);
        assertEquals("stopped", state(id).get("status").asText());
        engine(globals, "delete", id).assertOk();
        assertNothingLeftBehind(id);
        String logText = Jrunc.read(log);
        for (String line : logText.lines().toList()) {
            assertTrue(!Bundle.JSON.readTree(line).path("level").asText().equals("error"), "error logged: " + line);
        }
    }

    private Jrunc.Result engine(List<String> globals, String... args) {
        List<String> all = new ArrayList<>(globals);
        all.addAll(List.of(args));
        return jrunc.runWith(Jrunc.DEFAULT_TIMEOUT, all);
    }
}
