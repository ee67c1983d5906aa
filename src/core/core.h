/* Internal helpers shared by every module: errors, allocation, overflow checks, RNG, hashing. */
#ifndef WSL_SRC_CORE_H
#define WSL_SRC_CORE_H

#include "wsl/common.h"
#include "wsl/version.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define WSL__PRINTF(a, b) __attribute__((format(printf, a, b)))
#define WSL__ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define WSL__PRINTF(a, b)
#define WSL__ALWAYS_INLINE inline
#endif

/* Set this thread's error message and return status (for `return wsl__error(...)`). */
wsl_status wsl__error(wsl_status status, const char *fmt, ...) WSL__PRINTF(2, 3);
wsl_status wsl__verror(wsl_status status, const char *fmt, va_list ap);

/* Validate an argument at the public boundary: set a message naming the function and return. */
#define WSL_CHECK_ARG(cond)                                                                     \
    do {                                                                                        \
        if (!(cond))                                                                            \
            return wsl__error(WSL_EINVAL, "%s: invalid argument: %s", __func__, #cond);         \
    } while (0)

/* Propagate a failing status. */
#define WSL_TRY(expr)                                                                           \
    do {                                                                                        \
        wsl_status wsl__st = (expr);                                                            \
        if (wsl__st != WSL_OK)                                                                  \
            return wsl__st;                                                                     \
    } while (0)

/* Resolve a possibly NULL allocator pointer into a complete allocator value. */
wsl_allocator wsl__allocator(const wsl_allocator *alloc);

/* Allocation through an allocator. Failures set WSL_ENOMEM's message; callers return WSL_ENOMEM. */
void *wsl__malloc(const wsl_allocator *a, size_t size);
void *wsl__calloc(const wsl_allocator *a, size_t count, size_t size);
void *wsl__realloc(const wsl_allocator *a, void *ptr, size_t size);
void *wsl__mallocarray(const wsl_allocator *a, size_t count, size_t size);
void *wsl__reallocarray(const wsl_allocator *a, void *ptr, size_t count, size_t size);
void wsl__free(const wsl_allocator *a, void *ptr);
char *wsl__strdup(const wsl_allocator *a, const char *s);

/* *out = a * b; false on overflow. */
bool wsl__mul_size(size_t *out, size_t a, size_t b);
bool wsl__add_size(size_t *out, size_t a, size_t b);

/* Deterministic RNG (xoshiro256** seeded through splitmix64). */
typedef struct wsl__rng {
    uint64_t s[4];
} wsl__rng;
void wsl__rng_seed(wsl__rng *rng, uint64_t seed);
uint64_t wsl__rng_next(wsl__rng *rng);
double wsl__rng_uniform(wsl__rng *rng);          /* [0, 1) */
uint64_t wsl__rng_below(wsl__rng *rng, uint64_t n); /* [0, n), n > 0 */
/* Inline: it mixes every vote of the pattern tables' hashes, in their hot loops. */
static inline uint64_t wsl__splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* 64-bit hash of bytes. */
uint64_t wsl__hash_bytes(const void *data, size_t len, uint64_t seed);

/* cJSON_ParseWithLengthOpts(text, len, end, 0) under a lock: cJSON's parser writes a global
 * (its last error), so parses on several threads must not overlap. end may be NULL. */
struct cJSON;
struct cJSON *wsl__json_parse(const char *text, size_t len, const char **end);

/* Format a message through the log callback, if any. */
void wsl__log(wsl_log_fn fn, void *payload, wsl_log_level level, const char *fmt, ...)
    WSL__PRINTF(4, 5);

#endif
