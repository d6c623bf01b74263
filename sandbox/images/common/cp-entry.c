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
 * candidate cannot fake the end marker. With --inline-out (what the runner always asks for) the marker line
 * carries out=<size> and /out (a tmpfs of the container) follows it as base64 records of the same kind ("L"
 * names a link or special file, never followed), after which cp-entry exits; without it, cp-entry lingers
 * (--linger) for a caller that reads /out some other way.
 *
 * The container ends itself whatever happens to the worker: the input must arrive within --input-timeout
 * seconds, and the time limit (timeout=<s> in the header) is enforced here, on the clock of the candidate's
 * process, which the marker reports as elapsed=: a paused or slow worker never makes a run longer.
 *
 * Why C: it starts in every container, and a Python interpreter's start read through the engine's storage
 * driver cost about 45 ms of CPU per run, the largest part of caseportal's own cost at full load (README,
 * "Sandbox overhead"). It uses the C library only.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GAVE_UP 125             /* the input, or the runner reading the results, did not come in time: ours */
#define OUTPUT_GRACE_S 120.0    /* seconds the runner may take to read the results before the container gives up */
#define MAX_RECORD_LINE 64      /* the longest record header line: kind, name length, size */
#define MAX_NAME 4096           /* the longest file name a record may carry, in bytes */
#define MAX_HEADER 256          /* the longest input header line */

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

static void check_alarm(void) {
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

/* ------------------------------------------------------------------ input: exactly `left` bytes of stdin */

typedef struct {
    char buf[1 << 16];
    size_t pos, end;
    unsigned long long left;  /* announced bytes not yet read from stdin */
    const char *error;        /* why reading stopped, for the message */
} Input;

static int fill(Input *in) {
    if (in->pos < in->end)
        return 1;
    if (in->left == 0)
        return 0;
    for (;;) {
        check_alarm();
        size_t want = in->left < sizeof in->buf ? (size_t)in->left : sizeof in->buf;
        ssize_t n = read(0, in->buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            in->error = "stdin ended before the announced input length";
            return -1;
        }
        in->pos = 0;
        in->end = (size_t)n;
        in->left -= (unsigned long long)n;
        return 1;
    }
}

/* Copy `size` bytes of input to fd (-1: read and drop them). 0 on success. */
static int copy_out(Input *in, unsigned long long size, int fd) {
    while (size > 0) {
        int got = fill(in);
        if (got <= 0) {
            in->error = in->error ? in->error : "the input ended inside a file";
            return -1;
        }
        size_t take = in->end - in->pos;
        if (take > size)
            take = (size_t)size;
        const char *p = in->buf + in->pos;
        size_t rest = take;
        while (fd >= 0 && rest > 0) {
            ssize_t n = write(fd, p, rest);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                in->error = strerror(errno);
                return -1;
            }
            p += n;
            rest -= (size_t)n;
        }
        in->pos += take;
        size -= take;
    }
    return 0;
}

typedef struct {
    char name[MAX_NAME + 1];
    unsigned long long size;  /* content bytes still to read */
} Record;

static int parse_count(const char *s, unsigned long long *out) {
    if (*s == '\0' || strlen(s) > 19)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    *out = strtoull(s, NULL, 10);
    return 0;
}

/* The next record's header and name: 1, 0 at the end of the input, -1 when malformed (in->error says why). */
static int next_record(Input *in, Record *rec) {
    char line[MAX_RECORD_LINE + 1];
    size_t n = 0;
    int got = fill(in);
    if (got <= 0)
        return got;
    for (;;) {
        if (fill(in) <= 0) {
            in->error = "the input ended inside a record header";
            return -1;
        }
        char c = in->buf[in->pos++];
        if (c == '\n')
            break;
        if (n >= MAX_RECORD_LINE) {
            in->error = "bad record header";
            return -1;
        }
        line[n++] = c;
    }
    line[n] = '\0';
    char kind[4], name_len[24], size[24];
    unsigned long long length;
    if (sscanf(line, "%3s %23s %23s", kind, name_len, size) != 3 || strcmp(kind, "F") != 0
        || parse_count(name_len, &length) != 0 || parse_count(size, &rec->size) != 0
        || length == 0 || length > MAX_NAME) {
        in->error = "bad record header";
        return -1;
    }
    for (size_t i = 0; i < length; i++) {
        if (fill(in) <= 0) {
            in->error = "the input ended inside a file name";
            return -1;
        }
        rec->name[i] = in->buf[in->pos++];
        if (rec->name[i] == '\0') {
            in->error = "a file name with a NUL byte";
            return -1;
        }
    }
    rec->name[length] = '\0';
    return 1;
}

