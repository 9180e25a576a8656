package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.api.CreateOptions;
import dev.jrunc.api.ExecOptions;
import dev.jrunc.api.ExecResult;
import dev.jrunc.cgroups.CgroupStats;
import dev.jrunc.container.ContainerExistsException;
import dev.jrunc.container.ContainerNotFoundException;
import dev.jrunc.container.ContainerState;
import dev.jrunc.container.ContainerStatusException;
import dev.jrunc.container.Status;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.invocation.LocalCaller;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Resources;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real container driven through the Java API in this JVM: no jrunc process is started, the
 * namespace helper is this JVM's child, the container's stdio goes where the embedding caller says.
 */
class ApiIT extends ContainerTest {
    static final Path HOME = Path.of(System.getProperty("user.dir"), "target");

    private final Syscalls sys = Syscalls.linux();
    private int out = -1;

    @AfterEach
    void closeOut() {
        if (out >= 0) sys.close(out);
    }

    private dev.jrunc.api.Jrunc api(Path output) {
        out = sys.open(output.toString(), Linux.O_WRONLY | Linux.O_CREAT | Linux.O_TRUNC | Linux.O_CLOEXEC, 0644);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return dev.jrunc.api.Jrunc.builder().root(jrunc.root()).home(HOME)
                .invocation(Invocation.embedded(quiet, quiet, LocalCaller.embedded(sys, -1, out, out)))
                .build();
    }

    @Test
    void aContainerThroughItsWholeLifeInProcess() throws IOException {
        Bundle b = bundle("b").sh("echo started; sleep 1000").save();
        String id = newId("api");
        Path output = tmp.resolve("container.out");
        dev.jrunc.api.Jrunc api = api(output);

        ContainerState created = api.create(id, b.dir, CreateOptions.DEFAULTS.withPidFile(tmp.resolve("init.pid")));
        assertEquals("created", created.status());
        long init = Long.parseLong(Files.readString(tmp.resolve("init.pid")).trim());
        assertEquals(init, created.pid());
        assertContains(jrunc.run("state", id).assertOk().out(), "\"created\""); // the command line sees what the API made
        assertThrows(ContainerExistsException.class, () -> api.create(id, b.dir, CreateOptions.DEFAULTS));

        api.start(id);
        assertEquals(Status.RUNNING, api.status(id));
        assertContains(waitFor(output, "started"), "started");

        ProcessSpec base = api.process(id);
        ProcessSpec echo = new ProcessSpec(false, null, base.user(), List.of("sh", "-c", "echo exec-ran-as-$(cat /proc/self/stat | cut -d' ' -f1)"),
                null, base.env(), "/", base.capabilities(), base.rlimits(), base.isNoNewPrivileges(), null, null, null, null,
                null, null);
        ExecResult r = api.exec(id, echo, ExecOptions.DETACHED);
        assertTrue(r.pid() > 0);
        assertTrue(r.exitStatus().isEmpty(), "detached: no status");
        assertContains(waitFor(output, "exec-ran-as-"), "exec-ran-as-");

        assertTrue(api.ps(id).contains(init), "ps lists the init: " + api.ps(id));
        api.pause(id);
        assertEquals(Status.PAUSED, api.status(id));
        assertEquals(Status.PAUSED, assertThrows(ContainerStatusException.class, () -> api.exec(id, echo, ExecOptions.DETACHED)).status());
        api.resume(id);
        assertEquals(Status.RUNNING, api.status(id));

        api.update(id, new Resources(null, null, null, new Resources.Pids(77L), null, null, null, null, null));
        CgroupStats stats = api.stats(id);
        assertEquals(77, stats.pids().limit(), "the new limit is in the cgroup");
        assertTrue(stats.pids().current() >= 1);

        api.kill(id, 9, false);
        assertTrue(waitGone(init), "SIGKILL reached the init");
        assertEquals(Status.STOPPED, api.status(id));
        assertEquals(List.of(id), api.list().stream().map(ContainerState::id).toList());
        api.delete(id, false);
        assertThrows(ContainerNotFoundException.class, () -> api.state(id));
        assertFalse(Files.exists(jrunc.root().resolve(id)));
        assertNothingLeftBehind(id);
    }

    private static String waitFor(Path file, String text) throws IOException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String now = Files.readString(file);
        while (!now.contains(text) && System.nanoTime() < deadline) {
            sleep(20);
            now = Files.readString(file);
        }
        return now;
    }
}
