/*
 * jrunc-nsexec: the two steps of container creation that a multithreaded JVM cannot do.
 *
 *   jrunc-nsexec enter --sync-fd N [--userns] [--clone-flags HEX] [--join TYPE:PATH]...
 *                [--join-fd TYPE:FD]... [--timens OFFSETS] [--root-fd FD] [--exec | --setup] -- INIT-COMMAND...
 *       Joins and creates namespaces (unshare/setns need a single-threaded process), forks so the
 *       child is PID 1 of a new PID namespace (or a member of the joined one), reports the child's
 *       pid and exits. The child execs INIT-COMMAND (the Java init) inside the namespaces, or,
 *       with --exec, runs the last stage below itself with the options after "--" (`jrunc exec`).
 *       --join-fd takes a namespace file the runtime opened, so no host path or pid is ever on
 *       this process's command line, which the container can read. --root-fd (a container without
 *       a mount namespace of its own, which chroots instead) makes that directory the root first.
 *       With --setup (no INIT-COMMAND) the child runs no init JVM: it waits while a thread of the
 *       runtime joins its mount namespace and builds the rootfs, answers the runtime's requests
 *       (SETUP messages below), then runs the last stage below itself.
 *
 *   jrunc-nsexec userns --sync-fd N
 *       Makes a user namespace (for an idmapped mount) and holds it until the runtime, which
 *       writes its maps and opens /proc/PID/ns/user, closes the socket.
 *
 *   jrunc-nsexec exec --sync-fd N --opts-fd M
 *       The last stage of the container's process. Its options are read from the file M (one
 *       NUL-terminated string each), not argv, for the same reason:
 *         [--fifo-at DIRFD:NAME] [--cgroupns] [--uid U --gid G --groups LIST]
 *         [--caps BND,EFF,PRM,INH,AMB] [--last-cap N] [--nnp] [--seccomp] [--cwd DIR]
 *         [--rlimit RES,SOFT,HARD]... [--preserve-fds K] [--console [--console-size RxC]]
 *         [--hook-state JSON --start-hook SPEC...] [--no-process]
 *         [--sched P,FLAGS,NICE,PRIO,RUNTIME,DEADLINE,PERIOD] [--ioprio V] [--personality N]
 *         [--cpus-initial LIST] [--cpus-final LIST] [--apparmor PROFILE] [--selinux LABEL]
 *         [--umask OCTAL]
 *         -- PATH ARGV0 ARGS...
 *
 * Messages on the sync socket (SOCK_SEQPACKET, one message per packet): helper-protocol.h defines
 * every word, its direction and its descriptor; the runtime's side is dev.jrunc.init.SyncMessage.
 * In order:
 *   enter:      USERNS (--userns), answered by USERNS_OK once the runtime wrote the maps; PID
 *   SETUP (enter --setup, before the last stage; the Java side is ContainerCreator's in-thread init):
 *               FSMOUNT answered by FSMOUNTED or FSFAILED (a new filesystem, made with the
 *               child's namespaces and credentials), as often as asked; ROOT, FIFODIR, then
 *               EXEC, on which the last stage runs
 *   last stage: READY; AGENT (only with SCMP_ACT_NOTIFY) and GO; CONSOLE (process.terminal);
 *               CREATED
 *   userns:     USERNS; the runtime then closes the socket
 * ERROR ends any of them.
 * The exec fifo (`start`): the last stage writes "0" when the program is about to run, or
 * "E<text>" when something after create failed (a startContainer hook), which `start` reports.
 *
 * The order of the last stage. Everything that may fail is done before the seccomp filter is
 * installed, and after the filter jrunc makes no system call but execve: a profile may deny or
 * notify any call (getcwd, stat, write, close_range...), and only the user's program is the
 * profile's business.
 *    1. close stray fds, become non-dumpable; execCPUAffinity.initial; READY, then GO (the
 *       runtime has put this process in the container's cgroup) and, for SCMP_ACT_NOTIFY, the
 *       agent's socket
 *    2. new cgroup namespace; hard rlimits that must be raised (while still privileged)
 *    3. terminal (the pty keeps the group devpts gave it; only its owner becomes the user)
 *    4. scheduler, I/O priority, personality, execCPUAffinity.final, LSM labels
 *    5. chdir to process.cwd as root (a cwd only root can reach still works)
 *    6. bounding set, supplementary groups, uid/gid, capabilities, ambient set, no_new_privs
 *    7. chdir again if step 5 was refused (a cwd only the user can reach); the cwd must be
 *       inside the container's root (CVE-2024-21626)
 *    8. find the program in PATH as the user
 *    9. create: CREATED; block on the exec fifo until `start`; startContainer hooks
 *   10. mark every fd but stdio and --preserve-fds close-on-exec
 *   11. soft and hard rlimits (RLIMIT_AS, RLIMIT_NPROC... bind this stage no longer)
 *   12. install the filter. Without no_new_privs that needs CAP_SYS_ADMIN, so step 6 keeps it in
 *       the effective and permitted sets: without no_new_privs execve recomputes both from the
 *       bounding, inheritable and ambient sets, so they never reach the program. A thread made
 *       before the filter (and so not under it) then hands the listener fd to the agent and
 *       writes "0" to the fifo (create) or CREATED (exec); without a filter this thread does it.
 *   13. execve
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include "helper-protocol.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

#define MAX_MSG (1 << 20)
/* Where the argument of a message that has one begins: after the word and a space. */
#define ARG_AT(word) (sizeof word " " - 1)

/* Where an error goes: to the runtime while it listens on the sync socket; to `start` once the
 * exec fifo is open (it reads "E<text>"); to stderr otherwise. */
static int sync_fd = -1;
static int fifo_w = -1;

