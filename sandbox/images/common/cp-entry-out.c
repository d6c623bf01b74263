/* cp-entry's results: /out as base64 records after the end marker, and facts from the container's cgroup. */
#include "cp-entry.h"



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
int pack_dir(Buffer *b, const char *root, const char *rel, unsigned long long *total,
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

char *base64(const char *data, size_t len, size_t *out_len) {
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
unsigned long long peak_memory(void) {
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
void oom_kills(char *out, size_t cap) {
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
