package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Several jruncs at once, as engines run them: many containers side by side, racing creates of
 * one id, and state/kill/delete racing on one container. Every invocation must finish, fail (if
 * it fails) with one clear line and never a stack trace, and leave nothing behind.
 */
class ConcurrencyIT extends ContainerTest {
    /** Fifty JVMs starting together on a small, busy machine take minutes. */
    private static final Duration SLOW = Duration.ofSeconds(600);

    @Test
    void fiftyLifecyclesInParallel() throws Exception {
        Bundle b = bundle("b").sh("echo started; exec sleep 1000").save();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) ids.add(newId("par" + i));
        List<String> results = inParallel(ids.stream().<Callable<String>>map(id -> () -> lifecycle(b, id)).toList());
        for (int i = 0; i < ids.size(); i++) assertEquals("ok", results.get(i), ids.get(i));
        for (String id : ids) assertNothingLeftBehind(id);
    }

    /** create, start, its output seen, state running, kill, gone, state stopped, delete. */
    private String lifecycle(Bundle b, String id) {
        Jrunc.Result created = jrunc.runWith(SLOW, List.of("create", "--bundle", b.dir.toString(), id));
        clean(created).assertOk();
        JsonNode state = state(id);
        assertEquals("created", state.path("status").asText(), state.toString());
        long pid = state.path("pid").asLong();
        clean(jrunc.runWith(SLOW, List.of("start", id))).assertOk();
        // The process writes to its own create's stdout, once: no output crossed over.
        assertEquals("started\n", waitForOutput(created, "started"), id);
        assertEquals("running", state(id).path("status").asText());
        clean(jrunc.runWith(SLOW, List.of("kill", id, "KILL"))).assertOk();
        assertTrue(waitGone(pid), id + ": pid " + pid + " survived SIGKILL");
        assertEquals("stopped", state(id).path("status").asText());
        clean(jrunc.runWith(SLOW, List.of("delete", id))).assertOk();
        assertTrue(!Files.exists(jrunc.root().resolve(id)), id + ": state directory left");
        return "ok";
    }

    @Test
    void tenCreatesOfOneIdOneWins() throws Exception {
        Bundle b = bundle("b").args("sleep", "1000").save();
        String id = newId("same");
        CountDownLatch go = new CountDownLatch(1);
        List<Callable<Jrunc.Result>> creates = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            creates.add(() -> {
                go.await();
                return jrunc.runWith(SLOW, List.of("create", "--bundle", b.dir.toString(), id));
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(creates.size());
        List<Future<Jrunc.Result>> futures;
        try {
            futures = creates.stream().map(pool::submit).toList();
            go.countDown();
            List<Jrunc.Result> winners = new ArrayList<>();
            for (Future<Jrunc.Result> f : futures) {
                Jrunc.Result r = clean(f.get());
                if (r.exit() == 0) {
                    winners.add(r);
                } else {
                    assertEquals(1, r.exit(), r.toString());
                    assertEquals(List.of("jrunc: container with id \"" + id + "\" already exists"), r.err().lines().toList(),
                            r.toString());
                }
            }
            assertEquals(1, winners.size(), "exactly one create wins: " + winners);
        } finally {
            pool.shutdownNow();
        }
        // The losers took nothing of the winner's with them: it is whole and runs.
        JsonNode state = state(id);
        assertEquals("created", state.path("status").asText(), state.toString());
        long pid = state.path("pid").asLong();
        assertTrue(alive(pid) && !isZombie(pid), "the winner's init " + pid + " lives");
        assertTrue(!cgroupDirs(id).isEmpty(), "the winner's cgroup is there");
        jrunc.run("start", id).assertOk();
        assertEquals("running", state(id).path("status").asText());
        jrunc.run("delete", "--force", id).assertOk();
        assertTrue(waitGone(pid), "pid " + pid + " gone after delete --force");
        assertNothingLeftBehind(id);
    }

    @Test
    void stateKillAndDeleteRaceOnOneContainer() throws Exception {
        Bundle b = bundle("b").args("sleep", "1000").save();
        for (int round = 0; round < 3; round++) {
            String id = newId("race" + round);
            run(b, id, "-d").assertOk();
            long pid = state(id).path("pid").asLong();
            List<Callable<Jrunc.Result>> calls = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            List<List<String>> argvs = new ArrayList<>();
            for (int i = 0; i < 4; i++) argvs.add(List.of("state", id));
            for (int i = 0; i < 3; i++) argvs.add(List.of("kill", id, "KILL"));
            for (int i = 0; i < 2; i++) argvs.add(List.of("delete", id));
            argvs.add(List.of("delete", "--force", id));
            for (List<String> argv : argvs) {
                calls.add(() -> {
                    go.await();
                    return jrunc.runWith(SLOW, argv);
                });
            }
            ExecutorService pool = Executors.newFixedThreadPool(calls.size());
            List<Jrunc.Result> results = new ArrayList<>();
            try {
                List<Future<Jrunc.Result>> futures = calls.stream().map(pool::submit).toList();
                go.countDown();
                for (Future<Jrunc.Result> f : futures) results.add(clean(f.get()));
            } finally {
                pool.shutdownNow();
            }
            for (Jrunc.Result r : results) {
                assertTrue(r.exit() == 0 || r.exit() == 1, r.toString());
                if (r.exit() == 1) assertEquals(1, r.err().lines().count(), "one line: " + r);
                if (r.command().contains("state") && r.exit() == 0) {
                    String status = Bundle.JSON.readTree(r.out()).path("status").asText();
                    assertTrue(List.of("running", "stopped").contains(status), r.toString());
                }
            }
            // delete --force always wins in the end; whatever raced it, the container is gone.
            assertTrue(results.getLast().exit() == 0 || results.stream().anyMatch(r -> r.command().contains("delete") && r.exit() == 0),
                    "some delete succeeded: " + results);
            assertTrue(waitGone(pid), "pid " + pid + " gone");
            Jrunc.Result after = jrunc.run("state", id);
            assertEquals(1, after.exit(), after.toString());
            assertContains(after.err(), "does not exist");
            assertNothingLeftBehind(id);
        }
    }

    /** An invocation's stderr has no stack trace, whatever its exit status. */
    private static Jrunc.Result clean(Jrunc.Result r) {
        if (r.err().contains("\tat ") || r.err().contains("Exception")) fail("a stack trace or exception: " + r);
        return r;
    }

    private static <T> List<T> inParallel(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = tasks.stream().map(t -> pool.submit(() -> {
                go.await();
                return t.call();
            })).toList();
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
