package dev.jrunc.conformance;

import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A minimal seccomp agent for the tests: accepts one connection on a UNIX socket, receives the
 * listener fd with jrunc's own recvmsg binding, and can answer one notification.
 */
final class SeccompAgent implements AutoCloseable {
    private final ServerSocketChannel server;
    private SocketChannel conn;
    static volatile int lastSyscall = -1;

    private SeccompAgent(ServerSocketChannel server) {
        this.server = server;
    }

    record Received(int fd, byte[] payload) {}

    static SeccompAgent listen(Path path) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        return new SeccompAgent(s);
    }

    /** Accepts the runtime's connection and receives the fd with the process state. */
    Received accept() throws IOException {
        Set<String> before = socketFds();
        conn = server.accept();
        Set<String> after = socketFds();
        after.removeAll(before);
        if (after.size() != 1) throw new IOException("cannot tell the accepted socket's fd: " + after);
        int fd = Integer.parseInt(after.iterator().next());
        Syscalls.FdMessage m = Syscalls.linux().recvFd(fd);
        if (m == null || m.fd() < 0) throw new IOException("no fd received");
        return new Received(m.fd(), m.payload());
    }

    private static Set<String> socketFds() throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith("socket:")) out.add(p.getFileName().toString());
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }
        }
        return out;
    }

    private static final long NOTIF_RECV = 0xc0502100L; // _IOWR('!', 0, struct seccomp_notif)
    private static final long NOTIF_SEND = 0xc0182101L; // _IOWR('!', 1, struct seccomp_notif_resp)

    /** Receives one notification and fails the syscall with error (a negative errno). */
    static void answerOne(int listener, int error) {
        Linker linker = Linker.nativeLinker();
        MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment notif = a.allocate(80, 8);
            int r = (int) ioctl.invokeExact(listener, NOTIF_RECV, notif);
            if (r != 0) throw new IllegalStateException("SECCOMP_IOCTL_NOTIF_RECV failed");
            lastSyscall = notif.get(ValueLayout.JAVA_INT, 16);
            MemorySegment resp = a.allocate(24, 8);
            resp.set(ValueLayout.JAVA_LONG, 0, notif.get(ValueLayout.JAVA_LONG, 0));
            resp.set(ValueLayout.JAVA_LONG, 8, 0L);
            resp.set(ValueLayout.JAVA_INT, 16, error);
            r = (int) ioctl.invokeExact(listener, NOTIF_SEND, resp);
            if (r != 0) throw new IllegalStateException("SECCOMP_IOCTL_NOTIF_SEND failed");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static final int NOTIF_FLAG_CONTINUE = 1; // SECCOMP_USER_NOTIF_FLAG_CONTINUE

    /**
     * Answers every notification until the listener's process is gone (or 60 s pass): the
     * syscalls in errors fail with that errno, every other one runs as if unfiltered. Returns the
     * syscall numbers in the order they came.
     */
    static java.util.List<Integer> answerAll(int listener, java.util.Map<Integer, Integer> errors) {
        Linker linker = Linker.nativeLinker();
        MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2));
        java.util.List<Integer> seen = new java.util.ArrayList<>();
        Syscalls sys = Syscalls.linux();
        long deadline = System.nanoTime() + 60_000_000_000L;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment notif = a.allocate(80, 8);
            MemorySegment resp = a.allocate(24, 8);
            while (System.nanoTime() < deadline) {
                if (!sys.pollIn(listener, 100)) continue;
                notif.fill((byte) 0);
                int r = (int) ioctl.invokeExact(listener, NOTIF_RECV, notif);
                if (r != 0) break; // the process is gone
                int nr = notif.get(ValueLayout.JAVA_INT, 16);
                seen.add(nr);
                Integer errno = errors.get(nr);
                resp.set(ValueLayout.JAVA_LONG, 0, notif.get(ValueLayout.JAVA_LONG, 0));
                resp.set(ValueLayout.JAVA_LONG, 8, 0L);
                resp.set(ValueLayout.JAVA_INT, 16, errno == null ? 0 : -errno);
                resp.set(ValueLayout.JAVA_INT, 20, errno == null ? NOTIF_FLAG_CONTINUE : 0);
                r = (int) ioctl.invokeExact(listener, NOTIF_SEND, resp);
                if (r != 0) break;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        return seen;
    }

    @Override
    public void close() throws IOException {
        if (conn != null) conn.close();
        server.close();
    }
}
