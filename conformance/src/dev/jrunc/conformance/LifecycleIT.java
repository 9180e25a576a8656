package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** runtime.md's lifecycle and operations, and the runc verbs around them (run, list, --pid-file). */
class LifecycleIT extends ContainerTest {

    @Test
    void createStartKillDelete() throws Exception {
        Bundle b = bundle("b").args("sleep", "30");
        String id = newId("life");
        Path pidFile = tmp.resolve("init.pid");
        create(b, id, "--pid-file", pidFile.toString()).assertOk();

        JsonNode created = state(id);
        List<String> fields = new ArrayList<>();
        created.fieldNames().forEachRemaining(fields::add);
        fields.remove("annotations"); // optional; runc prints it between created and owner
        assertEquals(List.of("ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"),
                fields.subList(0, Math.min(8, fields.size())), "state fields, in order: " + created);
        assertEquals(b.config.get("ociVersion").asText(), created.get("ociVersion").asText());
        assertEquals(b.rootfs.toString(), created.get("rootfs").asText());
        java.time.Instant.parse(created.get("created").asText());
        assertEquals("created", created.get("status").asText());
        assertEquals(id, created.get("id").asText());
        assertEquals(b.dir.toString(), created.get("bundle").asText());
        long pid = created.get("pid").asLong();
        assertTrue(pid > 0, "pid > 0 in " + created);
        assertEquals(Long.toString(pid), Files.readString(pidFile).trim(), "--pid-file holds the state's pid");
        assertTrue(alive(pid));

        jrunc.run("start", id).assertOk();
        assertEquals("running", state(id).get("status").asText());
        // Running: the init is now the user's program.
        assertContains(Files.readString(Path.of("/proc/" + pid + "/cmdline")), "sleep");

        Jrunc.Result again = jrunc.run("start", id).assertExit(1);
        assertContains(again.err(), id);
        assertContains(again.err(), "running");

        Jrunc.Result del = jrunc.run("delete", id).assertExit(1);
        assertContains(del.err(), "not stopped");
        assertTrue(alive(pid), "a refused delete leaves the container running");

        jrunc.run("kill", id, "KILL").assertOk();
        assertTrue(waitGone(pid), "init " + pid + " died of SIGKILL");
        assertEquals("stopped", state(id).get("status").asText());

        jrunc.run("delete", id).assertOk();
        Jrunc.Result gone = jrunc.run("state", id).assertExit(1);
        assertContains(gone.err(), "does not exist");
        assertNothingLeftBehind(id);
    }

    /** As runc: a plain delete of a created container (never started) kills its init and removes it. */
    @Test
    void deleteOfACreatedContainerKillsAndRemovesIt() {
        Bundle b = bundle("b").args("sleep", "30");
        String id = newId("created");
        create(b, id).assertOk();
        assertEquals("created", state(id).get("status").asText());
        long pid = state(id).get("pid").asLong();
        assertTrue(alive(pid));
        jrunc.run("delete", id).assertOk();
        assertTrue(waitGone(pid), "the created init " + pid + " was killed");
        assertContains(jrunc.run("state", id).assertExit(1).err(), "does not exist");
        assertNothingLeftBehind(id);
    }

    @Test
    void createWithoutAProcessWaitsAndStartRefusesIt() throws Exception {
        // config.md: process is optional at create (and required at start).
        Bundle b = bundle("b");
        b.config.remove("process");
        String id = newId("noproc");
        create(b, id).assertOk();
        JsonNode st = state(id);
        assertEquals("created", st.get("status").asText());
        long pid = st.get("pid").asLong();
        assertTrue(alive(pid));
        // The waiting init shows no host path on its command line (the container can read it).
        assertFalse(Files.readString(Path.of("/proc/" + pid + "/cmdline")).contains("/"));

        Jrunc.Result start = jrunc.run("start", id).assertExit(1);
        assertContains(start.err(), "no process to start");
        assertEquals("created", state(id).get("status").asText(), "a refused start changes nothing");
        assertTrue(alive(pid));

        jrunc.run("kill", id, "0").assertOk();
        assertContains(jrunc.run("exec", id, "sh", "-c", "echo in-$((6*7))").assertOk().out(), "in-42");

        jrunc.run("kill", id, "KILL").assertOk();
        assertTrue(waitGone(pid));
        assertEquals("stopped", state(id).get("status").asText());
        jrunc.run("delete", id).assertOk();
        assertNothingLeftBehind(id);
    }

