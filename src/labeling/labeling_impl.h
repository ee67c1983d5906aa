/* Internal layout of LF sets, shared by the set and the applier. */
#ifndef WSL_SRC_LABELING_IMPL_H
#define WSL_SRC_LABELING_IMPL_H

#include "core/core.h"
#include "wsl/lf.h"

typedef struct wsl__lf {
    char *name;
    wsl_lf_fn fn;
    void *payload;
    void *owned; /* a payload the set allocated and frees (dictionary LFs), or NULL */
} wsl__lf;

typedef struct wsl__pp {
    char *name;
    size_t view_size;
    size_t view_offset; /* into a worker's view block, aligned */
    int (*run)(const wsl_lf_input *in, void *view, void *payload);
    void (*clear)(void *view, void *payload);
    void *payload;
} wsl__pp;

struct wsl_lf_set {
    wsl_allocator alloc;
    int32_t k;
    wsl__lf *lfs;
    size_t n_lfs, cap_lfs;
    wsl__pp *pps;
    size_t n_pps, cap_pps;
    size_t view_bytes; /* total bytes of all views, aligned */
};

/* Add an LF whose payload the set owns (allocated with the set's allocator, freed with it). On
 * failure the payload is freed. */
wsl_status wsl__lf_set_add_owned(wsl_lf_set *set, const char *fn_name, const char *name,
                                 wsl_lf_fn fn, void *owned);

#endif
