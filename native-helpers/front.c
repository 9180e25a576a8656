/*
 * jrunc: the native front of the jrunc runtime.
 *
 * A JVM costs tens of milliseconds to start; runc's whole `state` costs a few. So `jrunc` is this
 * small static program: it hands the verb (argv, environment, cwd, umask, cgroup, stdio) to a
 * resident engine JVM over a root-only Unix socket and exits with the verb's status. On the
 * engine's request it forks the namespace helper itself, so the container's processes descend
 * from whoever ran `jrunc` (containerd's shim and conmon reap them as they reap runc's), and for a
 * foreground `run`/`exec` it is the subreaper that waits, passes signals on and relays the
 * terminal.
 *
 * The engine starts on first use, detached (own session, own cgroup, clean environment, stdio to
 * its log), and exits when idle. When it cannot be reached, or JRUNC_ENGINE=off / --engine off,
 * the front execs a JVM that runs the verb itself (direct mode): the same behaviour, slower.
 *
 * Build-time settings (front-config.h, written by scripts/write-launcher.sh from the Makefile):
 * JRUNC_HOME, JRUNC_JAVA, JRUNC_BUILD_ID, JRUNC_COMMIT, JRUNC_ENGINE_DIR, JRUNC_LOG_DIR, JRUNC_JVM_FLAGS,
 * JRUNC_ENGINE_JVM_FLAGS, JRUNC_DEFAULT_ENGINE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine-protocol.h"
#include "front-config.h"

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* A cold verb's engine starts once that verb is done, or after this long (a foreground `run`
 * lasts as long as its container). */
#define COLD_VERB_WAIT_MS 5000

extern char **environ;

/* A large SPAWN (an exec's environment may reach execve's limit, 6 MiB at most) comes in a memfd
 * of at most MAX_SPAWN_STRINGS bytes (FrontConnection.MAX_SPAWN_STRINGS agrees); messages stay
 * small. The receive buffer is only touched as far as a message fills it. */
#define MAX_MESSAGE (1024 * 1024)
#define MAX_SPAWN_STRINGS (8 * 1024 * 1024)
#define CHUNK (64 * 1024)
#define MAX_FDS 64
#define ENGINE_START_SECONDS 60

enum mode { MODE_AUTO, MODE_ON, MODE_OFF };

static int g_argc;
static char **g_argv;
static sigset_t g_orig_mask;
static const char *g_log_file;
static int g_log_json;
static int g_sigfd = -1;
static int g_is_exec;

/* ------------------------------------------------------------ small helpers */

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* An error of the front itself: to stderr and, like the runtime's own, to --log. */
static void report(const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "jrunc: %s\n", msg);
    if (!g_log_file) return;
    FILE *f = fopen(g_log_file, "ae");
    if (!f) return;
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    if (g_log_json) {
        fputs("{\"level\":\"error\",\"msg\":", f);
        json_string(f, msg);
        fprintf(f, ",\"time\":\"%s\"}\n", when);
    } else {
        fprintf(f, "time=\"%s\" level=error msg=", when);
        json_string(f, msg);
        fputc('\n', f);
    }
    fclose(f);
}

static void restore_signals(void) {
    sigprocmask(SIG_SETMASK, &g_orig_mask, NULL);
}

/* Splits a space-separated flag list into argv entries; returns the new count. */
static int add_flags(char **out, int n, const char *flags) {
    char *copy = strdup(flags);
    for (char *save = NULL, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) out[n++] = t;
    return n;
}

static int file_nonempty(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* ------------------------------------------------------------ command line */

static int takes_value(const char *a) {
    return !strcmp(a, "--root") || !strcmp(a, "--log") || !strcmp(a, "--log-format") || !strcmp(a, "--criu") ||
           !strcmp(a, "--engine");
}

/* The global options before the verb: --engine, --log and --log-format; returns the verb's index. */
static int scan_globals(int argc, char **argv, const char **engine) {
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') break;
        if (!strncmp(a, "--engine=", 9)) *engine = a + 9;
        else if (!strncmp(a, "--log=", 6)) g_log_file = a + 6;
        else if (!strncmp(a, "--log-format=", 13)) g_log_json = !strcmp(a + 13, "json");
        else if (takes_value(a) && i + 1 < argc) {
            if (!strcmp(a, "--engine")) *engine = argv[i + 1];
            else if (!strcmp(a, "--log")) g_log_file = argv[i + 1];
            else if (!strcmp(a, "--log-format")) g_log_json = !strcmp(argv[i + 1], "json");
            i++;
        } else if (!strcmp(a, "--rootless") && i + 1 < argc &&
                   (!strcmp(argv[i + 1], "true") || !strcmp(argv[i + 1], "false") || !strcmp(argv[i + 1], "auto")))
            i++;
    }
    return i;
}

static enum mode parse_mode(const char *s, const char *where) {
    if (!s || !*s || !strcmp(s, "auto")) return MODE_AUTO;
    if (!strcmp(s, "on")) return MODE_ON;
    if (!strcmp(s, "off")) return MODE_OFF;
    report("%s: \"%s\" is not auto, on or off", where, s);
    exit(1);
}