static void send_msg(const char *buf, size_t len) {
    if (sync_fd < 0) return;
    while (send(sync_fd, buf, len, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

static void send_word(const char *word) {
    send_msg(word, strlen(word));
}

static void write_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Report a failure to whoever is listening (see above) and exit. */
static void fail(const char *fmt, ...) {
    char msg[4096];
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    /* The text after the word and its space; the fifo's "E<text>" reuses the space's byte. */
    int n = snprintf(msg, sizeof msg, "%s ", SYNC_ERROR);
    char *text = msg + n;
    n += vsnprintf(msg + n, sizeof msg - n, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof msg) n = (int)sizeof msg - 1;
    if (saved != 0 && n < (int)sizeof msg)
        snprintf(msg + n, sizeof msg - n, ": %s", strerror(saved));
    if (sync_fd >= 0) {
        send_msg(msg, strlen(msg));
    } else if (fifo_w >= 0) {
        text[-1] = 'E';
        write_all(fifo_w, text - 1, strlen(text - 1));
    } else {
        fprintf(stderr, "jrunc: %s\n", text);
    }
    _exit(1);
}

static ssize_t recv_msg(char *buf, size_t cap, int *fd) {
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = buf, .iov_len = cap};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n;
    do {
        n = recvmsg(sync_fd, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        errno = n < 0 ? errno : 0;
        fail("the runtime closed the sync socket");
    }
    if (fd) *fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof got);
            if (fd) *fd = got;
            else close(got);
        }
    }
    return n;
}

static int starts_with(const char *buf, ssize_t n, const char *word) {
    size_t wl = strlen(word);
    return (size_t)n >= wl && memcmp(buf, word, wl) == 0;
}

static void expect(const char *want, char *buf, size_t cap, ssize_t *len) {
    ssize_t n = recv_msg(buf, cap, NULL);
    if (!starts_with(buf, n, want)) {
        errno = 0;
        fail("expected %s from the runtime, got %.*s", want, (int)(n > 40 ? 40 : n), buf);
    }
    if (len) *len = n;
}

static long parse_num(const char *s, const char *what) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno != 0 || *end != '\0') {
        errno = 0;
        fail("bad %s: %s", what, s);
    }
    return v;
}

static int cmd_exec(int argc, char **argv);
static void send_fd(const char *word, int fd, const char *payload, size_t len);
static void enter_root(int fd);

#ifndef SYS_fsopen
#define SYS_fsopen 430
#define SYS_fsconfig 431
#define SYS_fsmount 432
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x1
#define FSMOUNT_CLOEXEC 0x1
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_CMD_CREATE 6
#endif

/* ---------------------------------------------------------------- setup */

/*
 * FSMOUNT: a new filesystem made here, as the init JVM would make it with mount(2): its context
 * belongs to this process's namespaces and credentials (proc to the PID namespace, and in a user
 * namespace every filesystem to it, so uid=/gid= options are the container's ids and the root
 * may remount it), and the kernel's permission checks are this process's. The runtime's thread
 * attaches the detached mount. A refusal is answered (FSFAILED), not fatal: the runtime may fall
 * back, as after a failed mount(2) (sysfs without a network namespace of its own: a bind).
 * The argument: "ATTRS\0TYPE\0SOURCE\0OPTION\0...", an OPTION "key" or "key=value".
 */
