package dev.jrunc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ioctl NS_GET_NSTYPE on the host's namespace files, and what is no namespace file is not opened. */
class NamespaceTypeTest {
    private final Syscalls sys = Syscalls.linux();

    @Test
    void theTypeOfEachOwnNamespace() {
        assertEquals(Linux.CLONE_NEWNET, sys.namespaceType("/proc/self/ns/net"));
        assertEquals(Linux.CLONE_NEWIPC, sys.namespaceType("/proc/self/ns/ipc"));
        assertEquals(Linux.CLONE_NEWNS, sys.namespaceType("/proc/self/ns/mnt"));
        assertEquals(Linux.CLONE_NEWUTS, sys.namespaceType("/proc/self/ns/uts"));
    }

    @Test
    void aRegularFileIsNoNamespace(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        assertEquals(Errno.ENOTTY, assertThrows(SyscallException.class, () -> sys.namespaceType(f.toString())).errno());
    }

    @Test
    void aFifoIsRefusedWithoutOpeningIt(@TempDir Path dir) {
        String fifo = dir.resolve("p").toString();
        sys.mkfifo(fifo, 0600);
        // opening a FIFO for reading would wait for a writer
        SyscallException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(SyscallException.class, () -> sys.namespaceType(fifo)));
        assertEquals(Errno.ENOTTY, e.errno());
    }

    @Test
    void aSocketIsNoNamespaceAndIsNotOpened(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("s");
        try (var server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(sock));
            // open(2) of a socket fails with ENXIO: ENOTTY says it was refused before any open
            assertEquals(Errno.ENOTTY, assertThrows(SyscallException.class, () -> sys.namespaceType(sock.toString())).errno());
        }
    }

    @Test
    void aMissingPathIsEnoent(@TempDir Path dir) {
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class,
                () -> sys.namespaceType(dir.resolve("none").toString())).errno());
    }
}
