package dev.jrunc.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.container.ContainerRecord;
import dev.jrunc.container.StateStore;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.DefaultSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine serving verbs to a client that speaks the front's protocol: each verb gets the
 * caller's stdio, cwd, umask and environment, not the engine's.
 */
class EngineTest {
    @TempDir Path tmp;

    private final Syscalls sys = Syscalls.linux();
    private final ByteArrayOutputStream engineLog = new ByteArrayOutputStream();
    private Engine engine;
    private Thread serving;
    private Path socket;

    @BeforeEach
    void start() {
        startEngine(Duration.ofMinutes(5));
    }

    private void startEngine(Duration idle) {
        engine = new Engine(sys, new Engine.Settings(tmp.resolve("engine"), "test-build", idle),
                new PrintStream(engineLog, true));
        engine.bind();
        socket = tmp.resolve("engine/engine.sock");
        serving = Thread.ofPlatform().start(engine::serve);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (serving.isAlive()) {
            try (EngineClient c = EngineClient.connect(sys, socket, "test-build")) {
                c.control("stop");
            } catch (RuntimeException e) {
                // already retired
            }
            serving.join(10_000);
        }
    }

    record Ran(int status, String out, String err, EngineClient.Outcome outcome) {}

    private Ran run(Path cwd, int umask, String... args) throws IOException {
        return run(cwd, umask, Map.of("PATH", "/usr/bin:/bin"), args);
    }

    private Ran run(Path cwd, int umask, Map<String, String> env, String... args) throws IOException {
        Path out = Files.createTempFile(tmp, "out", "");
        Path err = Files.createTempFile(tmp, "err", "");
        int in = sys.open("/dev/null", Linux.O_RDONLY | Linux.O_CLOEXEC, 0);
        int o = sys.open(out.toString(), Linux.O_WRONLY | Linux.O_CLOEXEC, 0);
        int e = sys.open(err.toString(), Linux.O_WRONLY | Linux.O_CLOEXEC, 0);
        try (EngineClient c = EngineClient.connect(sys, socket, "test-build")) {
            EngineClient.Outcome r = c.run(List.of(args), env, cwd, umask, "0::/\n", in, o, e);
            return new Ran(r.status(), Files.readString(out), Files.readString(err), r);
        } finally {
            sys.close(in);
            sys.close(o);
            sys.close(e);
        }
    }