/* "case" or "work" and the path under it for a safe name, else NULL: no absolute names, no "..", nothing
 * outside the two folders. `sub` receives the path with empty and "." parts left out. */
static const char *split_name(const char *name, char *sub, size_t cap) {
    char copy[MAX_NAME + 1];
    const char *top = NULL;
    size_t used = 0;
    if (name[0] == '/' || strlen(name) > MAX_NAME)
        return NULL;
    strcpy(copy, name);
    sub[0] = '\0';
    for (char *save = NULL, *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0)
            continue;
        if (strcmp(part, "..") == 0)
            return NULL;
        if (top == NULL) {
            if (strcmp(part, "case") == 0)
                top = "case";
            else if (strcmp(part, "work") == 0)
                top = "work";
            else
                return NULL;
            continue;
        }
        size_t len = strlen(part);
        if (used + len + 2 > cap)
            return NULL;
        if (used)
            sub[used++] = '/';
        memcpy(sub + used, part, len + 1);
        used += len;
    }
    return used ? top : NULL;
}

/* The record's content as a regular file (mode 0644) under /<top>; never through a link. */
static int write_file(Input *in, Record *rec, const char *top, const char *sub) {
    char target[MAX_NAME + 16];
    snprintf(target, sizeof target, "/%s/%s", top, sub);
    for (char *slash = strchr(target + 1 + strlen(top) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(target, 0755) != 0 && errno != EEXIST) {
            in->error = strerror(errno);
            return -1;
        }
        *slash = '/';
    }
    int fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        in->error = strerror(errno);
        return -1;
    }
    int rc = copy_out(in, rec->size, fd);
    rec->size = 0;
    close(fd);
    if (rc == 0 && chmod(target, 0644) != 0) {
        in->error = strerror(errno);
        return -1;
    }
    return rc;
}

/* Write the files under `top` from `rec` on. With stop_at_other the first record of the other folder is left
 * in `rec` (returns 1): root hands the rest to the unprivileged child that way. A name outside case/ and work/,
 * or one that climbs out, is dropped with its content. Returns 0 at the end, -1 on malformed input. */
static int unpack(Input *in, Record *rec, int have, const char *top, int stop_at_other) {
    char sub[MAX_NAME + 1];
    while (have > 0) {
        const char *where = split_name(rec->name, sub, sizeof sub);
        if (where != NULL && strcmp(where, top) == 0) {
            if (write_file(in, rec, top, sub) != 0)
                return -1;
        } else if (where != NULL && stop_at_other) {
            return 1;
        } else if (copy_out(in, rec->size, -1) != 0) {
            return -1;
        }
        have = next_record(in, rec);
    }
    return have;
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

/* ------------------------------------------------------------------ output: /out as base64 records */

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static void put(Buffer *b, const void *data, size_t len) {
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (grown == NULL) {
            dprintf(2, "cp-entry: out of memory packing the results\n");
            _exit(1);
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void put_record(Buffer *b, char kind, const char *name, const char *content, size_t size) {
    char head[64];
    int n = snprintf(head, sizeof head, "%c %zu %zu\n", kind, strlen(name), size);
    put(b, head, (size_t)n);
    put(b, name, strlen(name));
    if (size)
        put(b, content, size);
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Append /out/<rel> (a folder) to `b`: its files first, in name order, then its folders. Runs after every process
 * of the sandbox user is gone, so nothing can swap a file meanwhile. Links are never followed (lstat, O_NOFOLLOW,
 * and fstat to be sure), anything not a regular file is named only, and a file or folder the submission made
 * unreadable is left out: the runner then reports what is missing. Returns -1 over `cap` bytes in all. */
static int pack_dir(Buffer *b, const char *root, const char *rel, unsigned long long *total,
                    unsigned long long cap) {
    char path[2 * MAX_NAME], name[2 * MAX_NAME];
    struct dirent **entries;
    snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
    int count = scandir(path, &entries, NULL, by_name);
    int rc = 0;
    if (count < 0)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < count && rc == 0; i++) {
            const char *entry = entries[i]->d_name;
            struct stat st;
            if (strcmp(entry, ".") == 0 || strcmp(entry, "..") == 0)
                continue;
            /* Names longer than a record may carry are left out (never cut: a cut path is another path). */
            if ((size_t)snprintf(name, sizeof name, "%s%s%s", rel, *rel ? "/" : "", entry) > MAX_NAME
                || (size_t)snprintf(path, sizeof path, "%s/%s", root, name) >= sizeof path
                || lstat(path, &st) != 0)
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (pass == 1)
                    rc = pack_dir(b, root, name, total, cap);
                continue;
            }
            if (pass == 1)
                continue;
            if (!S_ISREG(st.st_mode)) {
                put_record(b, 'L', name, NULL, 0);
                continue;
            }
            int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0)
                continue;
            struct stat fst;
            if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
                close(fd);
                continue;
            }
            *total += (unsigned long long)fst.st_size;
            if (*total > cap) {
                close(fd);
                rc = -1;
                break;
            }
            size_t size = (size_t)fst.st_size, got = 0;
            char *content = malloc(size + 1);
            if (content == NULL) {
                close(fd);
                rc = -1;
                break;
            }
            for (;;) {
                ssize_t n = read(fd, content + got, size + 1 - got);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                got += (size_t)n;
                if (got > size)
                    break;
            }
            close(fd);
            if (got > size)
                rc = -1;  /* it grew while read: cannot happen with no process left, refused all the same */
            else
                put_record(b, 'F', name, content, got);
            free(content);
        }
    }
    for (int i = 0; i < count; i++)
        free(entries[i]);
    free(entries);
    return rc;
}