/* ------------------------------------------------------------ direct mode */

/* The verb in a JVM of its own: exec java (this process becomes it, pid and fds unchanged). */
/*
 * The crash-report flags of a jrunc JVM: JRUNC_LOG_DIR (which the JVM flags name for hs_err and
 * replay files) is made if missing; where it cannot be written (another user, a read-only /var),
 * the reports go to stderr, never to the working directory (often the bundle) or /tmp. The
 * JVM learns the directory (-Djrunc.logDir), where the container's init JVM reports too.
 */
static int add_crash_flags(char **out, int n) {
    static char logdir[PATH_MAX + 32];
    (void)mkdir(JRUNC_LOG_DIR, 0700); /* it may exist; the access check decides */
    if (access(JRUNC_LOG_DIR, W_OK) < 0) {
        out[n++] = "-XX:+ErrorFileToStderr";
        out[n++] = "-XX:-DumpReplayDataOnError";
    }
    snprintf(logdir, sizeof logdir, "-Djrunc.logDir=%s", JRUNC_LOG_DIR);
    out[n++] = logdir;
    return n;
}

/*
 * The start of every jrunc JVM's command line, direct mode's and the engine's alike: java, the
 * given flags, the crash-report flags, the AOT cache when there is one, and this build's
 * identity. The caller adds its own properties, then "-cp", jrunc_jar(), and the main class.
 */
static int add_jvm_prefix(char **out, int n, const char *flags) {
    static char aot[PATH_MAX + 32], home[PATH_MAX + 32];
    out[n++] = JRUNC_JAVA;
    n = add_flags(out, n, flags);
    n = add_crash_flags(out, n);
    snprintf(aot, sizeof aot, "%s/jrunc.aot", JRUNC_HOME);
    if (file_nonempty(aot)) {
        snprintf(aot, sizeof aot, "-XX:AOTCache=%s/jrunc.aot", JRUNC_HOME);
        out[n++] = aot;
    }
    snprintf(home, sizeof home, "-Djrunc.home=%s", JRUNC_HOME);
    out[n++] = "--enable-native-access=ALL-UNNAMED";
    out[n++] = home;
    out[n++] = "-Djrunc.commit=" JRUNC_COMMIT;
    out[n++] = "-Djrunc.build=" JRUNC_BUILD_ID;
    return n;
}

static char *jrunc_jar(void) {
    static char cp[PATH_MAX + 16];
    snprintf(cp, sizeof cp, "%s/jrunc.jar", JRUNC_HOME);
    return cp;
}

static void direct_mode(void) {
    restore_signals();
    char *args[256 + g_argc];
    int n = add_jvm_prefix(args, 0, JRUNC_JVM_FLAGS);
    args[n++] = "-cp";
    args[n++] = jrunc_jar();
    args[n++] = "dev.jrunc.Main";
    for (int i = 1; i < g_argc; i++) args[n++] = g_argv[i];
    args[n] = NULL;
    execv(JRUNC_JAVA, args);
    report("cannot run %s: %s", JRUNC_JAVA, strerror(errno));
    exit(1);
}

/* ------------------------------------------------------------ messages */

struct msg {
    uint32_t type;
    char *data; /* payload */
    size_t len;
    int fds[MAX_FDS];
    int nfds;
};

static char *g_buf;