    @Test
    void aVerbWritesToTheCallersStdout() throws IOException {
        Ran r = run(tmp, 022, "--version");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("jrunc version "), r.out());
        assertEquals(Message.DONE, r.outcome().messages().getLast());
    }

    @Test
    void errorsGoToTheCallersStderrAndTheStatusIsTheVerbs() throws IOException {
        Ran r = run(tmp, 022, "--root", tmp.resolve("root").toString(), "state", "nosuch");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("container \"nosuch\" does not exist"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void relativePathsResolveAgainstTheCallersCwd() throws IOException {
        Path callerDir = Files.createDirectories(tmp.resolve("caller"));
        StateStore store = new StateStore(callerDir.resolve("state"), sys);
        Path bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createDirectories(bundle.resolve("rootfs"));
        Files.writeString(bundle.resolve("config.json"), DefaultSpec.json(false));
        store.createDir("c1");
        store.write(ContainerRecord.of("c1", Integer.MAX_VALUE - 1, 1, bundle.toString(), bundle.resolve("rootfs").toString(),
                "2024-01-01T00:00:00Z", false, Map.of(), List.of(), null, ConfigLoader.load(bundle, w -> { })));
        Ran r = run(callerDir, 022, "--root", "state", "--log", "jrunc.log", "--log-format", "json", "list", "-q");
        assertEquals(0, r.status(), r.err());
        assertEquals("c1\n", r.out(), "--root state is the caller's ./state");
        Ran bad = run(callerDir, 022, "--root", "state", "--log", "jrunc.log", "--log-format", "json", "state", "nosuch");
        assertEquals(1, bad.status());
        assertTrue(Files.readString(callerDir.resolve("jrunc.log")).contains("\"level\":\"error\""),
                "--log jrunc.log is the caller's ./jrunc.log");
    }

    @Test
    void filesMadeForTheCallerGetTheCallersUmask() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        assertEquals(0, run(a, 0, "spec").status());
        assertEquals(0, run(b, 027, "spec").status());
        // The engine's own umask (022) would have made both rw-r--r--.
        assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.resolve("config.json"))));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(b.resolve("config.json"))));
    }

    @Test
    void theVerbIsAnnouncedWithWhetherItRunsInTheForeground() throws IOException {
        Ran kill = run(tmp, 022, "--root", tmp.resolve("root").toString(), "kill", "c9", "KILL");
        assertEquals("kill", kill.outcome().verb());
        assertEquals("c9", kill.outcome().id());
        assertFalse(kill.outcome().foreground());
        Ran detached = run(tmp, 022, "--root", tmp.resolve("root").toString(), "run", "-d", "-b", tmp.resolve("none").toString(), "c8");
        assertFalse(detached.outcome().foreground());
        Ran foreground = run(tmp, 022, "--root", tmp.resolve("root").toString(), "run", "-b", tmp.resolve("none").toString(), "c7");
        assertTrue(foreground.outcome().foreground());
        assertEquals("c7", foreground.outcome().id());
        assertEquals(1, foreground.status(), "no bundle there");
        assertFalse(foreground.outcome().messages().contains(Message.FOREGROUND), "announced once, with VERB");
    }

    @Test
    void aCallerInOtherNamespacesIsSentToDirectMode() throws IOException {
        int devNull = sys.open("/dev/null", Linux.O_RDWR | Linux.O_CLOEXEC, 0);
        try (EngineClient c = EngineClient.connect(sys, socket, "test-build")) {
            EngineClient.Refused r = assertThrows(EngineClient.Refused.class, () -> c.run(List.of("--version"), Map.of(), tmp,
                    022, "0::/\n", "mnt:[1]\npid:[2]\nnet:[3]\nuser:[4]\ncgroup:[5]\n", devNull, devNull, devNull));
            assertEquals(Message.ELSEWHERE, r.answer());
        } finally {
            sys.close(devNull);
        }
    }

    @Test
    void manyVerbsRunAtOnceEachWithItsOwnCaller() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Ran>> runs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String id = "c" + i;
                runs.add(pool.submit(() -> run(tmp, 022, "--root", tmp.resolve("root").toString(), "state", id)));
            }
            for (int i = 0; i < 40; i++) {
                Ran r = runs.get(i).get();
                assertEquals(1, r.status());
                assertTrue(r.err().contains("container \"c" + i + "\" does not exist"), r.err());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFrontOfAnotherBuildRetiresTheEngine() throws Exception {
        EngineClient.Refused r = assertThrows(EngineClient.Refused.class, () -> EngineClient.connect(sys, socket, "other-build"));
        assertEquals(Message.STALE, r.answer());
        serving.join(10_000);
        assertFalse(serving.isAlive(), "a retired engine with nothing to do stops serving");
        assertFalse(Files.exists(socket), "and its socket goes, so the next front starts a fresh engine");
    }

    @Test
    void itStopsAfterTheIdleTime() throws Exception {
        stop();
        startEngine(Duration.ofSeconds(1));
        assertEquals(0, run(tmp, 022, "--version").status());
        serving.join(15_000);
        assertFalse(serving.isAlive(), "idle for a second: gone");
        assertFalse(Files.exists(socket));
        assertTrue(engineLog.toString().contains("exiting after 1 verbs"), engineLog.toString());
    }

    @Test
    void statusSaysWhatTheEngineIs() {
        try (EngineClient c = EngineClient.connect(sys, socket, "test-build")) {
            String status = c.control("status");
            assertTrue(status.contains("pid " + ProcessHandle.current().pid()), status);
            assertTrue(status.contains("build test-build"), status);
        }
    }

    @Test
    void theSocketIsTheOwnersOnly() throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("engine"))));
    }
}
