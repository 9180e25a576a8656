/*
 * jrunc-nsexec: the two steps of container creation that a multithreaded JVM cannot do.
 *
 *   jrunc-nsexec enter --sync-fd N [--userns] [--clone-flags HEX] [--join TYPE:PATH]...
 *                [--timens OFFSETS] [--root DIR] -- INIT-COMMAND...
 *       Joins and creates namespaces (unshare/setns need a single-threaded process), forks so the
 *       child is PID 1 of a new PID namespace, reports the child's pid and exits. The child execs
 *       INIT-COMMAND (the Java init) inside the namespaces. --root (a container without a mount
 *       namespace of its own, which chroots instead) makes DIR the root first.
 *
 *   jrunc-nsexec userns --sync-fd N
 *       Makes a user namespace (for an idmapped mount) and holds it until the runtime, which
 *       writes its maps and opens /proc/PID/ns/user, closes the socket.
 *
 *   jrunc-nsexec exec --sync-fd N [--fifo-fd M] [--cgroupns] [--uid U --gid G --groups LIST]
 *                [--caps BND,EFF,PRM,INH,AMB] [--nnp] [--seccomp] [--cwd DIR]
 *                [--preserve-fds K] [--sched P,FLAGS,NICE,PRIO,RUNTIME,DEADLINE,PERIOD]
 *                [--ioprio V] [--personality N] [--cpus-initial LIST] [--cpus-final LIST]
 *                [--apparmor PROFILE] [--selinux LABEL] -- PATH ARGV0 ARGS...
 *       The last stage of the container's init: waits until the runtime has put it in its cgroup,
 *       sets identity and capabilities (per-thread state, so it must be done by the thread that
 *       calls execve), installs the seccomp filter, blocks on the exec fifo until `start`, execs.
 *
 * Messages on the sync socket (SOCK_SEQPACKET, one message per packet):
 *   helper -> runtime: "USERNS", "PID <pid>", "READY", "SECCOMP" (+ the listener fd as
 *                      SCM_RIGHTS), "CREATED", "ERROR <text>"
 *   runtime -> helper: "USERNS_OK", "GO" [u32 seccomp flags, struct sock_filter[]], "SECCOMP_OK"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/personality.h>
#include <sys/prctl.h>
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

static int sync_fd = -1;

static void send_msg(const char *buf, size_t len) {
    if (sync_fd < 0) return;
    while (send(sync_fd, buf, len, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

/* Report a failure to the runtime (which turns it into the user's error) and to stderr once
 * the runtime is no longer listening. */
static void fail(const char *fmt, ...) {
    char msg[4096];
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(msg, sizeof msg, "ERROR ");
    n += vsnprintf(msg + n, sizeof msg - n, fmt, ap);
    va_end(ap);
    if (saved != 0 && n < (int)sizeof msg)
        snprintf(msg + n, sizeof msg - n, ": %s", strerror(saved));
    if (sync_fd >= 0)
        send_msg(msg, strlen(msg));
    else
        fprintf(stderr, "jrunc: %s\n", msg + 6);
    _exit(1);
}

