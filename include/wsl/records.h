/*
 * libwsl — records from JSON Lines files: one JSON object per line, as in the benchmark's
 * texts_*.jsonl ({"text": ..., "label": ...}). The reader keeps only the fields asked for, as
 * text, so a file of a million records costs its values and little more.
 *
 * Blank lines are skipped (so a row is not always a line: wsl_records_line() maps back); a
 * UTF-8 byte order mark at the start is skipped. Any other line that is not a JSON object is
 * refused with WSL_EFORMAT and a message naming the file, the line and the column, and so is a
 * line holding a NUL byte (JSON has none outside "\u0000"). A string holding "\u0000" is cut
 * at it.
 */
#ifndef WSL_RECORDS_H
#define WSL_RECORDS_H

#include "wsl/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wsl_records wsl_records;

/**
 * Read a JSON Lines file, keeping the named top-level fields of every object.
 * @param fields    n_fields distinct field names (case-sensitive), at least one.
 * @return WSL_OK, WSL_EINVAL (NULL arguments, no field, an empty or repeated name),
 *         WSL_EIO (cannot open or read; the message names the path), WSL_EFORMAT (a line that
 *         is not a JSON object, or longer than 64 MiB: path:line:column), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_records_read(wsl_records **out, const char *path,
                                    const char *const *fields, size_t n_fields,
                                    const wsl_allocator *alloc);

/**
 * As wsl_records_read(), from bytes in memory; name is used in messages (NULL = "<memory>").
 * @return as wsl_records_read(), without WSL_EIO.
 * @since 0.1
 */
WSL_API wsl_status wsl_records_read_mem(wsl_records **out, const char *data, size_t len,
                                        const char *name, const char *const *fields,
                                        size_t n_fields, const wsl_allocator *alloc);

/** Free records. NULL is a no-op. @since 0.1 */
WSL_API void wsl_records_free(wsl_records *records);

/** Records read (0 for NULL). @since 0.1 */
WSL_API size_t wsl_records_count(const wsl_records *records);

/** The 1-based line of record row in its file (0 for NULL or row out of range). @since 0.1 */
WSL_API size_t wsl_records_line(const wsl_records *records, size_t row);

/**
 * Field `field` (an index into the names given when reading) of record `row`, as text: a
 * string's value, a number, true or false, an object or array in compact JSON. NULL when the
 * field is absent or null (or row or field is out of range). Borrowed: valid until the records
 * are freed.
 * @since 0.1
 */
WSL_API const char *wsl_records_get(const wsl_records *records, size_t row, size_t field);

/**
 * Every record's value of a string field, borrowed as above, into out[0..count).
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ERANGE (field out of range), WSL_EBUFS (out_len <
 *         count; nothing written), WSL_EFORMAT (a record where the field is absent, null or
 *         not a string: the message names the line).
 * @since 0.1
 */
WSL_API wsl_status wsl_records_texts(const wsl_records *records, size_t field, const char **out,
                                     size_t out_len);

/**
 * Every record's value of an integer label field into out[0..count); absent or null = -1
 * (unknown).
 * @param k  with k > 0 labels must be in -1..k-1; k == 0 accepts any label >= -1.
 * @return WSL_OK, WSL_EINVAL (NULL, k < 0), WSL_ERANGE (field out of range, or a label outside
 *         -1..k-1: the message names the line), WSL_EBUFS (nothing written), WSL_EFORMAT (a
 *         value that is not an integer: the message names the line).
 * @since 0.1
 */
WSL_API wsl_status wsl_records_labels(const wsl_records *records, size_t field, int32_t k,
                                      int32_t *out, size_t out_len);

/* ---------------------------------------------------------------- Record streams */

/*
 * A record stream reads JSON Lines or CSV records a batch at a time, whole records with every
 * field, for LFs to read by field name (wsl apply --lfs). Memory is one batch of records, however
 * long the file.
 *
 * - JSON Lines: one JSON object per line; blank lines are skipped. Each record is the parsed
 *   object (wsl_record_json() gives the cJSON tree).
 * - CSV (RFC 4180): a header line names the columns (distinct, non-empty); every record has as
 *   many fields as the header. Fields may be quoted ("a, b", "say ""hi""", line breaks inside
 *   quotes, read as "\n"); a quote inside an unquoted field is kept as a character. Empty lines
 *   are skipped (a line of blanks is a record: in a one-column file, a value).
 * Either may start with a UTF-8 byte order mark and use "\r\n" line ends.
 *
 * A malformed record (JSON that does not parse or is not an object, a CSV record with the wrong
 * number of fields or text after a closing quote, a NUL byte, a record without one of the
 * required fields)
 * is WSL_EFORMAT with "path:line:column" — or, with skip_bad, is counted, reported to on_bad and
 * skipped (a CSV record spanning lines is skipped whole: its quotes still say where it ends).
 * A line longer than 64 MiB, a quoted CSV field running that long, or one still open at the end
 * of the input always stops the stream: nothing after it can be trusted to start a record.
 *
 * cJSON's parser keeps a global error position: libwsl serializes its JSON parsing, so streams
 * may be read on several threads at once.
 */

