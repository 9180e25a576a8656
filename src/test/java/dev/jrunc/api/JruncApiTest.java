package dev.jrunc.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.container.ContainerExistsException;
import dev.jrunc.container.ContainerNotFoundException;
import dev.jrunc.container.ContainerRecord;
import dev.jrunc.container.ContainerState;
import dev.jrunc.container.ContainerStatusException;
import dev.jrunc.container.StateStore;
import dev.jrunc.container.Status;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.invocation.LocalCaller;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.SpecJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java API's answers and typed errors, on state that needs no root to make. */
class JruncApiTest {
    @TempDir Path tmp;

    private final Syscalls sys = Syscalls.linux();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Jrunc jrunc;
    private Path root;
    private Path bundle;

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        bundle = Files.createDirectories(tmp.resolve("bundle"));
        Files.createDirectories(bundle.resolve("rootfs"));
        ObjectNode config = (ObjectNode) SpecJson.mapper().readTree(DefaultSpec.json(false));
        ((ObjectNode) config.get("process")).put("terminal", false);
        Files.writeString(bundle.resolve("config.json"), config.toString());
        jrunc = Jrunc.builder().root(root).home(tmp.resolve("no-home"))
                .invocation(Invocation.embedded(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err),
                        LocalCaller.embedded(sys, -1, -1, -1)))
                .build();
    }

    /** A container whose init is long gone: status stopped. */
    private void plantStopped(String id) {
        StateStore store = new StateStore(root, sys);
        store.createDir(id);
        store.write(ContainerRecord.of(id, Integer.MAX_VALUE - 1, 1, bundle.toString(), bundle.resolve("rootfs").toString(),
                "2024-01-01T00:00:00Z", false, Map.of(), List.of(), null, ConfigLoader.load(bundle, w -> { })));
    }

    @Test
    void aMissingContainerIsContainerNotFound() {
        ContainerNotFoundException e = assertThrows(ContainerNotFoundException.class, () -> jrunc.state("nosuch"));
        assertEquals("nosuch", e.id());
        assertThrows(ContainerNotFoundException.class, () -> jrunc.kill("nosuch", 9, false));
        assertThrows(ContainerNotFoundException.class, () -> jrunc.delete("nosuch", false));
        jrunc.delete("nosuch", true); // with force, no error
    }

    @Test
    void aTakenIdIsContainerExistsAndTheOtherContainerIsUntouched() {
        plantStopped("c1");
        ContainerExistsException e = assertThrows(ContainerExistsException.class,
                () -> jrunc.create("c1", bundle, CreateOptions.DEFAULTS));
        assertEquals("c1", e.id());
        assertEquals("stopped", jrunc.state("c1").status());
    }

    @Test
    void aBadConfigNamesTheDocumentAndTheField() throws IOException {
        ObjectNode config = (ObjectNode) SpecJson.mapper().readTree(bundle.resolve("config.json").toFile());
        ((ObjectNode) config.get("process")).putArray("args");
        Files.writeString(bundle.resolve("config.json"), config.toString());
        ConfigException e = assertThrows(ConfigException.class, () -> jrunc.create("c2", bundle, CreateOptions.DEFAULTS));
        assertEquals("config.json", e.document());
        assertTrue(e.path().startsWith("$.process.args"), e.path());
        assertFalse(Files.exists(root.resolve("c2")), "nothing left behind");
    }

    @Test
    void aVerbTheStatusDoesNotAllowIsAStatusErrorNamingTheStatus() {
        plantStopped("c3");
        ContainerStatusException start = assertThrows(ContainerStatusException.class, () -> jrunc.start("c3"));
        assertEquals(Status.STOPPED, start.status());
        assertEquals("c3", start.id());
        assertEquals(Status.STOPPED, assertThrows(ContainerStatusException.class, () -> jrunc.kill("c3", 15, false)).status());
        assertEquals(Status.STOPPED, assertThrows(ContainerStatusException.class, () -> jrunc.pause("c3")).status());
        assertEquals(Status.STOPPED, assertThrows(ContainerStatusException.class, () -> jrunc.stats("c3")).status());
    }

    @Test
    void stateAndListAnswerWithRecords() {
        plantStopped("c4");
        plantStopped("c5");
        new StateStore(root, sys).createDir("c6"); // a create killed before its first state: listed, stopped
        ContainerState s = jrunc.state("c4");
        assertEquals("c4", s.id());
        assertEquals(0, s.pid(), "a stopped container shows no pid");
        assertEquals(bundle.toString(), s.bundle());
        assertEquals(List.of("c4", "c5", "c6"), jrunc.list().stream().map(ContainerState::id).sorted().toList());
        assertEquals(Status.STOPPED, jrunc.status("c5"));
    }

    @Test
    void deleteRemovesAStoppedContainerAndOneWhoseCreateDiedBeforeItsState() throws IOException {
        plantStopped("c7");
        jrunc.delete("c7", false);
        assertFalse(Files.exists(root.resolve("c7")));
        StateStore store = new StateStore(root, sys);
        store.createDir("c8"); // a create killed before it wrote anything: stopped, nothing but the directory
        assertEquals(Status.STOPPED.text(), jrunc.state("c8").status());
        jrunc.delete("c8", false);
        assertFalse(Files.exists(root.resolve("c8")));
    }

    @Test
    void aRelativeRootIsTheCallersCwdsNotThisProcesss() {
        Invocation inv = new Invocation(Map.of(), tmp, 022, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err), java.io.InputStream.nullInputStream(), 1, () -> "0::/\n",
                LocalCaller.embedded(sys, -1, -1, -1));
        Jrunc relative = Jrunc.builder().root(Path.of("root")).invocation(inv).build();
        assertEquals(root, relative.root());
    }
}
