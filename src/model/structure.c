/*
 * Learning which sources depend on each other (WSL_DEPS_LEARN).
 *
 * Greedy and penalized: each round ranks the pairs of sources by how far their co-votes exceed
 * what the fitted model explains (pair G statistics, standardized by their degrees of
 * freedom), and scores the best few candidate merges — the union of the two sources' units
 * (a clique or a lone source) — by the gain in expected complete-data log-likelihood of a joint
 * table over the separate ones, minus the BIC cost of its extra parameters, with the current
 * posteriors. The best positive one is merged and the model refitted; the merge stays only if
 * the refitted model's BIC improves. The search stops when no candidate pays for itself, so on
 * conditionally independent sources it adds nothing, with no threshold to tune.
 */
#include "em_impl.h"

#include "matrix/matrix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CANDIDATES 8 /* merges scored per round */
/* The refits of the search stop at this tolerance per row (or the user's, if looser): their
 * last step is worth at most 10 nats at 10^6 rows, what remains a fraction of that unless EM
 * crawls, against merges that pay hundreds. A merge that does not pay at this tolerance is
 * fitted on to the user's before it is turned down (EM only climbs: one that pays here pays
 * there), so the search decides as with every refit at the user's tolerance; the structure
 * kept is fitted on to it too. */
#define SEARCH_TOL 1e-5

typedef struct candidate {
    size_t i, j;    /* the pair that ranked it */
    double z;       /* standardized excess co-voting */
    size_t nu, na;  /* members of the union and of i's unit (the rest are j's) */
    uint32_t u[64]; /* the union's members, ascending */
    uint8_t in_a[64];
    size_t size_u, size_a, size_b;
    double *nu_c, *na_c, *nb_c; /* expected counts per class and outcome */
    double score;
} candidate;

