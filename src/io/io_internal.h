/* Internals of the io module: byte reader, number parsing, vote collection, atomic writes. */
#ifndef WSL_SRC_IO_INTERNAL_H
#define WSL_SRC_IO_INTERNAL_H

#include "core/core.h"
#include "wsl/io.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Longest line the text readers accept. */
#define WSL__IO_MAX_LINE ((size_t)64 << 20)
/* Bytes read from a file at a time. */
#define WSL__IO_CHUNK ((size_t)64 << 10)

/* ---------------------------------------------------------------- Reader (reader.c) */

/*
 * A buffered byte source over a FILE* or a memory buffer. Lines come back without their
 * terminator ("\n" or "\r\n"); a line that lies inside one chunk (or in a memory source) is
 * returned in place, others are assembled in a growable line buffer. Line numbers are 1-based;
 * columns are 1-based byte offsets within the line.
 */
typedef struct wsl__reader {
    wsl_allocator a;
    const char *name;              /* path or memory name, for messages */
    FILE *fp;                      /* NULL for a memory source */
    bool regular;                  /* fp is a regular file whose size is known */
    uint64_t file_size;            /* regular files: size at open */
    uint64_t file_read;            /* bytes fread from fp so far */
    const unsigned char *mem;      /* memory source, or the chunk buffer for files */
    size_t len, pos;               /* valid bytes in mem and the read position */
    unsigned char *chunk;          /* files: chunk buffer of WSL__IO_CHUNK bytes */
    size_t chunk_size;             /* bytes read at a time: WSL__IO_CHUNK unless a test or a
                                      fuzzer lowers it (4..WSL__IO_CHUNK) */
    char *line;                    /* lines spanning chunks */
    size_t line_cap;
    size_t max_line;               /* WSL__IO_MAX_LINE unless a test lowers it */
    size_t line_no;                /* number of the line last returned */
    bool eof;                      /* fp reached its end */
    uint64_t end;                  /* files: stop at this offset (a shard), 0 = the file's end */
} wsl__reader;

/* Open a file for reading. WSL_EIO names the path and the system error. fn names the caller. */
wsl_status wsl__reader_open_file(wsl__reader *r, const char *fn, const char *path,
                                 const wsl_allocator *alloc);
/* Read from memory (never copied); name NULL = "<memory>". Cannot fail. */
void wsl__reader_open_mem(wsl__reader *r, const char *data, size_t len, const char *name,
                          const wsl_allocator *alloc);
/* Release buffers and close the file. Safe on a zeroed reader and twice. */
void wsl__reader_close(wsl__reader *r);

/* Skip a UTF-8 byte order mark at the current position, if any. */
wsl_status wsl__reader_skip_bom(wsl__reader *r, const char *fn);

/*
 * The next line without its terminator into *line, *len (valid until the next call); *got is
 * false at the end of input. A final line without "\n" counts. WSL_EFORMAT for a line longer
 * than r->max_line, WSL_EIO, WSL_ENOMEM.
 */
wsl_status wsl__reader_line(wsl__reader *r, const char *fn, const char **line, size_t *len,
                            bool *got);

/* Up to n raw bytes into dst; *got < n only at the end of input. WSL_EIO. */
wsl_status wsl__reader_read(wsl__reader *r, const char *fn, void *dst, size_t n, size_t *got);

/*
 * Read only bytes [from, to) of a regular file from now on (a shard of it): seek to from,
 * forget what is buffered, number the next line line_no + 1. WSL_EIO.
 */
wsl_status wsl__reader_range(wsl__reader *r, const char *fn, uint64_t from, uint64_t to,
                             size_t line_no);

/* Skip n bytes (seeking in regular files); *skipped < n only at the end of input. WSL_EIO. */
wsl_status wsl__reader_skip(wsl__reader *r, const char *fn, uint64_t n, uint64_t *skipped);

/* Bytes left to read, when known (memory, regular files); false otherwise (pipes). */
bool wsl__reader_remaining(const wsl__reader *r, uint64_t *out);

/*
 * Everything left, into a new NUL-terminated buffer allocated with r->a (free with wsl__free).
 * Grows with the bytes actually read, never from a claimed size. WSL_EIO, WSL_ENOMEM.
 */
wsl_status wsl__reader_slurp(wsl__reader *r, const char *fn, char **out, size_t *len);

/* Set "fn: name:line:col: message" (col 0: "name:line: message") and return status. */
wsl_status wsl__reader_error(const wsl__reader *r, const char *fn, size_t col, wsl_status status,
                             const char *fmt, ...) WSL__PRINTF(5, 6);

