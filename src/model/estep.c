/*
 * The E-step, on opts->n_threads threads with the same bits for any number of them.
 *
 * The patterns (in canonical order) are cut into blocks by their number of votes — a function
 * of the data alone. Each block's log-likelihood and expected counts are summed on their own,
 * in pattern order, and the blocks' sums are added to the totals in block order. Threads only
 * decide who computes a block, never the order of any addition.
 */
#if defined(__linux__)
#define _GNU_SOURCE /* sched_getaffinity: the processors this process may run on */
#endif
#include "em_impl.h"

#include "matrix/matrix.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Patterns whose sums of exps (each at most k < 2^31) are multiplied before one log: at most
 * 2^992, short of overflow. */
#define LOG_BATCH 32

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

/*
 * Threads for workers 1..n_workers-1, started once per fit (per set of blocks), not per wave:
 * each wave, the E-step hands out one block per worker, runs worker 0 itself, and waits for
 * the others. A worker whose thread could not start has its block run on the E-step's thread.
 * A block takes a fraction of a millisecond, less than putting a thread to sleep and waking it
 * costs, so each side polls a while before it sleeps on the condition variables, when every
 * thread has a processor of its own (else polling takes time from the threads at work).
 */
typedef struct wsl__em_pool {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_ulong gen;      /* waves handed out */
    size_t wave;           /* workers with a block in the current wave (set before gen moves) */
    atomic_size_t pending; /* threads still on the current wave */
    atomic_int quit;
    int polls;           /* SPIN_POLLS, or 0 with more threads than processors */
    size_t n_threads;    /* started: threads[i] runs worker i + 1 */
    struct pool_thread {
        struct wsl__em_pool *pool;
        worker *w;
        size_t index;    /* worker index */
        pthread_t th;
    } *threads;
} pool;

static void run_block(worker *w);

/* Polls of a wait before it sleeps: tens to hundreds of microseconds (a pause takes 10 to 150
 * cycles), past the few microseconds between waves and the spread of the blocks' times. */
#define SPIN_POLLS 4096

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The next wave after `seen` (or quit): polled, then slept for. */
static unsigned long await_wave(pool *P, unsigned long seen)
{
    unsigned long g = seen;
    for (int i = 0; i < P->polls && g == seen && !atomic_load(&P->quit); i++) {
        cpu_relax();
        g = atomic_load(&P->gen);
    }
    if (g == seen && !atomic_load(&P->quit)) {
        pthread_mutex_lock(&P->mu);
        while ((g = atomic_load(&P->gen)) == seen && !atomic_load(&P->quit))
            pthread_cond_wait(&P->go, &P->mu);
        pthread_mutex_unlock(&P->mu);
    }
    return g;
}

static void *pool_main(void *arg)
{
    struct pool_thread *pt = arg;
    pool *P = pt->pool;
    unsigned long seen = 0;
    for (;;) {
        seen = await_wave(P, seen);
        if (atomic_load(&P->quit))
            break;
        if (pt->index < P->wave)
            run_block(pt->w);
        if (atomic_fetch_sub(&P->pending, 1) == 1) {
            pthread_mutex_lock(&P->mu);
            pthread_cond_signal(&P->done);
            pthread_mutex_unlock(&P->mu);
        }
    }
    return NULL;
}

/* Every thread done with the current wave: polled, then slept for. */
static void await_pending(pool *P)
{
    for (int i = 0; i < P->polls && atomic_load(&P->pending); i++)
        cpu_relax();
    if (atomic_load(&P->pending)) {
        pthread_mutex_lock(&P->mu);
        while (atomic_load(&P->pending))
            pthread_cond_wait(&P->done, &P->mu);
        pthread_mutex_unlock(&P->mu);
    }
}

