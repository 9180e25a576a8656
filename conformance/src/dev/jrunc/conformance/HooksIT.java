package dev.jrunc.conformance;

import static dev.jrunc.conformance.ExecTestSupport.JSON;
import static dev.jrunc.conformance.ExecTestSupport.alive;
import static dev.jrunc.conformance.ExecTestSupport.read;
import static dev.jrunc.conformance.ExecTestSupport.readLink;
import static dev.jrunc.conformance.ExecTestSupport.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.md's hooks: when each kind runs, in which mount namespace, with what on stdin, argv
 * and env; timeouts; and what a failing hook of each kind does to the operation.
 */
class HooksIT {
    /**
     * Appends what the hook saw to its log: kind, args, env, mount namespace, uptime, stdin. ($$ is
     * not the right /proc entry for createContainer, which runs in the new pid namespace with the
     * host's /proc still mounted, so its cmdline line stays empty.)
     */
    // The record goes out in one write: the container's program appends to the same log meanwhile.
    static final String HOOK_SCRIPT = """
            kind=$1
            state=$(tr -d '\\n')
            record="== $kind
            args=$(printf '%s|' "$0" "$@")
            cmdline=$(tr '\\000' '|' < /proc/$$/cmdline 2>/dev/null)
            env=$(env | grep -v -e '^PWD=' -e '^SHLVL=' -e '^_=' | sort | tr '\\n' '|')
            mntns=$(readlink /proc/self/ns/mnt)
            uptime=$(cut -d ' ' -f 1 /proc/uptime)
            state=$state
            "
            printf '%s' "$record" >> "$2"
            """;
    static final List<String> HOOK_ENV = List.of("HOOK_VAR=some value", "PATH=/usr/bin:/bin");

    @TempDir Path tmp;
    ExecTestSupport t;
    Path hooks;

    @BeforeEach
    void setUp() throws IOException {
        t = new ExecTestSupport(tmp);
        hooks = tmp.resolve("hooks");
        ExecTestSupport.write(hooks.resolve("hook.sh"), HOOK_SCRIPT);
        Files.writeString(hooks.resolve("log"), "");
    }

    @AfterEach
    void cleanUp() {
        t.deleteAll();
    }

    private ObjectNode config(String... args) {
        ObjectNode c = t.config(args);
        ExecTestSupport.addMount(c, "/hooks", "bind", hooks.toString(), "rbind", "rw");
        c.putObject("annotations").put("org.example.hooks", "annotated");
        return c;
    }

    private static ObjectNode hook(ObjectNode config, String kind, String path, List<String> args, List<String> env,
            Integer timeout) {
        ObjectNode all = config.has("hooks") ? (ObjectNode) config.get("hooks") : config.putObject("hooks");
        ArrayNode list = all.has(kind) ? (ArrayNode) all.get(kind) : all.putArray(kind);
        ObjectNode h = list.addObject();
        h.put("path", path);
        ArrayNode a = h.putArray("args");
        args.forEach(a::add);
        if (env != null) {
            ArrayNode e = h.putArray("env");
            env.forEach(e::add);
        }
        if (timeout != null) h.put("timeout", timeout);
        return h;
    }

    /** A recording hook of each kind; startContainer's paths are the container's. */
    private void recordingHooks(ObjectNode c) {
        String script = hooks.resolve("hook.sh").toString();
        String log = hooks.resolve("log").toString();
        for (String kind : List.of("prestart", "createRuntime", "createContainer", "poststart", "poststop")) {
            hook(c, kind, "/bin/sh", List.of("hook-argv0", script, kind, log, "two words"), HOOK_ENV, 10);
        }
        // Inside the container /bin/sh is busybox, which needs argv[0] to name the applet.
        hook(c, "startContainer", "/bin/sh", List.of("sh", "/hooks/hook.sh", "startContainer", "/hooks/log", "two words"),
                HOOK_ENV, 10);
    }

