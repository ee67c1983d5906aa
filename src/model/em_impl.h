/* The EM engine's working state, shared by em.c and the structure search (structure.c). */
#ifndef WSL_SRC_MODEL_EM_IMPL_H
#define WSL_SRC_MODEL_EM_IMPL_H

#include "model_impl.h"

/* The rows an E-step runs on: a table, its vote totals, its blocks, and whether the log-odds
 * form gave up on them (a sample's few votes of a rare source must not take it from all rows). */
typedef struct em_rows {
    const wsl_pattern_table *T;
    double *votes;
    size_t *block_start, n_blocks;
    int logit_off;
} em_rows;

typedef struct em_ctx {
    const wsl_pattern_table *T;
    size_t gold_col;     /* column of clamped gold labels, or >= T->m */
    size_t m;            /* sources (without the gold column) */
    int32_t k;
    size_t tab_len;      /* m * k * (k + 1) */
    wsl_fit_options o;
    double n_rows;
    double *N;           /* expected counts, tab_len, in the table layout (for the M-step) */
    double *NT;          /* the same counts as the E-step adds them: class contiguous,
                            [(j * (k + 1) + v + 1) * k + c] */
    double *Ntot;        /* expected class totals, k */
    double *B;           /* pseudo-counts, tab_len */
    uint8_t *emits;      /* m * k: source j ever votes class v */
    int32_t *single;     /* m: the class a source votes when it votes only one, else -1 */
    double *fire;        /* m: share of rows where the source votes */
    double *share;       /* m * k: the source's vote shares */
    double *votes;       /* m * k: the rows where source j votes v (counts, exact as doubles) */
    double *acc;         /* m: one-coin accuracy of a multi-class source (polarity tables) */
    wsl_lm_abstain mode; /* abstain handling of the current phase (AUTO resolved) */
    uint8_t *all;        /* k ones: every outcome live */
    double *s;           /* k scratch */
    double *abstain_sum; /* k */
    double *glogit;      /* m x 3 when k = 2: each vote's log-odds (see estep.c) */
    const double *g;     /* glogit while an E-step uses the log-odds form, else NULL */
    double z0, base0;    /* the log-odds and class 0's score of a row without votes */
    int logit_off;       /* the log-odds form gave up in this fit (a class 0 count too small) */
    double *hist;        /* max_iter */
    double *best_hist;   /* the winning start's history */
    double *Nq;          /* expected counts of the cliques' outcomes, cl.off[cl.n] */
    size_t *cidx;        /* cl.n: outcome index of each clique for the current pattern */
    size_t *pcidx;       /* NULL, or T->n x cl.n: every pattern's clique outcome indices, for
                            the model's cliques (set with them; the E-step's many passes then
                            skip the members' votes without a test per vote) */
    size_t *block_start; /* n_blocks + 1 pattern offsets: the E-step's units of work */
    size_t n_blocks;
    struct wsl__em_worker *workers; /* the E-step's per-thread scratch and partial sums */
    size_t n_workers;
    struct wsl__em_pool *pool;      /* threads for workers 1.., alive while the blocks are */
    /* The race's sample (see wsl__em_race): while on_sample, T, votes and the blocks are the
     * sample's, other holds all rows', and the E-step scales its sums by scale (all rows over
     * the sample's rows; 1 otherwise). */
    wsl_pattern_table *sample;
    em_rows other;
    int on_sample, sample_tried;
    double scale;
} em_ctx;

/* Scale the expected counts of the last accumulation by x->scale (the sample stands for all
 * rows while x->on_sample). */
void wsl__em_scale_counts(em_ctx *x, const wsl_label_model *model);

/* Add a pattern's posterior s (weight cnt) to expected counts: class totals, votes (the
 * class-contiguous layout of em_ctx.NT) and clique outcomes (cidx from the scoring). k is
 * model->k (see wsl__model_scores). */
/* Classes up to this many get their weighted posterior on the stack. */
#define WSL__ACC_STACK 256

static inline void wsl__em_accumulate(const wsl_label_model *model, int32_t k, const double *s,
                                      const size_t *cidx, const uint32_t *cols,
                                      const int32_t *vals, size_t nv, double cnt, double *ntot,
                                      double *nt_all, double *nq_all)
{
    const wsl__cliques *cl = &model->cl;
    for (int32_t c = 0; c < k; c++)
        ntot[c] += cnt * s[c];
    /* w = cnt * s once; then each vote adds w to a class-contiguous row (vectorizes). */
    double w[WSL__ACC_STACK], *wp = (size_t)k <= WSL__ACC_STACK ? w : NULL;
    if (wp)
        for (int32_t c = 0; c < k; c++)
            wp[c] = cnt * s[c];
    for (size_t e = 0; e < nv; e++) {
        double *restrict nt =
            nt_all + ((size_t)cols[e] * ((size_t)k + 1) + (size_t)(vals[e] + 1)) * (size_t)k;
        if (wp) {
            const double *restrict ww = wp;
            for (int32_t c = 0; c < k; c++)
                nt[c] += ww[c];
        } else {
            for (int32_t c = 0; c < k; c++)
                nt[c] += cnt * s[c];
        }
    }
    for (size_t q = 0; q < cl->n; q++) {
        double *nq = nq_all + cl->off[q] + cidx[q];
        for (int32_t c = 0; c < k; c++)
            nq[(size_t)c * cl->size[q]] += cnt * s[c];
    }
}

/* Zero the expected counts of the context. */
void wsl__em_clear_counts(em_ctx *x, const wsl_label_model *model);

/* Block boundaries of table T (n_blocks + 1 pattern offsets), by votes; NULL without memory. */
size_t *wsl__em_cut_blocks(const em_ctx *x, const wsl_label_model *model,
                           const wsl_pattern_table *T, size_t *n_blocks);

/* Cut the patterns into the E-step's blocks (by votes: the data alone decides) and allocate
 * the workers' scratch for the model's current cliques. */
wsl_status wsl__em_blocks(em_ctx *x, const wsl_label_model *model);
void wsl__em_blocks_free(em_ctx *x, const wsl_label_model *model);

/* One pass over the patterns: posteriors, log-likelihood (total), and with accumulate_counts
 * the expected counts of votes and clique outcomes. Runs on opts.n_threads threads; the same
 * bits for any number. */
double wsl__em_e_step(em_ctx *x, wsl_label_model *model, int accumulate_counts);

/* Run every requested start from scratch; the best penalized likelihood is left in model. */
wsl_status wsl__em_fit_starts(em_ctx *x, wsl_label_model *model);

/* Carry on the model's fit, converged at a looser tolerance, to x->o.tol. */
wsl_status wsl__em_fit_continue(em_ctx *x, wsl_label_model *model);

/* Free parameters of the model (for BIC). Needs the counts of the last accumulated E-step. */
double wsl__em_params(const em_ctx *x, const wsl_label_model *model);

/* Free parameters of source j's own table. */
double wsl__em_source_params(const em_ctx *x, size_t j);

/* (Re)allocate the clique scratch of the context for the model's current cliques. */
wsl_status wsl__em_ctx_cliques(em_ctx *x, wsl_label_model *model);

/*
 * Learn groups of dependent sources (WSL_DEPS_LEARN): greedy merges of the pair that co-votes
 * most beyond the model, accepted while the likelihood gain pays for the joint table by BIC.
 * The model is fitted on entry and on return.
 */
wsl_status wsl__em_learn_structure(em_ctx *x, wsl_label_model *model);

#endif