    @Test
    void signalZeroTestsThatTheInitIsAlive() {
        Bundle b = bundle("b").args("sleep", "30");
        String id = newId("zero");
        Path pidFile = tmp.resolve("zero.pid");
        run(b, id, "-d", "--pid-file", pidFile.toString()).assertOk();
        long pid = Long.parseLong(Jrunc.read(pidFile).trim());
        jrunc.run("kill", id, "0").assertOk();
        jrunc.run("kill", "--all", id, "0").assertOk();
        sleep(200);
        assertTrue(alive(pid) && !isZombie(pid), "signal 0 is only a test");
        assertEquals("running", state(id).get("status").asText());

        jrunc.run("kill", id, "KILL").assertOk();
        assertTrue(waitGone(pid));
        Jrunc.Result stopped = jrunc.run("kill", id, "0").assertExit(1);
        assertContains(stopped.err(), "not running");
        // as runc: with --all a stopped container is no error
        jrunc.run("kill", "-a", id, "0").assertOk();
    }

    @Test
    void aJvmCrashReportGoesToJruncsLogDirectoryOnly() throws Exception {
        Path logDir = Path.of("/var/log/jrunc");
        long t0 = System.currentTimeMillis();
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));

        // The init JVM (a container with a user namespace and createContainer hooks has one): a
        // prestart hook waits until it is up, then crashes it.
        Bundle b = bundle("b").args("true").idMappings(0, 100000, 65536);
        ((com.fasterxml.jackson.databind.node.ArrayNode) b.linux().get("namespaces")).addObject().put("type", "user");
        Bundle.obj(b.config, "hooks").putArray("createContainer").addObject().put("path", "/bin/true");
        String hook = "pid=$(sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p'); "
                + "for i in $(seq 400); do grep -qs 'Signal Dispatch' /proc/$pid/task/*/comm && break; sleep 0.05; done; "
                + "sleep 0.3; kill -SEGV $pid";
        Bundle.obj(b.config, "hooks").putArray("prestart").addObject().put("path", "/bin/sh")
                .putArray("args").add("sh").add("-c").add(hook);
        String id = newId("crash");
        b.save();
        Jrunc.Result r = jrunc.exec(List.of(Jrunc.binary().toString(), "--root", jrunc.root().toString(), "create",
                "--bundle", b.dir.toString(), id), Jrunc.DEFAULT_TIMEOUT, null, cwd);
        assertEquals(1, r.exit(), r.toString());
        Path initReport = logDir.resolve("init-" + id).resolve("hs_err_pid1.log");
        try {
            assertTrue(Files.exists(initReport), "no " + initReport + ": " + r);
            assertContains(Files.readString(initReport), "SIGSEGV");
        } finally {
            Files.deleteIfExists(initReport);
            Files.deleteIfExists(initReport.getParent());
        }

        // A verb's JVM: `events` runs until it is stopped.
        Bundle running = bundle("running").args("sleep", "60");
        String id2 = newId("crash2");
        run(running, id2, "-d").assertOk();
        // in direct mode: with the engine, no JVM of its own runs the verb
        ProcessBuilder eventsVerb = new ProcessBuilder(Jrunc.binary().toString(), "--root", jrunc.root().toString(),
                "events", id2).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("events.out").toFile());
        eventsVerb.environment().put("JRUNC_ENGINE", "off");
        Process events = eventsVerb.start();
        Path verbReport = logDir.resolve("hs_err_pid" + events.pid() + ".log");
        try {
            ExecTestSupport.waitUntil("the events JVM to be up", 20_000, () -> {
                try (var tasks = Files.list(Path.of("/proc/" + events.pid() + "/task"))) {
                    return tasks.anyMatch(t -> Jrunc.read(t.resolve("comm")).startsWith("Signal Dispatch"));
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            sleep(300);
            new ProcessBuilder("kill", "-SEGV", Long.toString(events.pid())).start().waitFor();
            events.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(Files.exists(verbReport), "no " + verbReport + ": " + Jrunc.read(tmp.resolve("events.out")));
        } finally {
            events.destroyForcibly();
            Files.deleteIfExists(verbReport);
        }

        // Nowhere else: not the working directory, the bundles, the rootfs, nor /tmp.
        for (Path dir : List.of(cwd, b.dir, b.rootfs, running.dir, running.rootfs, Path.of("/tmp"))) {
            try (var files = Files.list(dir)) {
                List<Path> reports = files.filter(f -> f.getFileName().toString().matches("(hs_err|replay)_pid.*\\.log"))
                        .filter(f -> f.toFile().lastModified() >= t0 - 1000).toList();
                assertEquals(List.of(), reports, "crash reports in " + dir);
            }
        }
        assertNothingLeftBehind(id);
    }

    @Test
    void killAcceptsNamesNumbersAndSigPrefix() {
        Bundle b = bundle("b").args("sleep", "30");
        for (String sig : List.of("KILL", "9", "SIGKILL")) {
            String id = newId("kill");
            Path pidFile = tmp.resolve(id + ".pid");
            run(b, id, "-d", "--pid-file", pidFile.toString()).assertOk();
            long pid = Long.parseLong(Jrunc.read(pidFile).trim());
            jrunc.run("kill", id, sig).assertOk();
            assertTrue(waitGone(pid), "kill " + id + " " + sig + " stops the container");
        }
    }

    @Test
    void killDefaultsToSigterm() {
        // PID 1 ignores signals it has no handler for: the trap is the handler.
        Bundle b = bundle("b").sh("trap 'echo got-term; exit 7' TERM; echo ready; while true; do sleep 0.1; done");
        String id = newId("term");
        Path pidFile = tmp.resolve("term.pid");
        Jrunc.Result r = run(b, id, "-d", "--pid-file", pidFile.toString()).assertOk();
        long pid = Long.parseLong(Jrunc.read(pidFile).trim());
        waitForOutput(r, "ready");
        jrunc.run("kill", id).assertOk();
        assertContains(waitForOutput(r, "got-term"), "got-term");
        assertTrue(waitGone(pid));
    }

    @Test
    void runPassesExitStatusThrough() {
        Bundle b = bundle("b").sh("echo hello-from-run; exit 3");
        String id = newId("exit");
        Jrunc.Result r = run(b, id).assertExit(3);
        assertContains(r.out(), "hello-from-run");
        assertNothingLeftBehind(id);
    }

    @Test
    void runDetachedListAndForceDelete() throws Exception {
        Bundle b = bundle("b").args("sleep", "30");
        String a = newId("lista");
        String c = newId("listc");
        Path pidFile = tmp.resolve("a.pid");
        run(b, a, "-d", "--pid-file", pidFile.toString()).assertOk();
        run(b, c, "--detach").assertOk();
        long pidA = Long.parseLong(Jrunc.read(pidFile).trim());
        assertTrue(alive(pidA), "run -d returns with the container running");

        String table = jrunc.run("list").assertOk().out();
        assertTrue(table.lines().findFirst().orElse("").startsWith("ID"), table);
        for (String id : List.of(a, c)) {
            String line = table.lines().filter(l -> l.startsWith(id + " ")).findFirst().orElse("");
            assertContains(line, "running");
            assertContains(line, b.dir.toString());
        }

        JsonNode json = Bundle.JSON.readTree(jrunc.run("list", "--format", "json").assertOk().out());
        assertTrue(json.isArray() && json.size() == 2, json.toString());
        for (JsonNode s : json) {
            assertEquals("running", s.get("status").asText());
            assertTrue(s.get("pid").asLong() > 0);
        }
        assertEquals(pidA, json.get(0).get("id").asText().equals(a) ? json.get(0).get("pid").asLong() : json.get(1).get("pid").asLong());

        List<String> quiet = jrunc.run("list", "-q").assertOk().out().lines().toList();
        assertEquals(List.of(a, c).stream().sorted().toList(), quiet.stream().sorted().toList());

        jrunc.run("delete", "--force", a).assertOk();
        assertTrue(waitGone(pidA), "delete --force kills the running container");
        assertNothingLeftBehind(a);
        assertEquals(List.of(c), jrunc.run("list", "-q").assertOk().out().lines().toList());
    }

    @Test
    void deleteForceOfUnknownIdSucceedsQuietly() {
        Jrunc.Result r = jrunc.run("delete", "--force", "never-created").assertOk();
        assertEquals("", r.out() + r.err());
        assertFalse(Files.exists(jrunc.root().resolve("never-created")));
    }

    /** A foreground `jrunc run` of the bundle, its output (stdout and stderr) going to {@code out}. */
    private Process startRun(Bundle b, String id, Path out) throws java.io.IOException {
        return new ProcessBuilder(Jrunc.binary().toString(), "--root", jrunc.root().toString(),
                "run", "--bundle", b.dir.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectErrorStream(true).start();
    }

    @Test
    void foregroundRunForwardsSigterm() throws Exception {
        Bundle b = bundle("b").sh("trap 'echo forwarded; exit 5' TERM; echo ready; while true; do sleep 0.1; done").save();
        String id = newId("fwd");
        Path out = tmp.resolve("fwd.out");
        Process p = startRun(b, id, out);
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!Jrunc.read(out).contains("ready") && System.nanoTime() < deadline && p.isAlive()) sleep(20);
            assertContains(Jrunc.read(out), "ready");
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "run returns after the container exits");
            assertEquals(5, p.exitValue(), Jrunc.read(out));
            assertContains(Jrunc.read(out), "forwarded");
        } finally {
            p.destroyForcibly();
        }
        assertNothingLeftBehind(id);
    }

    @Test
    void aSignalDuringCreateIsHeldForTheContainerAndLeavesNothingBehind() throws Exception {
        // The container's init is PID 1 of its namespace: without a handler, SIGTERM does not
        // touch it. It traps it if the shell got that far when the held signal arrives.
        Bundle b = bundle("b").sh("trap 'echo trapped; exit 7' TERM; i=0;"
                + " while [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; echo untouched");
        Path marker = tmp.resolve("hook-running");
        // createRuntime runs in jrunc's create, while the container is half made
        b.config.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sh")
                .putArray("args").add("sh").add("-c").add("touch " + marker + "; sleep 1");
        b.save();
        String id = newId("sigcreate");
        Path out = tmp.resolve("sigcreate.out");
        Process p = startRun(b, id, out);
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!Files.exists(marker) && System.nanoTime() < deadline && p.isAlive()) sleep(10);
            assertTrue(Files.exists(marker), "the createRuntime hook ran: " + Jrunc.read(out));
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "run returns after the container exits");
            String output = Jrunc.read(out);
            // not killed half-way (143): the container ran and saw the signal or ignored it
            assertTrue(p.exitValue() == 7 && output.contains("trapped")
                    || p.exitValue() == 0 && output.contains("untouched"), p.exitValue() + ": " + output);
        } finally {
            p.destroyForcibly();
        }
        assertNothingLeftBehind(id);
    }
}
