/*
 * libwsl — labeling functions (LFs) written in C, and the applier that runs them over records.
 *
 * An LF is a callback with a name and a user payload (Snorkel's "resources"): it receives one
 * record and returns a class 0..k-1 or WSL_ABSTAIN. Preprocessors compute a per-record view once
 * (tokens, lower-cased text, parsed fields); every LF of the set sees every view, so no LF
 * recomputes what a preprocessor made.
 *
 * The applier runs an LF set over n records given as an array with a stride, or pulled in chunks
 * from an iterator (a stream of unknown length), and produces a label matrix in record order.
 * With n_threads > 1 the result is identical, row for row, to the serial one.
 */
#ifndef WSL_LF_H
#define WSL_LF_H

#include "wsl/common.h"
#include "wsl/votes.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What an LF (or slicing function) sees of one record. */
typedef struct wsl_lf_input {
    const void *record;       /**< the record, as given to the applier */
    size_t index;             /**< its row index (0-based, in input order) */
    const void *const *views; /**< views[p]: the view made by preprocessor p (NULL if none) */
} wsl_lf_input;

/** An LF returns a class 0..k-1, WSL_ABSTAIN, or WSL_LF_ERROR (any value < -1) on failure. */
#define WSL_LF_ERROR (-2)

/** A labeling function. Called concurrently from several threads when n_threads > 1. */
typedef int32_t (*wsl_lf_fn)(const wsl_lf_input *in, void *payload);

/**
 * A preprocessor: fills `view` (view_size bytes, zeroed before each record) from the record.
 * Each worker thread allocates its views once per apply; run() is called exactly once per
 * record, before the LFs, and clear() once after them for every run() that was called (the
 * failing one included: its view was zeroed, so clear() sees zeros or what run() left there).
 */
typedef struct wsl_preprocessor {
    const char *name;          /**< unique within the set, copied */
    size_t view_size;          /**< bytes of the view, >= 1 */
    /** Fill the view; return 0, or a negative value on failure (the record faults). */
    int (*run)(const wsl_lf_input *in, void *view, void *payload);
    /** NULL, or release what run() allocated inside the view (called after the LFs, also
        after a failed run()). */
    void (*clear)(void *view, void *payload);
    void *payload;
} wsl_preprocessor;

typedef struct wsl_lf_set wsl_lf_set;

/**
 * Create an empty LF set for k classes.
 * @return WSL_OK, WSL_EINVAL (NULL out, k outside 1..WSL_MAX_CARDINALITY), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_set_create(wsl_lf_set **out, int32_t k, const wsl_allocator *alloc);

/** Free an LF set. NULL is a no-op. @since 0.1 */
WSL_API void wsl_lf_set_free(wsl_lf_set *set);

/**
 * Add an LF; its column in the label matrix is its position of addition. The name is copied and
 * must be unique, non-empty, and free of control characters and commas.
 * @return WSL_OK, WSL_EINVAL (NULL, bad or duplicate name: the message names it), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_set_add(wsl_lf_set *set, const char *name, wsl_lf_fn fn, void *payload);

/**
 * Add a preprocessor; *index_out (may be NULL) receives its index p into wsl_lf_input.views.
 * Preprocessors run in order of addition, so a later one may read an earlier one's view.
 * @return WSL_OK, WSL_EINVAL (NULL, missing run, view_size 0, bad or duplicate name), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_set_add_preprocessor(wsl_lf_set *set, const wsl_preprocessor *pp,
                                               size_t *index_out);

/** Number of LFs (0 for NULL). @since 0.1 */
WSL_API size_t wsl_lf_set_size(const wsl_lf_set *set);
/** Classes k (0 for NULL). @since 0.1 */
WSL_API int32_t wsl_lf_set_cardinality(const wsl_lf_set *set);
/** Name of LF j, borrowed until the set is freed; NULL if j is out of range. @since 0.1 */
WSL_API const char *wsl_lf_set_name(const wsl_lf_set *set, size_t j);
/**
 * Index of the LF with this name.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_ERANGE (no LF has that name).
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_set_find(const wsl_lf_set *set, const char *name, size_t *out);

/* ---------------------------------------------------------------- Applying */

/** Options of the applier. */
typedef struct wsl_apply_options {
    unsigned int version;       /**< WSL_APPLY_OPTIONS_VERSION */
    int n_threads;              /**< >= 1; the result never depends on it */
    int fault_tolerant;         /**< 0: the first fault stops the apply; 1: a faulting vote
                                     (or preprocessor) becomes WSL_ABSTAIN and is counted */
    wsl_storage storage;        /**< storage of the label matrix */
    size_t chunk_size;          /**< records per chunk, 1..2^30: workers take chunks in turn,
                                     and a stream is read chunk_size * n_threads at a time */
    wsl_progress_fn progress;   /**< NULL, or called on the calling thread after chunks finish
                                     (and once at the end) with records done / total (0 if
                                     unknown); a non-zero return cancels: WSL_ECALLBACK */
    void *progress_payload;
} wsl_apply_options;