static ssize_t recv_msg(char *buf, size_t cap) {
    ssize_t n;
    do {
        n = recv(sync_fd, buf, cap, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        errno = n < 0 ? errno : 0;
        fail("the runtime closed the sync socket");
    }
    return n;
}

static void expect(const char *want, char *buf, size_t cap, ssize_t *len) {
    ssize_t n = recv_msg(buf, cap);
    size_t wl = strlen(want);
    if ((size_t)n < wl || memcmp(buf, want, wl) != 0) {
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

/* --root: the container's root directory (/proc/INIT/root), opened before any namespace is joined. */
static int open_root(const char *path) {
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("open the container's root %s", path);
    return fd;
}

/* A container without a mount namespace of its own is a chroot: so is every process joining it. */
static void enter_root(int fd, const char *path) {
    if (fchdir(fd) < 0) fail("fchdir to the container's root %s", path);
    if (chroot(".") < 0) fail("chroot to the container's root %s", path);
    if (chdir("/") < 0) fail("chdir / in the container's root");
    close(fd);
}

static int cmd_enter(int argc, char **argv) {
    struct join joins[16];
    int njoins = 0, new_user = 0, joined_user = 0, then_exec = 0;
    unsigned long flags = 0;
    const char *timens = NULL, *root = NULL;
    int i;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) { i++; break; }
        if (i + 1 >= argc && strcmp(argv[i], "--userns") != 0 && strcmp(argv[i], "--exec") != 0) {
            errno = 0;
            fail("option %s needs a value", argv[i]);
        }
        if (strcmp(argv[i], "--sync-fd") == 0) sync_fd = (int)parse_num(argv[++i], "--sync-fd");
        else if (strcmp(argv[i], "--userns") == 0) new_user = 1;
        else if (strcmp(argv[i], "--exec") == 0) then_exec = 1;
        else if (strcmp(argv[i], "--clone-flags") == 0) flags = (unsigned long)parse_num(argv[++i], "--clone-flags");
        else if (strcmp(argv[i], "--timens") == 0) timens = argv[++i];
        else if (strcmp(argv[i], "--root") == 0) root = argv[++i];
        else if (strcmp(argv[i], "--join") == 0) {
            char *spec = argv[++i], *colon = strchr(spec, ':');
            if (!colon || njoins == 16) { errno = 0; fail("bad --join %s", spec); }
            *colon = '\0';
            joins[njoins].type = ns_type(spec);
            joins[njoins].path = colon + 1;
            if (!joins[njoins].type) { errno = 0; fail("unknown namespace type %s", spec); }
            njoins++;
        } else { errno = 0; fail("unknown option %s", argv[i]); }
    }
    if (i >= argc) { errno = 0; fail("no init command after --"); }

    /* Open every path before joining anything: joining a mount namespace changes what paths mean. */
    int root_fd = root ? open_root(root) : -1;
    for (int j = 0; j < njoins; j++) {
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
        send_msg("USERNS", 6);
        expect("USERNS_OK", buf, sizeof buf, NULL);
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


    if (root_fd >= 0) enter_root(root_fd, root);

    /* The child's first message (READY) must not overtake "PID": the runtime acts on READY with
     * the pid (cgroup, rlimits), and a pid of 0 would mean the runtime itself. The child waits
     * until this process has sent PID and exited (end of file on the pipe). */
    int order[2];
    if (pipe2(order, O_CLOEXEC) < 0) fail("pipe");
    pid_t child = fork();
    if (child < 0) fail("fork");
    if (child > 0) {
        char msg[32];
        int n = snprintf(msg, sizeof msg, "PID %d", (int)child);
        send_msg(msg, (size_t)n);
        _exit(0);
    }
    close(order[1]);
    char eof;
    while (read(order[0], &eof, 1) < 0 && errno == EINTR) {}
    close(order[0]);
    /* `jrunc exec`: the namespaces are the container's, so the last stage runs right here. */
    if (then_exec) return cmd_exec(argc - i, &argv[i]);
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
    send_msg("USERNS", 6);
    char buf[16];
    while (recv(sync_fd, buf, sizeof buf, 0) < 0 && errno == EINTR) {}
    return 0;
}

/* ---------------------------------------------------------------- exec */

static void send_fd(const char *word, int fd);

/*
 * process.terminal: a pty from the container's own devpts. The master goes to the runtime (which
 * hands it to --console-socket); the slave becomes this process's controlling terminal and stdio.
 */
static void setup_console(const char *size, long uid, long gid) {
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
    if (fchown(slave, (uid_t)uid, (gid_t)gid) < 0 && errno != EINVAL) fail("chown %s", name);
    char msg[80];
    snprintf(msg, sizeof msg, "CONSOLE %s", name);
    send_fd(msg, master);
    close(master);
    if (setsid() < 0) fail("setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0) fail("make %s the controlling terminal", name);
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0) fail("dup2 the console onto fd %d", fd);
    if (slave > 2) close(slave);
}

/*
 * Finds the program with the PATH of the environment it will get (as runc does), before the
 * runtime is told the process is set up, so a missing program is the runtime's error.
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

static int install_seccomp(const char *buf, size_t len) {
    uint32_t flags;
    memcpy(&flags, buf, 4);
    struct sock_fprog prog = {
        .len = (unsigned short)((len - 4) / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)(buf + 4),
    };
    /* The filter buffer came from a packet: copy so the instructions are suitably aligned. */
    struct sock_filter *insns = malloc(len - 4);
    if (!insns) fail("malloc seccomp filter");
    memcpy(insns, buf + 4, len - 4);
    prog.filter = insns;
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (r < 0)
        fail("seccomp(SET_MODE_FILTER, flags=0x%x, %u instructions)", flags, prog.len);
    free(insns);
    return (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? (int)r : -1;
}

/* Sends word with fd attached (SCM_RIGHTS) on the sync socket. */
static void send_fd(const char *word, int fd) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)word, .iov_len = strlen(word)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    while (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR) fail("sendmsg(%s, fd %d)", word, fd);
}

