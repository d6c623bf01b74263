/*
 * cp-entry: the trusted first process of every sandbox run (started by tini, see sandbox/runner.py).
 *
 * Why it exists: the root filesystem is read-only and /work, /case are tmpfs mounts, which Docker's archive API
 * cannot write into. So the runner streams the files through stdin instead (sandbox/protocol.py, pack_input):
 *
 *     "CPIN2 <nonce> <length> timeout=<s>\n" + <length> bytes of records, one per file:
 *     "F <name length> <size>\n" + name + content, names under case/ and work/
 *
 * It runs as root with only CAP_SETUID/CAP_SETGID. It writes case/ into /case as root-owned, read-only files,
 * forks, and the child drops to the unprivileged uid, writes work/ into /work and execs the command. When the
 * command ends, a helper with the same uid kills every process left behind (detached children included) and
 * cp-entry prints "\n<nonce> exit=N ..." on stdout. The nonce is only in this root-owned process, so the
 * candidate cannot fake the end marker. The marker line carries out=<size>, and /out (a tmpfs of the container, at
 * most --inline-out bytes of files) follows it as base64 records of the same kind ("L" names a link or special
 * file, never followed), after which cp-entry exits and the container ends.
 *
 * The container ends itself whatever happens to the worker: the input must arrive within --input-timeout
 * seconds, and the time limit (timeout=<s> in the header) is enforced here, on the clock of the candidate's
 * process, which the marker reports as elapsed=: a paused or slow worker never makes a run longer.
 *
 * Why C: it starts in every container, and a Python interpreter's start read through the engine's storage
 * driver cost about 45 ms of CPU per run, the largest part of caseportal's own cost at full load (README,
 * "Sandbox overhead"). It uses the C library only: this file runs the phases and ends the candidate's processes,
 * cp-entry-in.c reads the input records, cp-entry-out.c packs /out and reads the cgroup.
 */
#include "cp-entry.h"

static volatile sig_atomic_t alarm_fired;
static const char *phase;       /* what the armed timer guards: "input", "run", "output"; NULL when disarmed */
static pid_t child_pid;
static uid_t sandbox_uid = 65534;
static gid_t sandbox_gid = 65534;

static void give_up(void);

static void on_alarm(int sig) {
    (void)sig;
    alarm_fired = 1;
}

/* Arm (or with name NULL disarm) the one timer for a phase. It repeats every half second after it first fires,
 * so a blocking call entered just after the signal is still interrupted. */
static void arm(const char *name, double seconds) {
    struct itimerval t;
    memset(&t, 0, sizeof t);
    setitimer(ITIMER_REAL, &t, NULL);  /* the last phase's timer first: a late tick must not count for this one */
    phase = name;
    alarm_fired = 0;
    if (name != NULL && seconds > 0) {
        t.it_value.tv_sec = (time_t)seconds;
        t.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
        if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0)
            t.it_value.tv_usec = 1;
        t.it_interval.tv_usec = 500000;
    }
    setitimer(ITIMER_REAL, &t, NULL);
}