    @Test
    void everyKindRunsInOrderWhereAndWithWhatItShould() throws Exception {
        ObjectNode c = config("sh", "-c", "echo '== user' >> /hooks/log; exec sleep 1000");
        recordingHooks(c);
        Path bundle = t.bundle("hooked", c);
        t.jrunc("create", "--bundle", bundle.toString(), "hooked").expect(0);
        int pid = t.initPid("hooked");
        String containerMnt = readLink("/proc/" + pid + "/ns/mnt");
        String hostMnt = readLink("/proc/self/ns/mnt");
        assertEquals(List.of("prestart", "createRuntime", "createContainer"), kinds(), read(hooks.resolve("log")));

        t.jrunc("start", "hooked").expect(0);
        waitUntil("the user's program", 5_000, () -> kinds().contains("user"));
        t.jrunc("kill", "hooked", "KILL").expect(0);
        waitUntil("the container to stop", 10_000, () -> !alive(pid));
        assertFalse(kinds().contains("poststop"), "poststop runs at delete, not when the process exits");
        t.jrunc("delete", "hooked").expect(0);

        List<String> kinds = kinds();
        assertEquals(List.of("prestart", "createRuntime", "createContainer", "startContainer"), kinds.subList(0, 4), kinds.toString());
        assertEquals("poststop", kinds.getLast());
        assertTrue(kinds.indexOf("user") > kinds.indexOf("startContainer"), kinds.toString());
        assertTrue(kinds.indexOf("poststart") > kinds.indexOf("startContainer"), kinds.toString());

        Map<String, Map<String, String>> seen = records();
        double lastUptime = 0;
        for (String kind : List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")) {
            Map<String, String> r = seen.get(kind);
            String why = kind + ": " + r;
            String argv0 = kind.equals("startContainer") ? "sh" : "hook-argv0";
            String script = kind.equals("startContainer") ? "/hooks/hook.sh" : hooks.resolve("hook.sh").toString();
            String log = kind.equals("startContainer") ? "/hooks/log" : hooks.resolve("log").toString();
            // args[1..] exactly as given ($0 is the script); args[0]: see hookArgvZeroIsArgsZero
            assertEquals(String.join("|", script, kind, log, "two words") + "|", r.get("args"), why);
            if (kind.equals("startContainer")) assertTrue(r.get("cmdline").startsWith(argv0 + "|"), why);
            assertEquals(String.join("|", HOOK_ENV) + "|", r.get("env"), why);
            boolean inContainer = kind.equals("createContainer") || kind.equals("startContainer");
            assertEquals(inContainer ? containerMnt : hostMnt, r.get("mntns"), why);
            double uptime = Double.parseDouble(r.get("uptime"));
            assertTrue(uptime >= lastUptime, why);
            lastUptime = uptime;

            JsonNode state = JSON.readTree(r.get("state"));
            assertEquals("hooked", state.get("id").asText(), why);
            assertEquals(bundle.toString(), state.get("bundle").asText(), why);
            assertEquals("annotated", state.get("annotations").get("org.example.hooks").asText(), why);
            assertFalse(state.get("ociVersion").asText().isEmpty(), why);
            String status = state.get("status").asText();
            switch (kind) {
                case "prestart", "createRuntime", "createContainer" -> assertEquals("creating", status, why);
                case "startContainer" -> assertTrue(status.equals("creating") || status.equals("created"), why);
                case "poststart" -> assertEquals("running", status, why);
                default -> assertEquals("stopped", status, why);
            }
            if (!kind.equals("poststop")) assertEquals(pid, state.get("pid").asInt(), why);
        }
    }

    @Test
    void hooksGetStdioAndNoOtherFdAndCreateContainerRunsInTheRootfs() throws Exception {
        ObjectNode c = config("sh", "-c", "exec sleep 1000");
        for (String kind : List.of("prestart", "createRuntime", "createContainer", "poststart", "poststop")) {
            // ls's own fds: stdio and the directory it lists (3), nothing of jrunc's
            hook(c, kind, "/bin/sh", List.of("sh", "-c", "exec ls /proc/self/fd > " + hooks.resolve("fds-" + kind)),
                    null, 10);
        }
        hook(c, "startContainer", "/bin/sh", List.of("sh", "-c", "exec ls /proc/self/fd > /hooks/fds-startContainer"),
                null, 10);
        hook(c, "createContainer", "/bin/sh", List.of("sh", "-c", "pwd -P > " + hooks.resolve("cwd-createContainer")),
                null, 10);
        ExecTestSupport.write(tmp.resolve("cwd/.keep"), "");
        ExecTestSupport.Result created = ExecTestSupport.runCommand(List.of(ExecTestSupport.JRUNC.toString(), "--root",
                t.root.toString(), "create", "--preserve-fds", "0", "--bundle", t.bundle("fds", c).toString(), "fds"),
                Map.of(), null, tmp.resolve("cwd"), 60).expect(0);
        t.jrunc("start", "fds").expect(0);
        t.jrunc("delete", "--force", "fds").expect(0);
        for (String kind : List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")) {
            assertEquals(List.of("0", "1", "2", "3"), read(hooks.resolve("fds-" + kind)).lines().toList(), kind + " " + created);
        }
        // as runc: the container's root filesystem (as seen before pivot_root), not jrunc's cwd
        assertEquals(ExecTestSupport.rootfs().toRealPath().toString(), read(hooks.resolve("cwd-createContainer")).strip());
    }

