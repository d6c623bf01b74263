/* cp-entry's shared declarations: cp-entry.c (the run: phases, timers, ending the candidate's processes),
 * cp-entry-in.c (the input records), cp-entry-out.c (/out as records, facts from the cgroup). */
#ifndef CP_ENTRY_H
#define CP_ENTRY_H

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

typedef struct {
    char buf[1 << 16];
    size_t pos, end;
    unsigned long long left;  /* announced bytes not yet read from stdin */
    const char *error;        /* why reading stopped, for the message */
} Input;

typedef struct {
    char name[MAX_NAME + 1];
    unsigned long long size;  /* content bytes still to read */
} Record;

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

/* cp-entry.c */
void check_alarm(void);

/* cp-entry-in.c */
int copy_out(Input *in, unsigned long long size, int fd);
int parse_count(const char *s, unsigned long long *out);
int next_record(Input *in, Record *rec);
int unpack(Input *in, Record *rec, int have, const char *top, int stop_at_other);

/* cp-entry-out.c */
int pack_dir(Buffer *b, const char *root, const char *rel, unsigned long long *total, unsigned long long cap);
char *base64(const char *data, size_t len, size_t *out_len);
unsigned long long peak_memory(void);
void oom_kills(char *out, size_t cap);

#endif
