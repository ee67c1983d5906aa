/*
 * LFs over a record stream: the stream's batches fed to the streaming applier, with the errors
 * of the records kept apart from those of the LFs, and an LF's failure tied to a line.
 */
#include "core/core.h"
#include "labeling/labeling_impl.h"
#include "wsl/plugin.h"

#include <stdio.h>
#include <string.h>

typedef struct feed {
    wsl_record_stream *s;
    const wsl_allocator *a;
    const wsl_record **batch;  /* the stream's batch, copied into the applier's array */
    size_t cap;
    size_t done, last;         /* records handed out, of which the last batch */
    wsl_status st;             /* why the stream stopped */
    char msg[512];             /* its message (the applier then sets its own) */
} feed;

static long next_batch(const void **records, size_t max, void *payload)
{
    feed *f = payload;
    size_t got = 0;
    if (max > f->cap) {
        const wsl_record **p = wsl__reallocarray(f->a, (void *)f->batch, max, sizeof *p);
        if (!p) {
            f->st = WSL_ENOMEM;
            snprintf(f->msg, sizeof f->msg, "%s", wsl_last_error());
            return -1;
        }
        f->batch = p;
        f->cap = max;
    }
    if ((f->st = wsl_record_stream_next(f->s, f->batch, max, &got)) != WSL_OK) {
        snprintf(f->msg, sizeof f->msg, "%s", wsl_last_error());
        return -1;
    }
    for (size_t i = 0; i < got; i++)
        records[i] = f->batch[i];
    f->done += got;
    f->last = got;
    return (long)got;
}

wsl_status wsl_lf_apply_records(wsl_label_matrix **out, const wsl_lf_set *set,
                                wsl_record_stream *records, const wsl_apply_options *opts,
                                wsl_apply_report *report)
{
    wsl_apply_report mine = {0, 0, SIZE_MAX, NULL, 0};
    wsl_apply_report *rep = report ? report : &mine;
    feed f;
    wsl_status st;
    if (out)
        *out = NULL;
    WSL_CHECK_ARG(out && set && records);
    memset(&f, 0, sizeof f);
    f.s = records;
    f.a = &set->alloc; /* the set's allocator, as the applier's own scratch */
    rep->first_fault_record = SIZE_MAX;
    st = wsl_lf_apply_stream(out, set, next_batch, &f, opts, rep);
    if (st != WSL_OK && f.st != WSL_OK) {
        /* The records were at fault: their status and message, not the iterator's. */
        st = wsl__error(f.st, "%s", f.msg);
    } else if (st == WSL_ECALLBACK && rep->first_fault_record < f.done &&
               rep->first_fault_record >= f.done - f.last) {
        /* A failing LF: the applier knows the record's index, the stream its line. */
        char msg[512];
        size_t line = wsl_record_line(f.batch[rep->first_fault_record - (f.done - f.last)]);
        snprintf(msg, sizeof msg, "%s", wsl_last_error());
        st = wsl__error(st, "%s; the record is on line %zu", msg, line);
    }
    wsl__free(f.a, (void *)f.batch);
    return st;
}