static void make_mount(char *arg, const char *end) {
    char what[512];
    char *type = memchr(arg, '\0', (size_t)(end - arg));
    if (!type || type + 1 >= end) { errno = 0; fail(SYNC_FSMOUNT " without a type"); }
    unsigned long attrs = strtoul(arg, NULL, 0);
    type++;
    char *source = type + strlen(type) + 1;
    if (source >= end) { errno = 0; fail(SYNC_FSMOUNT " without a source"); }
    char *opt = source + strlen(source) + 1;
    int mfd = -1;
    snprintf(what, sizeof what, "fsopen(%.100s)", type);
    int fc = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
    if (fc >= 0) {
        snprintf(what, sizeof what, "fsconfig(source=%.400s)", source);
        int ok = syscall(SYS_fsconfig, fc, FSCONFIG_SET_STRING, "source", source, 0) == 0;
        for (; ok && opt < end; opt += strlen(opt) + 1) {
            char *eq = strchr(opt, '=');
            snprintf(what, sizeof what, "fsconfig(%.400s)", opt);
            if (eq) {
                *eq = '\0';
                ok = syscall(SYS_fsconfig, fc, FSCONFIG_SET_STRING, opt, eq + 1, 0) == 0;
                *eq = '=';
            } else {
                ok = syscall(SYS_fsconfig, fc, FSCONFIG_SET_FLAG, opt, NULL, 0) == 0;
            }
        }
        if (ok) {
            snprintf(what, sizeof what, "fsconfig(%.100s, FSCONFIG_CMD_CREATE)", type);
            ok = syscall(SYS_fsconfig, fc, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0;
        }
        if (ok) {
            snprintf(what, sizeof what, "fsmount(%.100s, 0x%lx)", type, attrs);
            mfd = (int)syscall(SYS_fsmount, fc, FSMOUNT_CLOEXEC, attrs);
        }
        int saved = errno;
        close(fc);
        errno = saved;
    }
    if (mfd < 0) {
        char msg[640];
        int len = snprintf(msg, sizeof msg, "%s %d %s", SYNC_FSFAILED, errno, what);
        send_msg(msg, (size_t)(len < (int)sizeof msg ? len : (int)sizeof msg - 1));
        return;
    }
    send_fd(SYNC_FSMOUNTED, mfd, NULL, 0);
    close(mfd);
}

/*
 * enter --setup: PID 1 of the new namespaces waits here while the runtime builds the rootfs from
 * a thread that joined this process's mount namespace. Only what must come from inside the
 * namespaces is done here: new filesystems (FSMOUNT, below), the move to the new root.
 * Then the last stage, with the options file the runtime sent (no exec of anything in between).
 */
static void serve_setup(void) {
    static char buf[65536 + 256]; /* a packet: the word, a space, up to SyncSocket.CHUNK */
    int fifo_dir = -1;
    char fifo_name[256] = "";
    /* Nothing in the container (a createContainer hook) may open this process's /proc files. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail("prctl(PR_SET_DUMPABLE)");
    /* Whatever directory the runtime had, it is not the container's: "/" moves with pivot_root. */
    if (chdir("/") < 0) fail("chdir /");
    for (;;) {
        int fd;
        ssize_t n = recv_msg(buf, sizeof buf - 1, &fd);
        buf[n] = '\0';
        if (starts_with(buf, n, SYNC_FSMOUNT " ")) {
            if (fd >= 0) close(fd);
            make_mount(buf + ARG_AT(SYNC_FSMOUNT), buf + n);
        } else if (starts_with(buf, n, SYNC_ROOT)) {
            if (fd < 0) { errno = 0; fail(SYNC_ROOT " without a directory"); }
            enter_root(fd);
        } else if (starts_with(buf, n, SYNC_FIFODIR " ")) {
            if (fd < 0) { errno = 0; fail(SYNC_FIFODIR " without a directory"); }
            if (fifo_dir >= 0) close(fifo_dir);
            fifo_dir = fd;
            const char *name = buf + ARG_AT(SYNC_FIFODIR);
            if (strlen(name) >= sizeof fifo_name) { errno = 0; fail(SYNC_FIFODIR " name too long"); }
            memcpy(fifo_name, name, strlen(name) + 1);
        } else if (starts_with(buf, n, SYNC_EXEC)) {
            if (fd < 0) { errno = 0; fail(SYNC_EXEC " without an options file"); }
            char sync_s[16], opts_s[16], fifo_s[300];
            snprintf(sync_s, sizeof sync_s, "%d", sync_fd);
            snprintf(opts_s, sizeof opts_s, "%d", fd);
            snprintf(fifo_s, sizeof fifo_s, "%d:%s", fifo_dir, fifo_name);
            char *argv[] = {"--sync-fd", sync_s, "--opts-fd", opts_s, "--fifo-at", fifo_s, NULL};
            _exit(cmd_exec(fifo_dir >= 0 ? 6 : 4, argv));
        } else {
            if (fd >= 0) close(fd);
            errno = 0;
            fail("unexpected %.*s from the runtime during setup", (int)(n > 40 ? 40 : n), buf);
        }
    }
}

/* ---------------------------------------------------------------- enter */

struct join { int type; int fd; const char *path; };

static int ns_type(const char *name) {
    static const struct { const char *n; int f; } t[] = {
        {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS}, {"pid", CLONE_NEWPID},
        {"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
        {"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(name, t[i].n) == 0) return t[i].f;
    return 0;
}

/* A container without a mount namespace of its own is a chroot: so is every process joining it. */
static void enter_root(int fd) {
    if (fchdir(fd) < 0) fail("fchdir to the container's root");
    if (chroot(".") < 0) fail("chroot to the container's root");
    if (chdir("/") < 0) fail("chdir / in the container's root");
    close(fd);
}

static int cmd_enter(int argc, char **argv) {
    struct join joins[16];
    int njoins = 0, new_user = 0, joined_user = 0, then_exec = 0, then_setup = 0;
    unsigned long flags = 0;
    const char *timens = NULL;
    int root_fd = -1;
    int i;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (i + 1 >= argc && strcmp(argv[i], "--userns") != 0 && strcmp(argv[i], "--exec") != 0
                && strcmp(argv[i], "--setup") != 0) {
            errno = 0;
            fail("option %s needs a value", argv[i]);
        }
        if (strcmp(argv[i], "--sync-fd") == 0) sync_fd = (int)parse_num(argv[++i], "--sync-fd");
        else if (strcmp(argv[i], "--userns") == 0) new_user = 1;
        else if (strcmp(argv[i], "--exec") == 0) then_exec = 1;
        else if (strcmp(argv[i], "--setup") == 0) then_setup = 1;
        else if (strcmp(argv[i], "--clone-flags") == 0) flags = (unsigned long)parse_num(argv[++i], "--clone-flags");
        else if (strcmp(argv[i], "--timens") == 0) timens = argv[++i];
        else if (strcmp(argv[i], "--root-fd") == 0) root_fd = (int)parse_num(argv[++i], "--root-fd");
        else if (strcmp(argv[i], "--join") == 0 || strcmp(argv[i], "--join-fd") == 0) {
            int by_fd = strcmp(argv[i], "--join-fd") == 0;
            char *spec = argv[++i], *colon = strchr(spec, ':');
            if (!colon || njoins == 16) { errno = 0; fail("bad %s %s", by_fd ? "--join-fd" : "--join", spec); }
            *colon = '\0';
            joins[njoins].type = ns_type(spec);
            joins[njoins].path = colon + 1;
            joins[njoins].fd = by_fd ? (int)parse_num(colon + 1, "--join-fd") : -1;
            if (!joins[njoins].type) { errno = 0; fail("unknown namespace type %s", spec); }
            njoins++;
        } else { errno = 0; fail("unknown option %s", argv[i]); }
    }
    if (i >= argc && !then_setup) { errno = 0; fail("no init command after --"); }

    /* Open every path before joining anything: joining a mount namespace changes what paths mean. */
    for (int j = 0; j < njoins; j++) {
        if (joins[j].fd >= 0) continue;
        joins[j].fd = open(joins[j].path, O_RDONLY | O_CLOEXEC);
        if (joins[j].fd < 0) fail("open namespace path %s", joins[j].path);
    }
    /* The user namespace comes first: it decides what the other joins are allowed to do. */
    for (int pass = 0; pass < 2; pass++)
        for (int j = 0; j < njoins; j++) {
            if ((pass == 0) != (joins[j].type == CLONE_NEWUSER)) continue;
            if (setns(joins[j].fd, joins[j].type) < 0) fail("setns %s", joins[j].path);
            if (joins[j].type == CLONE_NEWUSER) joined_user = 1;
            close(joins[j].fd);
        }

    if (new_user) {
        if (unshare(CLONE_NEWUSER) < 0) fail("unshare user namespace");
        char buf[64];
        send_word(SYNC_USERNS);
        expect(SYNC_USERNS_OK, buf, sizeof buf, NULL);
    }
    /*
     * In a user namespace (made or joined) this process is still the host's uid 0, which the
     * namespace does not map to its root: execve would then drop every capability and the init
     * could not mount anything. Become the namespace's root first (the runtime has written the
     * maps by now), as runc does. setgroups is refused where /proc/PID/setgroups says deny.
     */
    if (new_user || joined_user) {
        if (setresgid(0, 0, 0) < 0) fail("setresgid(0) in the user namespace");
        if (setgroups(0, NULL) < 0 && errno != EPERM) fail("setgroups(0) in the user namespace");
        if (setresuid(0, 0, 0) < 0) fail("setresuid(0) in the user namespace");
    }
    if (flags && unshare((int)flags) < 0) fail("unshare 0x%lx", flags);

    if (timens) {
        /* Offsets may only be written while no process lives in the new time namespace. */
        int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail("open /proc/self/timens_offsets");
        char buf[256];
        size_t n = 0;
        for (const char *p = timens; *p && n < sizeof buf - 1; p++) buf[n++] = *p == ';' ? '\n' : *p;
        if (write(fd, buf, n) != (ssize_t)n) fail("write timens_offsets %s", timens);
        close(fd);
    }


    if (root_fd >= 0) enter_root(root_fd);

    /* The child's first message (READY) must not overtake PID: the runtime acts on READY with
     * the pid (cgroup, rlimits), and a pid of 0 would mean the runtime itself. The child waits
     * until this process has sent PID and exited (end of file on the pipe). */
    int order[2];
    if (pipe2(order, O_CLOEXEC) < 0) fail("pipe");
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child > 0) {
        char msg[32];
        int n = snprintf(msg, sizeof msg, "%s %d", SYNC_PID, (int)child);
        send_msg(msg, (size_t)n);
        _exit(0);
    }
    close(order[1]);
    char eof;
    while (read(order[0], &eof, 1) < 0 && errno == EINTR) {}
    close(order[0]);
    /* `jrunc exec`: the namespaces are the container's, so the last stage runs right here. */
    if (then_exec) return cmd_exec(argc - i, &argv[i]);
    if (then_setup) serve_setup();
    execv(argv[i], &argv[i]);
    fail("exec %s", argv[i]);
    return 1;
}

/* ---------------------------------------------------------------- userns */

/* Holds a new user namespace until the runtime has written its maps and opened it. */
static int cmd_userns(int argc, char **argv) {
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc) { errno = 0; fail("option %s needs a value", argv[i]); }
        if (strcmp(argv[i], "--sync-fd") == 0) sync_fd = (int)parse_num(argv[i + 1], "--sync-fd");
        else { errno = 0; fail("unknown option %s", argv[i]); }
    }
    if (sync_fd < 0) { errno = 0; fail("userns needs --sync-fd"); }
    if (unshare(CLONE_NEWUSER) < 0) fail("unshare user namespace");
    send_word(SYNC_USERNS);
    char buf[16];
    while (recv(sync_fd, buf, sizeof buf, 0) < 0 && errno == EINTR) {}
    return 0;
}