/* Members of the unit of source j: its clique, or itself. */
static size_t unit_members(const wsl_label_model *model, size_t j, uint32_t *out)
{
    const wsl__cliques *cl = &model->cl;
    if (cl->n && cl->of_source[j] >= 0) {
        size_t q = (size_t)cl->of_source[j], n = cl->start[q + 1] - cl->start[q];
        memcpy(out, cl->members + cl->start[q], n * sizeof *out);
        return n;
    }
    out[0] = (uint32_t)j;
    return 1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static size_t outcomes(size_t K1, size_t members)
{
    size_t size = 1;
    for (size_t i = 0; i < members; i++) {
        if (size > WSL__CLIQUE_MAX_OUTCOMES / K1)
            return 0;
        size *= K1;
    }
    return size;
}

/* Build a candidate from the pair (i, j); 0 when its joint table would be too large. */
static int make_candidate(const wsl_label_model *model, size_t i, size_t j, double z, candidate *cd)
{
    uint32_t a[64], b[64];
    size_t na, nb, K1 = (size_t)model->k + 1;
    na = unit_members(model, i, a);
    nb = unit_members(model, j, b);
    if (na + nb > 64)
        return 0;
    memset(cd, 0, sizeof *cd);
    cd->i = i;
    cd->j = j;
    cd->z = z;
    cd->na = na;
    cd->nu = na + nb;
    memcpy(cd->u, a, na * sizeof *a);
    memcpy(cd->u + na, b, nb * sizeof *b);
    qsort(cd->u, cd->nu, sizeof *cd->u, cmp_u32);
    for (size_t t = 0; t < cd->nu; t++)
        for (size_t s = 0; s < na; s++)
            cd->in_a[t] |= cd->u[t] == a[s];
    cd->size_u = outcomes(K1, cd->nu);
    cd->size_a = outcomes(K1, na);
    cd->size_b = outcomes(K1, nb);
    return cd->size_u > 0;
}

/* Expected complete-data log-likelihood of a free table: sum_c sum_o N log(N / N_c). */
static double table_q(const double *n_c, size_t size, int32_t k, const double *ntot, double *seen)
{
    double q = 0;
    *seen = 0;
    for (size_t o = 0; o < size; o++) {
        double rows = 0;
        for (int32_t c = 0; c < k; c++) {
            double v = n_c[(size_t)c * size + o];
            rows += v;
            if (v > 0 && ntot[c] > 0)
                q += v * log(v / ntot[c]);
        }
        *seen += rows > 0.5;
    }
    return q;
}

/* Parameters of the unit holding source j now. */
static double unit_params(const em_ctx *x, const wsl_label_model *model, size_t j,
                          double seen_if_clique)
{
    if (model->cl.n && model->cl.of_source[j] >= 0)
        return (double)x->k * (seen_if_clique - 1);
    return wsl__em_source_params(x, j);
}

/* One pass over the patterns with the current posteriors: the candidates' expected counts.
 * dense: m zeros, scratch (zeros again on return). */
static void score_candidates(em_ctx *x, wsl_label_model *model, candidate *cds, size_t n_cd,
                             uint32_t *dense)
{
    const wsl_pattern_table *T = x->T;
    int32_t k = x->k;
    size_t K1 = (size_t)k + 1;
    double *ntot = x->Ntot, logn = log(x->n_rows), mx;
    memset(ntot, 0, (size_t)k * sizeof *ntot);
    wsl__model_abstain_sum(model, x->abstain_sum);
    for (size_t oi = 0; oi < T->n; oi++) {
        size_t p = oi, s0 = T->start[p], nv = T->start[p + 1] - s0;
        double cnt = (double)T->counts[p];
        int32_t gold = WSL_ABSTAIN;
        if (x->gold_col < T->m && nv > 0 && T->cols[s0 + nv - 1] == x->gold_col)
            gold = T->vals[s0 + --nv];
        wsl__model_scores(model, x->k, x->abstain_sum, T->cols + s0, T->vals + s0, nv, x->s,
                          x->cidx, x->pcidx ? x->pcidx + p * model->cl.n : NULL);
        if (gold != WSL_ABSTAIN)
            for (int32_t c = 0; c < k; c++)
                x->s[c] = c == gold;
        else
            wsl__softmax_parts(x->s, (size_t)k, &mx);
        for (int32_t c = 0; c < k; c++)
            ntot[c] += cnt * x->s[c];
        /* The pattern's votes by source (outcome 0 = abstain), read once for all candidates. */
        for (size_t e = s0; e < s0 + nv; e++)
            dense[T->cols[e]] = (uint32_t)(T->vals[e] + 1);
        for (size_t d = 0; d < n_cd; d++) {
            candidate *cd = cds + d;
            size_t iu = 0, ia = 0, ib = 0, su = 1, sa = 1, sb = 1;
            for (size_t t = 0; t < cd->nu; t++) {
                size_t v = dense[cd->u[t]];
                iu += v * su;
                su *= K1;
                if (cd->in_a[t]) {
                    ia += v * sa;
                    sa *= K1;
                } else {
                    ib += v * sb;
                    sb *= K1;
                }
            }
            for (int32_t c = 0; c < k; c++) {
                double w = cnt * x->s[c];
                cd->nu_c[(size_t)c * cd->size_u + iu] += w;
                cd->na_c[(size_t)c * cd->size_a + ia] += w;
                cd->nb_c[(size_t)c * cd->size_b + ib] += w;
            }
        }
        for (size_t e = s0; e < s0 + nv; e++)
            dense[T->cols[e]] = 0;
    }
    for (size_t d = 0; d < n_cd; d++) {
        candidate *cd = cds + d;
        double seen_u, seen_a, seen_b, gain, extra;
        gain = table_q(cd->nu_c, cd->size_u, k, ntot, &seen_u) -
               table_q(cd->na_c, cd->size_a, k, ntot, &seen_a) -
               table_q(cd->nb_c, cd->size_b, k, ntot, &seen_b);
        extra = (double)k * (seen_u - 1) - unit_params(x, model, cd->i, seen_a) -
                unit_params(x, model, cd->j, seen_b);
        cd->score = gain - extra / 2 * logn;
    }
}

/* The groups of the current cliques, with the units of cd merged into one. */
static wsl_status merged_groups(const wsl_label_model *model, const candidate *cd,
                                size_t **members_out, size_t **sizes_out, size_t *n_out)
{
    const wsl__cliques *cl = &model->cl;
    size_t total = (cl->n ? cl->start[cl->n] : 0) + cd->nu, n = 0, at = 0;
    size_t *members = wsl__mallocarray(&model->alloc, total, sizeof *members);
    size_t *sizes = wsl__mallocarray(&model->alloc, cl->n + 1, sizeof *sizes);
    if (!members || !sizes) {
        wsl__free(&model->alloc, members);
        wsl__free(&model->alloc, sizes);
        return WSL_ENOMEM;
    }
    for (size_t q = 0; q < cl->n; q++) {
        uint32_t first = cl->members[cl->start[q]];
        int merged = 0;
        for (size_t t = 0; t < cd->nu; t++)
            merged |= cd->u[t] == first;
        if (merged)
            continue;
        sizes[n++] = cl->start[q + 1] - cl->start[q];
        for (size_t i = cl->start[q]; i < cl->start[q + 1]; i++)
            members[at++] = cl->members[i];
    }
    sizes[n++] = cd->nu;
    for (size_t t = 0; t < cd->nu; t++)
        members[at++] = cd->u[t];
    *members_out = members;
    *sizes_out = sizes;
    *n_out = n;
    return WSL_OK;
}

typedef struct snapshot {
    double *table, *prior, *hist;
    wsl_fit_report report;
    size_t n_history;
    wsl_label_model holder; /* carries a copy of the cliques */
} snapshot;

static wsl_status snapshot_take(snapshot *sn, const em_ctx *x, const wsl_label_model *model)
{
    const wsl_allocator *a = &model->alloc;
    memset(sn, 0, sizeof *sn);
    sn->holder.alloc = model->alloc;
    sn->holder.k = model->k;
    sn->holder.m = model->m;
    sn->table = wsl__mallocarray(a, x->tab_len, sizeof *sn->table);
    sn->prior = wsl__mallocarray(a, (size_t)x->k, sizeof *sn->prior);
    sn->hist = wsl__mallocarray(a, (size_t)x->o.max_iter, sizeof *sn->hist);
    if (!sn->table || !sn->prior || !sn->hist)
        return WSL_ENOMEM;
    memcpy(sn->table, model->table, x->tab_len * sizeof *sn->table);
    memcpy(sn->prior, model->prior, (size_t)x->k * sizeof *sn->prior);
    /* The fit's account too: a rejected refit must not leave its iterations in the report. */
    sn->report = model->report;
    sn->n_history = model->n_history;
    memcpy(sn->hist, x->best_hist, model->n_history * sizeof *sn->hist);
    return wsl__cliques_copy(&sn->holder, model);
}

static wsl_status snapshot_restore(const snapshot *sn, const em_ctx *x, wsl_label_model *model)
{
    memcpy(model->table, sn->table, x->tab_len * sizeof *sn->table);
    memcpy(model->prior, sn->prior, (size_t)x->k * sizeof *sn->prior);
    memcpy(x->best_hist, sn->hist, sn->n_history * sizeof *sn->hist);
    model->report = sn->report;
    model->n_history = sn->n_history;
    WSL_TRY(wsl__cliques_copy(model, &sn->holder));
    wsl__model_refresh_logs(model);
    return WSL_OK;
}

static void snapshot_free(snapshot *sn)
{
    wsl__free(&sn->holder.alloc, sn->table);
    wsl__free(&sn->holder.alloc, sn->prior);
    wsl__free(&sn->holder.alloc, sn->hist);
    wsl__cliques_release(&sn->holder);
    sn->table = sn->prior = sn->hist = NULL;
}

/* BIC of the model as it stands (one accumulating E-step refreshes the counts it needs). */
static double current_bic(em_ctx *x, wsl_label_model *model, double *ll)
{
    *ll = wsl__em_e_step(x, model, 1);
    return *ll - wsl__em_params(x, model) / 2 * log(x->n_rows);
}

wsl_status wsl__em_learn_structure(em_ctx *x, wsl_label_model *model)
{
    const wsl_allocator *a = &model->alloc;
    size_t m = x->m, max_rounds = m;
    double *g = NULL, *df = NULL, ll, bic;
    uint32_t *dense = NULL;
    candidate *cds = NULL;
    snapshot sn;
    wsl__pair_counts pc;
    wsl_status st = WSL_OK;
    memset(&sn, 0, sizeof sn);
    memset(&pc, 0, sizeof pc);
    if (m < 2)
        return WSL_OK;
    g = wsl__mallocarray(a, m * m, sizeof *g);
    df = wsl__mallocarray(a, m * m, sizeof *df);
    cds = wsl__calloc(a, CANDIDATES, sizeof *cds);
    dense = wsl__calloc(a, m, sizeof *dense);
    if (!g || !df || !cds || !dense) {
        st = WSL_ENOMEM;
        goto done;
    }
    /* The votes do not change between rounds, only the model they are compared with. */
    if ((st = wsl__pair_counts_init(&pc, a, x->T, m)) != WSL_OK)
        goto done;
    bic = current_bic(x, model, &ll);
    for (size_t round = 0; round < max_rounds; round++) {
        size_t n_cd = 0, best = SIZE_MAX;
        double new_ll, new_bic;
        size_t *members = NULL, *sizes = NULL, n_groups = 0;
        wsl__pair_dependence(model, &pc, g, df);
        /* The CANDIDATES pairs with the largest standardized excess, one per pair of units. */
        for (size_t i = 0; i < m; i++)
            for (size_t j = i + 1; j < m; j++) {
                double d = df[i * m + j], z;
                candidate cd;
                size_t at;
                if (isnan(g[i * m + j]) || !(d > 0))
                    continue;
                z = (g[i * m + j] - d) / sqrt(2 * d);
                if (z <= 0)
                    continue;
                if (n_cd == CANDIDATES && z <= cds[n_cd - 1].z)
                    continue;
                if (!make_candidate(model, i, j, z, &cd))
                    continue;
                for (size_t t = 0; t < n_cd; t++)
                    if (cds[t].nu == cd.nu && !memcmp(cds[t].u, cd.u, cd.nu * sizeof *cd.u))
                        goto next; /* the same merge through another pair of members */
                at = n_cd < CANDIDATES ? n_cd++ : CANDIDATES - 1;
                while (at > 0 && cds[at - 1].z < z) {
                    cds[at] = cds[at - 1];
                    at--;
                }
                cds[at] = cd;
            next:;
            }
        if (n_cd == 0)
            break;
        for (size_t d = 0; d < n_cd; d++) {
            candidate *cd = cds + d;
            size_t k = (size_t)x->k;
            cd->nu_c = wsl__calloc(a, k * cd->size_u, sizeof(double));
            cd->na_c = wsl__calloc(a, k * cd->size_a, sizeof(double));
            cd->nb_c = wsl__calloc(a, k * cd->size_b, sizeof(double));
            if (!cd->nu_c || !cd->na_c || !cd->nb_c)
                st = WSL_ENOMEM;
        }
        if (st == WSL_OK) {
            score_candidates(x, model, cds, n_cd, dense);
            for (size_t d = 0; d < n_cd; d++)
                wsl__log(x->o.log_fn, x->o.log_payload, WSL_LOG_DEBUG,
                         "dependencies: candidate %zu + %zu (%zu sources): excess z %.1f, "
                         "BIC score %.1f",
                         cds[d].i, cds[d].j, cds[d].nu, cds[d].z, cds[d].score);
            for (size_t d = 0; d < n_cd; d++)
                if (cds[d].score > 0 && (best == SIZE_MAX || cds[d].score > cds[best].score))
                    best = d;
        }
        if (st == WSL_OK && best != SIZE_MAX)
            st = merged_groups(model, cds + best, &members, &sizes, &n_groups);
        for (size_t d = 0; d < n_cd; d++) {
            wsl__free(a, cds[d].nu_c);
            wsl__free(a, cds[d].na_c);
            wsl__free(a, cds[d].nb_c);
        }
        if (st != WSL_OK || best == SIZE_MAX)
            goto done;
        /* Merge, refit, keep it only if BIC improves. */
        snapshot_free(&sn);
        if ((st = snapshot_take(&sn, x, model)) == WSL_OK &&
            (st = wsl__cliques_set(model, members, sizes, n_groups, "wsl_label_model_fit")) ==
                WSL_OK &&
            (st = wsl__em_ctx_cliques(x, model)) == WSL_OK) {
            /* From scratch (the majority-vote start): a warm start from the model without
             * the clique can keep the latent class where the undeclared copies pulled it
             * (raced against majority vote for one iteration, it wins and stays there). */
            unsigned starts = x->o.starts;
            double tol = x->o.tol;
            x->o.starts = (starts & WSL_START_MAJORITY) ? WSL_START_MAJORITY : starts;
            x->o.tol = tol > SEARCH_TOL ? tol : SEARCH_TOL;
            st = wsl__em_fit_starts(x, model);
            x->o.starts = starts;
            x->o.tol = tol;
        }
        wsl__free(a, members);
        wsl__free(a, sizes);
        if (st != WSL_OK)
            goto done;
        new_bic = current_bic(x, model, &new_ll);
        if (!(new_bic > bic) && x->o.tol < SEARCH_TOL) {
            if ((st = wsl__em_fit_continue(x, model)) != WSL_OK)
                goto done;
            new_bic = current_bic(x, model, &new_ll);
        }
        wsl__log(x->o.log_fn, x->o.log_payload, WSL_LOG_INFO,
                 "dependencies: merging %zu sources (pair %zu, %zu) moves BIC %.1f -> %.1f",
                 cds[best].nu, cds[best].i, cds[best].j, bic, new_bic);
        if (!(new_bic > bic)) {
            if ((st = snapshot_restore(&sn, x, model)) == WSL_OK)
                st = wsl__em_ctx_cliques(x, model);
            break;
        }
        bic = new_bic;
        model->report.learned_cliques++;
    }
done:
    if (st == WSL_OK && model->report.learned_cliques > 0 && x->o.tol < SEARCH_TOL)
        st = wsl__em_fit_continue(x, model);
    snapshot_free(&sn);
    wsl__pair_counts_release(&pc, a);
    wsl__free(a, g);
    wsl__free(a, df);
    wsl__free(a, cds);
    wsl__free(a, dense);
    return st;
}
