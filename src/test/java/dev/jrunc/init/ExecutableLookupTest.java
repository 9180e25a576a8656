package dev.jrunc.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jrunc.JruncException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutableLookupTest {
    @TempDir Path root;
    private Path usrBin;
    private Path bin;

    private static Path file(Path p, String perms) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    @BeforeEach
    void tree() throws IOException {
        usrBin = Files.createDirectories(root.resolve("usr/bin"));
        bin = Files.createDirectories(root.resolve("bin"));
        file(bin.resolve("sh"), "rwxr-xr-x");
        file(usrBin.resolve("sh"), "rwxr-xr-x");
        file(usrBin.resolve("notes"), "rw-r--r--");
        file(bin.resolve("notes"), "rwxr-xr-x");
        Files.createDirectories(usrBin.resolve("adir"));
        file(bin.resolve("adir"), "rwxr-xr-x");
    }

    private List<String> path(Path... dirs) {
        StringBuilder b = new StringBuilder("PATH=");
        for (int i = 0; i < dirs.length; i++) b.append(i == 0 ? "" : ":").append(dirs[i]);
        return List.of("HOME=/root", b.toString());
    }

    @Test
    void firstMatchInPathOrder() {
        assertEquals(usrBin.resolve("sh").toString(), ExecutableLookup.find("sh", path(usrBin, bin), "/"));
        assertEquals(bin.resolve("sh").toString(), ExecutableLookup.find("sh", path(bin, usrBin), "/"));
    }

    @Test
    void nonExecutablesAndDirectoriesAreSkipped() {
        assertEquals(bin.resolve("notes").toString(), ExecutableLookup.find("notes", path(usrBin, bin), "/"));
        assertEquals(bin.resolve("adir").toString(), ExecutableLookup.find("adir", path(usrBin, bin), "/"));
    }

    @Test
    void theLastPathVariableWins() {
        List<String> env = List.of("PATH=" + usrBin, "PATH=" + bin);
        assertEquals(bin.resolve("sh").toString(), ExecutableLookup.find("sh", env, "/"));
    }

    @Test
    void anEmptyPathEntryMeansTheWorkingDirectory() throws IOException {
        Path work = Files.createDirectories(root.resolve("work"));
        file(work.resolve("tool"), "rwxr-xr-x");
        assertEquals(work.resolve("tool").toString(),
                ExecutableLookup.find("tool", List.of("PATH=" + usrBin + "::" + bin), work.toString()));
    }

    @Test
    void notFoundMessage() {
        JruncException e = assertThrows(JruncException.class,
                () -> ExecutableLookup.find("nginx", path(usrBin, bin), "/"));
        assertEquals("exec: \"nginx\": executable file not found in $PATH", e.getMessage());
    }

    @Test
    void absolutePathIsUsedAsIs() {
        String sh = bin.resolve("sh").toString();
        assertEquals(sh, ExecutableLookup.find(sh, path(usrBin), "/"));
    }

    @Test
    void relativePathWithASlashIsResolvedAgainstTheWorkingDirectory() {
        assertEquals(root.resolve("bin/sh").toString(),
                ExecutableLookup.find("bin/sh", List.of(), root.toString()));
        assertEquals(Path.of(root.toString(), "./bin/sh").toString(),
                ExecutableLookup.find("./bin/sh", List.of(), root.toString()));
    }

    @Test
    void pathWithASlashIsNotSearched() {
        JruncException e = assertThrows(JruncException.class,
                () -> ExecutableLookup.find("./sh", path(bin), root.toString()));
        assertEquals("exec: \"./sh\": no such file or directory", e.getMessage());
    }

    @Test
    void notExecutableOrADirectoryIsPermissionDenied() {
        String notes = usrBin.resolve("notes").toString();
        assertEquals("exec: \"" + notes + "\": permission denied",
                assertThrows(JruncException.class, () -> ExecutableLookup.find(notes, List.of(), "/")).getMessage());
        String dir = usrBin.resolve("adir").toString();
        assertEquals("exec: \"" + dir + "\": permission denied",
                assertThrows(JruncException.class, () -> ExecutableLookup.find(dir, List.of(), "/")).getMessage());
    }
}
