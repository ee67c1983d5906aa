/*
 * libwsl — reading and writing label matrices, gold labels and probabilities.
 *
 * Formats (wsl_format):
 * - CSV: one row per record, m comma-separated integers, -1 = abstain, no header
 *   (the layout of WRENCH-derived L_*.csv files).
 * - TRIPLES: long form, one vote per line: item,source,label (crowd-kit's layout). A first line
 *   that is not numeric is taken as a header and skipped. Written without a header, one line per
 *   non-abstain vote, so trailing rows or columns without votes come back only if n_points /
 *   n_sources are given when reading. When the shape is inferred, an item or source index of
 *   2^20 + 64 x (number of lines) or more is refused (WSL_EFORMAT), and so is a dense result of
 *   2^24 + 1024 x (number of lines) cells or more: give the shape for such files.
 * - NPY: NumPy .npy, 2-D integer matrices (int8/16/32/64, either byte order, C or Fortran order)
 *   in; probabilities are written as float64.
 * - WRENCH: WRENCH's JSON ({"id": {"label": y, "weak_labels": [...], "data": {...}}, ...}),
 *   rows in increasing numeric order of the keys.
 *
 * Readers reject malformed input with WSL_EFORMAT (or WSL_ERANGE for a vote outside -1..k-1)
 * and a message naming the file, line and column. Writers write a temporary file in the same
 * directory and rename it into place only when complete: a failed write leaves any previous file
 * untouched. A replaced file keeps its permission bits (a new one gets 0666 & ~umask), a symbolic
 * link keeps pointing at the replaced file, and a target that exists but is not a regular file
 * (/dev/stdout, a FIFO) is written in place.
 */
#ifndef WSL_IO_H
#define WSL_IO_H

#include "wsl/common.h"
#include "wsl/votes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** File formats. */
typedef enum wsl_format {
    WSL_FORMAT_AUTO = 0,    /**< by extension: .csv CSV, .npy NPY, .json WRENCH */
    WSL_FORMAT_CSV = 1,
    WSL_FORMAT_TRIPLES = 2,
    WSL_FORMAT_NPY = 3,
    WSL_FORMAT_WRENCH = 4
} wsl_format;

/** Name of a format ("csv", "triples", "npy", "wrench", "auto"); never NULL. @since 0.1 */
WSL_API const char *wsl_format_name(wsl_format format);

/**
 * Parse a format name ("csv", "triples", "npy", "wrench", "auto").
 * @return WSL_OK, WSL_EINVAL (NULL or unknown name).
 * @since 0.1
 */
WSL_API wsl_status wsl_format_parse(const char *name, wsl_format *out);

/**
 * The format a path implies by its extension (.csv, .npy, .json), or WSL_FORMAT_AUTO if none.
 * Triples are never guessed: they share .csv with dense matrices. @since 0.1
 */
WSL_API wsl_format wsl_format_from_path(const char *path);

/** Options for reading votes. */
typedef struct wsl_read_options {
    unsigned int version;        /**< WSL_READ_OPTIONS_VERSION */
    wsl_format format;           /**< WSL_FORMAT_AUTO: from the extension */
    int32_t cardinality;         /**< k, 1..WSL_MAX_CARDINALITY; 0 = infer as 1 + the largest
                                      vote, at least 2 */
    wsl_storage storage;         /**< storage of the result; AUTO picks the smaller */
    size_t n_points;             /**< TRIPLES only: rows; 0 = 1 + the largest item */
    size_t n_sources;            /**< TRIPLES only: columns; 0 = 1 + the largest source */
    const wsl_allocator *alloc;  /**< allocator of the result; NULL = C library */
} wsl_read_options;

#define WSL_READ_OPTIONS_VERSION 1
#define WSL_READ_OPTIONS_INIT {WSL_READ_OPTIONS_VERSION, WSL_FORMAT_AUTO, 0, WSL_STORAGE_AUTO, 0, 0, NULL}

/**
 * Check read options; the message names the field.
 * @return WSL_OK, WSL_EINVAL.
 * @since 0.1
 */