#define WSL_APPLY_OPTIONS_VERSION 1
#define WSL_APPLY_OPTIONS_INIT {WSL_APPLY_OPTIONS_VERSION, 1, 0, WSL_STORAGE_DENSE, 4096, NULL, NULL}

/** Check apply options; the message names the field. @return WSL_OK, WSL_EINVAL. @since 0.1 */
WSL_API wsl_status wsl_apply_options_validate(const wsl_apply_options *opts);

/**
 * What an apply did. Set lf_faults to a caller array of lf_faults_len >= number of LFs to get
 * per-LF fault counts (a failing preprocessor counts once for every LF of that record).
 */
typedef struct wsl_apply_report {
    size_t n_records;           /**< out: records labelled */
    size_t n_faults;            /**< out: faulting votes, in total */
    size_t first_fault_record;  /**< out: record index of the first fault (SIZE_MAX if none) */
    size_t *lf_faults;          /**< in: NULL, or an array receiving per-LF fault counts */
    size_t lf_faults_len;       /**< in: its length */
} wsl_apply_report;

/**
 * Apply every LF to n records laid out at `records + i * stride` (stride in bytes, >= 1).
 * Row i of the result holds record i's votes, column j LF j's. With opts->n_threads > 1 the
 * calling thread and n_threads - 1 new threads take fixed chunks of records; each writes its
 * rows at their final position, so the matrix is the serial one, row for row. On a fault the
 * reported record is the smallest faulting index whatever the thread count. In fault-tolerant
 * mode a faulting vote becomes WSL_ABSTAIN and is counted in the report instead.
 * Cost: one indirect call per (record, LF), its vote stored straight into the compact cells;
 * no allocation, no lock and no atomic read-modify-write per record.
 * @param[out] out     the n x m label matrix; NULL on failure (nothing partial is returned).
 * @param report       NULL, or filled (see wsl_apply_report); when a fault stops the apply,
 *                     only first_fault_record is set: the record that faulted.
 * The set is only read: one set may be applied from several threads at once.
 * @return WSL_OK, WSL_EINVAL (NULL, bad options, empty set), WSL_EBUFS (report->lf_faults
 *         shorter than the set), WSL_ECALLBACK (an LF returned
 *         WSL_LF_ERROR or a value outside -1..k-1, or a preprocessor failed — the message names
 *         the LF or preprocessor and the record index — or the progress callback cancelled),
 *         WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_apply(wsl_label_matrix **out, const wsl_lf_set *set, const void *records,
                                size_t n, size_t stride, const wsl_apply_options *opts,
                                wsl_apply_report *report);

/**
 * A record source for streams: write up to `max` record pointers into records[] and return how
 * many (0 = end of stream; fewer than max does not end it). Return a negative value to signal
 * an error (WSL_ECALLBACK). Called on the calling thread only. The pointers must stay valid
 * until the next call: the applier labels each batch before asking for the next one.
 */
typedef long (*wsl_record_iter_fn)(const void **records, size_t max, void *payload);

/**
 * Apply every LF to records pulled from an iterator, chunk_size * n_threads at a time; memory
 * is the label matrix plus one batch of pointers. The result equals wsl_lf_apply() on the same
 * records, whatever the batch sizes the iterator returns. Progress totals are 0 (unknown).
 * @return as wsl_lf_apply(); also WSL_ECALLBACK when the iterator fails or returns more than
 *         max records.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_apply_stream(wsl_label_matrix **out, const wsl_lf_set *set,
                                       wsl_record_iter_fn next, void *payload,
                                       const wsl_apply_options *opts, wsl_apply_report *report);


/* ---------------------------------------------------------------- Dictionary LFs */

/*
 * A dictionary: thousands of terms indexed once (Aho-Corasick), then matched against a text in
 * one pass over its bytes, whatever the number of terms. Each term carries the class it votes,
 * so one dictionary can vote several classes.
 *
 * Complexity, for n terms of L bytes in all and a text of t bytes:
 * - build: O(L log 256 + n log n) time; memory about 28 bytes per trie node (at most L + 1
 *   nodes: 20 for the node, 8 for the edge into it) plus 1 KB for the root's direct table.
 *   Transitions are per-node edge arrays sorted by byte, stored contiguously in one array.
 * - match: O(t log 256 + matches): the automaton never backs up (goto, failure and output
 *   links), whatever the number of terms and however they overlap. Dictionaries voting more
 *   than 64 distinct classes rescan the text once per further 64 classes actually matched to
 *   count the majority exactly without allocating.
 * Matching works on bytes: UTF-8 terms match UTF-8 text, and ignore_case folds ASCII only.
 */