static int send_msg(int sock, uint32_t type, const void *payload, size_t len, const int *fds, int nfds) {
    char head[4];
    memcpy(head, &type, 4);
    struct iovec iov[2] = {{head, 4}, {(void *)payload, len}};
    char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
    if (nfds > 0) {
        memset(control, 0, sizeof control);
        mh.msg_control = control;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    ssize_t r;
    do r = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

static int send_u32s(int sock, uint32_t type, int32_t a, int32_t b, int count) {
    int32_t v[2] = {a, b};
    return send_msg(sock, type, v, sizeof(int32_t) * count, NULL, 0);
}

/* Receives one message into m (payload in a shared buffer); 0 at end of file, -1 on error. */
static int recv_msg(int sock, struct msg *m) {
    char control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    struct iovec iov = {g_buf, MAX_MESSAGE};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t n;
    do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0) return (int)n;
    m->nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < k && m->nfds < MAX_FDS; i++) memcpy(&m->fds[m->nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (n < 4) {
        errno = EPROTO;
        return -1;
    }
    memcpy(&m->type, g_buf, 4);
    m->data = g_buf + 4;
    m->len = (size_t)n - 4;
    return 1;
}

static void close_fds(struct msg *m) {
    for (int i = 0; i < m->nfds; i++) close(m->fds[i]);
    m->nfds = 0;
}

/* Sends strings (NUL-terminated each) in messages of at most CHUNK bytes. */
static int send_strings(int sock, uint32_t type, char **items, int count) {
    static char chunk[CHUNK];
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        size_t len = strlen(items[i]) + 1;
        if (len > CHUNK) {
            if (used && send_msg(sock, type, chunk, used, NULL, 0) < 0) return -1;
            used = 0;
            if (send_msg(sock, type, items[i], len, NULL, 0) < 0) return -1;
            continue;
        }
        if (used + len > CHUNK) {
            if (send_msg(sock, type, chunk, used, NULL, 0) < 0) return -1;
            used = 0;
        }
        memcpy(chunk + used, items[i], len);
        used += len;
    }
    return used ? send_msg(sock, type, chunk, used, NULL, 0) : 0;
}

/* ------------------------------------------------------------ the engine's process */

static int connect_engine(void) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/engine.sock", JRUNC_ENGINE_DIR);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* mkdir -p with mode for what it makes; then the directory must be ours and closed to others. */
static int private_dir(const char *path) {
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -1;
    struct stat st;
    if (lstat(path, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

/*
 * The engine gets a cgroup of its own in every hierarchy (jrunc-engine under each root): never
 * the caller's (a shim's or a pod's), so its memory is never charged to a container. Done before
 * the JVM starts, so none of its pages are charged to the caller either.
 */
static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (write(fd, text, strlen(text)) < 0) fprintf(stderr, "jrunc engine: write %s: %s\n", path, strerror(errno));
    close(fd);
}

static void copy_if_empty(const char *from, const char *to) {
    char buf[4096];
    int fd = open(to, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 1) return;
    fd = open(from, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    write_file(to, buf);
}

static void join_engine_cgroup(void) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return;
    char line[4096], seen[64][256];
    int nseen = 0;
    char pid[32];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    while (fgets(line, sizeof line, f)) {
        char *field[10] = {0}, *save = NULL, *sep = strstr(line, " - ");
        if (!sep) continue;
        *sep = '\0';
        int k = 0;
        for (char *t = strtok_r(line, " ", &save); t && k < 10; t = strtok_r(NULL, " ", &save)) field[k++] = t;
        char *fstype = strtok_r(sep + 3, " ", &save), *source = strtok_r(NULL, " ", &save),
             *options = strtok_r(NULL, " \n", &save);
        (void)source;
        if (k < 5 || !fstype || !options || strcmp(field[3], "/")) continue;
        if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")) continue;
        int dup = 0;
        for (int i = 0; i < nseen; i++) dup |= !strcmp(seen[i], options);
        if (dup || nseen == 64) continue;
        snprintf(seen[nseen++], sizeof seen[0], "%s", options);
        char dir[PATH_MAX], file[PATH_MAX + 32], parent[PATH_MAX + 32];
        snprintf(dir, sizeof dir, "%s/jrunc-engine", field[4]);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            fprintf(stderr, "jrunc engine: mkdir %s: %s\n", dir, strerror(errno));
            continue;
        }
        if (strstr(options, "cpuset")) {
            const char *files[] = {"cpuset.cpus", "cpuset.mems"};
            for (int i = 0; i < 2; i++) {
                snprintf(parent, sizeof parent, "%s/%s", field[4], files[i]);
                snprintf(file, sizeof file, "%s/%s", dir, files[i]);
                copy_if_empty(parent, file);
            }
        }
        snprintf(file, sizeof file, "%s/cgroup.procs", dir);
        write_file(file, pid);
    }
    fclose(f);
}

/* The grandchild that becomes the engine JVM: detached from the caller in every way. */
static void exec_engine(int ready) {
    setsid();
    umask(022);
    if (chdir("/") < 0) _exit(127);
    char log[PATH_MAX], old[PATH_MAX + 8];
    snprintf(log, sizeof log, "%s/engine.log", JRUNC_ENGINE_DIR);
    snprintf(old, sizeof old, "%s.1", log);
    struct stat st;
    if (stat(log, &st) == 0 && st.st_size > (1 << 20)) rename(log, old);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (null < 0 || out < 0) _exit(127);
    if (dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
    if (ready == 3) fcntl(3, F_SETFD, 0);
    else if (dup2(ready, 3) < 0) _exit(127);
    syscall(SYS_close_range, 4U, ~0U, 0U); /* the caller's other fds (--preserve-fds, LISTEN_FDS) stay with it */
    join_engine_cgroup();
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    char *args[256];
    static char dir[PATH_MAX + 32], idle[64];
    int n = add_jvm_prefix(args, 0, JRUNC_ENGINE_JVM_FLAGS);
    snprintf(dir, sizeof dir, "-Djrunc.engine.dir=%s", JRUNC_ENGINE_DIR);
    args[n++] = dir;
    args[n++] = "-Djrunc.engine.ready-fd=3";
    const char *idle_env = getenv("JRUNC_ENGINE_IDLE");
    if (idle_env && *idle_env) {
        snprintf(idle, sizeof idle, "-Djrunc.engine.idle=%s", idle_env);
        args[n++] = idle;
    }
    args[n++] = "-cp";
    args[n++] = jrunc_jar();
    args[n++] = "dev.jrunc.engine.EngineMain";
    args[n] = NULL;
    /* Two malloc arenas, not glibc's eight per core: the engine's threads come and go with its
     * verbs, and every arena they touched keeps its scattered live blocks, so the idle engine's
     * C heap would grow with the busiest burst it has served, whatever malloc_trim returns. */
    char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "MALLOC_ARENA_MAX=2", NULL};
    execve(JRUNC_JAVA, args, env);
    fprintf(stderr, "jrunc engine: exec %s: %s\n", JRUNC_JAVA, strerror(errno));
    _exit(127);
}

/* Waits for the engine's one byte on the ready pipe: 0 once it listens. */
static int await_ready(int fd, char *why, size_t whylen) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c = 0;
    int r;
    do r = poll(&p, 1, ENGINE_START_SECONDS * 1000);
    while (r < 0 && errno == EINTR);
    if (r > 0 && read(fd, &c, 1) == 1 && c == 'R') return 0;
    snprintf(why, whylen, "it did not come up (see %s/engine.log)", JRUNC_ENGINE_DIR);
    return -1;
}

/*
 * Starts an engine unless one is already listening; one front at a time does it (start.lock),
 * the others find it running. In the foreground it returns 0 once the engine listens. In the
 * background (a cold `jrunc` in auto mode, which then runs its own verb in direct mode, no slower
 * than without an engine) a detached starter starts it once that verb is done and waits for it,
 * and this returns 1 at once; a front that finds another starting one returns -1.
 */
static int start_engine(int background, char *why, size_t whylen) {
    pid_t caller = getpid(); /* the verb's JVM, in direct mode, once this process execs it */
    if (private_dir(JRUNC_ENGINE_DIR) < 0) {
        snprintf(why, whylen, "%s: %s (it must be a directory of uid %d, mode 0700)", JRUNC_ENGINE_DIR,
                 strerror(errno), (int)geteuid());
        return -1;
    }
    char lockpath[PATH_MAX];
    snprintf(lockpath, sizeof lockpath, "%s/start.lock", JRUNC_ENGINE_DIR);
    int lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock < 0 || flock(lock, background ? LOCK_EX | LOCK_NB : LOCK_EX) < 0) {
        snprintf(why, whylen, "%.900s: %s", lockpath, strerror(errno));
        if (lock >= 0) close(lock);
        return -1;
    }
    int fd = connect_engine();
    if (fd >= 0) { /* another front started it meanwhile */
        close(fd);
        close(lock);
        return 0;
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        close(lock);
        return -1;
    }
    pid_t child = fork();
    if (child == 0) {
        if (background) {
            /* The starter: not our child (so no zombie in the verb's JVM), holding none of the
             * caller's fds (a pipe the caller reads must end with this verb), the lock held until
             * the engine listens. */
            if (fork() != 0) _exit(0);
            setsid();
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            int keep[3] = {lock, ready[0], ready[1]};
            for (int i = 0; i < 3; i++) keep[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, 10);
            if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(1);
            for (int i = 0; i < 3; i++) dup2(keep[i], 3 + i); /* lock 3, ready 4 and 5 */
            syscall(SYS_close_range, 6U, ~0U, 0U);
            /* Two JVMs starting at once share the CPU: the caller's verb would be slower than in
             * direct mode. The engine waits for it (the lock, held, sends later fronts to direct
             * mode meanwhile, as while the engine starts). */
            int verb = (int)syscall(SYS_pidfd_open, caller, 0);
            if (verb >= 0) {
                struct pollfd p = {.fd = verb, .events = POLLIN};
                while (poll(&p, 1, COLD_VERB_WAIT_MS) < 0 && errno == EINTR) {}
                close(verb);
            }
            pid_t engine = fork();
            if (engine == 0) exec_engine(5);
            close(5);
            _exit(engine > 0 && await_ready(4, why, whylen) == 0 ? 0 : 1);
        }
        close(ready[0]);
        pid_t engine = fork();
        if (engine == 0) exec_engine(ready[1]);
        _exit(engine < 0 ? 1 : 0);
    }
    close(ready[1]);
    int status = 0;
    if (child > 0) waitpid(child, &status, 0);
    int rc = -1;
    if (child < 0 || status != 0) snprintf(why, whylen, "fork: %s", strerror(errno));
    else if (background) rc = 1;
    else rc = await_ready(ready[0], why, whylen);
    close(ready[0]);
    close(lock);
    return rc;
}

