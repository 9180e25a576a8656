package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A bad input gets exit status 1, one message naming what is wrong, and leaves nothing behind. */
class BadInputIT extends ContainerTest {

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("broken JSON", (Consumer<Bundle>) b -> b.saveRaw("{\"ociVersion\": \"1.0.2\", \"process\": {"),
                        List.of("config.json")),
                Arguments.of("process.args is a string", (Consumer<Bundle>) b -> b.process().put("args", "sh -c true"),
                        List.of("config.json", "process.args")),
                Arguments.of("root.path does not exist", (Consumer<Bundle>) b -> b.root().put("path", "no-such-rootfs"),
                        List.of("root.path", "no-such-rootfs")),
                Arguments.of("process.args is empty", (Consumer<Bundle>) b -> b.process().putArray("args"),
                        List.of("process.args")),
                Arguments.of("executable not in the container", (Consumer<Bundle>) b -> b.args("nosuch"),
                        List.of("exec: \"nosuch\": executable file not found in $PATH")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void badConfigIsRefused(String what, Consumer<Bundle> breakIt, List<String> mentions) {
        Bundle b = bundle("b");
        b.save();
        breakIt.accept(b);
        if (!what.equals("broken JSON")) b.save();
        String id = newId("bad");
        Jrunc.Result r = jrunc.run("create", "--bundle", b.dir.toString(), id).assertExit(1);
        for (String m : mentions) assertContains(r.err(), m);
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("jrunc: ") && !l.contains("warning")).count(),
                "one error line: " + r.err());
        assertNothingLeftBehind(id);
        assertEquals("", jrunc.run("list", "-q").assertOk().out(), "nothing listed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", "..", ".hidden"})
    void badContainerIdIsRefused(String id) {
        Bundle b = bundle("b").save();
        Jrunc.Result r = jrunc.run("create", "--bundle", b.dir.toString(), id).assertExit(1);
        assertContains(r.err(), "container id");
        assertContains(r.err(), id);
        assertFalse(Files.exists(jrunc.root().resolve("x")));
        assertFalse(Files.exists(tmp.resolve("x")));
        assertEquals("", jrunc.run("list", "-q").assertOk().out());
    }

    @Test
    void refusalsLeaveARunningContainerAlone() {
        Bundle b = bundle("b").args("sleep", "30");
        String id = newId("busy");
        java.nio.file.Path pidFile = tmp.resolve("busy.pid");
        run(b, id, "-d", "--pid-file", pidFile.toString()).assertOk();
        long pid = Long.parseLong(Jrunc.read(pidFile).trim());

        Jrunc.Result dup = create(b, id).assertExit(1);
        assertContains(dup.err(), "\"" + id + "\" already exists");

        Jrunc.Result sig = jrunc.run("kill", id, "SIGNOPE").assertExit(1);
        assertContains(sig.err(), "SIGNOPE");

        Jrunc.Result start = jrunc.run("start", id).assertExit(1);
        assertContains(start.err(), "running");

        Jrunc.Result del = jrunc.run("delete", id).assertExit(1);
        assertContains(del.err(), "not stopped");

        assertTrue(alive(pid) && !isZombie(pid), "the container survived every refusal");
        assertEquals("running", state(id).get("status").asText());
    }

    @Test
    void unknownContainer() {
        for (List<String> verb : List.of(List.of("state"), List.of("start"), List.of("kill"), List.of("delete"))) {
            var args = new java.util.ArrayList<>(verb);
            args.add("ghost");
            Jrunc.Result r = jrunc.runWith(Jrunc.DEFAULT_TIMEOUT, args).assertExit(1);
            assertContains(r.err(), "container \"ghost\" does not exist");
        }
    }
}