static char *base64(const char *data, size_t len, size_t *out_len) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 4 * ((len + 2) / 3);
    char *out = malloc(n + 1);
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)data[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)(unsigned char)data[i + 1] << 8;
        if (i + 2 < len)
            v |= (uint32_t)(unsigned char)data[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ------------------------------------------------------------------ facts from the container's own cgroup */

static int read_small(const char *path, char *buf, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* The container's peak memory (v1, or v2's memory.peak); 0 when unknown. Saves the runner a stats call. */
static unsigned long long peak_memory(void) {
    static const char *paths[] = {"/sys/fs/cgroup/memory/memory.max_usage_in_bytes", "/sys/fs/cgroup/memory.peak"};
    char buf[64];
    for (size_t i = 0; i < 2; i++)
        if (read_small(paths[i], buf, sizeof buf) == 0)
            return strtoull(buf, NULL, 10);
    return 0;
}

/* " oom=<n>": processes the kernel killed for memory in this container (the engine's OOMKilled), from v1's
 * memory.oom_control or v2's memory.events; empty when unknown. The runner then need not wait for the
 * container's end and inspect it to tell an out-of-memory run. */
static void oom_kills(char *out, size_t cap) {
    static const char *paths[] = {"/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"};
    char buf[1024];
    out[0] = '\0';
    for (size_t i = 0; i < 2; i++) {
        if (read_small(paths[i], buf, sizeof buf) != 0)
            continue;
        const char *line = strstr(buf, "oom_kill ");
        if (line == NULL || (line != buf && line[-1] != '\n'))
            continue;
        snprintf(out, cap, " oom=%llu", strtoull(line + 9, NULL, 10));
        return;
    }
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
    double uid = 65534, gid = 65534, max_input = (double)(1ULL << 30), linger = 120.0, inline_out = 0;
    double input_timeout = 10.0, limit = 0.0;
    int i = 1;
    struct {
        const char *name;
        double *value;
    } options[] = {{"--uid", &uid}, {"--gid", &gid}, {"--max-input", &max_input}, {"--linger", &linger},
                   {"--inline-out", &inline_out}, {"--input-timeout", &input_timeout}};
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
    if (inline_out > 0) {
        /* The results travel in-band after the marker, so the container can end now. /out may still change
         * after a timeout, so nothing of it is sent then. */
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
        int n = snprintf(marker, sizeof marker, "\n%s exit=%d peak=%llu%s %s out=%lld\n", nonce, code,
                         peak_memory(), oom, clock, size);
        write_all(marker, (size_t)n);
        if (encoded_len)
            write_all(encoded, encoded_len);
        return code;
    }
    int n = snprintf(marker, sizeof marker, "\n%s exit=%d peak=%llu %s\n", nonce, code, peak_memory(), clock);
    write_all(marker, (size_t)n);
    arm(NULL, 0);
    double deadline = now() + linger;
    while (now() < deadline)
        usleep(200000);
    return code;
}