/* ---------------------------------------------------------------- exec */

/*
 * The options after --opts-fd N: the file's NUL-terminated strings, in place of those two
 * arguments. Read once into memory that lives until execve.
 */
static char **expand_opts(int *argc, char **argv) {
    int at = -1;
    for (int i = 0; i + 1 < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--opts-fd") == 0) { at = i; break; }
    }
    if (at < 0) return argv;
    int fd = (int)parse_num(argv[at + 1], "--opts-fd");
    struct stat st;
    if (fstat(fd, &st) < 0) fail("fstat the options file");
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) fail("malloc options");
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("read the options file");
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    int count = 0;
    for (size_t p = 0; p < got; p += strlen(buf + p) + 1) count++;
    char **out = malloc(sizeof(char *) * (size_t)(*argc - 2 + count + 1));
    if (!out) fail("malloc options");
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        if (i == at) { i++; continue; }
        out[n++] = argv[i];
    }
    for (size_t p = 0; p < got; p += strlen(buf + p) + 1) out[n++] = buf + p;
    out[n] = NULL;
    *argc = n;
    return out;
}

/*
 * process.terminal: a pty from the container's own devpts. The master goes to the runtime (which
 * hands it to --console-socket); the slave becomes this process's controlling terminal and stdio.
 * Only its owner changes: its group stays the one devpts gives it (gid=5, tty, with `jrunc spec`'s
 * mount options), so write(1) and wall work as on any system.
 */
static void setup_console(const char *size, long uid) {
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail("open /dev/ptmx in the container");
    int unlock = 0, n;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail("unlock the pty");
    if (ioctl(master, TIOCGPTN, &n) < 0) fail("get the pty number");
    char name[64];
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) fail("open %s", name);
    unsigned rows = 0, cols = 0;
    if (size && sscanf(size, "%ux%u", &rows, &cols) == 2 && rows && cols) {
        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
        if (ioctl(master, TIOCSWINSZ, &ws) < 0) fail("set the console size");
    }
    if (fchown(slave, (uid_t)uid, (gid_t)-1) < 0 && errno != EINVAL) fail("chown %s", name);
    char msg[80];
    snprintf(msg, sizeof msg, "%s %s", SYNC_CONSOLE, name);
    send_fd(msg, master, NULL, 0);
    close(master);
    if (setsid() < 0) fail("setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("make %s the controlling terminal", name);
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0) fail("dup2 the console onto fd %d", fd);
    if (slave > 2) close(slave);
}

/*
 * Finds the program with the PATH of the environment it will get (as runc does), as the user
 * that will run it, so a missing program is the runtime's error.
 */
static const char *resolve_program(const char *path) {
    static char full[4096];
    if (strchr(path, '/')) {
        if (access(path, X_OK) < 0) fail("exec: \"%s\"", path);
        return path;
    }
    const char *search = getenv("PATH");
    if (!search || !*search) search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const char *p = search; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        snprintf(full, sizeof full, "%.*s/%s", (int)len, len ? p : ".", path);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) return full;
        if (!end) break;
        p = end + 1;
    }
    errno = 0;
    fail("exec: \"%s\": executable file not found in $PATH", path);
    return NULL;
}

/* Sends word (+ payload) with fd attached (SCM_RIGHTS) on a socket. */
static int send_fd_on(int sock, const char *word, int fd, const char *payload, size_t len) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov[2] = {{.iov_base = (void *)word, .iov_len = strlen(word)}, {.iov_base = (void *)payload, .iov_len = len}};
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    for (;;) {
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0) return 0;
        if (errno != EINTR) return -1;
    }
}

static void send_fd(const char *word, int fd, const char *payload, size_t len) {
    if (send_fd_on(sync_fd, word, fd, payload, len) < 0) fail("sendmsg(%s, fd %d)", word, fd);
}

/* ---------------------------------------------------------------- process attributes */

/* Scheduling, I/O priority, personality, CPU affinity and LSM labels: all per-thread (or
 * per-process and kept across execve), so set by the thread that execs the container's program. */
