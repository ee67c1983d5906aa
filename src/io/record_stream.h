/* Internals of record streams (record_stream.c) shared with the CSV record parser
 * (record_csv.c). */
#ifndef WSL_SRC_IO_RECORD_STREAM_H
#define WSL_SRC_IO_RECORD_STREAM_H

#include "io_internal.h"
#include "wsl/records.h"

struct wsl_record {
    const wsl_record_stream *s;
    size_t line;                  /* first line of the record */
    void *json;                   /* JSON Lines: the object (cJSON *), owned by the batch */
    const char *const *cells;     /* CSV: n_cols cells in the batch's arena */
};

struct wsl_record_stream {
    wsl_allocator a;
    char *name;                   /* path or memory name, for messages */
    wsl__reader rd;
    wsl_records_format format;
    int skip_bad;
    wsl_bad_record_fn on_bad;
    void *on_bad_payload;
    char **required;              /* copies of the required field names */
    size_t n_required;
    size_t skipped;
    bool failed;                  /* an error ended the stream */

    struct wsl_record *recs;      /* the current batch */
    size_t n_recs, recs_cap;

    /* CSV: the header's column names, and the current batch's cells. */
    char **cols;
    size_t n_cols;
    char *arena;                  /* cell text, NUL-terminated cells */
    size_t arena_len, arena_cap;
    size_t *offs;                 /* cell offsets into the arena while it grows */
    size_t offs_len, offs_cap;
    const char **cellp;           /* offs turned into pointers once the batch is complete */
    size_t cellp_cap;
};

/* Outcome of reading one record. */
typedef enum wsl__rec_result {
    WSL__REC_OK = 0, /* a record */
    WSL__REC_END,    /* end of input */
    WSL__REC_BAD     /* malformed and skipped (skip_bad); the stream goes on */
} wsl__rec_result;

/*
 * A malformed record starting on line `first`, its fault at line:col (col 0: none): with
 * skip_bad, counted, told to on_bad (with `first`) and WSL_OK with *res = WSL__REC_BAD;
 * otherwise WSL_EFORMAT with the message.
 */
wsl_status wsl__rec_bad(wsl_record_stream *s, size_t first, size_t line, size_t col,
                        wsl__rec_result *res, const char *fmt, ...) WSL__PRINTF(6, 7);

/* Open a stream over an open reader, which it takes over (*rd is left zeroed, and closed on
 * failure). opts NULL: the defaults. */
wsl_status wsl__record_stream_open_reader(wsl_record_stream **out, wsl__reader *rd,
                                         const wsl_record_stream_options *opts);

/*
 * Parse the next CSV record's cells into s->arena, their offsets appended to s->offs from
 * s->offs_len (which is left past them). *n_cells receives the number of fields, *line the
 * record's first line; blank lines are skipped. A malformed record leaves offs_len and
 * arena_len as they were.
 */
wsl_status wsl__csv_record(wsl_record_stream *s, size_t *n_cells, size_t *line,
                           wsl__rec_result *res);

#endif