/* ---------------------------------------------------------------- Text fields (text.c) */

/* Spaces and tabs around fields. */
static inline bool wsl__is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* A printable excerpt of s[0..len) (at most 24 bytes, "..." when cut) for messages. */
void wsl__excerpt(char *dst, size_t cap, const char *s, size_t len);

typedef enum wsl__num_result {
    WSL__NUM_OK = 0,
    WSL__NUM_EMPTY,     /* nothing but blanks before the separator */
    WSL__NUM_INVALID,   /* not a number */
    WSL__NUM_OVERFLOW,  /* does not fit int64 (integers) or a finite double */
    WSL__NUM_NONFINITE  /* nan, inf, infinity (doubles) */
} wsl__num_result;

/*
 * Parse one integer field of line[*pos..len) up to the next ',' or the end: blanks, an optional
 * sign, digits, blanks. On success *pos is at the ',' or the end. *start receives the offset
 * of the field's first non-blank byte (for columns) and *end_field the end of the field.
 */
wsl__num_result wsl__parse_int_field(const char *line, size_t len, size_t *pos, int64_t *out,
                                     size_t *start, size_t *end_field);

/* As wsl__parse_int_field, for a finite or non-finite double (strtod in the C locale). */
wsl__num_result wsl__parse_double_field(const char *line, size_t len, size_t *pos, double *out,
                                        size_t *start, size_t *end_field);

/* Number of ','-separated fields in line[0..len). */
size_t wsl__count_fields(const char *line, size_t len);

/* Is the line only blanks? */
bool wsl__line_blank(const char *line, size_t len);

/* Error for a field that did not parse (res != WSL__NUM_OK): "empty field", "expected ...". */
wsl_status wsl__field_error(const wsl__reader *r, const char *fn, wsl__num_result res,
                            const char *line, size_t start, size_t end, size_t field,
                            const char *expected);

/* Check a vote read from text: < -1 is WSL_EFORMAT, >= k (or >= WSL_MAX_CARDINALITY when k is
 * 0) is WSL_ERANGE; col is the 1-based column for the message. */
wsl_status wsl__check_text_vote(const wsl__reader *r, const char *fn, size_t col, int64_t v,
                                int32_t k, const char *what);

/* ---------------------------------------------------------------- Vote collection (sink.c) */

/*
 * Collects a dense n x m matrix of votes row by row (or cell by cell after a reserve) in the
 * narrowest cell width that holds the votes so far, then hands it to a wsl_label_matrix: a
 * dense result adopts the buffer without a copy. Votes must be validated by the caller:
 * -1 <= v and v < (k ? k : WSL_MAX_CARDINALITY).
 */
typedef struct wsl__vote_sink {
    wsl_allocator a;
    size_t n, m;          /* rows so far, columns */
    int32_t k;            /* classes, or 0 = infer */
    unsigned elem;        /* bytes per cell in cells */
    unsigned char *cells; /* cap * m cells */
    size_t cap;
    int32_t max_vote;     /* largest vote seen (-1 if none) */
    int32_t *row;         /* scratch row of m votes */
} wsl__vote_sink;

void wsl__sink_init(wsl__vote_sink *s, size_t m, int32_t k, const wsl_allocator *alloc);
void wsl__sink_free(wsl__vote_sink *s);
/* Room for rows rows (new cells abstain). WSL_ENOMEM. */
wsl_status wsl__sink_reserve(wsl__vote_sink *s, size_t rows);
/* Append m votes. WSL_ENOMEM. */
wsl_status wsl__sink_push_row(wsl__vote_sink *s, const int32_t *row);
/* Set cell (i, j) of a reserved row i (i < cap); n becomes at least i + 1. WSL_ENOMEM (widening). */
wsl_status wsl__sink_set(wsl__vote_sink *s, size_t i, size_t j, int32_t v);
/* The k the result will have: the given one, or 1 + the largest vote, at least 2. */
int32_t wsl__sink_k(const wsl__vote_sink *s);
/* Build the label matrix (the sink is emptied either way). WSL_EINVAL (bad storage), WSL_ENOMEM. */
wsl_status wsl__sink_finish(wsl__vote_sink *s, wsl_storage storage, wsl_label_matrix **out);

/* ---------------------------------------------------------------- Records (records.c) */

typedef struct wsl_records wsl_records;
/* JSON Lines records from r (fields already checked); what wsl_records_read() and
 * wsl_records_read_mem() do once their source is open. */
