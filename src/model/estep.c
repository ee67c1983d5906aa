/*
 * The E-step, on opts->n_threads threads with the same bits for any number of them.
 *
 * The patterns (in canonical order) are cut into blocks by their number of votes — a function
 * of the data alone. Each block's log-likelihood and expected counts are summed on their own,
 * in pattern order, and the blocks' sums are added to the totals in block order. Threads only
 * decide who computes a block, never the order of any addition.
 */
#include "em_impl.h"

#include "matrix/matrix.h"

#include <pthread.h>
#include <string.h>

/* Votes per block: enough work that adding a block's counts to the totals stays cheap. */
#define BLOCK_VOTES ((size_t)1 << 16)

typedef struct wsl__em_worker {
    em_ctx *x;
    const wsl_label_model *model;
    int accumulate;
    size_t p0, p1;           /* patterns of the current block */
    double ll;
    double *s, *ntot, *nt, *nq; /* k, k, tab_len, clique outcomes */
    size_t *cidx;
} worker;

static void workers_release(em_ctx *x, const wsl_allocator *a)
{
    for (size_t t = 0; x->workers && t < x->n_workers; t++) {
        worker *w = &x->workers[t];
        wsl__free(a, w->s);
        wsl__free(a, w->cidx);
        wsl__free(a, w->ntot);
        wsl__free(a, w->nt);
        wsl__free(a, w->nq);
    }
    wsl__free(a, x->workers);
    x->workers = NULL;
    x->n_workers = 0;
}

/* One worker per thread (at most one per block), each with scratch and partial sums. */
static wsl_status workers_init(em_ctx *x, const wsl_label_model *model)
{
    const wsl_allocator *a = &model->alloc;
    size_t cl_len = model->cl.n ? model->cl.off[model->cl.n] : 1, cl_n = model->cl.n ? model->cl.n : 1;
    size_t n_w = (size_t)x->o.n_threads;
    workers_release(x, a);
    if (n_w > x->n_blocks)
        n_w = x->n_blocks;
    if (n_w < 1)
        n_w = 1;
    x->workers = wsl__calloc(a, n_w, sizeof *x->workers);
    if (!x->workers)
        return WSL_ENOMEM;
    x->n_workers = n_w;
    for (size_t t = 0; t < n_w; t++) {
        worker *w = &x->workers[t];
        w->x = x;
        w->model = model;
        w->s = wsl__mallocarray(a, (size_t)x->k, sizeof *w->s);
        w->cidx = wsl__mallocarray(a, cl_n, sizeof *w->cidx);
        w->ntot = wsl__mallocarray(a, (size_t)x->k, sizeof *w->ntot);
        w->nt = wsl__mallocarray(a, x->tab_len ? x->tab_len : 1, sizeof *w->nt);
        w->nq = wsl__mallocarray(a, cl_len, sizeof *w->nq);
        if (!w->s || !w->cidx || !w->ntot || !w->nt || !w->nq) {
            workers_release(x, a);
            return WSL_ENOMEM;
        }
    }
    return WSL_OK;
}

void wsl__em_blocks_free(em_ctx *x, const wsl_label_model *model)
{
    workers_release(x, &model->alloc);
    wsl__free(&model->alloc, x->block_start);
    x->block_start = NULL;
    x->n_blocks = 0;
}

/* The block boundaries (x->block_start, x->n_blocks), once per fit. */
wsl_status wsl__em_blocks(em_ctx *x, const wsl_label_model *model)
{
    const wsl_pattern_table *T = x->T;
    size_t n = 0, votes = 0, per = BLOCK_VOTES, cl_len = model->cl.n ? model->cl.off[model->cl.n] : 0;
    if (per < 8 * (x->tab_len + cl_len))
        per = 8 * (x->tab_len + cl_len);
    wsl__free(&model->alloc, x->block_start);
    x->block_start = wsl__mallocarray(&model->alloc, T->n + 2, sizeof *x->block_start);
    if (!x->block_start)
        return WSL_ENOMEM;
    x->block_start[n++] = 0;
    for (size_t p = 0; p < T->n; p++) {
        votes += T->start[p + 1] - T->start[p] + 1;
        if (votes >= per && p + 1 < T->n) {
            x->block_start[n++] = p + 1;
            votes = 0;
        }
    }
    x->block_start[n] = T->n;
    x->n_blocks = n;
    return workers_init(x, model);
}