void check_alarm(void) {
    if (alarm_fired && phase != NULL)
        give_up();
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_all(const char *data, size_t len) {
    while (len > 0) {
        check_alarm();
        ssize_t n = write(1, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;  /* the runner went away: nobody is left to tell */
        }
        data += n;
        len -= (size_t)n;
    }
}

/* ------------------------------------------------------------------ ending the candidate's processes */

static void drop_privileges(void) {
    if (getuid() == 0) {
        if (setgroups(0, NULL) != 0 || setgid(sandbox_gid) != 0 || setuid(sandbox_uid) != 0) {
            dprintf(2, "cp-entry: could not drop privileges: %s\n", strerror(errno));
            _exit(126);
        }
    }
}

/* Whether any process other than this one, not yet a zombie, runs as the sandbox uid (read from /proc). */
static int live_processes_of_uid(void) {
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    int found = 0;
    pid_t me = getpid();
    if (proc == NULL)
        return 0;
    while (!found && (entry = readdir(proc)) != NULL) {
        char path[300], status[4096];
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9' || atoi(entry->d_name) == me)
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", entry->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;  /* gone meanwhile */
        ssize_t n = read(fd, status, sizeof status - 1);
        close(fd);
        if (n <= 0)
            continue;
        status[n] = '\0';
        const char *state = strstr(status, "\nState:");
        const char *uid = strstr(status, "\nUid:");
        if (state == NULL || uid == NULL)
            continue;
        state += 7;
        while (*state == ' ' || *state == '\t')
            state++;
        if (*state == 'Z' || *state == 'X')
            continue;
        if ((uid_t)strtoul(uid + 5, NULL, 10) == sandbox_uid)
            found = 1;
    }
    closedir(proc);
    return found;
}

/* Kill every process of the sandbox uid: root may not signal them without CAP_KILL, so a helper with that uid
 * does. Until none is left: a clean run costs one kill and one /proc scan, a fork bomb's late children are caught
 * by the next round. Capped, so cleanup never hangs the run. */
static void kill_leftovers(void) {
    pid_t pid = -1;
    for (int i = 0; i < 50; i++) {  /* a fork bomb may hold every pid for a moment */
        pid = fork();
        if (pid >= 0 || errno != EAGAIN)
            break;
        usleep(50000);
    }
    if (pid < 0) {
        dprintf(2, "cp-entry: could not fork to clean up\n");
        return;
    }
    if (pid == 0) {
        drop_privileges();
        for (int round = 0; round < 60; round++) {
            kill(-1, SIGKILL);
            if (!live_processes_of_uid())
                break;
            usleep(5000);
        }
        _exit(0);
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

static void give_up(void) {
    const char *what = phase ? phase : "?";
    arm(NULL, 0);
    if (child_pid > 0 && getuid() == 0)
        kill_leftovers();
    dprintf(2, "cp-entry: gave up waiting for the runner (%s)\n", what);
    _exit(GAVE_UP);
}

/* ------------------------------------------------------------------ main */

static int parse_option(const char *name, const char *value, double *out) {
    char *end;
    errno = 0;
    *out = strtod(value, &end);
    if (errno || end == value || *end != '\0') {
        dprintf(2, "cp-entry: bad value for %s: '%s'\n", name, value);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    double uid = 65534, gid = 65534, max_input = (double)(1ULL << 30), inline_out = 0;
    double input_timeout = 10.0, limit = 0.0;
    int i = 1;
    struct {
        const char *name;
        double *value;
    } options[] = {{"--uid", &uid}, {"--gid", &gid}, {"--max-input", &max_input}, {"--inline-out", &inline_out},
                   {"--input-timeout", &input_timeout}};
    while (i < argc && strcmp(argv[i], "--") != 0) {
        size_t k = 0;
        while (k < sizeof options / sizeof options[0] && strcmp(options[k].name, argv[i]) != 0)
            k++;
        if (k == sizeof options / sizeof options[0] || i + 1 >= argc) {
            dprintf(2, "cp-entry: unknown option or missing value: '%s'\n", argv[i]);
            return 2;
        }
        if (parse_option(argv[i], argv[i + 1], options[k].value) != 0)
            return 2;
        i += 2;
    }
    if (i + 1 >= argc) {
        dprintf(2, "cp-entry: no command given\n");
        return 2;
    }
    char **command = argv + i + 1;
    if (!(inline_out > 0)) {  /* the results' cap: they have no other way out of the container */
        dprintf(2, "cp-entry: --inline-out (the largest /out in bytes) is required\n");
        return 2;
    }
    sandbox_uid = (uid_t)uid;
    sandbox_gid = (gid_t)gid;

    /* A runner that went away must not kill this process mid-write, nor a case file over the size limit: both
     * become an error return instead (the child restores them before it execs). */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;  /* no SA_RESTART: a blocking call returns EINTR when the phase's time is up */
    sigaction(SIGALRM, &sa, NULL);
    arm("input", input_timeout);

    /* The header, read a byte at a time so that nothing after it is taken from stdin. */
    char header[MAX_HEADER + 1], nonce[MAX_HEADER + 1] = "";
    size_t hlen = 0;
    while (hlen == 0 || header[hlen - 1] != '\n') {
        check_alarm();
        ssize_t n = read(0, header + hlen, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (++hlen > MAX_HEADER - 1) {
            dprintf(2, "cp-entry: bad input header (too long)\n");
            return 2;
        }
    }
    header[hlen] = '\0';

    /* The input is streamed, never held in memory whole (memory counts against the run's limit): root writes
     * the case/ files first, then the unprivileged child continues with the work/ files. */
    static Input in;
    Record rec;
    int have = 0;
    if (hlen > 0) {
        char magic[16], length[32], extra[64] = "";
        unsigned long long announced;
        int parts = sscanf(header, "%15s %256s %31s %63s", magic, nonce, length, extra);
        if (parts < 3 || strcmp(magic, "CPIN2") != 0 || parse_count(length, &announced) != 0
            || (parts == 4 && strncmp(extra, "timeout=", 8) != 0)) {
            dprintf(2, "cp-entry: bad input header\n");
            return 2;
        }
        if (parts == 4) {
            limit = strtod(extra + 8, NULL);
            if (!(limit > 0))
                limit = 0;
        }
        if ((double)announced > max_input) {
            dprintf(2, "cp-entry: input too large\n");
            return 2;
        }
        in.left = announced;
        have = next_record(&in, &rec);
        if (have >= 0)
            have = unpack(&in, &rec, have, "case", 1);
        if (have < 0) {
            dprintf(2, "cp-entry: could not unpack the case files: %s\n", in.error ? in.error : "bad input");
            return 3;
        }
    }

    int pipe_fds[2];  /* close-on-exec: EOF in the parent marks the moment the command starts */
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        dprintf(2, "cp-entry: pipe: %s\n", strerror(errno));
        return 1;
    }
    child_pid = fork();
    if (child_pid < 0) {
        dprintf(2, "cp-entry: fork: %s\n", strerror(errno));
        return 1;
    }
    if (child_pid == 0) {
        close(pipe_fds[0]);
        drop_privileges();
        umask(022);
        if (hlen > 0 && have > 0 && unpack(&in, &rec, have, "work", 0) < 0) {
            dprintf(2, "cp-entry: could not start '%s': %s\n", command[0], in.error ? in.error : "bad input");
            _exit(127);
        }
        if (hlen > 0 && copy_out(&in, in.left + (in.end - in.pos), -1) != 0) {
            dprintf(2, "cp-entry: could not start '%s': %s\n", command[0], in.error);
            _exit(127);
        }
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || chdir("/work") != 0) {
            dprintf(2, "cp-entry: could not start '%s': %s\n", command[0], strerror(errno));
            _exit(127);
        }
        close(null_fd);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGXFSZ, SIG_DFL);
        signal(SIGALRM, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(command[0], command);
        dprintf(2, "cp-entry: could not start '%s': %s\n", command[0], strerror(errno));
        _exit(127);
    }

    /* The parent never reads the input again, and keeps none of it. */
    memset(&in, 0, sizeof in);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
        dup2(null_fd, 0);
        close(null_fd);
    }
    close(pipe_fds[1]);
    char byte;
    for (;;) {  /* until the child has its input and execs (or fails to) */
        check_alarm();
        if (read(pipe_fds[0], &byte, 1) < 0 && errno == EINTR)
            continue;
        break;
    }
    close(pipe_fds[0]);

    double run_started = now();
    int status = 0, timed_out = 0;
    arm("run", limit);
    for (;;) {
        if (waitpid(child_pid, &status, 0) == child_pid)
            break;
        if (errno == EINTR && alarm_fired && phase != NULL) {
            /* the time limit: say so and exit; the container's end kills every process left */
            timed_out = 1;
            break;
        }
        if (errno != EINTR) {
            status = 0;
            break;
        }
    }
    arm(NULL, 0);
    double elapsed = now() - run_started;
    if (getuid() == 0 && !timed_out)  /* as the same uid, kill(-1) would also hit this process */
        kill_leftovers();
    int code = timed_out ? 128 + SIGKILL
               : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    if (nonce[0] == '\0')
        return code;

    char clock[64], oom[48], marker[512];
    snprintf(clock, sizeof clock, "elapsed=%.3f%s", elapsed, timed_out ? " timeout=1" : "");
    arm("output", OUTPUT_GRACE_S);  /* a runner that never reads the results does not keep the container */
    /* The results travel in-band after the marker, so the container can end now. /out may still change after a
     * timeout, so nothing of it is sent then. */
    Buffer out = {0};
    unsigned long long total = 0;
    long long size = 0;
    char *encoded = NULL;
    size_t encoded_len = 0;
    if (!timed_out) {
        if (pack_dir(&out, "/out", "", &total, (unsigned long long)inline_out) != 0) {
            size = -1;
        } else {
            encoded = base64(out.data ? out.data : "", out.len, &encoded_len);
            size = encoded ? (long long)encoded_len : -1;
        }
    }
    oom_kills(oom, sizeof oom);
    int n = snprintf(marker, sizeof marker, "\n%s exit=%d peak=%llu%s %s out=%lld\n", nonce, code, peak_memory(),
                     oom, clock, size);
    write_all(marker, (size_t)n);
    if (encoded_len)
        write_all(encoded, encoded_len);
    return code;
}