static void pool_stop(pool *P, const wsl_allocator *a)
{
    if (!P)
        return;
    pthread_mutex_lock(&P->mu);
    atomic_store(&P->quit, 1);
    pthread_cond_broadcast(&P->go);
    pthread_mutex_unlock(&P->mu);
    for (size_t i = 0; i < P->n_threads; i++)
        pthread_join(P->threads[i].th, NULL);
    pthread_cond_destroy(&P->done);
    pthread_cond_destroy(&P->go);
    pthread_mutex_destroy(&P->mu);
    wsl__free(a, P->threads);
    wsl__free(a, P);
}

/* Processors this process may run on (its affinity mask where the system tells it). */
static long usable_processors(void)
{
#if defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* A pool for workers 1..n_w-1; fewer threads (down to none) if the system refuses some. */
static wsl_status pool_start(em_ctx *x, const wsl_allocator *a)
{
    size_t n_w = x->n_workers;
    pool *P;
    x->pool = NULL;
    if (n_w < 2)
        return WSL_OK;
    P = wsl__calloc(a, 1, sizeof *P);
    if (!P)
        return WSL_ENOMEM;
    P->threads = wsl__calloc(a, n_w - 1, sizeof *P->threads);
    if (!P->threads) {
        wsl__free(a, P);
        return WSL_ENOMEM;
    }
    atomic_init(&P->gen, 0);
    atomic_init(&P->pending, 0);
    atomic_init(&P->quit, 0);
    if (pthread_mutex_init(&P->mu, NULL) != 0) {
        wsl__free(a, P->threads);
        wsl__free(a, P);
        return WSL_OK; /* no threads: every block runs here, with the same sums */
    }
    if (pthread_cond_init(&P->go, NULL) != 0) {
        pthread_mutex_destroy(&P->mu);
        wsl__free(a, P->threads);
        wsl__free(a, P);
        return WSL_OK;
    }
    if (pthread_cond_init(&P->done, NULL) != 0) {
        pthread_cond_destroy(&P->go);
        pthread_mutex_destroy(&P->mu);
        wsl__free(a, P->threads);
        wsl__free(a, P);
        return WSL_OK;
    }
    {
        long cpus = usable_processors();
        P->polls = cpus > 0 && n_w <= (size_t)cpus ? SPIN_POLLS : 0;
    }
    for (size_t i = 0; i + 1 < n_w; i++) {
        struct pool_thread *pt = &P->threads[i];
        pt->pool = P;
        pt->w = &x->workers[i + 1];
        pt->index = i + 1;
        if (pthread_create(&pt->th, NULL, pool_main, pt) != 0)
            break;
        P->n_threads++;
    }
    x->pool = P;
    return WSL_OK;
}

static void workers_release(em_ctx *x, const wsl_allocator *a)
{
    pool_stop(x->pool, a);
    x->pool = NULL;
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
    if (pool_start(x, a) != WSL_OK) {
        workers_release(x, a);
        return WSL_ENOMEM;
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

size_t *wsl__em_cut_blocks(const em_ctx *x, const wsl_label_model *model,
                           const wsl_pattern_table *T, size_t *n_blocks)
{
    size_t n = 0, votes = 0, per = BLOCK_VOTES, cl_len = model->cl.n ? model->cl.off[model->cl.n] : 0;
    size_t *bs = wsl__mallocarray(&model->alloc, T->n + 2, sizeof *bs);
    if (per < 8 * (x->tab_len + cl_len))
        per = 8 * (x->tab_len + cl_len);
    if (!bs)
        return NULL;
    bs[n++] = 0;
    for (size_t p = 0; p < T->n; p++) {
        votes += T->start[p + 1] - T->start[p] + 1;
        if (votes >= per && p + 1 < T->n) {
            bs[n++] = p + 1;
            votes = 0;
        }
    }
    bs[n] = T->n;
    *n_blocks = n;
    return bs;
}

/* The block boundaries (x->block_start, x->n_blocks), once per fit. */
wsl_status wsl__em_blocks(em_ctx *x, const wsl_label_model *model)
{
    wsl__free(&model->alloc, x->block_start);
    x->block_start = wsl__em_cut_blocks(x, model, x->T, &x->n_blocks);
    if (!x->block_start) {
        x->n_blocks = 0;
        return WSL_ENOMEM;
    }
    return workers_init(x, model);
}

/* A block's sum of cnt * log(sum) over its patterns: the sums of patterns of count 1 (each in
 * [1, k]) are multiplied LOG_BATCH at a time and their product's log taken, one log per batch
 * instead of one a pattern. */
typedef struct batched_logs {
    double log, prod;
    unsigned in_prod;
} batched_logs;

static inline void add_log(batched_logs *b, double cnt, double sum)
{
    if (cnt != 1) {
        b->log += cnt * log(sum);
    } else if (b->prod *= sum, ++b->in_prod == LOG_BATCH) {
        b->log += log(b->prod);
        b->prod = 1;
        b->in_prod = 0;
    }
}

static inline double logs_total(const batched_logs *b)
{
    return b->log + log(b->prod);
}

/* One block's patterns; k is x->k, a constant where run_block specializes it. */
static WSL__ALWAYS_INLINE void run_patterns(worker *w, int32_t k, int indexed)
{
    em_ctx *x = w->x;
    const wsl_pattern_table *T = x->T;
    const wsl_label_model *model = w->model;
    /* The log-likelihood as sum cnt * max + sum cnt * log(s) (batched_logs). */
    double ll_max = 0;
    batched_logs logs = {0, 1, 0};
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
        const size_t *given = indexed ? x->pcidx + p * model->cl.n : NULL;
        wsl__model_scores(model, k, x->abstain_sum, T->cols + s0, T->vals + s0, nv, w->s, w->cidx,
                          given);
        if (gold != WSL_ABSTAIN) {
            ll_max += cnt * w->s[gold];
            for (int32_t c = 0; c < k; c++)
                w->s[c] = c == gold;
        } else {
            double mx, sum = wsl__softmax_parts(w->s, (size_t)k, &mx);
            ll_max += cnt * mx;
            add_log(&logs, cnt, sum);
        }
        if (w->accumulate)
            wsl__em_accumulate(model, k, w->s, given ? given : w->cidx, T->cols + s0, T->vals + s0,
                               nv, cnt, w->ntot, w->nt, w->nq);
    }
    w->ll = ll_max + logs_total(&logs);
}

/*
 * Two classes without cliques: a pattern's posterior is the logistic of one sum, the log-odds
 * z = z0 + sum of g over its votes (g = delta[1] - delta[0]), so a vote costs one addition and,
 * for the counts, one: class 1's expected count. Class 0's, and the part of the log-likelihood
 * that class 0's scores add, follow once per E-step from the vote totals (finish_logit). A
 * pattern adds cnt * log(1 + e^z) to w->ll (cnt * z or 0 with a clamped label); g and z0 are
 * set by the E-step.
 */
static void run_patterns_logit(worker *w)
{
    em_ctx *x = w->x;
    const wsl_pattern_table *T = x->T;
    const size_t *start = T->start;
    const uint32_t *cols = T->cols;
    const int32_t *vals = T->vals;
    const uint64_t *counts = T->counts;
    const double *g = x->g, z0 = x->z0;
    double *nt1 = w->nt, ntot1 = 0;
    const int accumulate = w->accumulate;
    const size_t gold_col = x->gold_col;
    /* log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), the logs batched (batched_logs). */
    double ll_max = 0;
    batched_logs logs = {0, 1, 0};
    if (accumulate) {
        memset(w->ntot, 0, 2 * sizeof *w->ntot);
        memset(nt1, 0, x->tab_len * sizeof *nt1);
    }
    for (size_t p = w->p0; p < w->p1; p++) {
        size_t s0 = start[p], nv = start[p + 1] - s0;
        double cnt = (double)counts[p], z = z0, q;
        int32_t gold = WSL_ABSTAIN;
        if (gold_col < T->m && nv > 0 && cols[s0 + nv - 1] == gold_col)
            gold = vals[s0 + --nv];
        { /* two sums: one chain of additions a vote long would leave a wide pattern waiting */
            double za = 0, zb = 0;
            size_t e = s0;
            for (; e + 1 < s0 + nv; e += 2) {
                za += g[(size_t)cols[e] * 3 + (size_t)(vals[e] + 1)];
                zb += g[(size_t)cols[e + 1] * 3 + (size_t)(vals[e + 1] + 1)];
            }
            if (e < s0 + nv)
                za += g[(size_t)cols[e] * 3 + (size_t)(vals[e] + 1)];
            z += za + zb;
        }
        if (gold != WSL_ABSTAIN) {
            ll_max += gold ? cnt * z : 0;
            q = gold;
        } else {
            double ez = exp(-fabs(z)), sum = 1 + ez;
            q = (z >= 0 ? 1 : ez) / sum;
            ll_max += z > 0 ? cnt * z : 0;
            add_log(&logs, cnt, sum);
        }
        if (accumulate) {
            double wq = cnt * q;
            ntot1 += wq;
            for (size_t e = s0; e < s0 + nv; e++)
                nt1[((size_t)cols[e] * 3 + (size_t)(vals[e] + 1)) * 2 + 1] += wq;
        }
    }
    if (accumulate)
        w->ntot[1] = ntot1;
    w->ll = ll_max + logs_total(&logs);
}

/* Two classes without cliques take the log-odds loop (unless a score is infinite). Other two-
 * class models get a copy of the general loop with k a constant: the class loops unroll, with the
 * same arithmetic and bits. Models with cliques indexed per pattern get their own copies, so that
 * the loop without cliques stays as lean as it was. */
static void run_block(worker *w)
{
    int indexed = w->x->pcidx != NULL;
    if (w->x->g)
        run_patterns_logit(w);
    else if (w->x->k == 2 && !indexed)
        run_patterns(w, 2, 0);
    else if (w->x->k == 2)
        run_patterns(w, 2, 1);
    else if (!indexed)
        run_patterns(w, w->x->k, 0);
    else
        run_patterns(w, w->x->k, 1);
}

/*
 * The log-odds form of a two-class model without cliques (see run_patterns_logit): x->g (in
 * x->glogit, m x 3) and x->z0, or NULL when a score it would need is not finite (a class of
 * prior 0, an impossible vote): the general loop then handles the infinities.
 */
static const double *start_logit(em_ctx *x, const wsl_label_model *model)
{
    const double *d = model->delta, *lp = model->log_prior, *as = x->abstain_sum;
    if (x->k != 2 || model->cl.n || !x->glogit || x->logit_off)
        return NULL;
    x->base0 = lp[0] + as[0];
    x->z0 = (lp[1] + as[1]) - x->base0;
    if (!isfinite(x->base0) || !isfinite(x->z0))
        return NULL;
    for (size_t j = 0; j < x->m; j++) {
        x->glogit[j * 3] = 0;
        for (size_t v = 0; v < 2; v++) {
            const double *dv = d + (j * 3 + v + 1) * 2;
            if (x->votes[j * 2 + v] > 0 && (!isfinite(dv[0]) || !isfinite(dv[1])))
                return NULL;
            x->glogit[j * 3 + v + 1] = dv[1] - dv[0];
        }
    }
    return x->glogit;
}

/* Class 0's expected counts are totals less class 1's: below this share of the total the
 * difference would keep too few correct digits (rounding in a sum of many terms of up to the
 * total), and an E-step with such counts is redone with the general loop. */
#define LOGIT_MIN_SHARE 1e-4

/*
 * What the log-odds blocks left out: class 0's part of every row's score (the rows times
 * class 0's base, plus each vote's delta[0] times the rows casting it), and with counts, class
 * 0's expected counts as the totals less class 1's. Returns the log-likelihood to add, or NAN
 * when some class 0 count is too small a share of its total to be had by difference.
 */
static double finish_logit(em_ctx *x, const wsl_label_model *model, int accumulate)
{
    double rows = (double)x->T->total, ll = rows * x->base0;
    for (size_t j = 0; j < x->m; j++)
        for (size_t v = 0; v < 2; v++) {
            size_t cell = j * 3 + v + 1;
            double n_jv = x->votes[j * 2 + v];
            if (n_jv > 0)
                ll += n_jv * model->delta[cell * 2];
            if (accumulate) {
                double n0 = n_jv - x->NT[cell * 2 + 1];
                if (n_jv > 0 && !(n0 >= LOGIT_MIN_SHARE * n_jv))
                    return NAN;
                x->NT[cell * 2] = n0;
            }
        }
    if (accumulate) {
        double n0 = rows - x->Ntot[1];
        if (!(n0 >= LOGIT_MIN_SHARE * rows))
            return NAN;
        x->Ntot[0] = n0;
    }
    return ll;
}

static void add(double *to, const double *from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        to[i] += from[i];
}

static double e_pass(em_ctx *x, wsl_label_model *model, int accumulate_counts)
{
    worker *ws = x->workers;
    pool *P = x->pool;
    size_t n_w = x->n_workers, cl_len = model->cl.n ? model->cl.off[model->cl.n] : 0;
    double ll = 0;
    if (accumulate_counts)
        wsl__em_clear_counts(x, model);
    wsl__model_abstain_sum(model, x->abstain_sum);
    x->g = start_logit(x, model);
    for (size_t t = 0; t < n_w; t++) {
        ws[t].model = model;
        ws[t].accumulate = accumulate_counts;
    }
    for (size_t b0 = 0; b0 < x->n_blocks; b0 += n_w) {
        size_t wave = x->n_blocks - b0 < n_w ? x->n_blocks - b0 : n_w;
        size_t threaded = P ? P->n_threads + 1 : 1; /* workers below this have a thread */
        for (size_t t = 0; t < wave; t++) {
            ws[t].p0 = x->block_start[b0 + t];
            ws[t].p1 = x->block_start[b0 + t + 1];
        }
        if (P && P->n_threads) {
            P->wave = wave;
            atomic_store(&P->pending, P->n_threads);
            pthread_mutex_lock(&P->mu);
            atomic_fetch_add(&P->gen, 1);
            pthread_cond_broadcast(&P->go);
            pthread_mutex_unlock(&P->mu);
        }
        /* Worker 0 runs on this thread, and so does any worker without a thread. */
        run_block(&ws[0]);
        for (size_t t = threaded; t < wave; t++)
            run_block(&ws[t]);
        if (P && P->n_threads)
            await_pending(P);
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
    if (x->g) {
        double rest = finish_logit(x, model, accumulate_counts);
        x->g = NULL;
        if (isnan(rest)) {
            /* A class nearly absent from some votes: the general loop, from now on in this
             * fit (the parameters that led here seldom change enough to leave it). */
            x->logit_off = 1;
            wsl__log(x->o.log_fn, x->o.log_payload, WSL_LOG_DEBUG,
                     "a class is nearly absent from some votes: the E-step leaves the "
                     "log-odds form for the rest of the fit");
            return e_pass(x, model, accumulate_counts);
        }
        ll += rest;
    }
    return ll;
}

void wsl__em_scale_counts(em_ctx *x, const wsl_label_model *model)
{
    size_t cl_len = model->cl.n ? model->cl.off[model->cl.n] : 0;
    if (x->scale == 1)
        return;
    for (size_t i = 0; i < x->tab_len; i++)
        x->NT[i] *= x->scale;
    for (int32_t c = 0; c < x->k; c++)
        x->Ntot[c] *= x->scale;
    for (size_t i = 0; i < cl_len; i++)
        x->Nq[i] *= x->scale;
}

double wsl__em_e_step(em_ctx *x, wsl_label_model *model, int accumulate_counts)
{
    double ll = e_pass(x, model, accumulate_counts);
    if (accumulate_counts)
        wsl__em_scale_counts(x, model);
    return ll * x->scale; /* a sample of the rows stands for all of them */
}