/* One block's patterns; k is x->k, a constant where run_block specializes it. */
static WSL__ALWAYS_INLINE void run_patterns(worker *w, int32_t k)
{
    em_ctx *x = w->x;
    const wsl_pattern_table *T = x->T;
    const wsl_label_model *model = w->model;
    w->ll = 0;
    if (w->accumulate) {
        memset(w->ntot, 0, (size_t)k * sizeof *w->ntot);
        memset(w->nt, 0, x->tab_len * sizeof *w->nt);
        if (model->cl.n)
            memset(w->nq, 0, model->cl.off[model->cl.n] * sizeof *w->nq);
    }
    for (size_t p = w->p0; p < w->p1; p++) {
        size_t s0 = T->start[p], nv = T->start[p + 1] - s0;
        double cnt = (double)T->counts[p];
        int32_t gold = WSL_ABSTAIN;
        /* The gold column, when present, is the largest column: the last vote. */
        if (x->gold_col < T->m && nv > 0 && T->cols[s0 + nv - 1] == x->gold_col)
            gold = T->vals[s0 + --nv];
        wsl__model_scores(model, k, x->abstain_sum, T->cols + s0, T->vals + s0, nv, w->s,
                          w->cidx);
        if (gold != WSL_ABSTAIN) {
            w->ll += cnt * w->s[gold];
            for (int32_t c = 0; c < k; c++)
                w->s[c] = c == gold;
        } else {
            w->ll += cnt * wsl__softmax_inplace(w->s, (size_t)k);
        }
        if (w->accumulate)
            wsl__em_accumulate(model, k, w->s, w->cidx, T->cols + s0, T->vals + s0, nv, cnt,
                               w->ntot, w->nt, w->nq);
    }
}

/* Two classes, the common case, get a copy of the loop with k a constant: the class loops
 * unroll. The arithmetic is the same, so are the bits. */
static void run_block(worker *w)
{
    if (w->x->k == 2)
        run_patterns(w, 2);
    else
        run_patterns(w, w->x->k);
}

static void *thread_main(void *arg)
{
    run_block(arg);
    return NULL;
}

static void add(double *to, const double *from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        to[i] += from[i];
}

#define MAX_THREADS 1024

double wsl__em_e_step(em_ctx *x, wsl_label_model *model, int accumulate_counts)
{
    worker *ws = x->workers;
    pthread_t th[MAX_THREADS];
    size_t n_w = x->n_workers, cl_len = model->cl.n ? model->cl.off[model->cl.n] : 0;
    double ll = 0;
    if (accumulate_counts)
        wsl__em_clear_counts(x, model);
    wsl__model_abstain_sum(model, x->abstain_sum);
    for (size_t t = 0; t < n_w; t++) {
        ws[t].model = model;
        ws[t].accumulate = accumulate_counts;
    }
    for (size_t b0 = 0; b0 < x->n_blocks; b0 += n_w) {
        size_t wave = x->n_blocks - b0 < n_w ? x->n_blocks - b0 : n_w, started = 0;
        for (size_t t = 0; t < wave; t++) {
            ws[t].p0 = x->block_start[b0 + t];
            ws[t].p1 = x->block_start[b0 + t + 1];
        }
        /* Worker 0 runs on this thread; the others on their own, when they can start. */
        for (size_t t = 1; t < wave; t++) {
            if (pthread_create(&th[t], NULL, thread_main, &ws[t]) != 0)
                break;
            started = t;
        }
        run_block(&ws[0]);
        for (size_t t = 1; t < wave; t++) {
            if (t <= started)
                pthread_join(th[t], NULL);
            else
                run_block(&ws[t]); /* no thread for it: same block, same sums, here */
        }
        for (size_t t = 0; t < wave; t++) {
            ll += ws[t].ll;
            if (!accumulate_counts)
                continue;
            add(x->Ntot, ws[t].ntot, (size_t)x->k);
            add(x->NT, ws[t].nt, x->tab_len);
            if (cl_len)
                add(x->Nq, ws[t].nq, cl_len);
        }
    }
    return ll;
}
