package dev.jrunc.engine;

/**
 * The messages between the native front (native-helpers/front.c) and the engine, with the codes
 * native-helpers/engine-protocol.h gives them (a unit test checks the two agree). One message per
 * SOCK_SEQPACKET packet: a 4-byte code in host byte order, then the payload; fds travel as
 * SCM_RIGHTS with the message that carries them. Strings are NUL-terminated, numbers host-order
 * 32-bit.
 */
public enum Message {
    // ---- front -> engine
    /** The front's build id: an engine of another build retires ({@link #STALE}). */
    HELLO(1),
    /** argv[1..] (more than one ARGS message appends). */
    ARGS(2),
    /** The caller's environment, KEY=VALUE each (more than one appends). */
    ENV(3),
    /** The caller's working directory. */
    CWD(4),
    /** The caller's umask. */
    UMASK(5),
    /** The caller's /proc/self/cgroup. */
    CGROUP(6),
    /** The caller's namespaces, one /proc/self/ns link ("mnt:[4026531841]") a line. */
    NAMESPACES(7),
    /** fds 0, 1 and 2 attached; one byte each: 1, or 0 where the front had none (/dev/null sent). */
    STDIO(8),
    /** Run the verb. */
    RUN(9),
    /** Reply to {@link #SPAWN}: the child's pid, or minus errno and the reason. */
    SPAWNED(10),
    /** Reply to {@link #WAIT}: pid and its exit status, the shell's way. */
    EXITED(11),
    /** `jrunc engine status|stop`: instead of a verb. */
    CONTROL(12),

    // ---- engine -> front
    /** The engine's build id: go ahead. */
    WELCOME(32),
    /** This engine is of another build and retires: start a fresh one. */
    STALE(33),
    /** The caller may not use this engine (another uid): the reason, for the user. */
    REFUSED(34),
    /** The caller lives in other namespaces than the engine: run the verb in direct mode. */
    ELSEWHERE(35),
    /** The verb is parsed: foreground flag (1 for a foreground run or exec), then verb and id. */
    VERB(36),
    /** Become the reaper of the container's processes and hold signals for it. */
    FOREGROUND(37),
    /**
     * Start a child: flags (1: the program is the first fd), the number of mapped fds, their
     * numbers in the child, argc, envc, then path (empty for an fd), argv and env as strings; fds
     * attached: the program's, then the mapped ones in order.
     */
    SPAWN(38),
    /** Signals held so far and all later ones go to this pid. */
    FORWARD(39),
    /** Wait for this pid, relaying the terminal whose master is attached (if one is). */
    WAIT(40),
    /** The verb's exit status: the front exits with it. */
    DONE(41),
    /** Reply to {@link #CONTROL}: text for the user. */
    STATUS(42);

    private final int code;

    Message(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    private static final Message[] BY_CODE = new Message[64];

    static {
        for (Message m : values()) BY_CODE[m.code] = m;
    }

    /** The message with this code, or null. */
    public static Message of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