typedef struct wsl_dict wsl_dict;

typedef struct wsl_dict_options {
    unsigned int version;  /**< WSL_DICT_OPTIONS_VERSION */
    int whole_word;        /**< 1: a match must start and end at word boundaries, as regex
                                \b: no word character (ASCII letter or digit) may continue it
                                on either side ("sub" does not match in "subscribe"; "sub!"
                                matches in "sub!x") */
    int ignore_case;       /**< 1: ASCII letters match either case */
} wsl_dict_options;

#define WSL_DICT_OPTIONS_VERSION 1
#define WSL_DICT_OPTIONS_INIT {WSL_DICT_OPTIONS_VERSION, 1, 1}

/**
 * Build a dictionary from n terms (NUL-terminated, copied into the index). classes: NULL
 * (every term votes class 0) or n classes >= 0. Empty terms are an error; a repeated term
 * (after case folding, with ignore_case) keeps its first class. opts NULL: WSL_DICT_OPTIONS_INIT
 * (whole words, ignoring case).
 * @return WSL_OK, WSL_EINVAL (NULL, empty term, negative class, bad options: the message names
 *         the field), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_dict_create(wsl_dict **out, const char *const *terms,
                                   const int32_t *classes, size_t n,
                                   const wsl_dict_options *opts, const wsl_allocator *alloc);

/** wsl_dict_load(): read each term's class from its line ("term<TAB>class"). */
#define WSL_DICT_CLASS_IN_FILE (-1)

/**
 * Build a dictionary from a file with one term per line (UTF-8; a byte order mark, "\r\n"
 * endings, trailing blanks and blank lines are ignored), every term voting class cls, or with
 * cls = WSL_DICT_CLASS_IN_FILE, each line "term<TAB>class" with its own class (>= 0).
 * @return WSL_OK, WSL_EINVAL (NULL, cls < 0 and not WSL_DICT_CLASS_IN_FILE, bad options),
 *         WSL_EIO (cannot read; the message names the path), WSL_EFORMAT (a line without a
 *         valid class, a NUL byte in a term, or a line too long; the message names
 *         path:line), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_dict_load(wsl_dict **out, const char *path, int32_t cls,
                                 const wsl_dict_options *opts, const wsl_allocator *alloc);

/** Free a dictionary. NULL is a no-op. @since 0.1 */
WSL_API void wsl_dict_free(wsl_dict *dict);

/** Number of distinct terms (0 for NULL). @since 0.1 */
WSL_API size_t wsl_dict_size(const wsl_dict *dict);

/** What a text matched. */
typedef struct wsl_dict_match {
    size_t n_matches;      /**< matches, overlapping ones included (0: no match) */
    size_t first_term;     /**< index (in creation order) of the match that ends first (of
                                those ending at the same byte: the longest) */
    size_t first_offset;   /**< byte offset where that match starts */
    int32_t first_class;   /**< its class; WSL_ABSTAIN when nothing matched */
    int32_t majority_class;/**< the class most matches vote (ties: the lowest class);
                                WSL_ABSTAIN when nothing matched */
} wsl_dict_match;

/**
 * Match a text of len bytes (NULs included, no terminator needed) against every term in one
 * pass. Gives, in one call, whether anything matched (n_matches > 0), how many matches, the
 * first match and its class, and the majority class. Allocates nothing; safe to call
 * concurrently on one dictionary.
 * @return WSL_OK, WSL_EINVAL (NULL dict, out, or text with len > 0).
 * @since 0.1
 */
WSL_API wsl_status wsl_dict_find(const wsl_dict *dict, const char *text, size_t len,
                                 wsl_dict_match *out);

/** Extracts the text an LF should match from a record; *len receives its length. */
typedef const char *(*wsl_text_fn)(const wsl_lf_input *in, size_t *len, void *payload);

/**
 * Add an LF that votes the majority class of the dictionary's matches in the text that
 * text_fn extracts (abstaining without a match). The dictionary is borrowed: it must outlive
 * the set's use. A class >= k makes the apply fail like any out-of-range vote.
 * @return as wsl_lf_set_add().
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_set_add_dict(wsl_lf_set *set, const char *name, const wsl_dict *dict,
                                       wsl_text_fn text_fn, void *payload);

#ifdef __cplusplus
}
#endif

#endif /* WSL_LF_H */