/* Installs the filter; a listener fd (SCMP_ACT_NOTIFY) goes to the runtime, which hands it to
 * linux.seccomp.listenerPath before acknowledging. Needs the sync socket, so runs before CREATED. */
static void install_seccomp_reporting(const char *buf, size_t len) {
    int listener = install_seccomp(buf, len);
    if (listener < 0) return;
    char ack[64];
    send_fd("SECCOMP", listener);
    expect("SECCOMP_OK", ack, sizeof ack, NULL);
    close(listener);
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
        if (syscall(SYS_sched_setattr, 0, &sa, 0) < 0) fail("sched_setattr(policy %u, nice %d, priority %u, flags 0x%llx)",
                sa.sched_policy, sa.sched_nice, sa.sched_priority, (unsigned long long)sa.sched_flags);
    }
    if (a->ioprio >= 0 && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)a->ioprio) < 0)
        fail("ioprio_set(class %ld, priority %ld)", a->ioprio >> 13, a->ioprio & 0x1fff);
    if (a->persona >= 0 && personality((unsigned long)a->persona) < 0) fail("personality(0x%lx)", a->persona);
    if (a->cpus_final) set_cpus(a->cpus_final, "final");
    if (a->apparmor) {
        char v[4096];
        snprintf(v, sizeof v, "exec %s", a->apparmor);
        write_thread_attr("/proc/thread-self/attr/apparmor/exec", "/proc/thread-self/attr/exec", v, "AppArmor profile");
    }
    if (a->selinux) write_thread_attr("/proc/thread-self/attr/exec", NULL, a->selinux, "SELinux label");
}

/* Closes every descriptor the init inherited (the JVM's jars, the runtime's stray fds) except
 * stdio, the preserved fds 3..3+preserve-1 and the two this stage still needs. */
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

/*
 * A startContainer hook, run in the container after `start` and before the user's program:
 * "PATH\x1fTIMEOUT\x1fARGS(\x1e-separated)\x1fENV(\x1e-separated)", with the state on stdin.
 */