struct attrs {
    const char *sched, *cpus_initial, *cpus_final, *apparmor, *selinux;
    long ioprio, persona;
};

struct sched_attr_v0 {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};

static int attr_option(struct attrs *a, const char *o, const char *v) {
    if (strcmp(o, "--sched") == 0) a->sched = v;
    else if (strcmp(o, "--ioprio") == 0) a->ioprio = parse_num(v, o);
    else if (strcmp(o, "--personality") == 0) a->persona = parse_num(v, o);
    else if (strcmp(o, "--cpus-initial") == 0) a->cpus_initial = v;
    else if (strcmp(o, "--cpus-final") == 0) a->cpus_final = v;
    else if (strcmp(o, "--apparmor") == 0) a->apparmor = v;
    else if (strcmp(o, "--selinux") == 0) a->selinux = v;
    else return 0;
    return 1;
}

/* A CPU list as the kernel prints them: "0-3,7". */
static void set_cpus(const char *list, const char *what) {
    size_t size = CPU_ALLOC_SIZE(8192);
    cpu_set_t *set = CPU_ALLOC(8192);
    if (!set) fail("CPU_ALLOC");
    CPU_ZERO_S(size, set);
    for (const char *p = list; *p;) {
        char *end;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        if (end == p) { errno = 0; fail("bad %s CPU list %s", what, list); }
        if (*end == '-') { p = end + 1; hi = strtoul(p, &end, 10); if (end == p) { errno = 0; fail("bad %s CPU list %s", what, list); } }
        if (hi < lo || hi >= 8192) { errno = 0; fail("bad %s CPU list %s", what, list); }
        for (unsigned long c = lo; c <= hi; c++) CPU_SET_S(c, size, set);
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end != '\0') { errno = 0; fail("bad %s CPU list %s", what, list); }
    }
    if (sched_setaffinity(0, size, set) < 0) fail("sched_setaffinity(%s CPUs %s)", what, list);
    CPU_FREE(set);
}

static void write_thread_attr(const char *path, const char *fallback, const char *value, const char *what) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && fallback) fd = open(fallback, O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail("open %s to apply %s %s", path, what, value);
    if (write(fd, value, strlen(value)) < 0) fail("apply %s %s", what, value);
    close(fd);
}

static void apply_attrs(const struct attrs *a) {
    if (a->sched) {
        unsigned long long v[7];
        if (sscanf(a->sched, "%llu,%llx,%lld,%llu,%llu,%llu,%llu", &v[0], &v[1], (long long *)&v[2], &v[3], &v[4], &v[5], &v[6]) != 7) {
            errno = 0;
            fail("bad --sched %s", a->sched);
        }
        struct sched_attr_v0 sa = {
            .size = sizeof sa, .sched_policy = (uint32_t)v[0], .sched_flags = v[1],
            .sched_nice = (int32_t)(long long)v[2], .sched_priority = (uint32_t)v[3],
            .sched_runtime = v[4], .sched_deadline = v[5], .sched_period = v[6]};
        if (syscall(SYS_sched_setattr, 0, &sa, 0) < 0) fail("process.scheduler: sched_setattr(policy %u, nice %d, priority %u, flags 0x%llx)",
                sa.sched_policy, sa.sched_nice, sa.sched_priority, (unsigned long long)sa.sched_flags);
    }
    if (a->ioprio >= 0 && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)a->ioprio) < 0)
        fail("process.ioPriority: ioprio_set(class %ld, priority %ld)", a->ioprio >> 13, a->ioprio & 0x1fff);
    if (a->persona >= 0 && personality((unsigned long)a->persona) < 0) fail("linux.personality: personality(0x%lx)", a->persona);
    if (a->cpus_final) set_cpus(a->cpus_final, "final");
    if (a->apparmor) {
        char v[4096];
        snprintf(v, sizeof v, "exec %s", a->apparmor);
        write_thread_attr("/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec", v, "AppArmor profile");
    }
    if (a->selinux) write_thread_attr("/proc/thread-self/attr/exec", NULL, a->selinux, "SELinux label");
}

/* ---------------------------------------------------------------- rlimits */

struct rlim { int resource; unsigned long long soft, hard; };

static void parse_rlimit(const char *v, struct rlim *r) {
    if (sscanf(v, "%d,%llu,%llu", &r->resource, &r->soft, &r->hard) != 3) { errno = 0; fail("bad --rlimit %s", v); }
}

/* Raises the hard limits that need raising while this process is still privileged, leaving the
 * soft limits alone; the final values come last, and lowering needs no privilege. */
static void raise_hard_limits(const struct rlim *r, int n) {
    for (int i = 0; i < n; i++) {
        struct rlimit cur;
        if (getrlimit(r[i].resource, &cur) < 0) fail("getrlimit(%d)", r[i].resource);
        if (r[i].hard <= cur.rlim_max) continue;
        struct rlimit raised = {.rlim_cur = cur.rlim_cur, .rlim_max = r[i].hard};
        if (setrlimit(r[i].resource, &raised) < 0) fail("setrlimit(%d, hard %llu)", r[i].resource, r[i].hard);
    }
}

static void set_limits(const struct rlim *r, int n) {
    for (int i = 0; i < n; i++) {
        struct rlimit want = {.rlim_cur = r[i].soft, .rlim_max = r[i].hard};
        if (setrlimit(r[i].resource, &want) < 0)
            fail("setrlimit(%d, soft %llu, hard %llu)", r[i].resource, r[i].soft, r[i].hard);
    }
}

/* ---------------------------------------------------------------- identity */

static void capset_sets(uint64_t eff, uint64_t prm, uint64_t inh) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2] = {
        {(uint32_t)eff, (uint32_t)prm, (uint32_t)inh},
        {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32)}};
    if (syscall(SYS_capset, &hdr, data) < 0)
        fail("capset(effective=%llx, permitted=%llx, inheritable=%llx)", (unsigned long long)eff,
             (unsigned long long)prm, (unsigned long long)inh);
}

static uint64_t current_inheritable(void) {
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) < 0) fail("capget");
    return (uint64_t)data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
}

static int last_cap_of_kernel(void) {
    int last = 63;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) { if (fscanf(f, "%d", &last) != 1) last = 63; fclose(f); }
    return last;
}

