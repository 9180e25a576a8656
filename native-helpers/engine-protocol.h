/*
 * The messages between the jrunc front (front.c) and the jrunc engine
 * (src/main/java/dev/jrunc/engine/Message.java, which must give each the same code: a unit test
 * reads this file and checks).
 *
 * One message per SOCK_SEQPACKET packet: a 4-byte code in host byte order, then the payload.
 * File descriptors travel as SCM_RIGHTS with the message that carries them. Strings are
 * NUL-terminated, numbers are 32-bit in host byte order.
 */
#ifndef JRUNC_ENGINE_PROTOCOL_H
#define JRUNC_ENGINE_PROTOCOL_H

enum jrunc_message {
    /* front -> engine */
    JRUNC_MSG_HELLO = 1,       /* the front's build id */
    JRUNC_MSG_ARGS = 2,        /* argv[1..] as strings; more than one ARGS appends */
    JRUNC_MSG_ENV = 3,         /* the environment, KEY=VALUE strings; more than one appends */
    JRUNC_MSG_CWD = 4,         /* the working directory */
    JRUNC_MSG_UMASK = 5,       /* u32 */
    JRUNC_MSG_CGROUP = 6,      /* the text of /proc/self/cgroup */
    JRUNC_MSG_NAMESPACES = 7,  /* /proc/self/ns/{mnt,pid,net,user,cgroup} links, one a line */
    JRUNC_MSG_STDIO = 8,       /* fds 0, 1, 2 attached; a byte each: 1, or 0 for /dev/null in a closed fd's place */
    JRUNC_MSG_RUN = 9,         /* run the verb */
    JRUNC_MSG_SPAWNED = 10,    /* reply to SPAWN: i32 pid, or i32 -errno then the reason */
    JRUNC_MSG_EXITED = 11,     /* reply to WAIT: i32 pid, i32 exit status (code, or 128 + signal) */
    JRUNC_MSG_CONTROL = 12,    /* `jrunc engine status|stop` instead of a verb */

    /* engine -> front */
    JRUNC_MSG_WELCOME = 32,    /* the engine's build id: same as the front's */
    JRUNC_MSG_STALE = 33,      /* the engine is of another build and retires: start a fresh one */
    JRUNC_MSG_REFUSED = 34,    /* the caller may not use the engine: the reason */
    JRUNC_MSG_ELSEWHERE = 35,  /* the caller's namespaces are not the engine's: run in direct mode */
    JRUNC_MSG_VERB = 36,       /* u32 foreground, then verb and container id as strings */
    JRUNC_MSG_FOREGROUND = 37, /* become the subreaper and hold signals for the container */
    JRUNC_MSG_SPAWN = 38,      /* u32 flags (1: program is the first fd; 2: the strings are in the last
                                  fd, a memfd), u32 n, i32 target[n], u32 argc, u32 envc, then path
                                  (empty for an fd), argv, env; fds: program, mapped, strings */
    JRUNC_MSG_FORWARD = 39,    /* i32 pid: held and later signals go there */
    JRUNC_MSG_WAIT = 40,       /* i32 pid to wait for; a pty master attached is relayed meanwhile */
    JRUNC_MSG_DONE = 41,       /* i32 the verb's exit status */
    JRUNC_MSG_STATUS = 42,     /* reply to CONTROL: text */
};

#endif