wsl_status wsl__records_read(wsl_records **out, wsl__reader *r, const char *fn,
                             const char *const *fields, size_t n_fields);

/* ---------------------------------------------------------------- Output (atomic.c) */

/*
 * A file being written. Regular files (new or existing) are written to a temporary file in the
 * same directory, flushed, fsync'ed and renamed into place by wsl__out_commit(); anything else
 * that exists (a character device such as /dev/full or /dev/stdout, a FIFO) is written in place.
 * Output errors are sticky: writers may check wsl__out_failed() once per row.
 */
typedef struct wsl__out {
    wsl_allocator a;
    const char *fn;        /* calling public function, for messages */
    const char *path;      /* as given */
    char *target;          /* resolved final path (symlinks followed) */
    char *tmp;             /* temporary path, or NULL when writing in place */
    FILE *fp;
    unsigned char *buf;    /* stdio buffer, allocated with a */
    int err;               /* first errno seen while writing, 0 if none */
} wsl__out;

/* Open path for writing. WSL_EIO (message names the path and system error), WSL_ENOMEM. */
wsl_status wsl__out_open(wsl__out *o, const char *fn, const char *path, const wsl_allocator *alloc);
/* Flush, sync and rename into place; then release. WSL_EIO. On failure the target is untouched. */
wsl_status wsl__out_commit(wsl__out *o);
/* Drop the output (unlink the temporary file) and release. Safe on a zeroed wsl__out. */
void wsl__out_abort(wsl__out *o);

void wsl__out_bytes(wsl__out *o, const void *data, size_t len);
void wsl__out_str(wsl__out *o, const char *s);
void wsl__out_char(wsl__out *o, char c);
void wsl__out_i64(wsl__out *o, int64_t v);
void wsl__out_u64(wsl__out *o, uint64_t v);
/* Shortest text of "%.17g" in the C locale (round-trips exactly). */
void wsl__out_double(wsl__out *o, double v);
bool wsl__out_failed(const wsl__out *o);
/* WSL_EIO with the path and the sticky error. */
wsl_status wsl__out_error(const wsl__out *o);

/* strerror into a caller buffer (thread-safe). */
const char *wsl__strerror_r(int err, char *buf, size_t cap);

/* ---------------------------------------------------------------- Format readers and writers */

/* Resolved read options (defaults applied, validated). */
wsl_status wsl__read_options_resolve(const char *fn, const wsl_read_options *opts,
                                     wsl_read_options *out);

wsl_status wsl__csv_read(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                         wsl_label_matrix **out);
/* As wsl__csv_read, for a shard of a file that starts after line 1: m_first (> 0) is the number
 * of fields on the file's line 1, which every line must have, and no byte order mark is
 * skipped; 0 = the start of the file. */
wsl_status wsl__csv_read_m(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                           size_t m_first, wsl_label_matrix **out);
wsl_status wsl__csv_write(wsl__out *o, const wsl_label_matrix *L);

wsl_status wsl__triples_read(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                             wsl_label_matrix **out);
wsl_status wsl__triples_write(wsl__out *o, const wsl_label_matrix *L);

wsl_status wsl__npy_read_votes(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                               wsl_label_matrix **out);
/* Rows [shard * n / n_shards, (shard + 1) * n / n_shards) of a .npy file: C order reads only
 * those rows' bytes (a seek past the others), Fortran order reads all and keeps them. */
wsl_status wsl__npy_read_votes_shard(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                                     size_t shard, size_t n_shards, wsl_label_matrix **out);
wsl_status wsl__npy_write_votes(wsl__out *o, const wsl_label_matrix *L);
wsl_status wsl__npy_read_probs(wsl__reader *r, const char *fn, const wsl_allocator *alloc,
                               double **out, size_t *n_out, size_t *k_out);
wsl_status wsl__npy_write_probs(wsl__out *o, const double *probs, size_t n, size_t k);

/* Gold labels from r (one integer per line; k > 0: in -1..k-1), allocated with r->a. */
wsl_status wsl__gold_read(wsl__reader *r, const char *fn, int32_t k, int32_t **out,
                          size_t *n_out);
/* An n x k probability matrix in CSV from r, allocated with a. */
wsl_status wsl__probs_read_csv(wsl__reader *r, const char *fn, const wsl_allocator *a,
                               double **out, size_t *n_out, size_t *k_out);

wsl_status wsl__wrench_read(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                            wsl_label_matrix **votes_out, int32_t **gold_out);
wsl_status wsl__wrench_write(wsl__out *o, const wsl_label_matrix *L, const int32_t *gold);

#endif
