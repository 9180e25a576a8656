package dev.jrunc.engine;

import dev.jrunc.JruncException;
import dev.jrunc.Main;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The resident engine: jrunc's verbs in one warm JVM, for the native fronts of one jrunc install.
 *
 * <p>It listens on {@code DIR/engine.sock} (DIR is 0700 and derived from the install location, so
 * builds never reach each other's engine), serves any number of verbs at once, each on a thread of
 * its own with the caller's {@link Invocation}, and exits after {@code idle} without a verb. It
 * serves only callers of its own uid (SO_PEERCRED) and of its own build (the front's build id),
 * and sends a caller that lives in other namespaces back to direct mode.
 */
public final class Engine {
    /** Where an engine lives and what it answers to. */
    public record Settings(Path dir, String buildId, Duration idle) {
        public Path socket() {
            return dir.resolve("engine.sock");
        }

        Path lockFile() {
            return dir.resolve("engine.lock");
        }

        Path pidFile() {
            return dir.resolve("engine.pid");
        }
    }

    /** Idle this long after a verb, the engine collects its garbage and shrinks its heap. */
    private static final Duration TRIM_AFTER = Duration.ofSeconds(3);

    private final Syscalls sys;
    private final Settings settings;
    private final PrintStream log;
    private final int uid;
    private final String namespaces;
    private final Instant started = Instant.now();
    private final AtomicLong served = new AtomicLong();

    private int listenFd = -1;
    private int lockFd = -1;
    private Object socketKey;
    private int active;
    private long lastActivity = System.nanoTime();
    private boolean retiring;
    private boolean trimmed = true;

    public Engine(Syscalls sys, Settings settings, PrintStream log) {
        this.sys = sys;
        this.settings = settings;
        this.log = log;
        this.uid = ownUid();
        this.namespaces = Namespaces.own();
    }

    /**
     * Takes the engine's lock, binds its socket (root-only) and writes its pid: from here on,
     * fronts can connect. Fails when another engine holds the lock.
     */
    public void bind() {
        try {
            Files.createDirectories(settings.dir());
        } catch (IOException e) {
            throw new JruncException("cannot create " + settings.dir() + ": " + e.getMessage(), e);
        }
        sys.chmod(settings.dir().toString(), 0700);
        lockFd = sys.open(settings.lockFile().toString(), Linux.O_RDWR | Linux.O_CREAT | Linux.O_CLOEXEC, 0600);
        try {
            sys.flock(lockFd, Linux.LOCK_EX | Linux.LOCK_NB);
        } catch (SyscallException e) {
            throw new JruncException("another engine is running in " + settings.dir());
        }
        try {
            Files.deleteIfExists(settings.socket()); // a dead engine's
            listenFd = sys.listenUnix(settings.socket().toString(), Linux.SOCK_SEQPACKET, 128);
            sys.chmod(settings.socket().toString(), 0600);
            socketKey = Files.readAttributes(settings.socket(), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            Files.writeString(settings.pidFile(), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new JruncException("cannot set up " + settings.socket() + ": " + e.getMessage(), e);
        }
        note("listening on " + settings.socket() + " (build " + settings.buildId() + ", idle exit after "
                + settings.idle().toSeconds() + "s)");
    }

    /** Accepts connections until the engine has been idle long enough, or has retired and finished. */
    public void serve() {
        Thread.ofPlatform().name("engine-accept").daemon().start(this::acceptLoop);
        while (true) {
            boolean trim = false;
            synchronized (this) {
                long idleNanos = System.nanoTime() - lastActivity;
                if (active == 0 && (retiring || idleNanos >= settings.idle().toNanos())) {
                    retiring = true;
                    break;
                }
                if (active == 0 && !trimmed && idleNanos >= TRIM_AFTER.toNanos()) {
                    trimmed = true;
                    trim = true;
                }
            }
            if (trim) {
                // Between bursts of verbs, give the heap the verbs grew back to the system: the
                // engine's resident size stays what it is when idle, however many verbs it ran.
                // Most of what a burst leaves is in the C heap (the JIT's arenas, native buffers of
                // many threads at once), which glibc keeps unless asked to trim.
                System.gc();
                sys.mallocTrim();
                continue;
            }
            synchronized (this) {
                try {
                    wait(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        stopListening();
        note("exiting after " + served.get() + " verbs");
    }

    private void acceptLoop() {
        while (true) {
            int conn;
            try {
                conn = sys.accept(listenFd);
            } catch (SyscallException e) {
                if (e.errno() == dev.jrunc.linux.Errno.EINTR) continue;
                note("accept: " + e.getMessage());
                return;
            }
            synchronized (this) {
                active++;
                lastActivity = System.nanoTime();
            }
            Thread.ofPlatform().name("verb-" + conn).start(() -> {
                try (Channel channel = new Channel(sys, conn)) {
                    session(channel);
                } catch (RuntimeException | Error e) {
                    note("session: " + e);
                } finally {
                    synchronized (this) {
                        active--;
                        lastActivity = System.nanoTime();
                        trimmed = false;
                        notifyAll();
                    }
                }
            });
        }
    }

    private void session(Channel channel) {
        Syscalls.PeerCredentials peer = sys.peerCredentials(channel.fd());
        // Read before any answer: a socket closed with a message unread resets the connection,
        // and the front would never see the answer.
        Packet hello = channel.expect(Message.HELLO);
        if (peer.uid() != uid) {
            note("refused pid " + peer.pid() + ": uid " + peer.uid());
            channel.send(Message.REFUSED, Packet.text("the jrunc engine at " + settings.socket() + " serves uid " + uid
                    + " only; uid " + peer.uid() + " may not use it"));
            return;
        }
        if (!hello.text().equals(settings.buildId())) {
            note("a front of build " + hello.text() + " connected: retiring");
            channel.send(Message.STALE, Packet.text(settings.buildId()));
            retire();
            return;
        }
        synchronized (this) {
            if (retiring) {
                channel.send(Message.STALE, Packet.text(settings.buildId()));
                return;
            }
        }
        channel.send(Message.WELCOME, Packet.text(settings.buildId()));
        Request request = Request.read(sys, channel);
        if (request == null) return;
        try {
            if (request.control() != null) {
                channel.send(Message.STATUS, Packet.text(control(request.control())));
                return;
            }
            if (!request.namespaces().equals(namespaces)) {
                channel.send(Message.ELSEWHERE, Packet.text("the caller's namespaces are not the engine's"));
                return;
            }
            served.incrementAndGet();
            Invocation inv = request.invocation(sys, peer.pid(), new FrontConnection(sys, channel));
            int status = Main.run(request.args().toArray(String[]::new), inv);
            channel.send(Message.DONE, Packet.ints(status));
        } finally {
            request.close(sys);
        }
    }

    private String control(String what) {
        return switch (what) {
            case "status" -> status();
            case "stop" -> {
                retire();
                yield "jrunc engine " + ProcessHandle.current().pid() + " stopping";
            }
            default -> "unknown engine command \"" + what + "\" (status or stop)";
        };
    }

    private String status() {
        long rss = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | NumberFormatException e) {
            // leave it 0
        }
        int running;
        synchronized (this) {
            running = active - 1; // not counting this request
        }
        return "pid " + ProcessHandle.current().pid() + "\nbuild " + settings.buildId() + "\nsocket " + settings.socket()
                + "\nuptime " + Duration.between(started, Instant.now()).toSeconds() + "s\nverbs " + served.get()
                + "\nrunning " + running + "\nidle-exit " + settings.idle().toSeconds() + "s\nrss " + rss + " kB";
    }

    /** No new verbs from now on (the socket goes, so the next front starts a fresh engine); exit once idle. */
    private void retire() {
        synchronized (this) {
            if (retiring) return;
            retiring = true;
            notifyAll();
        }
        stopListening();
    }

    private synchronized void stopListening() {
        try {
            Path socket = settings.socket();
            if (socketKey != null && Files.exists(socket) && socketKey.equals(
                    Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey())) {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(settings.pidFile());
            }
        } catch (IOException e) {
            note("removing " + settings.socket() + ": " + e.getMessage());
        }
        socketKey = null;
        if (lockFd >= 0) {
            sys.close(lockFd); // a fresh engine may start while this one finishes its verbs
            lockFd = -1;
        }
    }

    private void note(String what) {
        log.println(Instant.now() + " engine " + ProcessHandle.current().pid() + ": " + what);
    }

    private static int ownUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
            }
        } catch (IOException | NumberFormatException e) {
            throw new JruncException("cannot read this process's uid: " + e.getMessage(), e);
        }
        throw new JruncException("cannot read this process's uid from /proc/self/status");
    }

    /** The request of one front: its verb's command line and invocation, or a control command. */
    record Request(List<String> args, Map<String, String> env, String cwd, int umask, String cgroup, String namespaces,
            int[] stdio, String control) {

        /** Reads ARGS .. RUN (or CONTROL); null if the front went away first. */
        static Request read(Syscalls sys, Channel channel) {
            List<String> args = new java.util.ArrayList<>();
            Map<String, String> env = new LinkedHashMap<>();
            String cwd = "/";
            int umask = 022;
            String cgroup = "";
            String namespaces = "";
            int[] stdio = new int[0];
            while (true) {
                Packet p = channel.receive();
                if (p == null) {
                    new Request(args, env, cwd, umask, cgroup, namespaces, stdio, null).close(sys);
                    return null;
                }
                switch (p.type()) {
                    case ARGS -> args.addAll(p.strings());
                    case ENV -> {
                        for (String e : p.strings()) {
                            int eq = e.indexOf('=');
                            if (eq > 0) env.putIfAbsent(e.substring(0, eq), e.substring(eq + 1));
                        }
                    }
                    case CWD -> cwd = p.text();
                    case UMASK -> umask = p.int32(0);
                    case CGROUP -> cgroup = p.text();
                    case NAMESPACES -> namespaces = p.text();
                    case STDIO -> stdio = p.fds();
                    case CONTROL -> {
                        return new Request(args, env, cwd, umask, cgroup, namespaces, stdio, p.text());
                    }
                    case RUN -> {
                        if (stdio.length != 3) throw new JruncException("engine protocol: RUN without the caller's stdio");
                        return new Request(args, env, cwd, umask, cgroup, namespaces, stdio, null);
                    }
                    default -> throw new JruncException("engine protocol: unexpected " + p.type() + " in a request");
                }
            }
        }

        Invocation invocation(Syscalls sys, long pid, FrontConnection caller) {
            PrintStream out = new PrintStream(new FdOutputStream(sys, stdio[1]), true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new FdOutputStream(sys, stdio[2]), true, StandardCharsets.UTF_8);
            return new Invocation(env, Path.of(cwd), umask, out, err, new FdInputStream(sys, stdio[0]), pid,
                    () -> cgroup, caller);
        }

        void close(Syscalls sys) {
            for (int fd : stdio) {
                try {
                    sys.close(fd);
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        }
    }
}