WSL_API wsl_status wsl_read_options_validate(const wsl_read_options *opts);

/**
 * Read a label matrix from a file.
 * @param opts  NULL = WSL_READ_OPTIONS_INIT.
 * @return WSL_OK, WSL_EINVAL (NULL arguments, bad options, no format from the extension),
 *         WSL_EIO (cannot open or read), WSL_EFORMAT (malformed: ragged rows, non-numbers,
 *         truncated, wrong dtype, shape overflow), WSL_ERANGE (a vote outside -1..k-1),
 *         WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_votes_read(wsl_label_matrix **out, const char *path,
                                  const wsl_read_options *opts);

/**
 * Read a label matrix from bytes in memory; opts->format must not be WSL_FORMAT_AUTO.
 * name is used in messages (NULL = "<memory>").
 * @return as wsl_votes_read(), without WSL_EIO.
 * @since 0.1
 */
WSL_API wsl_status wsl_votes_read_mem(wsl_label_matrix **out, const char *data, size_t len,
                                      const char *name, const wsl_read_options *opts);

/**
 * Read shard `shard` of `n_shards` of a label matrix file: a contiguous block of its rows, the
 * blocks of shards 0..n_shards-1 in order covering every row once, so that n_shards processes
 * (MPI ranks) each read their own part of one file and their rows, put end to end, are the
 * file's. A CSV file is cut by bytes: a shard starts at the first line starting at or after
 * byte shard * size / n_shards and reads only its bytes (and line 1, for the number of
 * fields), so shards differ in rows by about a line's worth of bytes; a shard may be empty
 * (0 rows, the file's m columns) when lines are longer than size / n_shards. The other
 * formats keep rows [shard * n / n_shards, (shard + 1) * n / n_shards): a C-order .npy file by
 * reading only their bytes; WRENCH JSON, triples, Fortran-order .npy and CSV from a pipe by
 * reading the whole file. Errors name the file's line (or row), as wsl_votes_read() would.
 * Set opts->cardinality: with 0 each CSV shard infers k from its own votes.
 * @return as wsl_votes_read(); WSL_EINVAL also for shard >= n_shards.
 * @since 0.1
 */
WSL_API wsl_status wsl_votes_read_shard(wsl_label_matrix **out, const char *path,
                                        const wsl_read_options *opts, size_t shard,
                                        size_t n_shards);

/**
 * Write a label matrix (atomically). format WSL_FORMAT_AUTO: from the extension. WRENCH output
 * has "label": -1 and empty "data" for every record.
 * @return WSL_OK, WSL_EINVAL, WSL_EIO (the message names the path and the system error),
 *         WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_votes_write(const wsl_label_matrix *L, const char *path, wsl_format format);

/* ---------------------------------------------------------------- Gold labels */

/**
 * Read gold labels: one integer per line, -1 = unknown. With k > 0 every label must be in
 * -1..k-1 (WSL_ERANGE otherwise); k == 0 accepts any label >= -1 (WSL_ERANGE below).
 * The array is allocated with alloc (NULL = C library); release it with wsl_array_free().
 * @return WSL_OK, WSL_EINVAL, WSL_EIO, WSL_EFORMAT, WSL_ERANGE, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_gold_read(int32_t **out, size_t *n_out, const char *path, int32_t k,
                                 const wsl_allocator *alloc);

/**
 * Write gold labels, one per line (atomically).
 * @return WSL_OK, WSL_EINVAL (NULL, a label below -1), WSL_EIO, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_gold_write(const int32_t *gold, size_t n, const char *path);

/**
 * Read a WRENCH JSON split: votes, and (if gold_out is not NULL) the "label" of each record into
 * an array of n_points labels, released with wsl_array_free(). opts->format is ignored.
 * @return as wsl_votes_read().
 * @since 0.1
 */
WSL_API wsl_status wsl_wrench_read(wsl_label_matrix **votes_out, int32_t **gold_out,
                                   const char *path, const wsl_read_options *opts);

