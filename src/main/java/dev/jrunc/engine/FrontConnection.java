package dev.jrunc.engine;

import dev.jrunc.JruncException;
import dev.jrunc.invocation.Caller;
import dev.jrunc.linux.Syscalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The native front at the other end of a connection, as the verb's {@link Caller}: it forks the
 * namespace helper, reaps, holds and forwards signals, relays the terminal and waits, each on the
 * engine's request, so the container's processes descend from the process that ran `jrunc`.
 */
final class FrontConnection implements Caller {
    private final Syscalls sys;
    private final Channel channel;
    private boolean foreground;

    /** Well below the kernel's default socket send buffer (net.core.wmem_default, 208 KiB). */
    static final int MAX_INLINE_STRINGS = 128 * 1024;
    /** The most the front reads from a SPAWN's strings memfd (front.c's MAX_SPAWN_STRINGS). */
    static final int MAX_SPAWN_STRINGS = 8 * 1024 * 1024;
    /** SPAWN flag: path, argv and env are in the last attached fd, not in the message. */
    static final int STRINGS_IN_FD = 2;

    FrontConnection(Syscalls sys, Channel channel) {
        this.sys = sys;
        this.channel = channel;
    }

    @Override
    public void verb(String verb, String id, boolean foreground) {
        this.foreground = foreground;
        channel.send(Message.VERB, Packet.concat(Packet.ints(foreground ? 1 : 0),
                Packet.strings(List.of(verb, id == null ? "" : id))));
    }

    @Override
    public int spawn(Program program, List<String> argv, List<String> env, Map<Integer, Integer> fds) {
        List<Integer> attached = new ArrayList<>();
        if (program.fd() >= 0) attached.add(program.fd());
        int[] targets = new int[fds.size()];
        int i = 0;
        for (var e : fds.entrySet()) {
            attached.add(e.getKey());
            targets[i++] = e.getValue();
        }
        List<String> strings = new ArrayList<>();
        strings.add(program.fd() >= 0 ? "" : program.path());
        strings.addAll(argv);
        strings.addAll(env);
        int[] head = new int[4 + targets.length];
        head[0] = program.fd() >= 0 ? 1 : 0;
        head[1] = targets.length;
        System.arraycopy(targets, 0, head, 2, targets.length);
        head[2 + targets.length] = argv.size();
        head[3 + targets.length] = env.size();
        byte[] text = Packet.strings(strings);
        int stringsFd = -1;
        if (text.length > MAX_INLINE_STRINGS) {
            // An exec's environment may be megabytes (execve takes up to a quarter of the stack
            // limit); a datagram that large needs a send buffer only root may force, so the strings
            // travel in a memfd instead.
            if (text.length > MAX_SPAWN_STRINGS) {
                throw new JruncException("cannot start " + argv.getFirst() + ": its arguments and environment ("
                        + text.length + " bytes) exceed what the engine passes to the jrunc front ("
                        + MAX_SPAWN_STRINGS + " bytes); JRUNC_ENGINE=off runs the verb without the engine");
            }
            stringsFd = sys.memfdCreate("jrunc-spawn", 0);
            sys.write(stringsFd, text);
            head[0] |= STRINGS_IN_FD;
            attached.add(stringsFd);
            text = new byte[0];
        }
        try {
            channel.send(Message.SPAWN, Packet.concat(Packet.ints(head), text),
                    attached.stream().mapToInt(Integer::intValue).toArray());
        } finally {
            if (stringsFd >= 0) sys.close(stringsFd);
        }
        Packet reply = channel.expect(Message.SPAWNED);
        int pid = reply.int32(0);
        if (pid <= 0) {
            String why = new String(reply.payload(), 4, reply.payload().length - 4, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("\0", "");
            throw new JruncException("cannot start " + argv.getFirst() + ": " + why);
        }
        return pid;
    }

    @Override
    public void reap(int pid) {
        // The front reaps its children itself, as they exit.
    }

    @Override
    public void foreground() {
        if (!foreground) channel.send(Message.FOREGROUND);
        foreground = true;
    }

    @Override
    public void forwardSignals(int pid) {
        channel.send(Message.FORWARD, Packet.ints(pid));
    }

    @Override
    public int waitForExit(int pid, int terminalMaster) {
        try {
            if (terminalMaster >= 0) channel.send(Message.WAIT, Packet.ints(pid), terminalMaster);
            else channel.send(Message.WAIT, Packet.ints(pid));
        } finally {
            if (terminalMaster >= 0) sys.close(terminalMaster);
        }
        Packet exited = channel.expect(Message.EXITED);
        return exited.int32(1);
    }

    @Override
    public boolean gone() {
        return channel.peerClosed();
    }
}