/*
 * A connection to an engine of this build, started if need be; -1 (why says why) when there is
 * none to be had. An engine of another build retires when it hears from this front.
 */
enum start { NO_START, START, START_IN_BACKGROUND };

/* The host's user namespace maps every id to itself, in one line; any other does not. */
static int in_host_user_namespace(void) {
    char buf[256];
    int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 1;
    buf[n] = 0;
    unsigned long inside, outside, count;
    int used = 0;
    if (sscanf(buf, " %lu %lu %lu %n", &inside, &outside, &count, &used) != 3) return 0;
    return inside == 0 && outside == 0 && count == 4294967295UL && buf[used] == 0;
}

static int engine_session(enum start autostart, char *why, size_t whylen) {
    /* An engine of another build or one that is exiting may take a while to let go of the
     * socket on a busy machine: retry for a few seconds rather than a few microseconds. */
    for (int attempt = 0; attempt < 40; attempt++) {
        if (attempt > 0) usleep(attempt < 4 ? 10000 : 100000);
        int fd = connect_engine();
        if (fd < 0) {
            if (errno == EACCES || errno == EPERM) {
                snprintf(why, whylen, "%s/engine.sock: %s (the engine serves uid 0 only; this is uid %d)",
                         JRUNC_ENGINE_DIR, strerror(errno), (int)geteuid());
                return -2;
            }
            if (errno != ENOENT && errno != ECONNREFUSED) {
                snprintf(why, whylen, "%s/engine.sock: %s", JRUNC_ENGINE_DIR, strerror(errno));
                return -1;
            }
            if (autostart == NO_START) {
                snprintf(why, whylen, "no engine is running (%s/engine.sock)", JRUNC_ENGINE_DIR);
                return -1;
            }
            int started = start_engine(autostart == START_IN_BACKGROUND, why, whylen);
            if (started < 0) return -1;
            if (started > 0) {
                snprintf(why, whylen, "the engine is starting");
                return -3;
            }
            continue;
        }
        if (send_msg(fd, JRUNC_MSG_HELLO, JRUNC_BUILD_ID, strlen(JRUNC_BUILD_ID), NULL, 0) < 0) {
            close(fd);
            continue;
        }
        struct msg m;
        int r = recv_msg(fd, &m);
        if (r <= 0) { /* the engine was exiting: try again */
            close(fd);
            continue;
        }
        close_fds(&m);
        if (m.type == JRUNC_MSG_WELCOME) return fd;
        close(fd);
        if (m.type == JRUNC_MSG_REFUSED) {
            snprintf(why, whylen, "%.*s", (int)m.len, m.data);
            return -2;
        }
        if (m.type != JRUNC_MSG_STALE) {
            snprintf(why, whylen, "unexpected answer %u from the engine", m.type);
            return -1;
        }
        /* STALE: that engine is of another build and has stopped listening; start ours. */
        if (autostart == NO_START) {
            snprintf(why, whylen, "the running engine was of another build; it is stopping");
            return -1;
        }
    }
    snprintf(why, whylen, "no engine answered at %s/engine.sock", JRUNC_ENGINE_DIR);
    return -1;
}

