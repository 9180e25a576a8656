package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resident engine behind the native front: how it starts (detached, its own cgroup, a clean
 * environment), whom it serves (its uid, its build), how it ends (idle, replaced, killed), and
 * that the container's processes still descend from the caller. Runs against the checkout's
 * ./jrunc whatever binary the rest of the suite uses, since direct mode has no engine.
 */
class EngineIT extends ContainerTest {
    static final Path PROJECT = Path.of(System.getProperty("user.dir"));
    static final Path FRONT = Path.of(System.getProperty("jrunc.engineBinary", PROJECT.resolve("jrunc").toString()));
    static final Path OTHER_BUILD = PROJECT.resolve("target/jrunc-other-build");
    static final Path SUBREAPER = PROJECT.resolve("conformance/fixtures/subreaper-create.py");

    private Jrunc engine;

    @BeforeEach
    void engineFront() throws IOException {
        engine = new Jrunc(FRONT, jrunc.root(), Files.createDirectories(tmp.resolve("engine-out")));
    }

    private Jrunc.Result front(List<String> cmd) {
        return front(cmd, null);
    }

    private Jrunc.Result front(List<String> cmd, Map<String, String> env) {
        return engine.exec(cmd, Duration.ofSeconds(120), env, null);
    }

    /** `jrunc engine start` (it starts one if none runs) as key/value pairs (pid, build, socket, verbs, ...). */
    private Map<String, String> status() {
        return status(FRONT);
    }

