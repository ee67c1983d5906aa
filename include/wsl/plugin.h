/*
 * libwsl — LF plugins: labeling functions compiled into a shared object that `wsl apply --lfs`
 * (or any program, through wsl_plugin_open()) loads and runs over JSON Lines or CSV records.
 *
 * A plugin exports one table, `const wsl_plugin wsl_plugin_table`: the classes, the LFs (name,
 * callback, payload), optional preprocessors, the record fields the LFs need, and optional
 * init/fini hooks. Each LF receives a `const wsl_record *` as in->record and reads fields by
 * name with wsl_record_string() / wsl_record_number() (include/wsl/records.h). A plugin with two
 * classes and three LFs is a few lines:
 *
 *     #include <wsl/plugin.h>
 *     #include <string.h>
 *
 *     static int32_t has_link(const wsl_lf_input *in, void *payload)
 *     {
 *         const char *text = wsl_record_string(in->record, "text");
 *         (void)payload;
 *         return text && strstr(text, "http") ? 1 : WSL_ABSTAIN;
 *     }
 *     ... two more LFs ...
 *     static const char *const classes[] = {"ham", "spam"};
 *     static const wsl_plugin_lf lfs[] = {WSL_LF(has_link), WSL_LF(says_thanks),
 *                                         WSL_LF(is_short)};
 *     WSL_PLUGIN(classes, lfs);
 *
 * and builds with `cc -shared -fPIC -o mylfs.so mylfs.c` (add -I for the headers; do not link
 * libwsl: the plugin uses the libwsl of the program that loads it, whose symbols must be
 * global — a program that itself dlopens libwsl must do so with RTLD_GLOBAL). For preprocessors, required
 * fields or hooks, write the table out with designated initializers after WSL_PLUGIN_TABLE =
 * { WSL_PLUGIN_HEADER, ... } (examples/plugin/ does).
 *
 * The table is versioned: abi_version and struct_size record the header it was compiled with, so
 * a plugin built for another ABI is refused with a message instead of being misread. LFs are
 * called concurrently from several threads (wsl apply -j N): keep them free of shared mutable
 * state, or guard it.
 */
#ifndef WSL_PLUGIN_H
#define WSL_PLUGIN_H

#include "wsl/common.h"
#include "wsl/lf.h"
#include "wsl/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The plugin ABI this header describes; bumped on any incompatible change of wsl_plugin. */
#define WSL_PLUGIN_ABI_VERSION 1
/** The symbol a plugin exports. */
#define WSL_PLUGIN_SYMBOL "wsl_plugin_table"
/** Most LFs / preprocessors / required fields a table may list. */
#define WSL_PLUGIN_MAX_ITEMS 10000

/** One LF of a plugin. */
typedef struct wsl_plugin_lf {
    const char *name;  /**< unique, non-empty, no commas or control characters */
    wsl_lf_fn fn;      /**< in->record is a const wsl_record * */
    void *payload;     /**< passed to fn */
} wsl_plugin_lf;

/** The table a plugin exports as wsl_plugin_table. */
typedef struct wsl_plugin {
    unsigned int abi_version;      /**< WSL_PLUGIN_ABI_VERSION (set by WSL_PLUGIN_HEADER) */
    size_t struct_size;            /**< sizeof(wsl_plugin) (set by WSL_PLUGIN_HEADER) */
    const char *name;              /**< NULL, or the plugin's name for messages */
    int32_t k;                     /**< classes, 1..WSL_MAX_CARDINALITY */
    const char *const *class_names;/**< NULL, or k distinct non-empty names */
    const wsl_plugin_lf *lfs;      /**< n_lfs LFs, at least one; column j of the votes is lfs[j] */
    size_t n_lfs;
    const wsl_preprocessor *preprocessors; /**< NULL, or n_preprocessors, run in order */
    size_t n_preprocessors;
    const char *const *fields;     /**< NULL, or n_fields record fields the LFs need: a CSV
                                        header must name them, a JSON record must have them */
    size_t n_fields;
    int (*init)(void);             /**< NULL, or called once after loading (a file opened
                                        again while open is initialized already); non-zero
                                        fails the load (it may say why with
                                        wsl_plugin_set_error) */
    void (*fini)(void);            /**< NULL, or called once, when the last open handle of the
                                        file closes (not after a failed init) */
} wsl_plugin;

#if defined(__cplusplus)
#define WSL_PLUGIN_EXTERN extern "C"
#else
#define WSL_PLUGIN_EXTERN
#endif
#if defined(__GNUC__) || defined(__clang__)
#define WSL_PLUGIN_VISIBLE __attribute__((visibility("default")))
#else
#define WSL_PLUGIN_VISIBLE
#endif