/* ------------------------------------------------------------ `jrunc engine status|stop|start` */

static int engine_command(int argc, char **argv, int at) {
    const char *what = at + 1 < argc ? argv[at + 1] : "status";
    int start = !strcmp(what, "start");
    if (strcmp(what, "status") && strcmp(what, "stop") && !start) {
        fprintf(stderr, "jrunc engine: status, start or stop, not \"%s\"\n", what);
        return 1;
    }
    char why[1024];
    int fd = engine_session(start ? START : NO_START, why, sizeof why);
    if (fd < 0) {
        if (!strcmp(what, "stop") && fd != -2) {
            printf("jrunc engine: not running\n");
            return 0;
        }
        fprintf(stderr, "jrunc engine: %s\n", why);
        return 1;
    }
    const char *control = start ? "status" : what;
    send_msg(fd, JRUNC_MSG_CONTROL, control, strlen(control) + 1, NULL, 0);
    struct msg m;
    if (recv_msg(fd, &m) <= 0 || m.type != JRUNC_MSG_STATUS) {
        fprintf(stderr, "jrunc engine: no answer\n");
        return 1;
    }
    printf("%.*s\n", (int)m.len, m.data);
    close(fd);
    if (!strcmp(what, "stop")) { /* wait until it is gone: its verbs finish first */
        int pid = 0;
        if (sscanf(m.data, "jrunc engine %d", &pid) == 1)
            for (int i = 0; i < 3000 && kill(pid, 0) == 0; i++) usleep(10000);
    }
    return 0;
}

/* ------------------------------------------------------------ running a verb */

struct state {
    int sock;
    int foreground;    /* -1 undecided (signals held), 0 no, 1 yes */
    int held[64];
    int nheld;
    pid_t target;      /* where signals go */
    pid_t wait_pid;    /* the engine waits for it */
    int master;        /* pty master being relayed, or -1 */
    int stdin_open;
    int raw;
    struct termios saved;
    pid_t reaped_pid[256];
    int reaped_status[256];
    int nreaped;
    char verb[64];
    char id[256];
};