/** A record of a stream; valid until the next batch is read. */
typedef struct wsl_record wsl_record;
typedef struct wsl_record_stream wsl_record_stream;

typedef enum wsl_records_format {
    WSL_RECORDS_AUTO = 0, /**< by extension: .csv is CSV, anything else JSON Lines */
    WSL_RECORDS_JSONL = 1,
    WSL_RECORDS_CSV = 2
} wsl_records_format;

/** Called for each skipped record: its first line and the message naming path:line:col. */
typedef void (*wsl_bad_record_fn)(size_t line, const char *message, void *payload);

typedef struct wsl_record_stream_options {
    unsigned int version;         /**< WSL_RECORD_STREAM_OPTIONS_VERSION */
    wsl_records_format format;
    int skip_bad;                 /**< 1: count and skip malformed records instead of failing */
    const char *const *required;  /**< NULL, or n_required field names every record must have
                                       (CSV: columns of the header; JSON Lines: present and not
                                       null in every object) */
    size_t n_required;
    wsl_bad_record_fn on_bad;     /**< NULL, or told of each skipped record */
    void *on_bad_payload;
} wsl_record_stream_options;

#define WSL_RECORD_STREAM_OPTIONS_VERSION 1
#define WSL_RECORD_STREAM_OPTIONS_INIT                                                          \
    {WSL_RECORD_STREAM_OPTIONS_VERSION, WSL_RECORDS_AUTO, 0, NULL, 0, NULL, NULL}

/**
 * Open a stream over a file (a FIFO or /dev/stdin works: progress is then unknown). A CSV
 * header is read and checked here.
 * @param opts  NULL: WSL_RECORD_STREAM_OPTIONS_INIT.
 * @return WSL_OK, WSL_EINVAL (NULL, bad options: the message names the field), WSL_EIO (the
 *         message names the path), WSL_EFORMAT (a CSV header that is missing, has an empty or
 *         repeated name, or lacks a required column), WSL_ENOMEM. *out is NULL on failure.
 * @since 0.1
 */
WSL_API wsl_status wsl_record_stream_open(wsl_record_stream **out, const char *path,
                                          const wsl_record_stream_options *opts,
                                          const wsl_allocator *alloc);

/** As wsl_record_stream_open(), over bytes in memory (not copied: keep them alive); name is
 *  used in messages (NULL = "<memory>") and, with WSL_RECORDS_AUTO, for the extension.
 *  @since 0.1 */
WSL_API wsl_status wsl_record_stream_open_mem(wsl_record_stream **out, const char *data,
                                              size_t len, const char *name,
                                              const wsl_record_stream_options *opts,
                                              const wsl_allocator *alloc);

/**
 * Read the next batch: up to max records into recs[0..*got). *got == 0 means the end. The
 * records (and the previous batch's are freed) stay valid until the next call or the close.
 * @return WSL_OK, WSL_EINVAL (NULL, max 0), WSL_EFORMAT (a malformed record without
 *         skip_bad, or a line too long), WSL_EIO, WSL_ENOMEM. After an error the stream
 *         only closes.
 * @since 0.1
 */
WSL_API wsl_status wsl_record_stream_next(wsl_record_stream *s, const wsl_record **recs,
                                          size_t max, size_t *got);

/** Records skipped as malformed so far (0 for NULL). @since 0.1 */
WSL_API size_t wsl_record_stream_skipped(const wsl_record_stream *s);

/** The format being read (JSONL or CSV, never AUTO; AUTO for NULL). @since 0.1 */
WSL_API wsl_records_format wsl_record_stream_format(const wsl_record_stream *s);

/**
 * Bytes consumed so far into *done and the input's size into *total (0 when unknown: a pipe).
 * @since 0.1
 */
WSL_API void wsl_record_stream_progress(const wsl_record_stream *s, uint64_t *done,
                                        uint64_t *total);

/** Close the stream and free the current batch. NULL is a no-op. @since 0.1 */
WSL_API void wsl_record_stream_close(wsl_record_stream *s);

/**
 * A string field of a record: a JSON string's value (cut at "\u0000"), or a CSV cell (an empty
 * cell is ""). NULL when the record has no such field, it is null, or it is not a string (a JSON
 * number, object, ...). Borrowed like the record. Field names are case-sensitive.
 * @since 0.1
 */
WSL_API const char *wsl_record_string(const wsl_record *rec, const char *field);

/**
 * A numeric field of a record into *out: a finite JSON number (1e999 is not), or a CSV cell
 * holding a finite number (blanks around it allowed). @return 1 when *out was set, 0 otherwise (absent, null, empty,
 * not a number, NULL arguments).
 * @since 0.1
 */
WSL_API int wsl_record_number(const wsl_record *rec, const char *field, double *out);

/** The 1-based line where the record starts (0 for NULL). @since 0.1 */
WSL_API size_t wsl_record_line(const wsl_record *rec);

/** The record's JSON object (a `const cJSON *`) for JSON Lines, NULL for CSV. @since 0.1 */
WSL_API const void *wsl_record_json(const wsl_record *rec);

#ifdef __cplusplus
}
#endif

#endif /* WSL_RECORDS_H */