/** Declares the exported table; follow it with `= { WSL_PLUGIN_HEADER, .k = ..., ... };` */
#define WSL_PLUGIN_TABLE WSL_PLUGIN_EXTERN WSL_PLUGIN_VISIBLE const wsl_plugin wsl_plugin_table
/** The version fields of a table written out with designated initializers. */
#define WSL_PLUGIN_HEADER .abi_version = WSL_PLUGIN_ABI_VERSION, .struct_size = sizeof(wsl_plugin)
/** An LF entry named after its function, without payload. */
#define WSL_LF(fn) {#fn, fn, NULL}
/** Elements of an array (not a pointer). */
#define WSL_PLUGIN_COUNT(array) (sizeof(array) / sizeof((array)[0]))
/** The whole table from an array of class names (k is its length) and an array of LFs. */
#define WSL_PLUGIN(class_names_, lfs_)                                                          \
    WSL_PLUGIN_TABLE = {WSL_PLUGIN_ABI_VERSION, sizeof(wsl_plugin), NULL,                       \
                        (int32_t)WSL_PLUGIN_COUNT(class_names_), class_names_, lfs_,            \
                        WSL_PLUGIN_COUNT(lfs_), NULL, 0, NULL, 0, NULL, NULL}

/**
 * Check a table: ABI version and size, k, class names, LFs (names unique and valid, callbacks
 * set), preprocessors, fields. The message names what is wrong ("lfs[3] (\"kw_free\"): fn is
 * NULL"). Reads nothing beyond the counts the table gives.
 * @return WSL_OK, WSL_EINVAL (NULL table), WSL_EFORMAT (a table that is wrong or contradicts
 *         itself), WSL_ERANGE (an ABI version or table size this libwsl cannot read).
 * @since 0.1
 */
WSL_API wsl_status wsl_plugin_check(const wsl_plugin *table);

/**
 * Check the table and build an LF set of its LFs and preprocessors, in table order.
 * @return as wsl_plugin_check(); WSL_ENOMEM. *out is NULL on failure.
 * @since 0.1
 */
WSL_API wsl_status wsl_plugin_lf_set(const wsl_plugin *table, wsl_lf_set **out,
                                     const wsl_allocator *alloc);

/**
 * Apply an LF set to every record of a stream, in order: each LF and preprocessor gets the
 * record as in->record (a const wsl_record *). Memory is the label matrix and one batch of
 * records, whatever the length of the stream. Options and report as wsl_lf_apply_stream();
 * opts->progress counts records (total 0: unknown; wsl_record_stream_progress() gives bytes).
 * @return as wsl_lf_apply_stream(). When the records are at fault, the stream's status and
 *         message (WSL_EFORMAT naming path:line, WSL_EIO, ...); when an LF or preprocessor
 *         fails, WSL_ECALLBACK with the record's line in the message.
 * @since 0.1
 */
WSL_API wsl_status wsl_lf_apply_records(wsl_label_matrix **out, const wsl_lf_set *set,
                                        wsl_record_stream *records,
                                        const wsl_apply_options *opts, wsl_apply_report *report);

/** A loaded plugin. */
typedef struct wsl_plugin_lib wsl_plugin_lib;

/**
 * Load a plugin: open the shared object (a path without '/' is taken relative to the current
 * directory, never searched for), find wsl_plugin_table, check it, call init.
 * @return WSL_OK, WSL_EINVAL (NULL), WSL_EIO (the object cannot be loaded: the message gives
 *         the loader's reason), WSL_EFORMAT (no wsl_plugin_table symbol, or a bad table),
 *         WSL_ERANGE (ABI mismatch), WSL_ECALLBACK (init failed), WSL_ENOMEM. *out is NULL on
 *         failure, and the object is unloaded.
 * @since 0.1
 */
WSL_API wsl_status wsl_plugin_open(wsl_plugin_lib **out, const char *path);

/** The loaded table (NULL for NULL). Valid until wsl_plugin_close(). @since 0.1 */
WSL_API const wsl_plugin *wsl_plugin_lib_table(const wsl_plugin_lib *lib);

/** Call fini and unload. Sets made from the table must be freed first. NULL is a no-op.
 *  @since 0.1 */
WSL_API void wsl_plugin_close(wsl_plugin_lib *lib);

/** For a plugin's init: the message wsl_plugin_open() reports when init fails. @since 0.1 */
WSL_API void wsl_plugin_set_error(const char *message);

#ifdef __cplusplus
}
#endif

#endif /* WSL_PLUGIN_H */
