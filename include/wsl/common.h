/*
 * libwsl — common definitions: export macro, status codes, errors, allocators, logging.
 *
 * Global rules (stated once, here and in the README):
 * - Every fallible function returns a wsl_status; WSL_OK (0) is success, errors are negative.
 *   After a failure, wsl_last_error() gives a message naming the function, the argument and the
 *   bad value. The message is thread-local and valid until the next failing call on that thread.
 * - Constructors write *out; on failure *out is NULL. Free functions accept NULL.
 * - Inputs are borrowed for the duration of a call and copied if kept.
 * - Distinct objects may be used from different threads freely. One object must not be used
 *   concurrently if any call mutates it; calls taking a const handle are safe concurrently.
 * - There is no mutable global state except the thread-local error slot. Randomness comes only
 *   from seeds given in options.
 */
#ifndef WSL_COMMON_H
#define WSL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && !defined(WSL_STATIC)
#  ifdef WSL_BUILDING
#    define WSL_API __declspec(dllexport)
#  else
#    define WSL_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define WSL_API __attribute__((visibility("default")))
#else
#  define WSL_API
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define WSL_DEPRECATED(msg) __attribute__((deprecated(msg)))
#elif defined(_MSC_VER)
#  define WSL_DEPRECATED(msg) __declspec(deprecated(msg))
#else
#  define WSL_DEPRECATED(msg)
#endif

/** A vote that abstains. Classes are 0..k-1. */
#define WSL_ABSTAIN (-1)

/** Largest number of classes a label matrix accepts. */
#define WSL_MAX_CARDINALITY 1000000

/*
 * Status codes. Values are fixed forever; new codes are only appended.
 * X(name, value, message)
 */
#define WSL_STATUS_MAP(X)                                                        \
    X(WSL_OK, 0, "success")                                                      \
    X(WSL_EINVAL, -1, "invalid argument")                                        \
    X(WSL_ENOMEM, -2, "out of memory")                                           \
    X(WSL_EDIM, -3, "dimension mismatch")                                        \
    X(WSL_ESTATE, -4, "object is not in the required state")                     \
    X(WSL_EIO, -5, "input/output error")                                         \
    X(WSL_EFORMAT, -6, "malformed input")                                        \
    X(WSL_EBUFS, -7, "output buffer too small")                                  \
    X(WSL_ECALLBACK, -8, "a user callback failed")                               \
    X(WSL_EINTERNAL, -9, "internal error (a libwsl bug)")                        \
    X(WSL_ERANGE, -10, "value out of range")

typedef enum wsl_status {
#define WSL__STATUS_ENUM(name, value, msg) name = value,
    WSL_STATUS_MAP(WSL__STATUS_ENUM)
#undef WSL__STATUS_ENUM
    WSL__STATUS_MIN = -10
} wsl_status;

/**
 * Static text for a status code. Never NULL, also for unknown values.
 * @since 0.1
 */
WSL_API const char *wsl_strerror(wsl_status status);

/**
 * Detail of the last failure on this thread ("" if none). Valid until the next failing call on
 * the same thread; never free it.
 * @since 0.1
 */
WSL_API const char *wsl_last_error(void);

/** Clear this thread's error message. @since 0.1 */
WSL_API void wsl_clear_error(void);

/**
 * Set this thread's error message (printf format; cut at 511 bytes) and return status: for
 * libraries built on libwsl (libwsl_dist) and for callbacks, so that their failures read like
 * libwsl's through wsl_last_error().
 * @return status, unchanged.
 * @since 0.1
 */
WSL_API wsl_status wsl_set_error(wsl_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/**
 * A memory allocator with a user payload. Objects copy it at creation and use it for everything
 * they own for their whole life; children inherit it. NULL anywhere an allocator is taken means
 * the C library's malloc/realloc/free. Allocations inside OpenBLAS and transient cJSON trees are
 * out of scope (they use their own hooks, which belong to the application). A label model that
 * predicts on several threads (wsl_label_model_set_threads) calls it from each of them: it must
 * then be thread-safe.
 */
typedef struct wsl_allocator {
    void *(*malloc_fn)(size_t size, void *payload);
    void *(*realloc_fn)(void *ptr, size_t size, void *payload);
    void (*free_fn)(void *ptr, void *payload);
    void *payload;
} wsl_allocator;

/** Log levels, syslog-style. */
typedef enum wsl_log_level {
    WSL_LOG_ERROR = 3,
    WSL_LOG_WARN = 4,
    WSL_LOG_INFO = 6,
    WSL_LOG_DEBUG = 7
} wsl_log_level;

/**
 * Log sink. msg is one complete line without a trailing newline, valid only during the call.
 */
typedef void (*wsl_log_fn)(wsl_log_level level, const char *msg, void *payload);

/** A ready-made sink writing "wsl: <level>: msg" lines to stderr. payload is ignored. @since 0.1 */
WSL_API void wsl_log_stderr(wsl_log_level level, const char *msg, void *payload);

/**
 * Progress callback: done units of total (total 0 = unknown). Return non-zero to cancel the
 * operation, which then fails with WSL_ECALLBACK.
 */
typedef int (*wsl_progress_fn)(uint64_t done, uint64_t total, void *payload);

/**
 * A byte buffer produced by libwsl (a JSON document, for example). Release it with
 * wsl_buf_dispose(), never free().
 */
typedef struct wsl_buf {
    char *ptr;   /**< NUL-terminated bytes, or NULL */
    size_t size; /**< number of bytes, excluding the terminating NUL */
    wsl_allocator alloc_; /**< private: the allocator that owns ptr */
} wsl_buf;

/** A wsl_buf holding nothing. */
#define WSL_BUF_INIT {NULL, 0, {NULL, NULL, NULL, NULL}}

/** Release the bytes of buf and reset it to WSL_BUF_INIT. NULL is a no-op. @since 0.1 */
WSL_API void wsl_buf_dispose(wsl_buf *buf);

/** Runtime version, to compare with WSL_VERSION_NUMBER / WSL_VERSION_STRING. @since 0.1 */
WSL_API int wsl_version_number(void);
/** @since 0.1 */
WSL_API const char *wsl_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* WSL_COMMON_H */
