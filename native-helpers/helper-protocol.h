/*
 * The messages on the sync socket between the jrunc runtime and jrunc-nsexec (nsexec.c): the
 * words and who sends each. dev.jrunc.init.SyncMessage must list every one with the same word,
 * the same direction and the same "+fd" (a unit test reads this file and checks); it also has the
 * messages between the runtime and the init JVM, which this helper never sees.
 *
 * A SOCK_SEQPACKET pair, one message per packet: the word, then for a message with an argument
 * a space and the argument, except GO, whose binary payload follows the word directly. "+fd": a
 * descriptor goes with the message (SCM_RIGHTS).
 */
#ifndef JRUNC_HELPER_PROTOCOL_H
#define JRUNC_HELPER_PROTOCOL_H

/* helper -> runtime */
#define SYNC_USERNS "USERNS"       /* a user namespace was made: the runtime writes its maps */
#define SYNC_PID "PID"             /* "PID <pid>": the container's process; the helper exits */
#define SYNC_READY "READY"         /* the last stage waits for GO (the runtime places it in the cgroup) */
#define SYNC_CONSOLE "CONSOLE"     /* +fd the pty master; "CONSOLE <name>" in the container's devpts */
#define SYNC_CREATED "CREATED"     /* the program is about to run (exec) or waits for start (create) */
#define SYNC_FSMOUNTED "FSMOUNTED" /* +fd the detached mount FSMOUNT asked for */
#define SYNC_FSFAILED "FSFAILED"   /* "FSFAILED <errno> <call>": FSMOUNT refused; the helper goes on */
#define SYNC_ERROR "ERROR"         /* "ERROR <text>": what failed; the process exits */

/* runtime -> helper */
#define SYNC_USERNS_OK "USERNS_OK" /* the user namespace's maps are written */
#define SYNC_AGENT "AGENT"         /* +fd a socket connected to linux.seccomp.listenerPath; "AGENT <state>" */
#define SYNC_GO "GO"               /* "GO" then u32 seccomp flags and struct sock_filter[] (none: no filter) */
#define SYNC_FSMOUNT "FSMOUNT"     /* "FSMOUNT <attrs>\0<type>\0<source>\0<option>\0...": a new filesystem, detached */
#define SYNC_ROOT "ROOT"           /* +fd the container's root: PID 1 moves there (fchdir, chroot) */
#define SYNC_FIFODIR "FIFODIR"     /* +fd the exec fifo's directory; "FIFODIR <name>" */
#define SYNC_EXEC "EXEC"           /* +fd the last stage's options file: PID 1 runs the last stage now */

#endif