static void run_hook(char *spec, const char *state) {
    char *f[5], *args[256], *env[256];
    if (split(spec, '\x1f', f, 5) != 4) { errno = 0; fail("bad startContainer hook"); }
    long timeout = atol(f[1]);
    if (split(f[2], '\x1e', args, 256) == 0) { args[0] = f[0]; args[1] = NULL; }
    split(f[3], '\x1e', env, 256);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) fail("pipe for startContainer hook %s", f[0]);
    pid_t pid = fork();
    if (pid < 0) fail("fork for startContainer hook %s", f[0]);
    if (pid == 0) {
        dup2(pipefd[0], 0);
        execve(f[0], args, env);
        fprintf(stderr, "jrunc: startContainer hook %s: exec: %s\n", f[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[0]);
    size_t len = strlen(state);
    if (write(pipefd[1], state, len) < 0) { /* the hook need not read it */ }
    close(pipefd[1]);
    int status;
    for (long waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, &status, timeout > 0 ? WNOHANG : 0);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) fail("wait for startContainer hook %s", f[0]);
        if (timeout > 0 && waited >= timeout * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            errno = 0;
            fail("startContainer hook %s timed out after %lds", f[0], timeout);
        }
        usleep(10000);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        fail("startContainer hook %s failed (status %d)", f[0], status);
    }
}

