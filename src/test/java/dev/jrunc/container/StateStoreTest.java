package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.spec.DefaultSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir Path tmp;

    private final RecordingSyscalls sys = new RecordingSyscalls();

    private StateStore store() {
        return new StateStore(tmp.resolve("root"), sys);
    }

    private static ContainerRecord record(String id) {
        return new ContainerRecord("1.2.1", id, 4242, 123456789L, "/b/" + id, "/b/" + id + "/rootfs",
                "2025-01-02T03:04:05.000000006Z", "", false, java.util.Map.of("memory", "/sys/fs/cgroup/memory/" + id),
                java.util.List.of(), null, dev.jrunc.spec.SpecJson.mapper().valueToTree(DefaultSpec.example()));
    }

    @Test
    void createDirMakesTheRootAndTheContainerDirectoryPrivateButTraversable() throws IOException {
        Path dir = store().createDir("c1");
        assertEquals(tmp.resolve("root/c1"), dir);
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertTrue(store().exists("c1"));
        assertTrue(store().isCreating("c1"), "a directory without state.json is a create in progress");
    }

    @Test
    void createDirTwiceSaysAlreadyExists() {
        store().createDir("c1");
        JruncException e = assertThrows(JruncException.class, () -> store().createDir("c1"));
        assertEquals("container with id \"c1\" already exists", e.getMessage());
    }

    @Test
    void badIdIsRefusedBeforeTouchingTheDisk() {
        assertThrows(JruncException.class, () -> store().createDir("../escape"));
        assertFalse(Files.exists(tmp.resolve("escape")));
        assertFalse(Files.exists(tmp.resolve("root")));
    }

    private static ContainerRecord withoutConfig(ContainerRecord r) {
        return new ContainerRecord(r.ociVersion(), r.id(), r.pid(), r.initStartTime(), r.bundle(), r.rootfs(),
                r.created(), r.owner(), r.systemdCgroup(), r.cgroupPaths(), r.cgroupCreated(), r.notifySocket(), null);
    }

    @Test
    void writeReadRoundTrip() {
        StateStore s = store();
        s.createDir("c1");
        ContainerRecord r = record("c1");
        s.write(r);
        ContainerRecord back = s.read("c1");
        // the config comes back as a tree whose number nodes may differ in width: compare it bound
        assertEquals(r.spec(), back.spec());
        assertEquals(DefaultSpec.example(), back.spec());
        assertEquals(withoutConfig(r), withoutConfig(back));
        assertFalse(s.isCreating("c1"));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws IOException {
        StateStore s = store();
        Path dir = s.createDir("c1");
        s.write(record("c1"));
        ContainerRecord second = new ContainerRecord("1.2.1", "c1", 99, 1L, "/b", "/b/rootfs", "now", "", true,
                java.util.Map.of(), java.util.List.of(), "/run/notify.sock", null);
        s.write(second);
        assertEquals(second, s.read("c1"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(StateStore.STATE_FILE), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void readOfAMissingContainer() {
        assertThrows(ContainerNotFoundException.class, () -> store().read("ghost"));
        store().createDir("creating");
        assertThrows(ContainerNotFoundException.class, () -> store().read("creating"));
    }

    /** The error reading state.json of c1 when it holds {@code content}. */
    private JruncException readError(String content) throws IOException {
        StateStore s = store();
        Files.writeString(s.createDir("c1").resolve(StateStore.STATE_FILE), content);
        return assertThrows(JruncException.class, () -> s.read("c1"));
    }

    @Test
    void readOfACorruptStateNamesTheFile() throws IOException {
        JruncException e = readError("{\"id\": ");
        assertTrue(e.getMessage().startsWith("container \"c1\": cannot read " + tmp.resolve("root/c1/state.json") + ": "),
                e.getMessage());
    }

    @Test
    void readOfAStateWithoutAPidNamesTheField() throws IOException {
        JruncException e = readError("{\"id\":\"c1\",\"initStartTime\":5}");
        assertTrue(e.getMessage().contains("\"pid\"") && e.getMessage().contains(StateStore.STATE_FILE), e.getMessage());
    }

    @Test
    void removeDeletesEverythingAndIsIdempotent() throws IOException {
        StateStore s = store();
        Path dir = s.createDir("c1");
        s.write(record("c1"));
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/f"), "x");
        s.remove("c1");
        assertFalse(Files.exists(dir));
        assertFalse(s.exists("c1"));
        s.remove("c1");
    }

    @Test
    void idsAreSortedDirectoriesOnly() throws IOException {
        StateStore s = store();
        assertEquals(List.of(), s.ids(), "no root yet");
        for (String id : List.of("zeta", "alpha", "Mid", "10", "9")) s.createDir(id);
        Files.writeString(s.root().resolve("stray-file"), "");
        assertEquals(List.of("10", "9", "Mid", "alpha", "zeta"), s.ids());
    }

    @Test
    void lockIsAnExclusiveFlockOnTheDirectory() {
        StateStore s = store();
        Path dir = s.createDir("c1");
        sys.dir(dir.toString());
        try (StateStore.Lock lock = s.lock("c1")) {
            assertEquals(List.of(
                    "open(\"" + dir + "\", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 3",
                    "flock(3, LOCK_EX)"), sys.calls());
        }
        assertEquals("close(3)", sys.calls().getLast());
        assertEquals(java.util.Map.of(), sys.openFds());
    }

    @Test
    void lockOfAMissingContainer() {
        sys.failOpens(tmp.resolve("root/ghost").toString(), Errno.ENOENT);
        assertThrows(ContainerNotFoundException.class, () -> store().lock("ghost"));
    }
}