struct identity {
    int set_ids;
    long uid, gid;
    const char *groups, *caps;
    int last_cap;      /* from the runtime; -1: read /proc (there may be none) */
    int keep_admin;    /* CAP_SYS_ADMIN stays effective until the filter is installed */
};

/* Whether /proc/self/setgroups says "deny" (an unprivileged gid map was written). */
static int setgroups_denied(void) {
    char buf[8] = {0};
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

static void set_identity(const struct identity *id) {
    uint64_t c[5] = {0, 0, 0, 0, 0};
    if (id->caps) {
        if (sscanf(id->caps, "%lx,%lx,%lx,%lx,%lx", &c[0], &c[1], &c[2], &c[3], &c[4]) != 5) {
            errno = 0;
            fail("bad --caps %s", id->caps);
        }
        int last = id->last_cap >= 0 ? id->last_cap : last_cap_of_kernel();
        for (int cap = 0; cap <= last; cap++) {
            if (c[0] & (1ULL << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && !(errno == EINVAL && id->last_cap < 0))
                fail("prctl(PR_CAPBSET_DROP, %d)", cap);
        }
    }
    /* The capability sets are set below when the config gives them or CAP_SYS_ADMIN must stay;
     * otherwise the uid change decides them, as for any process. */
    int set_caps = id->caps || (id->keep_admin && id->set_ids && id->uid != 0);
    if (id->set_ids) {
        if (id->groups) {
            gid_t list[256];
            int n = 0;
            for (const char *p = id->groups; *p && n < 256;) {
                char *end;
                list[n++] = (gid_t)strtoul(p, &end, 10);
                p = *end == ',' ? end + 1 : end;
                if (*end != ',' && *end != '\0') { errno = 0; fail("bad --groups %s", id->groups); }
            }
            /* A rootless container mapping only the user's own gid has setgroups denied: an empty
             * list is then what it has already. */
            if (setgroups((size_t)n, list) < 0 && !(errno == EPERM && n == 0 && setgroups_denied()))
                fail("setgroups(%s)", id->groups);
        }
        if (set_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("prctl(PR_SET_KEEPCAPS)");
        if (setresgid((gid_t)id->gid, (gid_t)id->gid, (gid_t)id->gid) < 0) fail("setresgid(%ld)", id->gid);
        if (setresuid((uid_t)id->uid, (uid_t)id->uid, (uid_t)id->uid) < 0) fail("setresuid(%ld)", id->uid);
        if (set_caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail("prctl(PR_SET_KEEPCAPS, 0)");
    }
    if (!set_caps) return;
    uint64_t admin = id->keep_admin ? 1ULL << CAP_SYS_ADMIN : 0;
    if (id->caps) {
        capset_sets(c[1] | admin, c[2] | admin, c[3]);
    } else {
        capset_sets(admin, admin, current_inheritable());
        return;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    /* The kernel only keeps an ambient capability that is also permitted and inheritable;
     * like runc, others are left out rather than failing the container. */
    uint64_t ambient = c[4] & c[2] & c[3];
    for (int cap = 0; cap < 64; cap++)
        if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            fail("prctl(PR_CAP_AMBIENT_RAISE, %d)", cap);
}

/* ---------------------------------------------------------------- fds and cwd */

/* Closes every descriptor the init inherited (the JVM's jars, the runtime's stray fds) except
 * stdio, the preserved fds 3..3+preserve-1 and those this stage still needs (sorted here). */
static void close_stray_fds(int preserve, int keep1, int keep2) {
    int keep[2] = {keep1 < keep2 ? keep1 : keep2, keep1 < keep2 ? keep2 : keep1};
    unsigned int lo = 3 + (unsigned int)preserve;
    for (int k = 0; k < 2; k++) {
        if (keep[k] < 0 || (unsigned int)keep[k] < lo) continue;
        if ((unsigned int)keep[k] > lo && syscall(SYS_close_range, lo, (unsigned int)keep[k] - 1, 0) < 0)
            fail("close_range(%u, %d)", lo, keep[k] - 1);
        lo = (unsigned int)keep[k] + 1;
    }
    if (syscall(SYS_close_range, lo, ~0U, 0) < 0) fail("close_range(%u, ~0)", lo);
}

/* After chdir: a cwd reached through a descriptor of the host (/proc/self/fd/N) lies outside
 * the container's root, and getcwd reports it as unreachable. Refuse it. */
static void check_cwd_inside_root(const char *cwd) {
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf)) fail("getcwd after chdir to cwd %s (outside the container's root?)", cwd);
    if (buf[0] != '/') { errno = 0; fail("cwd %s is outside the container's root (%s)", cwd, buf); }
}

/* Splits s in place at every sep; returns the number of parts, stored NULL-terminated in out. */
static int split(char *s, char sep, char **out, int max) {
    int n = 0;
    if (*s == '\0') { out[0] = NULL; return 0; }
    out[n++] = s;
    for (char *p = s; *p && n < max - 1; p++)
        if (*p == sep) { *p = '\0'; out[n++] = p + 1; }
    out[n] = NULL;
    return n;
}

/* ---------------------------------------------------------------- startContainer hooks */

/*
 * A startContainer hook, run in the container after `start` and before the user's program:
 * "PATH\x1fTIMEOUT\x1fARGS(\x1e-separated)\x1fENV(\x1e-separated)", with the state on stdin,
 * stdio and nothing else of this process's fds, and its output kept for the error message.
 */
static void run_hook(int index, char *spec, const char *state) {
    char *f[5], *args[256], *env[256];
    if (split(spec, '\x1f', f, 5) != 4) { errno = 0; fail("bad startContainer hook"); }
    long timeout = atol(f[1]);
    if (split(f[2], '\x1e', args, 256) == 0) { args[0] = f[0]; args[1] = NULL; }
    split(f[3], '\x1e', env, 256);
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) fail("pipe for startContainer hook %s", f[0]);
    pid_t pid = fork();
    if (pid < 0) fail("fork for startContainer hook %s", f[0]);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) _exit(127);
        syscall(SYS_close_range, 3, ~0U, 0);
        execve(f[0], args, env);
        dprintf(2, "exec: %s", strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    const char *todo = state;
    size_t left = strlen(state);
    char output[1024];
    size_t olen = 0;
    int status = 0, done = 0, out_fd = out[0], in_fd = in[1];
    if (left == 0) { close(in_fd); in_fd = -1; }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!done) {
        struct pollfd p[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = in_fd, .events = POLLOUT}};
        poll(p, 2, 10);
        if (in_fd >= 0) {
            ssize_t n = write(in_fd, todo, left);
            if (n > 0) { todo += n; left -= (size_t)n; }
            /* The hook need not read its stdin (EPIPE once it is gone). */
            if (left == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { close(in_fd); in_fd = -1; }
        }
        if (out_fd >= 0) {
            char chunk[512];
            ssize_t n;
            while ((n = read(out_fd, chunk, sizeof chunk)) > 0) {
                size_t take = (size_t)n < sizeof output - 1 - olen ? (size_t)n : sizeof output - 1 - olen;
                memcpy(output + olen, chunk, take);
                olen += take;
            }
            if (n == 0) { close(out_fd); out_fd = -1; }
        }
        pid_t r = waitpid(pid, &status, WNOHANG);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (r == pid) done = 1;
        else if (r < 0 && errno != EINTR) fail("wait for startContainer hook %s", f[0]);
        else if (timeout > 0 && now.tv_sec - t0.tv_sec >= timeout) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            errno = 0;
            fail("startContainer hook #%d (%s): timed out after %lds", index, f[0], timeout);
        }
    }
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    while (olen > 0 && (output[olen - 1] == '\n' || output[olen - 1] == ' ')) olen--;
    output[olen] = '\0';
    errno = 0;
    if (WIFSIGNALED(status))
        fail("startContainer hook #%d (%s): killed by signal %d (SIG%s)%s%s", index, f[0], WTERMSIG(status),
             sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?", olen ? ": " : "", output);
    if (WEXITSTATUS(status) != 0)
        fail("startContainer hook #%d (%s): exited with status %d%s%s", index, f[0], WEXITSTATUS(status),
             olen ? ": " : "", output);
}

/* ---------------------------------------------------------------- the filter and its helper thread */

static int install_seccomp(const char *buf, size_t len) {
    uint32_t flags;
    memcpy(&flags, buf, 4);
    /* The filter buffer came from a packet: copy so the instructions are suitably aligned. */
    struct sock_filter *insns = malloc(len - 4);
    if (!insns) fail("malloc seccomp filter");
    memcpy(insns, buf + 4, len - 4);
    struct sock_fprog prog = {.len = (unsigned short)((len - 4) / sizeof(struct sock_filter)), .filter = insns};
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (r < 0) fail("seccomp(SET_MODE_FILTER, flags=0x%x, %u instructions)", flags, prog.len);
    return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? (int)r : -1;
}

/* What happens once the program is about to run: `start` may return (create), or `exec` may. */
static void announce_ready(void) {
    if (fifo_w >= 0) {
        if (write(fifo_w, "0", 1) != 1) fail("write exec fifo");
        close(fifo_w);
        fifo_w = -1;
    } else if (sync_fd >= 0) {
        /* exec: the socket stays open, close-on-exec since step 10: the runtime learns from its
         * end of file that the program runs, or from an ERROR that execve failed. */
        send_word(SYNC_CREATED);
    }
}

/*
 * The thread that works for the main thread once its filter is on (a filter binds only the
 * thread that installs it, and this one was made before): it hands the listener to the seccomp
 * agent and announces the program. The main thread meanwhile spins on `handoff` without a system
 * call, then execs; execve ends this thread.
 */
enum { WAITING, INSTALLED, DELIVERED };
static atomic_int handoff = WAITING;
static int listener = -1, agent_fd = -1;
static char *agent_payload;
static size_t agent_payload_len;

static void *deliver_listener(void *unused) {
    (void)unused;
    while (atomic_load(&handoff) != INSTALLED) sched_yield();
    if (listener >= 0) {
        if (agent_fd < 0) { errno = 0; fail("SCMP_ACT_NOTIFY: the runtime passed no seccomp agent socket"); }
        if (send_fd_on(agent_fd, "", listener, agent_payload, agent_payload_len) < 0)
            fail("send the seccomp listener to linux.seccomp.listenerPath");
        close(agent_fd);
        close(listener);
    }
    announce_ready();
    atomic_store(&handoff, DELIVERED);
    return NULL;
}

/* ---------------------------------------------------------------- the last stage */

static int cmd_exec(int argc, char **argv) {
    argv = expand_opts(&argc, argv);
    int fifo_dir = -1, cgroupns = 0, nnp = 0, want_seccomp = 0, preserve = 0, no_process = 0;
    const char *fifo_name = NULL, *cwd = NULL, *hook_state = "", *console_size = NULL;
    struct identity id = {.last_cap = -1};
    int console = 0;
    char *hooks[64];
    int nhooks = 0;
    struct rlim limits[32];
    int nlimits = 0;
    struct attrs attrs = {.ioprio = -1, .persona = -1};
    int i;
    for (i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--") == 0) { i++; break; }
        if (strcmp(o, "--cgroupns") == 0) { cgroupns = 1; continue; }
        if (strcmp(o, "--nnp") == 0) { nnp = 1; continue; }
        if (strcmp(o, "--seccomp") == 0) { want_seccomp = 1; continue; }
        if (strcmp(o, "--console") == 0) { console = 1; continue; }
        if (strcmp(o, "--no-process") == 0) { no_process = 1; continue; }
        if (i + 1 >= argc) { errno = 0; fail("option %s needs a value", o); }
        char *v = argv[++i];
        if (strcmp(o, "--sync-fd") == 0) sync_fd = (int)parse_num(v, o);
        else if (strcmp(o, "--fifo-at") == 0) {
            char *colon = strchr(v, ':');
            if (!colon) { errno = 0; fail("bad --fifo-at %s", v); }
            *colon = '\0';
            fifo_dir = (int)parse_num(v, o);
            fifo_name = colon + 1;
        }
        else if (strcmp(o, "--uid") == 0) { id.uid = parse_num(v, o); id.set_ids = 1; }
        else if (strcmp(o, "--gid") == 0) { id.gid = parse_num(v, o); id.set_ids = 1; }
        else if (strcmp(o, "--groups") == 0) id.groups = v;
        else if (strcmp(o, "--caps") == 0) id.caps = v;
        else if (strcmp(o, "--last-cap") == 0) id.last_cap = (int)parse_num(v, o);
        else if (strcmp(o, "--cwd") == 0) cwd = v;
        else if (strcmp(o, "--rlimit") == 0) {
            if (nlimits == 32) { errno = 0; fail("too many --rlimit"); }
            parse_rlimit(v, &limits[nlimits++]);
        }
        else if (strcmp(o, "--preserve-fds") == 0) preserve = (int)parse_num(v, o);
        else if (strcmp(o, "--hook-state") == 0) hook_state = v;
        else if (strcmp(o, "--console-size") == 0) console_size = v;
        else if (strcmp(o, "--start-hook") == 0 && nhooks < 64) hooks[nhooks++] = v;
        else if (strcmp(o, "--umask") == 0) umask((mode_t)parse_num(v, o));
        else if (attr_option(&attrs, o, v)) {}
        else { errno = 0; fail("unknown option %s", o); }
    }
    if (!no_process && i + 1 >= argc) { errno = 0; fail("no program after --"); }
    const char *path = no_process ? NULL : argv[i];
    char **args = no_process ? NULL : &argv[i + 1];

    /* 1 */
    close_stray_fds(preserve, sync_fd, fifo_dir);
    /* Until execve nothing in the container may open this process's /proc files (exe, mem). */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail("prctl(PR_SET_DUMPABLE)");
    /* runtime-spec execCPUAffinity.initial: before the runtime moves us into the cgroup. */
    if (attrs.cpus_initial) set_cpus(attrs.cpus_initial, "initial");
    static char msg[MAX_MSG];
    ssize_t len;
    send_word(SYNC_READY);
    for (;;) {
        int fd;
        len = recv_msg(msg, sizeof msg, &fd);
        if (starts_with(msg, len, SYNC_AGENT " ")) {
            if (fd < 0) { errno = 0; fail(SYNC_AGENT " without a socket"); }
            agent_fd = fd;
            agent_payload_len = (size_t)len - ARG_AT(SYNC_AGENT);
            agent_payload = malloc(agent_payload_len + 1);
            if (!agent_payload) fail("malloc");
            memcpy(agent_payload, msg + ARG_AT(SYNC_AGENT), agent_payload_len);
            continue;
        }
        if (fd >= 0) close(fd);
        if (starts_with(msg, len, SYNC_GO)) break;
        errno = 0;
        fail("expected %s from the runtime, got %.*s", SYNC_GO, (int)(len > 40 ? 40 : len), msg);
    }
    /* GO's payload follows the word directly. */
    const size_t go_len = sizeof SYNC_GO - 1;
    const char *filter = want_seccomp && (size_t)len > go_len + 4 ? msg + go_len : NULL;
    size_t filter_len = filter ? (size_t)len - go_len : 0;

    /* 2: the runtime has moved us into the container's cgroup: its namespace can be rooted there. */
    if (cgroupns && unshare(CLONE_NEWCGROUP) < 0) fail("unshare cgroup namespace");
    raise_hard_limits(limits, nlimits);
    /* 3, 4 */
    if (console) setup_console(console_size, id.uid);
    apply_attrs(&attrs);

    /* 5 */
    int chdir_later = 0;
    if (cwd && chdir(cwd) < 0) {
        if (errno != EPERM && errno != EACCES) fail("chdir to cwd %s", cwd);
        chdir_later = 1;
    }
    /* 6 */
    id.keep_admin = filter && !nnp;
    set_identity(&id);
    if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("prctl(PR_SET_NO_NEW_PRIVS)");
    /* 7 */
    if (chdir_later && chdir(cwd) < 0) fail("chdir to cwd %s", cwd);
    check_cwd_inside_root(cwd ? cwd : ".");

    if (no_process) {
        /* `create` without a process: a created container that `start` refuses; it waits here
         * until it is killed. */
        send_word(SYNC_CREATED);
        close(sync_fd);
        sync_fd = -1;
        syscall(SYS_close_range, 3, ~0U, 0);
        for (;;) pause();
    }
    /* 8 */
    path = resolve_program(path);

    /* 9 */
    if (fifo_dir >= 0) {
        send_word(SYNC_CREATED);
        close(sync_fd);
        sync_fd = -1;
        /* Blocks until `jrunc start` opens the other end. The startContainer hooks run before
         * the byte that lets `start` return: its poststart hooks must come after them (and a
         * failing hook ends this process with its error in the fifo, so `start` fails). */
        int w;
        do {
            w = openat(fifo_dir, fifo_name, O_WRONLY | O_CLOEXEC);
        } while (w < 0 && errno == EINTR);
        if (w < 0) fail("open the exec fifo");
        fifo_w = w;
        close(fifo_dir);
        signal(SIGPIPE, SIG_IGN);
        for (int h = 0; h < nhooks; h++) run_hook(h, hooks[h], hook_state);
        signal(SIGPIPE, SIG_DFL);
    } else {
        for (int h = 0; h < nhooks; h++) run_hook(h, hooks[h], hook_state);
    }

    /* 10: nothing of the runtime's may reach the container's program. */
    if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = 3 + preserve; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    pthread_t helper;
    if (filter) {
        /* Made before the rlimits (RLIMIT_NPROC counts threads) and before the filter. */
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64 * 1024);
        int e = pthread_create(&helper, &attr, deliver_listener, NULL);
        if (e != 0) { errno = e; fail("pthread_create"); }
    }
    /* 11 */
    set_limits(limits, nlimits);
    /* 12 */
    if (filter) {
        listener = install_seccomp(filter, filter_len);
        atomic_store(&handoff, INSTALLED);
        while (atomic_load(&handoff) != DELIVERED) {}
    } else {
        announce_ready();
    }
    /* 13 */
    execv(path, args);
    fail("exec %s", path);
    return 127;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "enter") == 0) return cmd_enter(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "exec") == 0) return cmd_exec(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "userns") == 0) return cmd_userns(argc - 2, argv + 2);
    fprintf(stderr, "usage: jrunc-nsexec enter|exec|userns [options] -- command...\n"
                    "This program is a part of jrunc and is not meant to be run by hand.\n");
    return 2;
}