    @Test
    void aFailingHookSaysHowItFailedOnStderrAndInTheLogEvenWithATerminal() throws Exception {
        Path log = tmp.resolve("jrunc.log");
        // startContainer: reported by `start`, not lost on the container's terminal
        ObjectNode c = config("sh");
        ExecTestSupport.process(c).put("terminal", true);
        hook(c, "startContainer", "/bin/sh", List.of("sh", "-c", "echo some-output; exit 3"), null, 10);
        Path sock = tmp.resolve("console.sock");
        try (SeccompAgent console = SeccompAgent.listen(sock)) {
            Thread.ofPlatform().start(() -> {
                try {
                    console.accept();
                } catch (IOException e) {
                    // the test fails on create instead
                }
            });
            t.jrunc("create", "--console-socket", sock.toString(), "--bundle", t.bundle("tty-hook", c).toString(),
                    "tty-hook").expect(0);
            ExecTestSupport.Result start = t.jrunc("--log", log.toString(), "--log-format", "json", "start", "tty-hook");
            assertEquals(1, start.exit(), start.toString());
            String want = "startContainer hook #0 (/bin/sh): exited with status 3: some-output";
            assertTrue(start.err().contains(want), start.toString());
            assertTrue(errors(log).stream().anyMatch(m -> m.contains(want)), read(log));
        }

        // killed by a signal: named, never a raw wait status
        ObjectNode k = config("sleep", "1000");
        hook(k, "createRuntime", "/bin/sh", List.of("sh", "-c", "kill -TERM $$"), null, 10);
        ExecTestSupport.Result create = t.jrunc("--log", log.toString(), "--log-format", "json", "create",
                "--bundle", t.bundle("signal-hook", k).toString(), "signal-hook");
        assertEquals(1, create.exit(), create.toString());
        String want = "createRuntime hook #0 (/bin/sh): killed by signal 15 (SIGTERM)";
        assertTrue(create.err().contains(want), create.toString());
        assertTrue(errors(log).stream().anyMatch(m -> m.contains(want)), read(log));

        ObjectNode s = config("sleep", "1000");
        hook(s, "startContainer", "/bin/sh", List.of("sh", "-c", "kill -KILL $$"), null, 10);
        t.jrunc("create", "--bundle", t.bundle("signal-start", s).toString(), "signal-start").expect(0);
        ExecTestSupport.Result start = t.jrunc("start", "signal-start");
        assertEquals(1, start.exit(), start.toString());
        assertTrue(start.err().contains("startContainer hook #0 (/bin/sh): killed by signal 9 (SIGKILL)"), start.toString());
    }

