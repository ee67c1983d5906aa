#include "labeling_impl.h"

#include <string.h>

wsl_status wsl_lf_set_create(wsl_lf_set **out, int32_t k, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_lf_set *set;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    if (k < 1 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k (classes) must be in 1..%d (got %ld)", __func__,
                          WSL_MAX_CARDINALITY, (long)k);
    set = wsl__calloc(&a, 1, sizeof *set);
    if (!set)
        return WSL_ENOMEM;
    set->alloc = a;
    set->k = k;
    *out = set;
    return WSL_OK;
}

void wsl_lf_set_free(wsl_lf_set *set)
{
    if (!set)
        return;
    wsl_allocator a = set->alloc;
    for (size_t j = 0; j < set->n_lfs; j++) {
        wsl__free(&a, set->lfs[j].name);
        wsl__free(&a, set->lfs[j].owned);
    }
    for (size_t p = 0; p < set->n_pps; p++)
        wsl__free(&a, set->pps[p].name);
    wsl__free(&a, set->lfs);
    wsl__free(&a, set->pps);
    wsl__free(&a, set);
}

/* Names are printable, comma-free (they become CSV columns and JSON keys) and unique. */
static wsl_status check_name(const char *fn, const wsl_lf_set *set, const char *name)
{
    size_t len;
    if (!name || !*name)
        return wsl__error(WSL_EINVAL, "%s: the name must be a non-empty string", fn);
    len = strlen(name);
    if (len > 1024)
        return wsl__error(WSL_EINVAL, "%s: name longer than 1024 bytes", fn);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == ',')
            return wsl__error(WSL_EINVAL, "%s: name \"%.64s\" has a control character or a "
                                          "comma at byte %zu", fn, name, i);
    }
    for (size_t j = 0; j < set->n_lfs; j++)
        if (strcmp(set->lfs[j].name, name) == 0)
            return wsl__error(WSL_EINVAL, "%s: an LF named \"%.64s\" is already in the set "
                                          "(column %zu)", fn, name, j);
    for (size_t p = 0; p < set->n_pps; p++)
        if (strcmp(set->pps[p].name, name) == 0)
            return wsl__error(WSL_EINVAL, "%s: a preprocessor named \"%.64s\" is already in "
                                          "the set", fn, name);
    return WSL_OK;
}

static wsl_status add_lf(wsl_lf_set *set, const char *fn_name, const char *name, wsl_lf_fn fn,
                         void *payload, void *owned)
{
    char *copy;
    WSL_TRY(check_name(fn_name, set, name));
    if (set->n_lfs == set->cap_lfs) {
        size_t cap = set->cap_lfs ? set->cap_lfs * 2 : 16;
        wsl__lf *p = wsl__reallocarray(&set->alloc, set->lfs, cap, sizeof *p);
        if (!p)
            return WSL_ENOMEM;
        set->lfs = p;
        set->cap_lfs = cap;
    }
    copy = wsl__strdup(&set->alloc, name);
    if (!copy)
        return WSL_ENOMEM;
    set->lfs[set->n_lfs].name = copy;
    set->lfs[set->n_lfs].fn = fn;
    set->lfs[set->n_lfs].payload = payload;
    set->lfs[set->n_lfs].owned = owned;
    set->n_lfs++;
    return WSL_OK;
}

wsl_status wsl_lf_set_add(wsl_lf_set *set, const char *name, wsl_lf_fn fn, void *payload)
{
    WSL_CHECK_ARG(set != NULL);
    WSL_CHECK_ARG(fn != NULL);
    return add_lf(set, __func__, name, fn, payload, NULL);
}

wsl_status wsl__lf_set_add_owned(wsl_lf_set *set, const char *fn_name, const char *name,
                                 wsl_lf_fn fn, void *owned)
{
    wsl_status st = add_lf(set, fn_name, name, fn, owned, owned);
    if (st != WSL_OK)
        wsl__free(&set->alloc, owned);
    return st;
}

wsl_status wsl_lf_set_add_preprocessor(wsl_lf_set *set, const wsl_preprocessor *pp,
                                       size_t *index_out)
{
    const size_t align = 16;
    size_t offset, end;
    char *copy;
    WSL_CHECK_ARG(set != NULL);
    WSL_CHECK_ARG(pp != NULL);
    if (!pp->run)
        return wsl__error(WSL_EINVAL, "%s: pp->run must be given", __func__);
    if (pp->view_size == 0 || pp->view_size > ((size_t)1 << 30))
        return wsl__error(WSL_EINVAL, "%s: pp->view_size must be in 1..2^30 (got %zu)", __func__,
                          pp->view_size);
    WSL_TRY(check_name(__func__, set, pp->name));
    offset = (set->view_bytes + align - 1) / align * align;
    end = offset + pp->view_size;
    if (set->n_pps == set->cap_pps) {
        size_t cap = set->cap_pps ? set->cap_pps * 2 : 4;
        wsl__pp *p = wsl__reallocarray(&set->alloc, set->pps, cap, sizeof *p);
        if (!p)
            return WSL_ENOMEM;
        set->pps = p;
        set->cap_pps = cap;
    }
    copy = wsl__strdup(&set->alloc, pp->name);
    if (!copy)
        return WSL_ENOMEM;
    set->pps[set->n_pps].name = copy;
    set->pps[set->n_pps].view_size = pp->view_size;
    set->pps[set->n_pps].view_offset = offset;
    set->pps[set->n_pps].run = pp->run;
    set->pps[set->n_pps].clear = pp->clear;
    set->pps[set->n_pps].payload = pp->payload;
    if (index_out)
        *index_out = set->n_pps;
    set->n_pps++;
    set->view_bytes = end;
    return WSL_OK;
}

size_t wsl_lf_set_size(const wsl_lf_set *set)
{
    return set ? set->n_lfs : 0;
}

int32_t wsl_lf_set_cardinality(const wsl_lf_set *set)
{
    return set ? set->k : 0;
}

const char *wsl_lf_set_name(const wsl_lf_set *set, size_t j)
{
    return set && j < set->n_lfs ? set->lfs[j].name : NULL;
}

wsl_status wsl_lf_set_find(const wsl_lf_set *set, const char *name, size_t *out)
{
    WSL_CHECK_ARG(set != NULL);
    WSL_CHECK_ARG(name != NULL);
    WSL_CHECK_ARG(out != NULL);
    for (size_t j = 0; j < set->n_lfs; j++)
        if (strcmp(set->lfs[j].name, name) == 0) {
            *out = j;
            return WSL_OK;
        }
    return wsl__error(WSL_ERANGE, "%s: no LF is named \"%.64s\"", __func__, name);
}