/**
 * Write a WRENCH JSON split (atomically); gold may be NULL (every "label" -1), otherwise it holds
 * n_points labels in -1..k-1.
 * @return WSL_OK, WSL_EINVAL, WSL_EIO, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_wrench_write(const wsl_label_matrix *L, const int32_t *gold,
                                    const char *path);

/* ---------------------------------------------------------------- Probabilities */

/**
 * Write an n x k row-major matrix of probabilities (atomically): WSL_FORMAT_CSV (n rows of k
 * comma-separated numbers printed to round-trip exactly, no header) or WSL_FORMAT_NPY (float64);
 * WSL_FORMAT_AUTO picks by extension.
 * @return WSL_OK, WSL_EINVAL (also for a NaN or infinite value), WSL_EIO, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_probs_write(const double *probs, size_t n, size_t k, const char *path,
                                   wsl_format format);

/**
 * The bytes wsl_probs_write() writes, in memory: format WSL_FORMAT_CSV (the rows, so the
 * buffers of consecutive blocks of rows, put end to end, are the file of all rows) or
 * WSL_FORMAT_NPY (a whole file). Release with wsl_buf_dispose().
 * @return WSL_OK, WSL_EINVAL (NULL, k == 0, another format, a value that is not finite),
 *         WSL_ENOMEM (out is then empty).
 * @since 0.1
 */
WSL_API wsl_status wsl_probs_write_buf(const double *probs, size_t n, size_t k,
                                       wsl_format format, wsl_buf *out);

/**
 * Write len bytes to path atomically, as every libwsl writer does (a temporary file in the same
 * directory, flushed, synced and renamed into place; see the top of this header).
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EIO (the message names the path and the system error).
 * @since 0.1
 */
WSL_API wsl_status wsl_bytes_write(const void *data, size_t len, const char *path);

/**
 * Read an n x k probability matrix from CSV or NPY (float32/float64); format AUTO by extension.
 * Release the array with wsl_array_free().
 * @return WSL_OK, WSL_EINVAL, WSL_EIO, WSL_EFORMAT (ragged, non-numbers, NaN), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_probs_read(double **out, size_t *n_out, size_t *k_out, const char *path,
                                  wsl_format format, const wsl_allocator *alloc);

/** Release an array returned by a libwsl reader, with the allocator it was read with. @since 0.1 */
WSL_API void wsl_array_free(void *array, const wsl_allocator *alloc);

/**
 * Save a pattern table — the sufficient statistics of a fit — to a binary, versioned file
 * (atomically), for partial fits and merges: load it, add votes (wsl_pattern_table_add) or
 * merge other tables (wsl_pattern_table_merge), and fit with wsl_label_model_fit_patterns().
 * The same table gives the same bytes however it was built. The layout is in the README.
 * @return WSL_OK, WSL_EINVAL, WSL_EIO, WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_save(const wsl_pattern_table *T, const char *path);

/**
 * Load a pattern table saved by wsl_pattern_table_save().
 * @return WSL_OK, WSL_EINVAL, WSL_EIO, WSL_EFORMAT (not a pattern table, an unknown version,
 *         truncated, votes out of order or range, a repeated pattern, counts that do not add up;
 *         a claimed size the file cannot hold is refused before allocating), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_load(wsl_pattern_table **out, const char *path,
                                          const wsl_allocator *alloc);

/**
 * The bytes wsl_pattern_table_save() writes, in memory (to send a table to another process).
 * Release them with wsl_buf_dispose().
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ENOMEM (out is then empty).
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_save_buf(const wsl_pattern_table *T, wsl_buf *out);

/**
 * Load a pattern table from the bytes of wsl_pattern_table_save() or _save_buf(); name is used
 * in messages (NULL = "<memory>").
 * @return as wsl_pattern_table_load(), without WSL_EIO.
 * @since 0.1
 */
WSL_API wsl_status wsl_pattern_table_load_buf(wsl_pattern_table **out, const void *data,
                                              size_t len, const char *name,
                                              const wsl_allocator *alloc);

#ifdef __cplusplus
}
#endif

#endif /* WSL_IO_H */
