package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Many container lifecycles in a row must leave the host as they found it. Two streams run side
 * by side, as an engine would drive them: `run -d` / `exec` / `kill` / `delete`, and `create` /
 * `start` / `delete` of a process that exits. After a warm-up cycle and then every 100 cycles,
 * with no container alive, the host's mounts, cgroup directories, processes and zombies and the
 * test JVM's open fds are counted ({@link HostCounts}), with the resident engine's idle RSS; the test
 * fails if any count that belongs to the test grows or the engine's memory grows with the cycles,
 * and at the end nothing of the test may remain.
 *
 * <p>{@code -Djrunc.soak.cycles=N} sets the number of cycles of each stream: 100 in the
 * conformance suite, 1000 for {@code make soak}; {@code -Djrunc.soak.report=FILE} also writes the
 * table there.
 */
class SoakIT extends ContainerTest {
    private static final int EVERY = 100;
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private String mark;
    private Map<String, String> env;

    @Test
    void lifecyclesLeaveNothingBehind() throws Exception {
        int cycles = Integer.getInteger("jrunc.soak.cycles", 100);
        mark = "soak" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        env = new HashMap<>(System.getenv());
        env.put(HostCounts.ENV, mark);
        Bundle detached = bundle("detached").args("sleep", "1000").save();
        Bundle quick = bundle("quick").args("true").save();

        long started = System.nanoTime();
        // Warm-up: the first cycle loads what the test JVM keeps (classes, the process reaper).
        cycleRunExecKill(detached, 0);
        cycleCreateStartDelete(quick, 0);
        List<HostCounts> samples = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        samples.add(HostCounts.take(mark, tmp));
        at.add(0);
        report("soak: " + cycles + " cycles of run -d/exec/kill/delete and create/start/delete, side by side;"
                + " counts are this test's / the host's");
        report(HostCounts.header());
        List<EngineSample> engine = new ArrayList<>();
        engine.add(engineSample());
        report(samples.getFirst().row(0, engine.getLast().shown()));

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int done = 0; done < cycles; ) {
                int from = done + 1;
                int to = Math.min(cycles, done + EVERY);
                Future<?> a = pool.submit(() -> {
                    for (int i = from; i <= to; i++) cycleRunExecKill(detached, i);
                    return null;
                });
                Future<?> b = pool.submit(() -> {
                    for (int i = from; i <= to; i++) cycleCreateStartDelete(quick, i);
                    return null;
                });
                a.get();
                b.get();
                done = to;
                HostCounts now = HostCounts.take(mark, tmp);
                samples.add(now);
                at.add(done);
                engine.add(engineSample());
                report(now.row(done, engine.getLast().shown()));
            }
        } finally {
            pool.shutdownNow();
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        report("soak: " + cycles + " cycles in " + seconds + " s");

        List<String> grew = new ArrayList<>();
        Map<String, Integer> first = samples.getFirst().checked();
        for (int i = 1; i < samples.size(); i++) {
            for (var e : samples.get(i).checked().entrySet()) {
                if (e.getValue() > first.get(e.getKey())) {
                    grew.add(e.getKey() + " grew from " + first.get(e.getKey()) + " to " + e.getValue() + " by cycle " + at.get(i));
                }
            }
        }
        // The engine serves every verb of the soak: its idle memory must not grow with the cycles.
        // The first hundred cycles warm it up (JIT code, a heap sized to the load); after that,
        // the last sample may exceed the one at cycle 100 by a tenth at most.
        if (engine.size() > 3 && engine.get(1).pid() > 0 && engine.getLast().pid() == engine.get(1).pid()) {
            long warm = engine.get(1).rssKb();
            long end = engine.getLast().rssKb();
            if (end > warm + warm / 10) grew.add("the engine's idle RSS grew from " + warm + " kB at cycle " + at.get(1) + " to " + end + " kB");
        }
        HostCounts last = samples.getLast();
        if (!grew.isEmpty()) fail(String.join("\n", grew) + "\nwhat belongs to the test now:\n  " + String.join("\n  ", last.markedNames()));
        assertEquals(List.of(), last.markedNames(), "nothing of the test's containers remains on the host");
        try (Stream<Path> left = Files.list(jrunc.root())) {
            assertEquals(List.of(), left.toList(), "no state left under --root");
        }
    }

    /** The resident engine's pid and RSS from `jrunc engine status`; pid 0 when none serves the soak. */
    record EngineSample(long pid, long rssKb) {
        String shown() {
            return pid == 0 ? "-" : (rssKb / 1024) + " MiB";
        }
    }

    /** The engine gives back what a burst of verbs grew 3 s after the last one (Engine.TRIM_AFTER). */
    private static final Duration ENGINE_TRIM = Duration.ofMillis(4500);

    /** The engine's idle RSS: sampled once it has trimmed itself, as it does between bursts. */
    private EngineSample engineSample() {
        try {
            Thread.sleep(ENGINE_TRIM);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Jrunc.Result r = jrunc.exec(List.of(Jrunc.binary().toString(), "engine", "status"), TIMEOUT, env, null);
        long pid = 0;
        long rss = 0;
        if (r.exit() == 0) {
            for (String line : r.out().lines().toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].equals("pid")) pid = Long.parseLong(f[1]);
                if (f.length >= 2 && f[0].equals("rss")) rss = Long.parseLong(f[1]);
            }
        }
        return new EngineSample(rss > 0 ? pid : 0, rss);
    }

    private final List<String> lines = new ArrayList<>();

    /** One line of the table: printed, and kept in the report file if there is one. */
    private void report(String line) throws IOException {
        System.out.println(line);
        lines.add(line);
        String file = System.getProperty("jrunc.soak.report");
        if (file != null && !file.isBlank()) Files.write(Path.of(file), lines);
    }

    /** run -d (init: sleep), exec in it, kill it, wait for it to be gone, delete it. */
    private void cycleRunExecKill(Bundle b, int cycle) throws IOException {
        String id = mark + "-r" + cycle;
        Path pidFile = tmp.resolve(id + ".pid");
        ok(id, "run", "-d", "--bundle", b.dir.toString(), "--pid-file", pidFile.toString(), id);
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Jrunc.Result exec = ok(id, "exec", id, "sh", "-c", "echo exec-$$");
        assertTrue(exec.out().startsWith("exec-"), exec.toString());
        ok(id, "kill", id, "KILL");
        waitGoneOrFail(id, pid);
        ok(id, "delete", id);
        Files.delete(pidFile);
    }

    /** create, start (the process is `true`), wait for it to exit, delete. */
    private void cycleCreateStartDelete(Bundle b, int cycle) throws IOException {
        String id = mark + "-c" + cycle;
        Path pidFile = tmp.resolve(id + ".pid");
        ok(id, "create", "--bundle", b.dir.toString(), "--pid-file", pidFile.toString(), id);
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ok(id, "start", id);
        waitGoneOrFail(id, pid);
        ok(id, "delete", id);
        Files.delete(pidFile);
    }

    private void waitGoneOrFail(String id, long pid) {
        if (!waitGone(pid)) {
            jrunc.run("delete", "--force", id);
            fail("container " + id + " (pid " + pid + ") still runs 10 s after it should have ended");
        }
    }

    /** jrunc with the test's mark in its environment; any failure (or stack trace) ends the soak. */
    private Jrunc.Result ok(String id, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Jrunc.binary().toString(), "--root", jrunc.root().toString()));
        cmd.addAll(List.of(args));
        Jrunc.Result r = jrunc.exec(cmd, TIMEOUT, env, null);
        if (r.exit() != 0 || r.err().contains("\tat ")) {
            jrunc.run("delete", "--force", id);
            fail("soak: " + r);
        }
        return r;
    }
}