    /** The msg of every level=error line of a JSON log. */
    private static List<String> errors(Path log) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.isBlank()) continue;
            JsonNode j = JSON.readTree(line);
            if (j.get("level").asText().equals("error")) out.add(j.get("msg").asText());
        }
        return out;
    }

    @Test
    void hookArgvZeroIsArgsZero() {
        ObjectNode c = config("sleep", "1000");
        hook(c, "createRuntime", "/bin/sh", List.of("hook-argv0", hooks.resolve("hook.sh").toString(), "createRuntime",
                hooks.resolve("log").toString()), HOOK_ENV, 10);
        t.jrunc("create", "--bundle", t.bundle("argv0", c).toString(), "argv0").expect(0);
        assertTrue(records().get("createRuntime").get("cmdline").startsWith("hook-argv0|"), read(hooks.resolve("log")));
    }

    @Test
    void aHookOverItsTimeoutFailsCreatePromptly() {
        ObjectNode c = config("sleep", "1000");
        hook(c, "createRuntime", "/bin/sh", List.of("sh", "-c", "sleep 10"), null, 1);
        long t0 = System.nanoTime();
        ExecTestSupport.Result r = t.jrunc("create", "--bundle", t.bundle("slow", c).toString(), "slow");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("createRuntime") && r.err().contains("timed out"), r.toString());
        assertTrue(millis < 7_000, "create took " + millis + " ms with a 1 s hook timeout");
        assertFalse(Files.exists(t.root.resolve("slow")));
    }

    @Test
    void aFailingCreateHookFailsCreateAndLeavesNothing() throws Exception {
        for (String kind : List.of("prestart", "createRuntime", "createContainer")) {
            String id = "fail-" + kind.toLowerCase();
            String cgroupsPath = "/jrunc-hooks-it-" + ProcessHandle.current().pid() + "-" + kind;
            ObjectNode c = config("sleep", "1000");
            ((ObjectNode) c.get("linux")).put("cgroupsPath", cgroupsPath);
            Path stateFile = hooks.resolve("state-" + kind + ".json");
            hook(c, kind, "/bin/sh", List.of("sh", "-c", "cat > " + stateFile + "; exit 3"), null, 10);
            ExecTestSupport.Result r = t.jrunc("create", "--bundle", t.bundle(id, c).toString(), id);
            assertEquals(1, r.exit(), kind + ": " + r);
            assertTrue(r.err().contains(kind), kind + ": " + r);

            assertFalse(Files.exists(t.root.resolve(id)), kind + ": state directory removed");
            assertEquals(List.of(), cgroupDirs(cgroupsPath), kind + ": cgroup removed");
            int pid = JSON.readTree(stateFile.toFile()).get("pid").asInt();
            assertTrue(pid > 0, kind);
            waitUntil(kind + ": the half-made init " + pid + " to be gone", 5_000, () -> !alive(pid));
        }
    }

    @Test
    void aFailingStartContainerHookStopsTheUsersProgram() {
        ObjectNode c = config("sh", "-c", "echo ran > /hooks/user-ran; exec sleep 1000");
        hook(c, "startContainer", "/bin/sh", List.of("sh", "-c", "exit 3"), null, 10);
        t.jrunc("create", "--bundle", t.bundle("start-hook", c).toString(), "start-hook").expect(0);
        int pid = t.initPid("start-hook");
        ExecTestSupport.Result start = t.jrunc("start", "start-hook");
        assertEquals(1, start.exit(), "start reports the failed startContainer hook: " + start);
        waitUntil("the container to stop", 10_000, () -> !alive(pid));
        assertFalse(Files.exists(hooks.resolve("user-ran")), "the user's program must not run");
        assertEquals("stopped", t.state("start-hook").get("status").asText());
    }

    @Test
    void failingPoststartAndPoststopHooksOnlyWarn() throws Exception {
        ObjectNode c = config("sleep", "1000");
        hook(c, "poststart", "/bin/sh", List.of("sh", "-c", "exit 3"), null, 10);
        hook(c, "poststop", "/bin/sh", List.of("sh", "-c", "exit 4"), null, 10);
        Path log = tmp.resolve("jrunc.log");
        t.jrunc("create", "--bundle", t.bundle("post", c).toString(), "post").expect(0);
        int pid = t.initPid("post");
        t.jrunc("--log", log.toString(), "--log-format", "json", "start", "post").expect(0);
        assertTrue(alive(pid));
        assertEquals("running", t.state("post").get("status").asText());
        assertTrue(warnings(log).stream().anyMatch(m -> m.contains("poststart")), read(log));

        t.jrunc("kill", "post", "KILL").expect(0);
        waitUntil("the container to stop", 10_000, () -> !alive(pid));
        t.jrunc("--log", log.toString(), "--log-format", "json", "delete", "post").expect(0);
        assertTrue(warnings(log).stream().anyMatch(m -> m.contains("poststop")), read(log));
        assertFalse(Files.exists(t.root.resolve("post")), "deleted despite the failing poststop hook");
    }

    /** The msg of every level=warning line of a JSON log. */
    private static List<String> warnings(Path log) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.isBlank()) continue;
            JsonNode j = JSON.readTree(line);
            assertTrue(j.has("time") && j.has("msg") && j.has("level"), line);
            if (j.get("level").asText().equals("warning")) out.add(j.get("msg").asText());
        }
        return out;
    }

    private static List<Path> cgroupDirs(String cgroupsPath) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                if (Files.isDirectory(h.resolve(cgroupsPath.substring(1)))) found.add(h.resolve(cgroupsPath.substring(1)));
            }
        }
        if (Files.isDirectory(Path.of("/sys/fs/cgroup" + cgroupsPath))) found.add(Path.of("/sys/fs/cgroup" + cgroupsPath));
        return found;
    }

    private List<String> kinds() {
        return read(hooks.resolve("log")).lines().filter(l -> l.startsWith("== ")).map(l -> l.substring(3)).toList();
    }

    private Map<String, Map<String, String>> records() {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : read(hooks.resolve("log")).lines().toList()) {
            if (line.startsWith("== ")) {
                current = new LinkedHashMap<>();
                out.put(line.substring(3), current);
            } else if (current != null && line.contains("=")) {
                current.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return out;
    }
}