static int shell_status(int st) {
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

/* A signal the front holds for the container, or one that should now do to the front what it always does. */
static void release_signals(struct state *s) {
    restore_signals();
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    for (int i = 0; i < s->nheld; i++) raise(s->held[i]);
    s->nheld = 0;
}

static void become_foreground(struct state *s) {
    if (s->foreground == 1) return;
    s->foreground = 1;
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static void forward(struct state *s, int sig) {
    if (s->target > 0) kill(s->target, sig);
    else if (s->nheld < 64) s->held[s->nheld++] = sig;
}

static void resize(struct state *s) {
    struct winsize ws;
    if (s->master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(s->master, TIOCSWINSZ, &ws);
}

static void start_relay(struct state *s, int master) {
    s->master = master;
    s->stdin_open = 1;
    if (isatty(0) && tcgetattr(0, &s->saved) == 0) {
        struct termios raw = s->saved;
        cfmakeraw(&raw);
        if (tcsetattr(0, TCSANOW, &raw) == 0) s->raw = 1;
        resize(s);
    }
}

/* Copies what the container wrote; returns 0 once its side is closed. */
static int pump(int from, int to) {
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    for (ssize_t done = 0; done < n;) {
        ssize_t w = write(to, buf + done, (size_t)(n - done));
        if (w < 0) {
            if (errno == EINTR) continue;
            return 1; /* the reader went away: keep draining the pty */
        }
        done += w;
    }
    return 1;
}

static void stop_relay(struct state *s) {
    if (s->master >= 0) {
        /* The last output, up to half a second (a daemon may hold the pty open). */
        struct pollfd p = {.fd = s->master, .events = POLLIN};
        for (int i = 0; i < 50 && poll(&p, 1, 10) > 0; i++)
            if (!pump(s->master, 1)) break;
        close(s->master);
        s->master = -1;
    }
    if (s->raw) tcsetattr(0, TCSANOW, &s->saved);
    s->raw = 0;
}

static void finish_wait(struct state *s, int status) {
    stop_relay(s);
    send_u32s(s->sock, JRUNC_MSG_EXITED, s->wait_pid, shell_status(status), 2);
    s->wait_pid = 0;
}

static void reap(struct state *s) {
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == s->wait_pid) {
            finish_wait(s, st);
            continue;
        }
        int i = s->nreaped < 256 ? s->nreaped++ : (int)(p % 256);
        s->reaped_pid[i] = p;
        s->reaped_status[i] = st;
    }
}

/* The whole of a SPAWN's strings memfd, from its start, into a new buffer; its size or -errno. */
static ssize_t read_strings(int fd, char **out) {
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    if (st.st_size <= 0 || st.st_size > MAX_SPAWN_STRINGS) return -EMSGSIZE;
    char *buf = malloc((size_t)st.st_size);
    if (!buf) return -ENOMEM;
    size_t have = 0;
    while (have < (size_t)st.st_size) {
        ssize_t n = pread(fd, buf + have, (size_t)st.st_size - have, (off_t)have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            free(buf);
            return -e;
        }
        have += (size_t)n;
    }
    *out = buf;
    return (ssize_t)have;
}

/* SPAWN: fork and exec what the engine asks, the received fds at the numbers it names. */
static void spawn(struct state *s, struct msg *m) {
    int32_t reply[1] = {-EPROTO};
    char why[256] = "bad SPAWN message";
    uint32_t *u = (uint32_t *)(void *)m->data;
    size_t words = m->len / 4;
    if (words < 2) goto fail;
    uint32_t flags = u[0], nmap = u[1];
    if (nmap > MAX_FDS || words < 4 + nmap) goto fail;
    int32_t *target = (int32_t *)(u + 2);
    uint32_t argc = u[2 + nmap], envc = u[3 + nmap];
    int prog = (flags & 1) ? 0 : -1, in_fd = (flags & 2) != 0;
    if ((int)nmap + (prog >= 0) + in_fd != m->nfds || argc == 0 || argc > 100000 || envc > 100000) goto fail;
    char *path = NULL, *p = m->data + 4 * (4 + nmap), *end = m->data + m->len;
    char *strings = NULL; /* the memfd's bytes, when the strings came that way */
    if (in_fd) {
        ssize_t got = read_strings(m->fds[m->nfds - 1], &strings);
        if (got < 0) {
            snprintf(why, sizeof why, "cannot read the SPAWN strings: %s", strerror((int)-got));
            goto fail;
        }
        p = strings;
        end = strings + got;
    }
    char **argv = calloc(argc + 1, sizeof(char *)), **envp = calloc(envc + 1, sizeof(char *));
    for (uint32_t i = 0; argv && envp && i < 1 + argc + envc; i++) {
        char *z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
        if (!z) {
            free(argv);
            free(envp);
            free(strings);
            goto fail;
        }
        if (i == 0) path = p;
        else if (i <= argc) argv[i - 1] = p;
        else envp[i - 1 - argc] = p;
        p = z + 1;
    }
    if (!argv || !envp) {
        free(argv);
        free(envp);
        free(strings);
        goto fail;
    }
    int maxt = 2;
    for (uint32_t i = 0; i < nmap; i++) maxt = target[i] > maxt ? target[i] : maxt;
    int err[2];
    if (pipe2(err, O_CLOEXEC) < 0) {
        free(argv);
        free(envp);
        free(strings);
        reply[0] = -errno;
        snprintf(why, sizeof why, "pipe: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(err[0]);
        restore_signals();
        int base = maxt + 1 > 10 ? maxt + 1 : 10;
        int report = fcntl(err[1], F_DUPFD_CLOEXEC, base); /* out of the way of the targets too */
        int hi[MAX_FDS];
        for (int i = 0; i < m->nfds; i++) hi[i] = fcntl(m->fds[i], F_DUPFD_CLOEXEC, base);
        int e = 0;
        for (uint32_t i = 0; i < nmap && !e; i++)
            if (hi[prog + 1 + (int)i] < 0 || dup2(hi[prog + 1 + (int)i], target[i]) < 0) e = errno;
        if (!e) {
            if (prog >= 0) syscall(SYS_execveat, hi[0], "", argv, envp, AT_EMPTY_PATH);
            else execve(path, argv, envp);
            e = errno;
        }
        if (write(report, &e, sizeof e) < 0) _exit(126);
        _exit(127);
    }
    close(err[1]);
    free(argv);
    free(envp);
    free(strings);
    if (pid < 0) {
        reply[0] = -errno;
        snprintf(why, sizeof why, "fork: %s", strerror(errno));
        close(err[0]);
        goto fail;
    }
    int e = 0;
    ssize_t n;
    do n = read(err[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(err[0]);
    close_fds(m);
    if (n == sizeof e) {
        reply[0] = -e;
        snprintf(why, sizeof why, "%s", strerror(e));
        char buf[sizeof reply + sizeof why];
        memcpy(buf, reply, sizeof reply);
        memcpy(buf + sizeof reply, why, strlen(why) + 1);
        send_msg(s->sock, JRUNC_MSG_SPAWNED, buf, sizeof reply + strlen(why) + 1, NULL, 0);
        return;
    }
    reply[0] = pid;
    send_msg(s->sock, JRUNC_MSG_SPAWNED, reply, sizeof reply, NULL, 0);
    return;
fail:
    close_fds(m);
    {
        char buf[sizeof reply + sizeof why];
        memcpy(buf, reply, sizeof reply);
        memcpy(buf + sizeof reply, why, strlen(why) + 1);
        send_msg(s->sock, JRUNC_MSG_SPAWNED, buf, sizeof reply + strlen(why) + 1, NULL, 0);
    }
}

/* The engine went away before the verb was done: say so, and how to clean up. */
static void engine_died(struct state *s) {
    stop_relay(s);
    if (s->id[0])
        report("the jrunc engine stopped while running `%s` for container \"%s\" (its log: %s/engine.log); "
               "`jrunc delete --force %s` removes what is left of the container",
               s->verb, s->id, JRUNC_ENGINE_DIR, s->id);
    else if (s->verb[0])
        report("the jrunc engine stopped while running `%s` (its log: %s/engine.log)", s->verb, JRUNC_ENGINE_DIR);
    else
        report("the jrunc engine stopped before it ran the verb (its log: %s/engine.log)", JRUNC_ENGINE_DIR);
    exit(g_is_exec ? 255 : 1);
}

static int send_request(int sock) {
    int envc = 0;
    for (char **e = environ; *e; e++) envc++;
    if (send_strings(sock, JRUNC_MSG_ARGS, g_argv + 1, g_argc - 1) < 0) return -1;
    if (send_strings(sock, JRUNC_MSG_ENV, environ, envc) < 0) return -1;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "/proc/%d/cwd", (int)getpid());
    if (send_msg(sock, JRUNC_MSG_CWD, cwd, strlen(cwd) + 1, NULL, 0) < 0) return -1;
    mode_t mask = umask(022);
    umask(mask);
    if (send_u32s(sock, JRUNC_MSG_UMASK, (int32_t)mask, 0, 1) < 0) return -1;
    char text[16384];
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? 0 : read(fd, text, sizeof text - 1);
    if (fd >= 0) close(fd);
    if (send_msg(sock, JRUNC_MSG_CGROUP, text, n > 0 ? (size_t)n : 0, NULL, 0) < 0) return -1;
    const char *kinds[] = {"mnt", "pid", "net", "user", "cgroup"};
    size_t used = 0;
    for (int i = 0; i < 5; i++) {
        char link[64];
        snprintf(link, sizeof link, "/proc/self/ns/%s", kinds[i]);
        ssize_t l = readlink(link, text + used, sizeof text - used - 64);
        if (l < 0) l = snprintf(text + used, 64, "%s:?", kinds[i]);
        used += (size_t)l;
        text[used++] = '\n';
    }
    if (send_msg(sock, JRUNC_MSG_NAMESPACES, text, used, NULL, 0) < 0) return -1;
    int stdio[3];
    char present[3];
    for (int i = 0; i < 3; i++) {
        present[i] = fcntl(i, F_GETFD) >= 0;
        stdio[i] = present[i] ? i : open("/dev/null", O_RDWR | O_CLOEXEC);
    }
    int rc = send_msg(sock, JRUNC_MSG_STDIO, present, 3, stdio, 3);
    for (int i = 0; i < 3; i++)
        if (!present[i]) close(stdio[i]);
    if (rc < 0) return -1;
    return send_msg(sock, JRUNC_MSG_RUN, NULL, 0, NULL, 0);
}

static int run_verb(int sock) {
    struct state s = {.sock = sock, .foreground = -1, .master = -1};
    if (send_request(sock) < 0) engine_died(&s);
    for (;;) {
        struct pollfd p[4] = {{.fd = sock, .events = POLLIN}, {.fd = g_sigfd, .events = POLLIN}};
        int n = 2, in_at = -1, master_at = -1;
        if (s.master >= 0) {
            master_at = n;
            p[n++] = (struct pollfd){.fd = s.master, .events = POLLIN};
            if (s.stdin_open) {
                in_at = n;
                p[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
            }
        }
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR) continue;
            report("poll: %s", strerror(errno));
            return 1;
        }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(g_sigfd, &si, sizeof si) == sizeof si) {
                int sig = (int)si.ssi_signo;
                if (sig == SIGCHLD) reap(&s);
                else if (sig == SIGWINCH) resize(&s); /* as runc: a size change, never forwarded */
                else if (s.foreground == 0) raise(sig); /* not held any more: does what it always does */
                else forward(&s, sig);
            }
        }
        if (master_at >= 0 && (p[master_at].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (!pump(s.master, 1)) {
                /* the container's side is closed; the exit comes with SIGCHLD */
                close(s.master);
                s.master = -1;
            }
        }
        if (in_at >= 0 && s.master >= 0 && (p[in_at].revents & (POLLIN | POLLHUP | POLLERR))) {
            char buf[8192];
            ssize_t r = read(0, buf, sizeof buf);
            if (r <= 0) s.stdin_open = 0;
            else if (write(s.master, buf, (size_t)r) < 0) s.stdin_open = 0;
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        struct msg m;
        int r = recv_msg(sock, &m);
        if (r <= 0) engine_died(&s);
        switch (m.type) {
        case JRUNC_MSG_VERB: {
            uint32_t fg = 0;
            if (m.len >= 4) memcpy(&fg, m.data, 4);
            char *verb = m.data + 4, *end = m.data + m.len;
            char *z = m.len > 4 ? memchr(verb, 0, (size_t)(end - verb)) : NULL;
            if (z) {
                snprintf(s.verb, sizeof s.verb, "%s", verb);
                if (z + 1 < end && memchr(z + 1, 0, (size_t)(end - z - 1))) snprintf(s.id, sizeof s.id, "%s", z + 1);
            }
            if (fg) become_foreground(&s);
            else {
                s.foreground = 0;
                release_signals(&s);
            }
            break;
        }
        case JRUNC_MSG_FOREGROUND:
            become_foreground(&s);
            break;
        case JRUNC_MSG_ELSEWHERE:
            /* The caller is in other namespaces than the engine: the verb runs here, in a JVM. */
            close(sock);
            close(g_sigfd);
            direct_mode();
            break;
        case JRUNC_MSG_SPAWN:
            spawn(&s, &m);
            break;
        case JRUNC_MSG_FORWARD: {
            int32_t pid = 0;
            if (m.len >= 4) memcpy(&pid, m.data, 4);
            s.target = pid;
            for (int i = 0; i < s.nheld; i++) kill(s.target, s.held[i]);
            s.nheld = 0;
            break;
        }
        case JRUNC_MSG_WAIT: {
            int32_t pid = 0;
            if (m.len >= 4) memcpy(&pid, m.data, 4);
            s.wait_pid = pid;
            if (m.nfds > 0) {
                start_relay(&s, m.fds[0]);
                for (int i = 1; i < m.nfds; i++) close(m.fds[i]);
            }
            for (int i = 0; i < s.nreaped; i++)
                if (s.reaped_pid[i] == pid) {
                    s.reaped_pid[i] = 0;
                    finish_wait(&s, s.reaped_status[i]);
                    break;
                }
            reap(&s);
            break;
        }
        case JRUNC_MSG_DONE: {
            int32_t status = 1;
            if (m.len >= 4) memcpy(&status, m.data, 4);
            stop_relay(&s);
            if (s.foreground != 1) release_signals(&s);
            return status;
        }
        default:
            close_fds(&m);
            break;
        }
    }
}

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    const char *flag = NULL;
    int verb_at = scan_globals(argc, argv, &flag);
    g_is_exec = verb_at < argc && !strcmp(argv[verb_at], "exec");
    enum mode mode = flag ? parse_mode(flag, "--engine") : parse_mode(getenv("JRUNC_ENGINE"), "JRUNC_ENGINE");
    if (!flag && !getenv("JRUNC_ENGINE")) mode = parse_mode(JRUNC_DEFAULT_ENGINE, "the build's default engine mode");

    /* Signals are held from the start: a foreground run must not die of one during create. */
    sigset_t all;
    sigfillset(&all);
    const int never[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) sigdelset(&all, never[i]);
    sigprocmask(SIG_BLOCK, &all, &g_orig_mask);

    g_buf = malloc(MAX_MESSAGE);
    if (!g_buf) direct_mode();
    if (verb_at < argc && !strcmp(argv[verb_at], "engine")) return engine_command(argc, argv, verb_at);
    /* Root of another user namespace (rootless podman runs its runtime so) is not the engine's root. */
    if (mode == MODE_OFF || (mode == MODE_AUTO && (geteuid() != 0 || !in_host_user_namespace()))) direct_mode();

    /* Children must be reaped by us, whatever the caller did with SIGCHLD. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGCHLD, &dfl, NULL);
    char why[1024];
    /* Cold (no engine yet) in auto mode: this verb runs in direct mode while the engine starts. */
    int sock = engine_session(mode == MODE_ON ? START : START_IN_BACKGROUND, why, sizeof why);
    if (sock < 0) {
        if (mode == MODE_ON) {
            report("the jrunc engine cannot be used: %s%s", why,
                   mode == MODE_ON ? " (JRUNC_ENGINE=off runs verbs without it)" : "");
            return g_is_exec ? 255 : 1;
        }
        direct_mode();
    }
    g_sigfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
    if (g_sigfd < 0) {
        close(sock);
        direct_mode();
    }
    return run_verb(sock);
}