static int cmd_exec(int argc, char **argv) {
    int fifo_fd = -1, cgroupns = 0, nnp = 0, want_seccomp = 0, preserve = 0, set_ids = 0;
    long uid = 0, gid = 0;
    const char *groups = NULL, *caps = NULL, *cwd = NULL, *hook_state = "", *console_size = NULL;
    int console = 0;
    char *hooks[64];
    int nhooks = 0;
    struct attrs attrs = {.ioprio = -1, .persona = -1};
    int i;
    for (i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--") == 0) { i++; break; }
        if (strcmp(o, "--cgroupns") == 0) { cgroupns = 1; continue; }
        if (strcmp(o, "--nnp") == 0) { nnp = 1; continue; }
        if (strcmp(o, "--seccomp") == 0) { want_seccomp = 1; continue; }
        if (strcmp(o, "--console") == 0) { console = 1; continue; }
        if (i + 1 >= argc) { errno = 0; fail("option %s needs a value", o); }
        const char *v = argv[++i];
        if (strcmp(o, "--sync-fd") == 0) sync_fd = (int)parse_num(v, o);
        else if (strcmp(o, "--fifo-fd") == 0) fifo_fd = (int)parse_num(v, o);
        else if (strcmp(o, "--uid") == 0) { uid = parse_num(v, o); set_ids = 1; }
        else if (strcmp(o, "--gid") == 0) { gid = parse_num(v, o); set_ids = 1; }
        else if (strcmp(o, "--groups") == 0) groups = v;
        else if (strcmp(o, "--caps") == 0) caps = v;
        else if (strcmp(o, "--cwd") == 0) cwd = v;
        else if (strcmp(o, "--preserve-fds") == 0) preserve = (int)parse_num(v, o);
        else if (strcmp(o, "--hook-state") == 0) hook_state = v;
        else if (strcmp(o, "--console-size") == 0) console_size = v;
        else if (strcmp(o, "--start-hook") == 0 && nhooks < 64) hooks[nhooks++] = argv[i];
        else if (attr_option(&attrs, o, v)) {}
        else { errno = 0; fail("unknown option %s", o); }
    }
    if (i + 1 >= argc) { errno = 0; fail("no program after --"); }
    const char *path = argv[i];
    char **args = &argv[i + 1];
    close_stray_fds(preserve, sync_fd, fifo_fd);

    /* Until execve nothing in the container may open this process's /proc files (exe, mem). */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) fail("prctl(PR_SET_DUMPABLE)");

    static char msg[MAX_MSG];
    ssize_t len;
    /* runtime-spec execCPUAffinity.initial: before the runtime moves us into the cgroup. */
    if (attrs.cpus_initial) set_cpus(attrs.cpus_initial, "initial");
    send_msg("READY", 5);
    expect("GO", msg, sizeof msg, &len);
    const char *filter = want_seccomp && len > 2 + 4 ? msg + 2 : NULL;
    size_t filter_len = filter ? (size_t)len - 2 : 0;

    /* The runtime has moved us into the container's cgroup: now its cgroup namespace can be rooted there. */
    if (cgroupns && unshare(CLONE_NEWCGROUP) < 0) fail("unshare cgroup namespace");
    if (console) setup_console(console_size, uid, gid);
    /* Before the capability drop (raising priority needs CAP_SYS_NICE) and the filter. */
    apply_attrs(&attrs);

    /* Without no_new_privs the filter needs CAP_SYS_ADMIN, which the capability drop may remove. */
    if (filter && !nnp) install_seccomp_reporting(filter, filter_len);

    uint64_t c[5] = {0, 0, 0, 0, 0};
    if (caps) {
        if (sscanf(caps, "%lx,%lx,%lx,%lx,%lx", &c[0], &c[1], &c[2], &c[3], &c[4]) != 5) {
            errno = 0;
            fail("bad --caps %s", caps);
        }
        int last = 63;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        if (f) { if (fscanf(f, "%d", &last) != 1) last = 63; fclose(f); }
        for (int cap = 0; cap <= last; cap++)
            if (!(c[0] & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
                fail("prctl(PR_CAPBSET_DROP, %d)", cap);
    }
    if (set_ids) {
        if (groups) {
            gid_t list[256];
            int n = 0;
            for (const char *p = groups; *p && n < 256;) {
                char *end;
                list[n++] = (gid_t)strtoul(p, &end, 10);
                p = *end == ',' ? end + 1 : end;
                if (*end != ',' && *end != '\0') { errno = 0; fail("bad --groups %s", groups); }
            }
            if (setgroups((size_t)n, list) < 0) fail("setgroups(%s)", groups);
        }
        if (caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail("prctl(PR_SET_KEEPCAPS)");
        if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0) fail("setresgid(%ld)", gid);
        if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0) fail("setresuid(%ld)", uid);
        if (caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail("prctl(PR_SET_KEEPCAPS, 0)");
    }
    if (caps) {
        struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct data[2] = {
            {(uint32_t)c[1], (uint32_t)c[2], (uint32_t)c[3]},
            {(uint32_t)(c[1] >> 32), (uint32_t)(c[2] >> 32), (uint32_t)(c[3] >> 32)}};
        if (syscall(SYS_capset, &hdr, data) < 0)
            fail("capset(effective=%lx, permitted=%lx, inheritable=%lx)", c[1], c[2], c[3]);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
            fail("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
        /* The kernel only keeps an ambient capability that is also permitted and inheritable;
         * like runc, others are left out rather than failing the container. */
        uint64_t ambient = c[4] & c[2] & c[3];
        for (int cap = 0; cap < 64; cap++)
            if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
                fail("prctl(PR_CAP_AMBIENT_RAISE, %d)", cap);
    }
    if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("prctl(PR_SET_NO_NEW_PRIVS)");
    if (cwd && chdir(cwd) < 0) fail("chdir to cwd %s", cwd);
    check_cwd_inside_root(cwd ? cwd : ".");
    /* With no_new_privs the filter goes on as late as the sync socket allows: it must still be
     * open to hand a listener to the runtime. */
    if (filter && nnp) install_seccomp_reporting(filter, filter_len);

    path = resolve_program(path);
    send_msg("CREATED", 7);
    close(sync_fd);
    sync_fd = -1;

    if (fifo_fd >= 0) {
        /* Blocks until `jrunc start` opens the other end. The startContainer hooks run before
         * the byte that lets `start` return: its poststart hooks must come after them (and a
         * failing hook ends this process without the byte, so `start` fails). */
        char proc_path[64];
        snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fifo_fd);
        int w = open(proc_path, O_WRONLY | O_CLOEXEC);
        if (w < 0) fail("open exec fifo");
        for (int h = 0; h < nhooks; h++) run_hook(hooks[h], hook_state);
        if (write(w, "0", 1) != 1) fail("write exec fifo");
        close(w);
        close(fifo_fd);
    } else {
        for (int h = 0; h < nhooks; h++) run_hook(hooks[h], hook_state);
    }

    /* Nothing of the runtime's may reach the container's program. */
    if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        for (int fd = 3 + preserve; fd < 1024; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
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
