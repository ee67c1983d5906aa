/*
 * libwsl — records from JSON Lines files: one JSON object per line, as in the benchmark's
 * texts_*.jsonl ({"text": ..., "label": ...}). The reader keeps only the fields asked for, as
 * text, so a file of a million records costs its values and little more.
 *
 * Blank lines are skipped (so a row is not always a line: wsl_records_line() maps back); a
 * UTF-8 byte order mark at the start is skipped. Any other line that is not a JSON object is
 * refused with WSL_EFORMAT and a message naming the file, the line and the column. A string
 * holding "\u0000" is cut at it.
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

#ifdef __cplusplus
}
#endif

#endif /* WSL_RECORDS_H */
