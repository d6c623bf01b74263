/* cp-entry's input: exactly the announced bytes of stdin, read as records (cp-entry.c says what goes in). */
#include "cp-entry.h"



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
int copy_out(Input *in, unsigned long long size, int fd) {
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


int parse_count(const char *s, unsigned long long *out) {
    if (*s == '\0' || strlen(s) > 19)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    *out = strtoull(s, NULL, 10);
    return 0;
}

/* The next record's header and name: 1, 0 at the end of the input, -1 when malformed (in->error says why). */
int next_record(Input *in, Record *rec) {
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
int unpack(Input *in, Record *rec, int have, const char *top, int stop_at_other) {
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
