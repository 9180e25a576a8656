package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.conformance.CgroupTestSupport.Result;
import dev.jrunc.container.Faults;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crash consistency. For every fault point of create, start, exec and delete
 * ({@link Faults#STEPS}) jrunc is SIGKILLed there (JRUNC_FAULT=STEP); then `delete --force` must
 * leave nothing: no state directory, mount, cgroup directory (nor entry in jrunc's cgroup
 * registry) or process. A create killed half-way must still show in `state` and `list`.
 *
 * <p>The short form (one pass over the steps) runs with every conformance run; `make faults`
 * runs the full one (-Djrunc.faults=full): also the namespace helper, the container's init and
 * an exec'd process killed at their stages (STEP@TARGET, jrunc carrying on), the resident engine
 * killed at every step (STEP@engine: the caller gets the engine's one-line error, and the next
 * verb starts a new engine), and a plain `delete` of each create killed half-way. Prints a table of step against leftovers.
 *
 * <p>This JVM makes itself a child subreaper meanwhile, so that every process jrunc started ends
 * up its descendant: "processes" counts those still alive after the delete. Like an engine's
 * shim it reaps what is reparented to it (a container's init cannot finish dying while a
 * process of its PID namespace is an unreaped zombie).
 */
class FaultsIT {
    private static final boolean FULL = "full".equals(System.getProperty("jrunc.faults"));
    private static final Duration SELF_EXIT = Duration.ofSeconds(30);
    private static CgroupTestSupport t;
    private static Syscalls sys;
    private static Thread reaper;

    record Case(String step, String target, boolean force) {
        String fault() {
            return target == null ? step : step + "@" + target;
        }

        String verb() {
            return step.substring(0, step.indexOf('.'));
        }
    }

    record Row(Case c, int exit, String shown, int state, int mounts, int cgroups, int processes, String detail) {
        boolean clean() {
            return state + mounts + cgroups + processes == 0;
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(ContainerTest.isRoot(), "real containers need root");
        t = new CgroupTestSupport();
        sys = Syscalls.linux();
        sys.prctl(Linux.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        reaper = Thread.ofPlatform().daemon().start(FaultsIT::reapNestedZombies);
    }

    /**
     * Reaps zombie children that lived in a PID namespace nested in this JVM's (a container's):
     * never one this JVM started, whose exit status its own Process object collects.
     */
    private static void reapNestedZombies() {
        int depth = nsDepth(ProcessHandle.current().pid());
        while (!Thread.currentThread().isInterrupted()) {
            ProcessHandle.current().children().forEach(p -> {
                if (!CgroupTestSupport.alive(p.pid()) && nsDepth(p.pid()) > depth) {
                    try {
                        sys.waitpid((int) p.pid(), Linux.WNOHANG);
                    } catch (RuntimeException e) {
                        // reaped meanwhile
                    }
                }
            });
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** How many PID namespaces deep pid is, from /proc/PID/status NSpid; 0 if it is gone. */
    private static int nsDepth(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("NSpid:")) return line.substring(6).trim().split("\\s+").length;
            }
        } catch (IOException e) {
            return 0;
        }
        return 0;
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (reaper != null) reaper.interrupt();
        if (sys != null) {
            killAndReapDescendants();
            sys.prctl(Linux.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
        }
        if (t != null) t.close();
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Faults.Step s : Faults.STEPS) out.add(new Case(s.name(), null, true));
        if (FULL) {
            for (Faults.Step s : Faults.STEPS) {
                for (String target : s.targets()) out.add(new Case(s.name(), target, true));
            }
            for (Faults.Step s : Faults.STEPS) out.add(new Case(s.name(), Faults.ENGINE, true));
            for (Faults.Step s : Faults.STEPS) {
                if (s.name().startsWith("create.")) out.add(new Case(s.name(), null, false));
            }
        }
        return out;
    }

    @Test
    void deleteLeavesNothingWhereverJruncWasKilled() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (Case c : cases()) rows.add(run(c));
        StringBuilder table = new StringBuilder(String.format("%n%-36s %-10s %5s %-8s %6s %6s %7s %9s%n",
                "fault point (JRUNC_FAULT)", "then", "exit", "state", "state", "mounts", "cgroups", "processes"));
        for (Row r : rows) {
            table.append(String.format("%-36s %-10s %5d %-8s %6d %6d %7d %9d%n", r.c().fault(),
                    r.c().force() ? "delete -f" : "delete", r.exit(), r.shown(), r.state(), r.mounts(), r.cgroups(),
                    r.processes()));
        }
        System.out.println(table);
        List<String> problems = new ArrayList<>();
        for (Row r : rows) {
            if (!r.clean() || !r.detail().isEmpty()) problems.add(r.c().fault() + ": " + r.detail() + " " + r);
        }
        if (!problems.isEmpty()) fail(table + "\n" + String.join("\n", problems));
    }

    private Row run(Case c) throws IOException {
        String id = t.uniqueId("fault");
        ObjectNode config = t.config("sleep", "1000");
        if ("helper".equals(c.target())) {
            // in a new user namespace the helper waits for its maps: it is certainly alive when killed
            ObjectNode linux = (ObjectNode) config.get("linux");
            ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
            for (String f : List.of("uidMappings", "gidMappings")) {
                linux.putArray(f).addObject().put("containerID", 0).put("hostID", 100000).put("size", 65536);
            }
        }
        Path bundle = t.bundle(id, config);
        Map<String, String> env = Map.of(Faults.ENV, c.fault());
        Map<String, String> none = Map.of();
        List<String> problems = new ArrayList<>();
        String shown = "";
        Result r;
        switch (c.verb()) {
            case "create" -> {
                r = jrunc(env, "create", "--bundle", bundle.toString(), id);
                if (c.target() == null || c.target().equals(Faults.ENGINE)) {
                    // a create killed half-way is a container: state and list show it, stopped
                    Result st = jrunc(none, "state", id);
                    shown = st.exit() != 0 ? "absent" : CgroupTestSupport.JSON.readTree(st.out()).get("status").asText();
                    if (!shown.equals("stopped")) problems.add("state after the kill: " + st);
                    if (FULL || c.step().equals(Faults.STEPS.getFirst().name())) {
                        Result ls = jrunc(none, "list", "-q");
                        if (!ls.out().lines().toList().contains(id)) problems.add("list does not show it: " + ls);
                    }
                }
            }
            case "start" -> {
                jrunc(none, "create", "--bundle", bundle.toString(), id).ok();
                r = jrunc(env, "start", id);
            }
            case "exec" -> {
                jrunc(none, "run", "--detach", "--bundle", bundle.toString(), id).ok();
                r = jrunc(env, "exec", id, "true");
            }
            case "delete" -> {
                jrunc(none, "run", "--detach", "--bundle", bundle.toString(), id).ok();
                r = jrunc(env, "delete", "--force", id);
            }
            default -> throw new AssertionError("no verb for " + c.step());
        }
        if (c.target() == null && r.exit() != 137) problems.add("jrunc was not killed at " + c.step() + ": " + r);
        if (Faults.ENGINE.equals(c.target())) {
            // the engine's death is the caller's error, said in one line (direct mode: jrunc's own SIGKILL)
            boolean said = r.exit() == 137 || (r.exit() != 0 && r.err().contains("the jrunc engine stopped"));
            if (!said) problems.add("the engine's death at " + c.step() + " was not reported: " + r);
        } else if (c.target() != null && (r.exit() == 0 || r.exit() == 137)) {
            problems.add("the death of the " + c.target() + " at " + c.step() + " went unnoticed: " + r);
        }
        Result del = c.force() ? jrunc(none, "delete", "--force", id) : jrunc(none, "delete", id);
        if (del.exit() != 0) problems.add("delete failed: " + del);

        int state = Files.exists(t.root().resolve(id)) ? 1 : 0;
        int mounts = mountsOf(bundle);
        int cgroups = CgroupTestSupport.cgroupDirsNamed(id).size() + registryEntries(id);
        List<ProcessHandle> left = waitForDescendantsToGo();
        for (ProcessHandle p : left) problems.add("process left: " + p.pid() + " " + p.info().commandLine().orElse("?"));
        killAndReapDescendants();
        return new Row(c, r.exit(), shown, state, mounts, cgroups, left.size(), String.join("; ", problems));
    }

    private static Result jrunc(Map<String, String> env, String... args) {
        return t.jruncAt(t.root(), env, Duration.ofSeconds(60), args);
    }

    private static int mountsOf(Path bundle) {
        try {
            return (int) Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.contains(bundle.toString()) || l.contains(t.root().toString())).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int registryEntries(String id) {
        Path reg = Path.of("/run/jrunc-cgroups");
        if (!Files.isDirectory(reg)) return 0;
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(reg)) {
            for (Path p : ds) {
                if (p.getFileName().toString().endsWith("%2F" + id)) n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    /**
     * Processes jrunc started that are still alive (zombies do not count). Some leave on their
     * own once they see jrunc gone (the init JVM, at end of file on its socket): wait for them.
     */
    private static List<ProcessHandle> waitForDescendantsToGo() {
        long deadline = System.nanoTime() + SELF_EXIT.toNanos();
        while (true) {
            List<ProcessHandle> alive = ProcessHandle.current().descendants()
                    .filter(p -> CgroupTestSupport.alive(p.pid()) && !isEngine(p)).toList();
            if (alive.isEmpty() || System.nanoTime() > deadline) return alive;
            reapZombieChildren();
            CgroupTestSupport.sleep(100);
        }
    }

    /** Leaves nothing for the next case: kills what is left and reaps what was reparented here. */
    private static void killAndReapDescendants() {
        ProcessHandle.current().descendants().filter(p -> !isEngine(p)).forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessHandle.current().descendants().anyMatch(p -> CgroupTestSupport.alive(p.pid()) && !isEngine(p))
                && System.nanoTime() < deadline) {
            CgroupTestSupport.sleep(50);
        }
        reapZombieChildren();
    }

    /**
     * jrunc's resident engine: a front this test ran started it in the background, so it was
     * orphaned to this subreaper; it serves every case and is none's leftover.
     */
    private static boolean isEngine(ProcessHandle p) {
        return p.info().arguments().map(a -> java.util.Arrays.asList(a).contains("dev.jrunc.engine.EngineMain"))
                .orElse(false);
    }

    /** Orphans jrunc left became this subreaper's children: reap those that exited. */
    private static void reapZombieChildren() {
        ProcessHandle.current().children().forEach(p -> {
            if (!CgroupTestSupport.alive(p.pid())) {
                try {
                    sys.waitpid((int) p.pid(), Linux.WNOHANG);
                } catch (RuntimeException e) {
                    // not ours to reap (a process this JVM started reaps itself)
                }
            }
        });
    }

    @Test
    void aCreateInProgressIsShownAsCreating() throws Exception {
        String id = t.uniqueId("inprogress");
        ObjectNode config = t.config("sleep", "1000");
        // a createRuntime hook that takes its time keeps the create going while state and list look
        config.putObject("hooks").putArray("createRuntime").addObject().put("path", "/bin/sleep")
                .putArray("args").add("sleep").add("5");
        Path bundle = t.bundle(id, config);
        var create = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> jrunc(Map.of(), "create", "--bundle", bundle.toString(), id));
        String seen = "";
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!create.isDone() && System.nanoTime() < deadline && !seen.equals("creating")) {
            Result st = jrunc(Map.of(), "state", id);
            if (st.exit() == 0) seen = CgroupTestSupport.JSON.readTree(st.out()).get("status").asText();
        }
        assertEquals("creating", seen, "state during the create");
        Result ls = jrunc(Map.of(), "list");
        assertTrue(create.isDone() || ls.out().lines().anyMatch(l -> l.startsWith(id) && l.contains("creating")), ls.toString());
        create.get().ok();
        assertEquals("created", CgroupTestSupport.JSON.readTree(jrunc(Map.of(), "state", id).ok().out()).get("status").asText());
        jrunc(Map.of(), "delete", "--force", id).ok();
        t.assertNothingLeft(id);
        killAndReapDescendants();
    }

    @Test
    void anUnknownFaultPointIsAnError() throws IOException {
        String id = t.uniqueId("fault");
        Path bundle = t.bundle(id, t.config("true"));
        Result r = jrunc(Map.of(Faults.ENV, "create.no-such-step"), "create", "--bundle", bundle.toString(), id);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(Faults.ENV + "=create.no-such-step: no such fault point"), r.toString());
        t.assertNothingLeft(id);
    }
}
