package dev.jrunc.engine;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The front's side of the protocol in Java, for the build's training run and for tests: it asks an
 * engine to run a verb and answers what the engine asks of it, except to start processes (it
 * refuses SPAWN), so it suits verbs that start none.
 */
public final class EngineClient implements AutoCloseable {
    private final Channel channel;

    private EngineClient(Channel channel) {
        this.channel = channel;
    }

    /** Connects and says hello; fails unless the engine welcomes buildId. */
    public static EngineClient connect(Syscalls sys, Path socket, String buildId) {
        Channel c = new Channel(sys, sys.connectUnix(socket.toString(), Linux.SOCK_SEQPACKET));
        try {
            c.send(Message.HELLO, Packet.text(buildId));
            Packet answer = c.receive();
            if (answer == null) throw new JruncException("the engine closed the connection");
            if (answer.type() != Message.WELCOME) throw new Refused(answer.type(), answer.text());
            return new EngineClient(c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** What the engine said instead of WELCOME. */
    public static final class Refused extends JruncException {
        private final Message answer;

        Refused(Message answer, String text) {
            super(answer + ": " + text);
            this.answer = answer;
        }

        public Message answer() {
            return answer;
        }
    }

    /** What running a verb showed: the messages the engine sent, and the exit status. */
    public record Outcome(int status, List<Message> messages, String verb, String id, boolean foreground) {}

    /** Runs one verb with the given stdio (fds of this process, sent to the engine). */
    public Outcome run(List<String> args, Map<String, String> env, Path cwd, int umask, String cgroup, int stdin,
            int stdout, int stderr) {
        return run(args, env, cwd, umask, cgroup, Namespaces.own(), stdin, stdout, stderr);
    }

    /** {@link #run} as a caller in the given namespaces (one /proc/self/ns link a line). */
    public Outcome run(List<String> args, Map<String, String> env, Path cwd, int umask, String cgroup, String namespaces,
            int stdin, int stdout, int stderr) {
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        channel.send(Message.ARGS, Packet.strings(args));
        channel.send(Message.ENV, Packet.strings(envList));
        channel.send(Message.CWD, Packet.text(cwd.toString()));
        channel.send(Message.UMASK, Packet.ints(umask));
        channel.send(Message.CGROUP, Packet.text(cgroup));
        channel.send(Message.NAMESPACES, Packet.text(namespaces));
        channel.send(Message.STDIO, new byte[] {1, 1, 1}, stdin, stdout, stderr);
        channel.send(Message.RUN);
        List<Message> seen = new ArrayList<>();
        String verb = null;
        String id = null;
        boolean foreground = false;
        while (true) {
            Packet p = channel.receive();
            if (p == null) throw new JruncException("the engine went away during " + args);
            seen.add(p.type());
            switch (p.type()) {
                case VERB -> {
                    foreground = p.int32(0) == 1;
                    List<String> s = Packet.strings(p.payload(), 4);
                    verb = s.isEmpty() ? null : s.get(0);
                    id = s.size() > 1 && !s.get(1).isEmpty() ? s.get(1) : null;
                }
                case SPAWN -> {
                    closeAll(p);
                    channel.send(Message.SPAWNED, Packet.concat(Packet.ints(-1), Packet.text("EngineClient starts no processes")));
                }
                case WAIT -> {
                    closeAll(p);
                    channel.send(Message.EXITED, Packet.ints(p.int32(0), 0));
                }
                case DONE -> {
                    return new Outcome(p.int32(0), seen, verb, id, foreground);
                }
                case ELSEWHERE, STALE, REFUSED -> throw new Refused(p.type(), p.text());
                default -> closeAll(p);
            }
        }
    }

    /** `jrunc engine status|stop`. */
    public String control(String what) {
        channel.send(Message.CONTROL, Packet.strings(List.of(what)));
        return channel.expect(Message.STATUS).text();
    }

    private void closeAll(Packet p) {
        for (int fd : p.fds()) Syscalls.linux().close(fd);
    }

    @Override
    public void close() {
        channel.close();
    }
}
