/*
 * Cliques of dependent sources: structure, joint tables, and their link to the members' own
 * tables. The true class is the only link between cliques, so EM stays exact and closed-form:
 * a clique is one "source" whose vote is the tuple of its members' votes.
 */
#include "model_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void wsl__cliques_release(wsl_label_model *model)
{
    wsl__cliques *cl = &model->cl;
    const wsl_allocator *a = &model->alloc;
    wsl__free(a, cl->start);
    wsl__free(a, cl->members);
    wsl__free(a, cl->size);
    wsl__free(a, cl->off);
    wsl__free(a, cl->table);
    wsl__free(a, cl->log_table);
    wsl__free(a, cl->of_source);
    wsl__free(a, cl->stride);
    memset(cl, 0, sizeof *cl);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

wsl_status wsl__cliques_set(wsl_label_model *model, const size_t *members, const size_t *sizes,
                            size_t n_groups, const char *fn)
{
    const wsl_allocator *a = &model->alloc;
    wsl__cliques *cl = &model->cl;
    size_t m = model->m, K1 = (size_t)model->k + 1, n = 0, total = 0, pos = 0, q = 0;
    wsl_status st = WSL_OK;
    wsl__cliques_release(model);
    for (size_t g = 0; g < n_groups; g++)
        if (sizes[g] > 1) {
            n++;
            total += sizes[g];
        }
    if (n == 0)
        return WSL_OK;
    cl->start = wsl__mallocarray(a, n + 1, sizeof *cl->start);
    cl->members = wsl__mallocarray(a, total, sizeof *cl->members);
    cl->size = wsl__mallocarray(a, n, sizeof *cl->size);
    cl->off = wsl__mallocarray(a, n + 1, sizeof *cl->off);
    cl->of_source = wsl__mallocarray(a, m ? m : 1, sizeof *cl->of_source);
    cl->stride = wsl__calloc(a, m ? m : 1, sizeof *cl->stride);
    if (!cl->start || !cl->members || !cl->size || !cl->off || !cl->of_source || !cl->stride) {
        st = WSL_ENOMEM;
        goto fail;
    }
    cl->n = n;
    for (size_t j = 0; j < m; j++)
        cl->of_source[j] = -1;
    cl->start[0] = 0;
    cl->off[0] = 0;
    for (size_t g = 0; g < n_groups; g++) {
        const size_t *mem = members + pos;
        size_t s = sizes[g], size = 1, at = cl->start[q];
        pos += s;
        if (s < 2)
            continue;
        for (size_t i = 0; i < s; i++) {
            if (mem[i] >= m) {
                st = wsl__error(WSL_EINVAL, "%s: dependency group %zu names source %zu, but "
                                            "there are %zu sources", fn, g, mem[i], m);
                goto fail;
            }
            if (cl->of_source[mem[i]] >= 0) {
                st = wsl__error(WSL_EINVAL, "%s: source %zu is in two dependency groups "
                                            "(groups must be disjoint; merge them)", fn, mem[i]);
                goto fail;
            }
            cl->of_source[mem[i]] = (int32_t)q;
            cl->members[at + i] = (uint32_t)mem[i];
            if (size > WSL__CLIQUE_MAX_OUTCOMES / K1) {
                st = wsl__error(WSL_EINVAL, "%s: dependency group %zu has %zu sources: its joint "
                                            "table needs (k + 1)^%zu outcomes per class, over "
                                            "the limit of %d", fn, g, s, s,
                                WSL__CLIQUE_MAX_OUTCOMES);
                goto fail;
            }
            size *= K1;
        }
        qsort(cl->members + at, s, sizeof *cl->members, cmp_u32);
        {
            size_t stride = 1;
            for (size_t i = 0; i < s; i++, stride *= K1)
                cl->stride[cl->members[at + i]] = stride;
        }
        cl->size[q] = size;
        cl->start[q + 1] = at + s;
        cl->off[q + 1] = cl->off[q] + (size_t)model->k * size;
        q++;
    }
    cl->table = wsl__calloc(a, cl->off[n], sizeof *cl->table);
    cl->log_table = wsl__calloc(a, cl->off[n], sizeof *cl->log_table);
    if (!cl->table || !cl->log_table) {
        st = WSL_ENOMEM;
        goto fail;
    }
    return WSL_OK;
fail:
    wsl__cliques_release(model);
    return st;
}

wsl_status wsl__cliques_copy(wsl_label_model *dst, const wsl_label_model *src)
{
    const wsl__cliques *s = &src->cl;
    size_t *sizes, n_members;
    size_t *members;
    wsl_status st;
    if (s->n == 0) {
        wsl__cliques_release(dst);
        return WSL_OK;
    }
    n_members = s->start[s->n];
    sizes = wsl__mallocarray(&dst->alloc, s->n, sizeof *sizes);
    members = wsl__mallocarray(&dst->alloc, n_members, sizeof *members);
    if (!sizes || !members) {
        wsl__free(&dst->alloc, sizes);
        wsl__free(&dst->alloc, members);
        return WSL_ENOMEM;
    }
    for (size_t q = 0; q < s->n; q++)
        sizes[q] = s->start[q + 1] - s->start[q];
    for (size_t i = 0; i < n_members; i++)
        members[i] = s->members[i];
    st = wsl__cliques_set(dst, members, sizes, s->n, "wsl_label_model");
    if (st == WSL_OK) {
        memcpy(dst->cl.table, s->table, s->off[s->n] * sizeof *s->table);
        memcpy(dst->cl.log_table, s->log_table, s->off[s->n] * sizeof *s->log_table);
    }
    wsl__free(&dst->alloc, sizes);
    wsl__free(&dst->alloc, members);
    return st;
}

double wsl__clique_prior_mean(const wsl_label_model *model, size_t q, int32_t c, size_t idx)
{
    const wsl__cliques *cl = &model->cl;
    size_t K1 = (size_t)model->k + 1;
    double p = 1;
    for (size_t i = cl->start[q]; i < cl->start[q + 1]; i++) {
        size_t j = cl->members[i];
        p *= model->table[wsl__tab_index(model->k, j, c, -1) + idx % K1];
        idx /= K1;
    }
    return p;
}

void wsl__cliques_refresh_logs(wsl_label_model *model)
{
    const wsl__cliques *cl = &model->cl;
    for (size_t t = 0; cl->n && t < cl->off[cl->n]; t++)
        cl->log_table[t] = cl->table[t] > 0 ? log(cl->table[t]) : -INFINITY;
}

void wsl__cliques_from_marginals(wsl_label_model *model)
{
    const wsl__cliques *cl = &model->cl;
    for (size_t q = 0; q < cl->n; q++)
        for (int32_t c = 0; c < model->k; c++) {
            double *t = cl->table + cl->off[q] + (size_t)c * cl->size[q];
            for (size_t idx = 0; idx < cl->size[q]; idx++)
                t[idx] = wsl__clique_prior_mean(model, q, c, idx);
        }
    wsl__cliques_refresh_logs(model);
}

wsl_status wsl_label_model_cliques(const wsl_label_model *model, size_t *sizes,
                                   size_t sizes_len, size_t *members, size_t members_len,
                                   size_t *n_cliques, size_t *n_members)
{
    const wsl__cliques *cl;
    size_t total;
    WSL_CHECK_ARG(model != NULL);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    cl = &model->cl;
    total = cl->n ? cl->start[cl->n] : 0;
    if (n_cliques)
        *n_cliques = cl->n;
    if (n_members)
        *n_members = total;
    if ((sizes_len < cl->n || members_len < total) && (cl->n > 0))
        return wsl__error(WSL_EBUFS, "%s: %zu cliques of %zu members in all do not fit in "
                                     "sizes[%zu] and members[%zu]", __func__, cl->n, total,
                          sizes_len, members_len);
    WSL_CHECK_ARG(cl->n == 0 || (sizes != NULL && members != NULL));
    for (size_t q = 0; q < cl->n; q++)
        sizes[q] = cl->start[q + 1] - cl->start[q];
    for (size_t i = 0; i < total; i++)
        members[i] = cl->members[i];
    return WSL_OK;
}

wsl_status wsl_label_model_clique_table(const wsl_label_model *model, size_t q, double *out,
                                        size_t len, size_t *outcomes)
{
    const wsl__cliques *cl;
    size_t need;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(out != NULL);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    cl = &model->cl;
    if (q >= cl->n)
        return wsl__error(WSL_ERANGE, "%s: clique %zu is outside the %zu cliques", __func__, q,
                          cl->n);
    need = cl->off[q + 1] - cl->off[q];
    if (outcomes)
        *outcomes = cl->size[q];
    if (len < need)
        return wsl__error(WSL_EBUFS, "%s: out holds %zu values, needs %zu", __func__, len, need);
    memcpy(out, cl->table + cl->off[q], need * sizeof *out);
    return WSL_OK;
}