    private Map<String, String> status(Path front) {
        Jrunc.Result r = front(List.of(front.toString(), "engine", "start")).assertOk();
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String line : r.out().split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) m.put(line.substring(0, sp), line.substring(sp + 1).trim());
        }
        return m;
    }

    private long enginePid() {
        return Long.parseLong(status().get("pid"));
    }

    private void stopEngine() {
        front(List.of(FRONT.toString(), "engine", "stop")).assertOk();
    }

    private static String procFile(long pid, String name) throws IOException {
        return Files.readString(Path.of("/proc/" + pid + "/" + name));
    }

    @Test
    void theEngineStartsDetachedFromItsCaller() throws IOException {
        stopEngine();
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list"),
                Map.of("PATH", System.getenv("PATH"), "JRUNC_TEST_MARKER", "caller-only")).assertOk();
        long pid = enginePid();
        for (String line : procFile(pid, "cgroup").split("\n")) {
            assertTrue(line.endsWith(":/jrunc-engine"), "the engine's own cgroup in every hierarchy: " + line);
        }
        String environ = procFile(pid, "environ");
        assertNotContains(environ, "JRUNC_TEST_MARKER");
        List<String> env = java.util.Arrays.asList(environ.split("\0"));
        assertEquals(List.of("PATH", "MALLOC_ARENA_MAX"), env.stream().map(e -> e.split("=")[0]).toList(),
                "a clean environment");
        assertTrue(env.contains("MALLOC_ARENA_MAX=2"), "two malloc arenas, so the idle C heap does not grow: " + env);
        String[] stat = procFile(pid, "stat").substring(procFile(pid, "stat").lastIndexOf(')') + 2).split(" ");
        assertEquals(Long.toString(pid), stat[3], "a session of its own (sid = its pid)");
        assertNotEquals(Long.toString(ProcessHandle.current().pid()), stat[1], "not the caller's child");
        assertTrue(Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/1")).toString().endsWith("/engine.log"),
                "stdout to its log");
    }

    /**
     * A cold call runs its verb in a JVM of its own; the engine it asks for starts only once that
     * verb is done, so the two JVMs never share the CPU and the cold call is no slower than direct mode.
     */
    @Test
    void aColdCallsEngineStartsOnlyOnceItsVerbIsDone() throws IOException {
        stopEngine();
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list")).assertOk();
        double verbDone = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        long pid = enginePid();
        String stat = procFile(pid, "stat");
        // field 22, starttime, in clock ticks (USER_HZ, 100) since boot
        long startTicks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
        assertTrue(startTicks / 100.0 >= verbDone - 0.02,
                "the engine started at " + startTicks / 100.0 + " s, its cold verb ended at " + verbDone + " s");
    }

    @Test
    void aVerbRunsInTheEngineAndDirectModeSkipsIt() {
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list")).assertOk();
        long served = Long.parseLong(status().get("verbs"));
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list")).assertOk();
        assertEquals(served + 1, Long.parseLong(status().get("verbs")), "list ran in the engine");
        front(List.of(FRONT.toString(), "--engine", "off", "--root", jrunc.root().toString(), "list")).assertOk();
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list"),
                Map.of("PATH", System.getenv("PATH"), "JRUNC_ENGINE", "off")).assertOk();
        assertEquals(served + 1, Long.parseLong(status().get("verbs")), "--engine off and JRUNC_ENGINE=off ran in a JVM of their own");
    }

    @Test
    void anOrdinaryUserRunsItsVerbsInDirectModeAndIsRefusedTheEngineClearly() throws Exception {
        List<String> asNobody = List.of("runuser", "-u", "nobody", "--");
        assumeTrue(new ProcessBuilder(List.of("runuser", "-u", "nobody", "--", "test", "-x", FRONT.toString()))
                .start().waitFor() == 0, "nobody can run " + FRONT + " (its directories are not all searchable)");
        long served = Long.parseLong(status().get("verbs"));
        Path root = Files.createTempDirectory("jrunc-nobody");
        try {
            Files.setAttribute(root, "unix:uid", 65534);
            List<String> list = new ArrayList<>(asNobody);
            list.addAll(List.of(FRONT.toString(), "--root", root.toString(), "list"));
            long t0 = System.nanoTime();
            Jrunc.Result r = front(list).assertOk();
            assertTrue(System.nanoTime() - t0 < 60_000_000_000L, "no wait for an engine it cannot use");
            assertTrue(r.out().startsWith("ID "), "list's table, run in a JVM of its own: " + r);
            assertEquals("", r.err());
            List<String> version = new ArrayList<>(asNobody);
            version.addAll(List.of(FRONT.toString(), "--version"));
            assertContains(front(version).assertOk().out(), "jrunc version");
            assertEquals(served, Long.parseLong(status().get("verbs")), "neither verb reached root's engine");

            List<String> insist = new ArrayList<>(asNobody);
            insist.addAll(List.of(FRONT.toString(), "--engine", "on", "--root", root.toString(), "list"));
            Jrunc.Result refused = front(insist);
            assertEquals(1, refused.exit(), refused.toString());
            assertContains(refused.err(), "the jrunc engine cannot be used");
            assertContains(refused.err(), "this is uid 65534");
            assertEquals("", refused.out());
        } finally {
            Files.walk(root).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void rootOfAnotherUserNamespaceRunsItsVerbsInDirectMode() throws Exception {
        // as rootless podman runs its runtime: uid 0, but of a user namespace of its own
        long served = Long.parseLong(status().get("verbs"));
        Path root = Files.createTempDirectory("jrunc-userns");
        try {
            Jrunc.Result r = front(List.of("unshare", "--user", "--map-root-user", FRONT.toString(), "--root",
                    root.toString(), "list")).assertOk();
            assertTrue(r.out().startsWith("ID "), "list's table, run in a JVM of its own: " + r);
            assertEquals("", r.err());
            assertEquals(served, Long.parseLong(status().get("verbs")), "the verb did not reach root's engine");
        } finally {
            Files.walk(root).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void killedDuringCreateTheFrontNamesTheVerbAndDeleteForceLeavesNothing() throws Exception {
        Bundle b = bundle("b");
        Path marker = tmp.resolve("hook-running");
        b.config.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sh")
                .putArray("args").add("sh").add("-c").add("touch " + marker + "; sleep 2");
        b.save();
        String id = newId("killed");
        long pid = enginePid();
        Path out = tmp.resolve("create.out");
        Process create = new ProcessBuilder(FRONT.toString(), "--root", jrunc.root().toString(), "create", "--bundle",
                b.dir.toString(), id).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(marker) && System.nanoTime() < deadline && create.isAlive()) sleep(10);
            assertTrue(Files.exists(marker), "create got as far as its createRuntime hook: " + Jrunc.read(out));
            JsonNode pending = Bundle.JSON.readTree(jrunc.root().resolve(id).resolve("state.json").toFile());
            long init = pending.path("pid").asLong();
            assertTrue(init > 0 && pending.has("creating"), "the init is journaled before the hooks run: " + pending);
            assertEquals(create.pid(), pending.path("creating").path("pid").asLong(),
                    "the creator of a create run by the engine is the caller's front");
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            assertTrue(create.waitFor(30, TimeUnit.SECONDS), "the front notices the engine is gone");
            assertEquals(1, create.exitValue());
            String said = Jrunc.read(out);
            assertContains(said, "the jrunc engine stopped while running `create` for container \"" + id + "\"");
            assertContains(said, "`jrunc delete --force " + id + "`");
            assertTrue(waitGone(pid), "the engine is dead");
            assertContains(jrunc.run("state", id).assertOk().out(), "\"status\": \"stopped\"");
            jrunc.run("delete", "--force", id).assertOk();
            assertTrue(waitGone(init), "the half-made container's init is gone");
            assertNothingLeftBehind(id);
        } finally {
            create.destroyForcibly();
        }
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list")).assertOk();
        assertNotEquals(pid, enginePid(), "the next verb starts a fresh engine");
    }

    @Test
    void aFrontOfAnotherBuildReplacesTheEngine() {
        long ourFirst = enginePid();
        Map<String, String> other = status(OTHER_BUILD);
        long otherPid = Long.parseLong(other.get("pid"));
        assertTrue(other.get("build").startsWith("other-"), other.toString());
        assertNotEquals(ourFirst, otherPid, "the other build's front replaced our engine with one of its build");
        assertTrue(waitGone(ourFirst), "the replaced engine exits");
        Jrunc.Result r = front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list")).assertOk();
        assertEquals("", r.err());
        Map<String, String> ours = status();
        assertNotEquals(Long.toString(otherPid), ours.get("pid"));
        assertFalse(ours.get("build").startsWith("other-"), ours.toString());
        assertTrue(waitGone(otherPid), "the engine of the other build exits");
    }

    @Test
    void theEngineExitsWhenIdle() {
        stopEngine();
        front(List.of(FRONT.toString(), "--root", jrunc.root().toString(), "list"),
                Map.of("PATH", System.getenv("PATH"), "JRUNC_ENGINE_IDLE", "2")).assertOk();
        Map<String, String> s = status();
        assertEquals("2s", s.get("idle-exit"));
        long pid = Long.parseLong(s.get("pid"));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (alive(pid) && !isZombie(pid) && System.nanoTime() < deadline) sleep(100);
        assertFalse(alive(pid) && !isZombie(pid), "idle for 2 s: the engine exits");
        assertFalse(Files.exists(Path.of(s.get("socket"))), "and takes its socket with it");
    }

    @Test
    void fiftyConcurrentCreates() throws Exception {
        Bundle b = bundle("b").sh("sleep 1000").save();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) ids.add(newId("many" + i));
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            // Each create still starts an init JVM: on a busy machine fifty of them take minutes.
            List<Future<Jrunc.Result>> creates = new ArrayList<>();
            for (String id : ids) {
                creates.add(pool.submit(() -> engine.runWith(Duration.ofMinutes(20),
                        List.of("create", "--bundle", b.dir.toString(), id))));
            }
            for (Future<Jrunc.Result> f : creates) f.get().assertOk();
            JsonNode list = Bundle.JSON.readTree(engine.run("list", "--format", "json").assertOk().out());
            assertEquals(50, list.size());
            for (JsonNode c : list) {
                assertEquals("created", c.get("status").asText(), c.toString());
                assertTrue(alive(c.get("pid").asLong()));
            }
            List<Future<Jrunc.Result>> deletes = new ArrayList<>();
            for (String id : ids) {
                deletes.add(pool.submit(() -> engine.runWith(Duration.ofMinutes(20), List.of("delete", "--force", id))));
            }
            for (Future<Jrunc.Result> f : deletes) f.get().assertOk();
        } finally {
            pool.shutdownNow();
        }
        for (String id : ids) assertNothingLeftBehind(id);
    }

    @Test
    void aCallerOfAnotherUidIsRefused() throws IOException {
        enginePid(); // running, root's
        // The front as uid 65534: the engine's directory is root's (0700), so it cannot even connect.
        String front = FRONT.toString();
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--");
        List<String> cmd = new ArrayList<>(asNobody);
        cmd.addAll(List.of(front, "--engine", "on", "--root", tmp.resolve("nobody-root").toString(), "list"));
        Jrunc.Result r = front(cmd).assertExit(1);
        assertContains(r.err(), "the engine serves uid 0 only; this is uid 65534");
        // With CAP_DAC_OVERRIDE it reaches the socket; the engine itself refuses it (SO_PEERCRED).
        cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_override", "--ambient-caps=+dac_override", "--"));
        cmd.addAll(List.of(front, "--engine", "on", "--root", tmp.resolve("nobody-root").toString(), "list"));
        r = front(cmd).assertExit(1);
        assertContains(r.err(), "serves uid 0 only; uid 65534 may not use it");
        assertFalse(Files.exists(tmp.resolve("nobody-root")), "no verb ran");
    }

    @Test
    void aRelativeCgroupsPathHangsOffTheCallersCgroupNotTheEngines() throws Exception {
        Path pids = Path.of("/sys/fs/cgroup/pids");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(pids) && !Files.exists(pids.resolve("cgroup.controllers")),
                "needs the cgroup v1 pids hierarchy");
        String caller = "jrunc-it-caller-" + ProcessHandle.current().pid();
        String rel = "jrunc-it-rel-" + ProcessHandle.current().pid();
        Bundle b = bundle("b").sh("grep pids /proc/self/cgroup");
        b.linux().put("cgroupsPath", rel);
        b.save();
        String id = newId("relcg");
        Path callerCgroup = pids.resolve(caller);
        Files.createDirectory(callerCgroup);
        try {
            // The caller: a shell that moves itself into a cgroup of its own, then becomes jrunc.
            Jrunc.Result r = front(List.of("sh", "-c", "echo $$ > " + callerCgroup + "/cgroup.procs && exec \"$0\" --root \"$1\" run -b \"$2\" \"$3\"",
                    Jrunc.binary().toString(), jrunc.root().toString(), b.dir.toString(), id)).assertOk();
            assertContains(r.out(), "pids:/" + caller + "/" + rel);
            assertFalse(Files.exists(callerCgroup.resolve(rel)), "run removed the container's cgroup");
        } finally {
            Files.deleteIfExists(callerCgroup.resolve(rel));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                try {
                    Files.deleteIfExists(callerCgroup);
                    break;
                } catch (java.nio.file.FileSystemException busy) {
                    sleep(50); // the shell that was jrunc is still exiting
                }
            }
        }
        assertNothingLeftBehind(id);
    }

    @Test
    void theContainersInitIsReparentedToASubreaperCaller() {
        Bundle b = bundle("b").sh("sleep 1000").save();
        String id = newId("reaped");
        // The binary under test: in the suite's direct-mode run that is the front execing a JVM.
        Jrunc.Result r = front(List.of("python3", SUBREAPER.toString(), Jrunc.binary().toString(), jrunc.root().toString(),
                b.dir.toString(), id)).assertOk();
        Map<String, String> facts = facts(r.out());
        assertFact(facts, "create", "0");
        assertFact(facts, "init_parent_is_caller", "True");
        assertFact(facts, "reaped", "True");
        assertFact(facts, "killed_by", "9");
        jrunc.run("delete", id).assertOk();
        assertNothingLeftBehind(id);
    }
}
