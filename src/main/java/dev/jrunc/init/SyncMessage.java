package dev.jrunc.init;

import java.util.HashMap;
import java.util.Map;

/**
 * Every message on the sync socket, the SOCK_SEQPACKET pair that orders the launch of a
 * container's process: between the runtime and the native helper (jrunc-nsexec: namespaces, the
 * waiting PID 1, the last stage) and between the runtime and the init JVM. One message is one
 * packet: the word, then for a message with an argument a space and the argument (text, or
 * binary for AGENT and PLAN), except {@link #GO}, whose binary payload follows the word directly.
 * A descriptor goes with the message as SCM_RIGHTS.
 *
 * <p>The messages jrunc-nsexec speaks are defined for it in native-helpers/helper-protocol.h
 * with the same words and directions (a unit test reads the header and checks); the others pass
 * between the runtime and the init JVM only.
 */
public enum SyncMessage {
    // ---- helper -> runtime
    /** The helper made a user namespace: the runtime writes its maps and answers {@link #USERNS_OK}. */
    USERNS(Direction.TO_RUNTIME, true, false),
    /** "PID pid": the container's process, in the runtime's PID namespace; the helper then exits. */
    PID(Direction.TO_RUNTIME, true, false),
    /** The last stage waits for {@link #GO}: the runtime places it in the container's cgroup first. */
    READY(Direction.TO_RUNTIME, true, false),
    /** "CONSOLE name": the pty master attached, its name in the container's devpts. */
    CONSOLE(Direction.TO_RUNTIME, true, true),
    /** The program is about to run (exec), or waits for `start` (create). */
    CREATED(Direction.TO_RUNTIME, true, false),
    /** The detached mount {@link #FSMOUNT} asked for, attached. */
    FSMOUNTED(Direction.TO_RUNTIME, true, true),
    /** "FSFAILED errno call": the kernel refused {@link #FSMOUNT}; the helper goes on waiting. */
    FSFAILED(Direction.TO_RUNTIME, true, false),
    /** "ERROR text": the helper or the init failed, and exits. */
    ERROR(Direction.TO_RUNTIME, true, false),

    // ---- runtime -> helper
    /** The maps of the helper's user namespace are written. */
    USERNS_OK(Direction.FROM_RUNTIME, true, false),
    /** "AGENT state": a socket connected to linux.seccomp.listenerPath attached, the process state JSON. */
    AGENT(Direction.FROM_RUNTIME, true, true),
    /** Go on: the seccomp flags (u32) and the filter (struct sock_filter[]) follow the word directly. */
    GO(Direction.FROM_RUNTIME, true, false),
    /**
     * "FSMOUNT attrs\0type\0source\0option\0...": PID 1 makes a new filesystem with its own
     * namespaces and credentials, as a detached mount (answer: {@link #FSMOUNTED} or {@link #FSFAILED}).
     */
    FSMOUNT(Direction.FROM_RUNTIME, true, false),
    /** The container's root attached: PID 1 moves there (fchdir, chroot). */
    ROOT(Direction.FROM_RUNTIME, true, true),
    /** The exec fifo's directory attached; to the helper "FIFODIR name", to the init JVM the word alone. */
    FIFODIR(Direction.FROM_RUNTIME, true, true),
    /** The last stage's options file attached: PID 1 runs the last stage now. */
    EXEC(Direction.FROM_RUNTIME, true, true),

    // ---- runtime <-> init JVM
    /** "PLAN json": the init plan; the init JVM sets up the container. */
    PLAN(Direction.FROM_RUNTIME, false, false),
    /** "MOUNTFD index": a bind mount's source, opened by the runtime, attached. */
    MOUNTFD(Direction.FROM_RUNTIME, false, true),
    /** "TREEFD index": an idmapped mount made by the runtime, as a detached tree, attached. */
    TREEFD(Direction.FROM_RUNTIME, false, true),
    /** A sealed copy of the native helper attached: the init JVM execs the last stage from it. */
    HELPERFD(Direction.FROM_RUNTIME, false, true),
    /** "WARN text": a warning of the init JVM, for the runtime's log. */
    WARN(Direction.TO_RUNTIME, false, false),
    /** "MADE json": what setting up the rootfs made in it, removed again if create fails. */
    MADE(Direction.TO_RUNTIME, false, false),
    /** A part of a message too long for one packet; the last part is the message itself. */
    MORE(Direction.EITHER, false, false);

    /** Who sends the message. */
    public enum Direction {
        /** The helper or the init JVM to the runtime. */
        TO_RUNTIME,
        /** The runtime to the helper or the init JVM. */
        FROM_RUNTIME,
        /** Whichever side sends a long message. */
        EITHER
    }

    private static final Map<String, SyncMessage> BY_WORD = new HashMap<>();

    static {
        for (SyncMessage m : values()) BY_WORD.put(m.word(), m);
    }

    private final Direction direction;
    private final boolean helper;
    private final boolean fd;

    SyncMessage(Direction direction, boolean helper, boolean fd) {
        this.direction = direction;
        this.helper = helper;
        this.fd = fd;
    }

    /** The word on the wire. */
    public String word() {
        return name();
    }

    public Direction direction() {
        return direction;
    }

    /** Whether jrunc-nsexec sends or reads it (native-helpers/helper-protocol.h defines it). */
    public boolean helper() {
        return helper;
    }

    /** Whether a descriptor always goes with it. */
    public boolean carriesFd() {
        return fd;
    }

    /** Whether its payload follows the word with no space between (GO's binary filter). */
    public boolean raw() {
        return this == GO;
    }

    /**
     * Whether the native helper reads it: it knows no {@link #MORE}, so the message must fit one
     * packet.
     */
    boolean readByHelper() {
        return helper && direction == Direction.FROM_RUNTIME;
    }

    /** The message with this word, or null. */
    public static SyncMessage of(String word) {
        return BY_WORD.get(word);
    }
}
