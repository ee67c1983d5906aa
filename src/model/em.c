/*
 * MAP EM for the label model on a pattern table.
 *
 * E-step: for each distinct vote pattern, the log joint score of each class, its posterior and
 * the log-likelihood, in log space. M-step: expected counts N[j][c][v] of "source j voted v while
 * the class was c" give the tables in closed form, with Dirichlet pseudo-counts B[j][c][v]
 * (the belief that a source's vote is more often right than any particular wrong class).
 * Patterns are visited in a canonical order so that the sums do not depend on how the table was
 * built (threads, merges, streams).
 */
#include "em_impl.h"

#include "matrix/matrix.h"

#include <math.h>
#include <string.h>

#define PRIOR_ACCURACY WSL__PRIOR_ACCURACY
/* Smallest probability of any outcome a source emits: keeps logs finite. */
#define MIN_PROB 1e-6



static const wsl_allocator *ctx_alloc(const wsl_label_model *model)
{
    return &model->alloc;
}

/* The user's prior table of source j (k x (k + 1) means), or NULL. */
static const double *given_prior(const em_ctx *x, size_t j)
{
    return x->o.source_priors ? x->o.source_priors[j] : NULL;
}

/* Each source's votes for each class over T's rows (m x k, summed as integers: the same values
 * as summing them as doubles below 2^53 rows, one read-modify-write a vote instead of two),
 * and the classes each source emits (emits, zeroed before). */
static void count_votes(const em_ctx *x, const wsl_pattern_table *T, uint64_t *votes,
                        unsigned char *emits)
{
    /* Locals: a store through emits (bytes) may alias anything reached through x or T. */
    const size_t k = (size_t)x->k, m = x->m, *start = T->start;
    const uint32_t *cols = T->cols;
    const int32_t *vals = T->vals;
    const uint64_t *counts = T->counts;
    memset(votes, 0, m * k * sizeof *votes);
    for (size_t p = 0; p < T->n; p++) {
        uint64_t cnt = counts[p];
        for (size_t e = start[p]; e < start[p + 1]; e++) {
            size_t j = cols[e];
            if (j >= m)
                continue;
            votes[j * k + (size_t)vals[e]] += cnt;
            emits[j * k + (size_t)vals[e]] = 1;
        }
    }
}

/* Empirical firing rate and vote shares of each source, from the pattern counts (count_votes,
 * into the m x k scratch votes), and which classes each source emits (x->emits); the vote
 * counts are kept in x->votes. */
static void source_stats(const em_ctx *x, uint64_t *votes, double *fire, double *share)
{
    const size_t k = (size_t)x->k;
    count_votes(x, x->T, votes, x->emits);
    for (size_t j = 0; j < x->m; j++) {
        uint64_t f = 0;
        for (size_t v = 0; v < k; v++) {
            f += votes[j * k + v];
            x->votes[j * k + v] = (double)votes[j * k + v];
        }
        fire[j] = (double)f;
        for (size_t v = 0; v < k; v++)
            share[j * k + v] = f > 0 ? (double)votes[j * k + v] / fire[j] : 0;
        fire[j] = x->n_rows > 0 ? fire[j] / x->n_rows : 0;
    }
}

/*
 * Prior mean of P(vote v | y = c) for source j: with firing rate f and vote shares s(v), a vote
 * for its own class is a0 / (1 - a0) * (k - 1) times likelier than for another class, scaled so
 * that a source voting all classes alike fires at rate f. The table mean is written to row[0..k]
 * (index 0 = abstain).
 */
static void prior_mean_row(const em_ctx *x, size_t j, int32_t c, const double *fire,
                           const double *share, double *row)
{
    int32_t k = x->k;
    double f = fire[j], mass = 0;
    const double *sh = share + j * (size_t)k;
    for (int32_t v = 0; v < k; v++) {
        double r;
        if (!x->emits[j * (size_t)k + (size_t)v]) {
            row[v + 1] = 0;
            continue;
        }
        if (k == 1)
            r = f;
        else if (v == c)
            r = f * (double)k * PRIOR_ACCURACY * sh[v];
        else
            r = f * (double)k * (1 - PRIOR_ACCURACY) / (double)(k - 1) * sh[v];
        row[v + 1] = r;
        mass += r;
    }
    if (mass > 0.98) {
        for (int32_t v = 0; v < k; v++)
            row[v + 1] *= 0.98 / mass;
        mass = 0.98;
    }
    row[0] = 1 - mass;
}

static void build_priors(em_ctx *x, const double *fire, const double *share)
{
    int32_t k = x->k;
    double strength = x->o.pseudo_count;
    for (size_t j = 0; j < x->m; j++) {
        const double *g = given_prior(x, j);
        for (int32_t c = 0; c < k; c++) {
            double *b = x->B + wsl__tab_index(k, j, c, -1);
            if (g) {
                for (int32_t v = -1; v < k; v++)
                    b[v + 1] = x->o.source_prior_strength * g[(size_t)c * ((size_t)k + 1) + (size_t)(v + 1)];
                continue;
            }
            prior_mean_row(x, j, c, fire, share, b);
            for (int32_t v = -1; v < k; v++)
                b[v + 1] *= strength;
        }
    }
}


void wsl__em_clear_counts(em_ctx *x, const wsl_label_model *model)
{
    memset(x->NT, 0, x->tab_len * sizeof *x->NT);
    memset(x->Ntot, 0, (size_t)x->k * sizeof *x->Ntot);
    if (model->cl.n)
        memset(x->Nq, 0, model->cl.off[model->cl.n] * sizeof *x->Nq);
}

/* Normalize row[0..k] over the outcomes the source emits (plus abstain), flooring at MIN_PROB. */
static void normalize_row(double *row, const uint8_t *emits, int32_t k, int abstain_allowed)
{
    double sum = 0;
    for (int32_t v = -1; v < k; v++) {
        int live = v < 0 ? abstain_allowed : emits[v];
        if (!live) {
            row[v + 1] = 0;
            continue;
        }
        if (row[v + 1] < 0)
            row[v + 1] = 0;
        sum += row[v + 1];
    }
    for (int32_t v = -1; v < k; v++) {
        int live = v < 0 ? abstain_allowed : emits[v];
        if (!live)
            continue;
        row[v + 1] = sum > 0 ? row[v + 1] / sum : 0;
        if (row[v + 1] < MIN_PROB)
            row[v + 1] = MIN_PROB;
    }
    sum = 0;
    for (int32_t v = -1; v < k; v++)
        sum += row[v + 1];
    for (int32_t v = -1; v < k; v++)
        row[v + 1] /= sum;
}

/* A source with a user prior table: a full table, informative abstains, MAP (Dirichlet B). */
static void given_source(em_ctx *x, wsl_label_model *model, size_t j, int abstain_ok)
{
    int32_t k = x->k;
    for (int32_t c = 0; c < k; c++) {
        const double *n = x->N + wsl__tab_index(k, j, c, -1);
        const double *b = x->B + wsl__tab_index(k, j, c, -1);
        double *t = model->table + wsl__tab_index(k, j, c, -1), voted = 0;
        for (int32_t v = 0; v < k; v++)
            voted += n[v + 1];
        t[0] = (x->Ntot[c] - voted > 0 ? x->Ntot[c] - voted : 0) + b[0];
        for (int32_t v = 0; v < k; v++)
            t[v + 1] = n[v + 1] + b[v + 1];
        normalize_row(t, x->all, k, abstain_ok);
    }
}

/* Abstains of a source emitting n_emit classes are missing at random in the current phase. */
static int is_mar(const em_ctx *x, int n_emit)
{
    return x->mode == WSL_ABSTAIN_RANDOM ||
           (n_emit > 1 && (x->mode == WSL_ABSTAIN_BY_POLARITY || x->mode == WSL_ABSTAIN_VOTES_ONLY));
}

static double clamp_rate(double r)
{
    return r < 1e-3 ? 1e-3 : r > 1 - 1e-3 ? 1 - 1e-3 : r;
}

/*
 * Beta priors on a single-class source's two rates h = P(vote a | y = a) and
 * f = P(vote a | y != a): pseudo_count pseudo-votes, i.e. pseudo_count / coverage pseudo-rows
 * split over the classes as a uniform prior would, centred where a source of that coverage that
 * is PRIOR_ACCURACY precise would be. Scaling by the coverage keeps a rare source's prior as
 * strong, in votes, as a frequent one's.
 */
void wsl__single_class_prior(double pseudo_count, double cov, int32_t k_classes, double *Mh,
                             double *h0, double *Mf, double *f0)
{
    double k = (double)k_classes, M = pseudo_count / cov;
    *Mh = M / k;
    *Mf = M * (k - 1) / k;
    *h0 = clamp_rate(PRIOR_ACCURACY * cov * k);
    *f0 = clamp_rate((1 - PRIOR_ACCURACY) * cov * k / (k - 1));
}

static void single_class_prior(const em_ctx *x, size_t j, double *Mh, double *h0, double *Mf,
                               double *f0)
{
    wsl__single_class_prior(x->o.pseudo_count, x->fire[j], x->k, Mh, h0, Mf, f0);
}

/*
 * Polarity tables, one source. A single-class source with informative abstains has two rates,
 * MAP under its Beta priors and the order h >= f (a vote for a is evidence for a; the MLE under
 * that order pools the two). Any other source gets vote rows shrunk by pseudo_count votes toward
 * its own one-coin row (its pooled accuracy on every class), so a class it rarely meets borrows
 * from the classes it meets often; its abstain rate is the observed one (missing at random) or,
 * informative, per class.
 */
static void polarity_source(em_ctx *x, wsl_label_model *model, size_t j, int mar, int abstain_ok)
{
    int32_t k = x->k, a = x->single[j];
    const uint8_t *em = x->emits + j * (size_t)k;
    double W = x->o.pseudo_count;
    if (x->fire[j] <= 0) {
        for (int32_t c = 0; c < k; c++)
            normalize_row(model->table + wsl__tab_index(k, j, c, -1), em, k, abstain_ok);
        return;
    }
    if (a >= 0 && !mar) {
        double Mh, h0, Mf, f0, va = 0, ia = 0, vo = 0, io = 0, h, f;
        single_class_prior(x, j, &Mh, &h0, &Mf, &f0);
        for (int32_t c = 0; c < k; c++) {
            double votes = x->N[wsl__tab_index(k, j, c, a)];
            if (c == a) {
                va += votes;
                ia += x->Ntot[c];
            } else {
                vo += votes;
                io += x->Ntot[c];
            }
        }
        h = (va + Mh * h0) / (ia + Mh);
        f = (vo + Mf * f0) / (io + Mf);
        if (h < f)
            h = f = (va + vo + Mh * h0 + Mf * f0) / (ia + io + Mh + Mf);
        for (int32_t c = 0; c < k; c++) {
            double *t = model->table + wsl__tab_index(k, j, c, -1);
            for (int32_t v = -1; v < k; v++)
                t[v + 1] = 0;
            t[a + 1] = c == a ? h : f;
            t[0] = 1 - t[a + 1];
            normalize_row(t, em, k, abstain_ok);
        }
        return;
    }
    {
        double right = 0, voted = 0, acc;
        int n_emit = 0;
        for (int32_t c = 0; c < k; c++) {
            const double *n = x->N + wsl__tab_index(k, j, c, -1);
            for (int32_t v = 0; v < k; v++)
                voted += n[v + 1];
            right += n[c + 1];
        }
        for (int32_t v = 0; v < k; v++)
            n_emit += em[v];
        acc = (right + W * PRIOR_ACCURACY) / (voted + W);
        if (acc < 1.0 / k + 1e-6)
            acc = 1.0 / k + 1e-6;
        x->acc[j] = acc;
        for (int32_t c = 0; c < k; c++) {
            const double *n = x->N + wsl__tab_index(k, j, c, -1);
            double *t = model->table + wsl__tab_index(k, j, c, -1);
            double vs = 0, oc_sum = 0, ab;
            for (int32_t v = 0; v < k; v++) {
                t[v + 1] = em[v] ? (v == c ? acc : (1 - acc) / (k - 1)) : 0;
                oc_sum += t[v + 1];
                vs += em[v] ? n[v + 1] : 0;
            }
            for (int32_t v = 0; v < k; v++)
                if (em[v])
                    t[v + 1] = (n[v + 1] + W * t[v + 1]) / (vs + W * oc_sum);
            if (!abstain_ok)
                ab = 0;
            else if (mar)
                ab = 1 - x->fire[j];
            else
                ab = (x->Ntot[c] - vs + W * (1 - x->fire[j])) / (x->Ntot[c] + W);
            for (int32_t v = 0; v < k; v++)
                t[v + 1] *= 1 - ab;
            t[0] = ab;
            normalize_row(t, em, k, abstain_ok);
        }
        (void)n_emit;
    }
}

/* Log prior density (up to a constant) of source j's polarity tables. */
static double polarity_log_prior(const em_ctx *x, const wsl_label_model *model, size_t j)
{
    int32_t k = x->k, a = x->single[j];
    const uint8_t *em = x->emits + j * (size_t)k;
    double W = x->o.pseudo_count, lp = 0;
    if (x->fire[j] <= 0)
        return 0;
    if (a >= 0 && !is_mar(x, 1)) {
        double Mh, h0, Mf, f0, h, f;
        single_class_prior(x, j, &Mh, &h0, &Mf, &f0);
        h = model->table[wsl__tab_index(k, j, a, a)];
        f = model->table[wsl__tab_index(k, j, a == 0 ? 1 : 0, a)];
        return Mh * (h0 * log(h) + (1 - h0) * log1p(-h)) + Mf * (f0 * log(f) + (1 - f0) * log1p(-f));
    }
    for (int32_t c = 0; c < k; c++) {
        const double *t = model->table + wsl__tab_index(k, j, c, -1);
        for (int32_t v = 0; v < k; v++)
            if (em[v] && t[v + 1] > 0)
                lp += W * (v == c ? x->acc[j] : (1 - x->acc[j]) / (k - 1)) * log(t[v + 1]);
    }
    return lp;
}

/* Log prior density (up to a constant) of the current parameters. */
static double log_prior(const em_ctx *x, const wsl_label_model *model)
{
    double lp = 0;
    const wsl__cliques *cl = &model->cl;
    for (size_t q = 0; q < cl->n; q++)
        for (int32_t c = 0; c < x->k; c++)
            for (size_t idx = 0; idx < cl->size[q]; idx++)
                lp += x->o.pseudo_count * wsl__clique_prior_mean(model, q, c, idx) *
                      cl->log_table[cl->off[q] + (size_t)c * cl->size[q] + idx];
    if (x->o.tables == WSL_TABLES_POLARITY)
        for (size_t j = 0; j < x->m; j++) {
            if (!given_prior(x, j)) {
                lp += polarity_log_prior(x, model, j);
                continue;
            }
            for (size_t t = wsl__tab_index(x->k, j, 0, -1); t < wsl__tab_index(x->k, j + 1, 0, -1); t++)
                if (x->B[t] > 0)
                    lp += x->B[t] * model->log_table[t];
        }
    else
        for (size_t t = 0; t < x->tab_len; t++)
            if (x->B[t] > 0)
                lp += x->B[t] * model->log_table[t];
    return lp; /* the learned class prior's Dirichlet is flat: it adds nothing */
}

/*
 * Joint tables of the cliques: MAP under a Dirichlet of pseudo_count pseudo-rows per class
 * centred on the product of the members' own tables, so an outcome never seen falls back to
 * what independence would say, and a clique with little data behaves like its members.
 */
static void clique_m_step(em_ctx *x, wsl_label_model *model)
{
    const wsl__cliques *cl = &model->cl;
    double W = x->o.pseudo_count > 0 ? x->o.pseudo_count : MIN_PROB;
    for (size_t q = 0; q < cl->n; q++)
        for (int32_t c = 0; c < x->k; c++) {
            const double *nq = x->Nq + cl->off[q] + (size_t)c * cl->size[q];
            double *t = cl->table + cl->off[q] + (size_t)c * cl->size[q], sum = 0;
            for (size_t idx = 0; idx < cl->size[q]; idx++) {
                t[idx] = nq[idx] + W * wsl__clique_prior_mean(model, q, c, idx);
                if (t[idx] < 1e-300)
                    t[idx] = 1e-300;
                sum += t[idx];
            }
            for (size_t idx = 0; idx < cl->size[q]; idx++)
                t[idx] /= sum;
        }
    wsl__cliques_refresh_logs(model);
}

/* Closed-form M-step from x->N, x->Ntot with pseudo-counts x->B. */
static void m_step(em_ctx *x, wsl_label_model *model)
{
    int32_t k = x->k;
    int abstain_ok = x->o.abstain != WSL_ABSTAIN_NEVER;
    /* The E-step's counts into the table layout (abstain entries are derived below). */
    for (size_t j = 0; j < x->m; j++)
        for (int32_t v = 0; v < k; v++) {
            const double *nt = x->NT + (j * ((size_t)k + 1) + (size_t)(v + 1)) * (size_t)k;
            for (int32_t c = 0; c < k; c++)
                x->N[wsl__tab_index(k, j, c, v)] = nt[c];
        }
    for (size_t j = 0; j < x->m; j++) {
        const uint8_t *em = x->emits + j * (size_t)k;
        double rho_num = 0, rho_den = 0;
        int n_emit = 0, mar;
        for (int32_t v = 0; v < k; v++)
            n_emit += em[v];
        /* Hybrid: a source voting a single class carries information only in when it fires;
         * a source voting several classes says what it thinks, and its abstains are missing. */
        mar = is_mar(x, n_emit);
        if (given_prior(x, j)) {
            given_source(x, model, j, abstain_ok);
            continue;
        }
        if (x->o.tables == WSL_TABLES_POLARITY) {
            polarity_source(x, model, j, mar, abstain_ok);
            continue;
        }
        double acc_num = 0, acc_den = 0;
        for (int32_t c = 0; c < k; c++) {
            double *n = x->N + wsl__tab_index(k, j, c, -1);
            const double *b = x->B + wsl__tab_index(k, j, c, -1);
            double voted = 0;
            for (int32_t v = 0; v < k; v++)
                voted += n[v + 1];
            n[0] = x->Ntot[c] - voted;
            if (n[0] < 0)
                n[0] = 0;
            rho_num += n[0] + b[0];
            for (int32_t v = -1; v < k; v++)
                rho_den += n[v + 1] + b[v + 1];
            acc_num += n[c + 1] + b[c + 1];
            for (int32_t v = 0; v < k; v++)
                acc_den += n[v + 1] + b[v + 1];
        }
        for (int32_t c = 0; c < k; c++) {
            const double *n = x->N + wsl__tab_index(k, j, c, -1);
            const double *b = x->B + wsl__tab_index(k, j, c, -1);
            double *t = model->table + wsl__tab_index(k, j, c, -1);
            double tot = 0, votes = 0, right;
            for (int32_t v = -1; v < k; v++)
                tot += n[v + 1] + b[v + 1];
            for (int32_t v = 0; v < k; v++)
                votes += n[v + 1] + b[v + 1];
            switch (x->o.tables) {
            case WSL_TABLES_CLASS_ACCURACY:
            case WSL_TABLES_ACCURACY:
                /* Symmetric errors: a wrong vote is any of the k - 1 other classes alike, also
                 * classes the source never emitted (a one-polarity source is then a one-coin
                 * voter whose accuracy is its precision). */
                right = x->o.tables == WSL_TABLES_ACCURACY
                            ? (acc_den > 0 ? acc_num / acc_den : PRIOR_ACCURACY)
                            : (votes > 0 ? (n[c + 1] + b[c + 1]) / votes : PRIOR_ACCURACY);
                t[0] = tot > 0 ? (n[0] + b[0]) / tot : 0.5;
                for (int32_t v = 0; v < k; v++)
                    t[v + 1] = v == c ? (1 - t[0]) * right
                                      : (1 - t[0]) * (1 - right) / (double)(k - 1);
                break;
            default:
                for (int32_t v = -1; v < k; v++)
                    t[v + 1] = n[v + 1] + b[v + 1];
                break;
            }
            if (mar && abstain_ok) {
                /* Abstaining is independent of the class: one rate per source. */
                double rho = rho_den > 0 ? rho_num / rho_den : 0.5, vs = 0;
                for (int32_t v = 0; v < k; v++)
                    vs += t[v + 1];
                for (int32_t v = 0; v < k; v++)
                    t[v + 1] = vs > 0 ? t[v + 1] / vs * (1 - rho) : 0;
                t[0] = rho;
            }
            normalize_row(t, x->o.tables == WSL_TABLES_FULL ? em : x->all, k, abstain_ok);
        }
    }
    clique_m_step(x, model);
    if (x->o.prior == WSL_PRIOR_LEARNED)
        wsl__prior_update(x->Ntot, k, model->prior);
    wsl__model_refresh_logs(model);
}

/* Posteriors of majority vote for every pattern, accumulated as expected counts. */
static void start_majority(em_ctx *x, const wsl_label_model *model)
{
    const wsl_pattern_table *T = x->T;
    int32_t k = x->k;
    const wsl__cliques *cl = &model->cl;
    wsl__em_clear_counts(x, model);
    for (size_t oi = 0; oi < T->n; oi++) {
        size_t p = oi, s0 = T->start[p], nnz = T->start[p + 1] - s0, nv = nnz;
        double cnt = (double)T->counts[p], total = 0;
        for (int32_t c = 0; c < k; c++)
            x->s[c] = 0;
        if (x->gold_col < T->m && nnz > 0 && T->cols[s0 + nnz - 1] == x->gold_col) {
            nv = nnz - 1;
            x->s[T->vals[s0 + nv]] = 1;
            total = 1;
        } else if (k == 2) {
            /* Counted in a register, not through memory (the same counts). */
            size_t ones = wsl__class1_votes(T->vals + s0, nv);
            x->s[0] = (double)(nv - ones);
            x->s[1] = (double)ones;
            total = (double)nv;
        } else {
            for (size_t e = s0; e < s0 + nv; e++) {
                x->s[T->vals[e]] += 1;
                total += 1;
            }
        }
        for (int32_t c = 0; c < k; c++)
            x->s[c] = total > 0 ? x->s[c] / total : 1.0 / (double)k;
        for (size_t q = 0; q < cl->n; q++)
            x->cidx[q] = 0;
        for (size_t e = s0; e < s0 + nv; e++)
            if (cl->n && cl->of_source[T->cols[e]] >= 0)
                x->cidx[cl->of_source[T->cols[e]]] +=
                    (size_t)(T->vals[e] + 1) * cl->stride[T->cols[e]];
        if (k == 2) /* a constant k: the class loops unroll (the same arithmetic) */
            wsl__em_accumulate(model, 2, x->s, x->cidx, T->cols + s0, T->vals + s0, nv, cnt,
                               x->Ntot, x->NT, x->Nq);
        else
            wsl__em_accumulate(model, k, x->s, x->cidx, T->cols + s0, T->vals + s0, nv, cnt,
                               x->Ntot, x->NT, x->Nq);
    }
}

/* Every source as precise as the prior says: the tables are the prior means (and the pooled
 * accuracies log_prior reads are the prior's, not the previous start's). */
static void start_precise(em_ctx *x, wsl_label_model *model)
{
    int32_t k = x->k;
    for (size_t t = 0; t < x->tab_len; t++)
        model->table[t] = x->B[t];
    for (size_t j = 0; j < x->m; j++) {
        x->acc[j] = PRIOR_ACCURACY;
        for (int32_t c = 0; c < k; c++)
            normalize_row(model->table + wsl__tab_index(k, j, c, -1),
                          given_prior(x, j) ? x->all : x->emits + j * (size_t)k, k,
                          x->o.abstain != WSL_ABSTAIN_NEVER);
    }
    if (x->o.prior == WSL_PRIOR_LEARNED)
        for (int32_t c = 0; c < k; c++)
            model->prior[c] = 1.0 / (double)k;
    wsl__model_refresh_logs(model);
    wsl__cliques_from_marginals(model);
}

/*
 * Moments start: sources voting several classes are one-coin voters with their triplet-method
 * accuracies; single-class sources sit at their prior centres; abstains at the observed rates.
 */
static wsl_status start_moments(em_ctx *x, wsl_label_model *model)
{
    int32_t k = x->k;
    int abstain_ok = x->o.abstain != WSL_ABSTAIN_NEVER;
    WSL_TRY(wsl__moment_accuracies(model, x->T, x->single, x->fire, x->m,
                                   PRIOR_ACCURACY, x->acc));
    for (size_t j = 0; j < x->m; j++) {
        const uint8_t *em = x->emits + j * (size_t)k;
        int32_t a = x->single[j];
        double Mh, h0 = PRIOR_ACCURACY, Mf, f0 = 1 - PRIOR_ACCURACY;
        if (a >= 0 && x->fire[j] > 0)
            single_class_prior(x, j, &Mh, &h0, &Mf, &f0);
        for (int32_t c = 0; c < k; c++) {
            double *t = model->table + wsl__tab_index(k, j, c, -1);
            if (given_prior(x, j)) {
                memcpy(t, given_prior(x, j) + (size_t)c * ((size_t)k + 1),
                       ((size_t)k + 1) * sizeof *t);
                normalize_row(t, x->all, k, abstain_ok);
                continue;
            }
            for (int32_t v = 0; v < k; v++) {
                if (a >= 0)
                    t[v + 1] = v != a ? 0 : c == a ? h0 : f0;
                else
                    t[v + 1] = x->fire[j] * (v == c ? x->acc[j] : (1 - x->acc[j]) / (k - 1));
            }
            t[0] = a >= 0 ? 1 - t[a + 1] : 1 - x->fire[j];
            normalize_row(t, em, k, abstain_ok);
        }
    }
    if (x->o.prior == WSL_PRIOR_LEARNED)
        for (int32_t c = 0; c < k; c++)
            model->prior[c] = 1.0 / (double)k;
    wsl__model_refresh_logs(model);
    wsl__cliques_from_marginals(model);
    return WSL_OK;
}

void wsl__prior_start(const wsl_fit_options *o, const wsl_pattern_table *T, size_t gold_col,
                      int32_t k, double *prior)
{
    switch (o->prior) {
    case WSL_PRIOR_FIXED:
        for (int32_t c = 0; c < k; c++)
            prior[c] = o->class_prior[c];
        break;
    case WSL_PRIOR_GOLD: {
        double sum = 0;
        for (int32_t c = 0; c < k; c++)
            prior[c] = 1.0; /* add-one smoothing: no class gets zero */
        for (size_t p = 0; p < T->n; p++) {
            size_t s0 = T->start[p], nnz = T->start[p + 1] - s0;
            if (nnz > 0 && T->cols[s0 + nnz - 1] == gold_col)
                prior[T->vals[s0 + nnz - 1]] += (double)T->counts[p];
        }
        for (int32_t c = 0; c < k; c++)
            sum += prior[c];
        for (int32_t c = 0; c < k; c++)
            prior[c] /= sum;
        break;
    }
    default:
        for (int32_t c = 0; c < k; c++)
            prior[c] = 1.0 / (double)k;
        break;
    }
}

void wsl__prior_update(const double *ntot, int32_t k, double *prior)
{
    /* MAP under a flat Dirichlet: pseudo-count 1, minus 1 (kept as written: the same bits). */
    const double pc = 1.0;
    double sum = 0, floor = 0.2 / (double)k;
    for (int32_t c = 0; c < k; c++) {
        prior[c] = ntot[c] + pc - 1 + 1e-12;
        sum += prior[c];
    }
    for (int32_t c = 0; c < k; c++)
        prior[c] /= sum;
    sum = 0;
    for (int32_t c = 0; c < k; c++) {
        if (prior[c] < floor)
            prior[c] = floor;
        sum += prior[c];
    }
    for (int32_t c = 0; c < k; c++)
        prior[c] /= sum;
}

/* Free parameters of the fitted model (for the identifiability test). */
/* Rows per outcome of clique q (summed over classes), from the last accumulated E-step. */
static double clique_outcome_rows(const em_ctx *x, const wsl_label_model *model, size_t q,
                                  size_t idx)
{
    const wsl__cliques *cl = &model->cl;
    double r = 0;
    for (int32_t c = 0; c < x->k; c++)
        r += x->Nq[cl->off[q] + (size_t)c * cl->size[q] + idx];
    return r;
}

/* Outcomes of clique q seen in the data: its joint table's free cells per class (+1). */
static double clique_seen(const em_ctx *x, const wsl_label_model *model, size_t q)
{
    double seen = 0;
    for (size_t idx = 0; idx < model->cl.size[q]; idx++)
        seen += clique_outcome_rows(x, model, q, idx) > 0.5;
    return seen;
}

double wsl__em_source_params(const em_ctx *x, size_t j)
{
    int32_t k = x->k;
    int n_emit = 0, mar;
    for (int32_t v = 0; v < k; v++)
        n_emit += x->emits[j * (size_t)k + (size_t)v];
    if (n_emit == 0)
        return 0;
    mar = is_mar(x, n_emit);
    if (given_prior(x, j))
        return (double)k * (double)k;
    if (x->o.tables == WSL_TABLES_ACCURACY)
        return mar ? 2 : 1 + (double)k;
    if (x->o.tables == WSL_TABLES_CLASS_ACCURACY)
        return mar ? 1 + (double)k : 2 * (double)k;
    if (n_emit == 1 && !mar && x->o.tables == WSL_TABLES_POLARITY)
        return 2;
    return mar ? 1 + (double)k * (n_emit - 1) : (double)k * n_emit;
}

double wsl__em_params(const em_ctx *x, const wsl_label_model *model)
{
    int32_t k = x->k;
    double p = x->o.prior == WSL_PRIOR_LEARNED ? (double)(k - 1) : 0;
    /* A clique's outcomes never seen are pinned by its prior: only seen ones are free. */
    for (size_t q = 0; q < model->cl.n; q++)
        p += (double)k * (clique_seen(x, model, q) - 1);
    for (size_t j = 0; j < x->m; j++)
        if (!(model->cl.n && model->cl.of_source[j] >= 0))
            p += wsl__em_source_params(x, j);
    return p;
}

/*
 * The null model: every source votes independently of the class, with its observed rates.
 * Returns its log-likelihood (total) and its number of free parameters.
 */
static double null_loglik(const em_ctx *x, const wsl_label_model *model, const double *fire,
                          const double *share, double *params)
{
    int32_t k = x->k;
    double ll = 0, p = 0;
    /* A clique votes as a whole: its outcomes' observed rates, independent of the class. */
    for (size_t q = 0; q < model->cl.n; q++)
        for (size_t idx = 0; idx < model->cl.size[q]; idx++) {
            double r = clique_outcome_rows(x, model, q, idx);
            if (r > 0.5) {
                ll += r * log(r / x->n_rows);
                p += 1;
            }
        }
    if (model->cl.n)
        p -= (double)model->cl.n;
    for (size_t j = 0; j < x->m; j++) {
        double f = fire[j];
        if (f <= 0 || (model->cl.n && model->cl.of_source[j] >= 0))
            continue;
        if (f < 1)
            ll += x->n_rows * (1 - f) * log(1 - f);
        for (int32_t v = 0; v < k; v++) {
            double r = f * share[j * (size_t)k + (size_t)v];
            if (r > 0) {
                ll += x->n_rows * r * log(r);
                p += 1;
            }
        }
        p -= f >= 1;
    }
    *params = p;
    return ll;
}

/*
 * The honest fallback when the votes cannot identify the model: every source a one-coin voter
 * of the prior accuracy, abstains missing at random, uniform class prior. Its argmax is majority
 * vote; its probabilities are majority vote's, softened.
 */
static void set_fallback(em_ctx *x, wsl_label_model *model, const double *fire)
{
    int32_t k = x->k;
    for (size_t j = 0; j < x->m; j++) {
        double rho = fire[j] < 1 ? 1 - fire[j] : MIN_PROB;
        for (int32_t c = 0; c < k; c++) {
            double *t = model->table + wsl__tab_index(k, j, c, -1);
            t[0] = rho;
            for (int32_t v = 0; v < k; v++)
                t[v + 1] = (1 - rho) * (v == c ? PRIOR_ACCURACY
                                                : (1 - PRIOR_ACCURACY) / (double)(k - 1));
        }
    }
    for (int32_t c = 0; c < k; c++)
        model->prior[c] = 1.0 / (double)k;
    wsl__model_refresh_logs(model);
    wsl__cliques_from_marginals(model);
}

/*
 * Every pattern's clique outcome indices, when they take at most half as many entries as the
 * table has votes (else the E-step computes them per pass, as predict does).
 */
static void pattern_cliques(em_ctx *x, const wsl_label_model *model)
{
    const wsl_pattern_table *T = x->T;
    const wsl__cliques *cl = &model->cl;
    size_t cells;
    wsl__free(ctx_alloc(model), x->pcidx);
    x->pcidx = NULL;
    if (!cl->n || !wsl__mul_size(&cells, T->n, cl->n) || cells > T->start[T->n] / 2)
        return;
    x->pcidx = wsl__calloc(ctx_alloc(model), cells, sizeof *x->pcidx);
    for (size_t p = 0; x->pcidx && p < T->n; p++)
        for (size_t e = T->start[p]; e < T->start[p + 1]; e++) {
            uint32_t j = T->cols[e];
            if (j < x->m && cl->of_source[j] >= 0)
                x->pcidx[p * cl->n + (size_t)cl->of_source[j]] +=
                    (size_t)(T->vals[e] + 1) * cl->stride[j];
        }
}

/* (Re)allocate the clique scratch of the context for the model's current cliques. */
wsl_status wsl__em_ctx_cliques(em_ctx *x, wsl_label_model *model)
{
    const wsl_allocator *a = ctx_alloc(model);
    size_t len = model->cl.n ? model->cl.off[model->cl.n] : 1, n = model->cl.n ? model->cl.n : 1;
    wsl__free(a, x->Nq);
    wsl__free(a, x->cidx);
    x->Nq = wsl__calloc(a, len, sizeof *x->Nq);
    x->cidx = wsl__mallocarray(a, n, sizeof *x->cidx);
    if (!x->Nq || !x->cidx)
        return WSL_ENOMEM;
    pattern_cliques(x, model); /* without memory for them, the E-step computes them */
    if (model->cl.n)
        wsl__model_refresh_logs(model); /* the members' scores move to the joint tables */
    return wsl__em_blocks(x, model); /* the blocks' size follows the counts' */
}

/* Put a start's parameters in place (the prior first: the starts read it). */
static wsl_status start_init(em_ctx *x, wsl_label_model *model, wsl_lm_start id)
{
    /* All rows' gold balance, also while the E-steps run on the sample (a fixed prior). */
    wsl__prior_start(&x->o, x->on_sample ? x->other.T : x->T, x->gold_col, x->k, model->prior);
    if (id == WSL_START_MAJORITY) {
        start_majority(x, model);
        wsl__em_scale_counts(x, model);
        m_step(x, model);
    } else if (id == WSL_START_MOMENTS) {
        WSL_TRY(start_moments(x, model));
    } else {
        start_precise(x, model);
    }
    return WSL_OK;
}

/* The rows the E-step runs on (all, or the sample) swapped with the other ones. */
static void swap_rows(em_ctx *x)
{
    em_rows cur = {x->T, x->votes, x->block_start, x->n_blocks, x->logit_off};
    x->T = x->other.T;
    x->votes = x->other.votes;
    x->block_start = x->other.block_start;
    x->n_blocks = x->other.n_blocks;
    x->logit_off = x->other.logit_off;
    x->other = cur;
    x->on_sample = !x->on_sample;
    x->scale = x->on_sample ? (double)x->other.T->total / (double)x->T->total : 1;
}

/* x->sample and its vote totals and blocks (in x->other), or no sample (the table is small,
 * thinning would not shrink it, or there is no memory for it: the fit is then only slower). */
static void make_sample(em_ctx *x, const wsl_label_model *model)
{
    const wsl_allocator *a = ctx_alloc(model);
    const wsl_pattern_table *T = x->T;
    size_t target = model->sample_min_votes / 4;
    uint64_t f = target ? (uint64_t)(T->n_votes / target) : 0;
    uint64_t *votes = NULL;
    unsigned char *emits = NULL;
    wsl_pattern_table *S = NULL;
    x->sample_tried = 1;
    if (f < 4 || wsl__patterns_thin(T, f, &S) != WSL_OK)
        return;
    if (S->total == 0 || 2 * S->n_votes > T->n_votes) /* rows repeat: as many patterns */
        goto fail;
    votes = wsl__mallocarray(a, x->m * (size_t)x->k, sizeof *votes);
    emits = wsl__calloc(a, x->m * (size_t)x->k, 1);
    x->other.votes = wsl__mallocarray(a, x->m * (size_t)x->k, sizeof *x->other.votes);
    if (!votes || !emits || !x->other.votes)
        goto fail;
    x->other.block_start = wsl__em_cut_blocks(x, model, S, &x->other.n_blocks);
    if (!x->other.block_start)
        goto fail;
    count_votes(x, S, votes, emits);
    for (size_t i = 0; i < x->m * (size_t)x->k; i++)
        x->other.votes[i] = (double)votes[i];
    x->other.T = x->sample = S;
    wsl__free(a, votes);
    wsl__free(a, emits);
    return;
fail:
    wsl_pattern_table_free(S);
    wsl__free(a, votes);
    wsl__free(a, emits);
    wsl__free(a, x->other.votes);
    x->other.votes = NULL;
}

/*
 * The first iterations on a sample of the rows (on = 1; returns 1 if they now run on one), or
 * back to all of them (on = 0). Only tables of many votes are sampled, and only models without
 * cliques (whose per-pattern indices belong to the whole table).
 */
static int use_sample(em_ctx *x, const wsl_label_model *model, int on)
{
    if (!on) {
        if (x->on_sample)
            swap_rows(x);
        return 0;
    }
    if (x->on_sample)
        return 1;
    if (model->cl.n || x->T->n_votes < model->sample_min_votes)
        return 0;
    if (!x->sample_tried)
        make_sample(x, model);
    if (!x->sample)
        return 0;
    swap_rows(x);
    return 1;
}

/* Free the sample (with the E-step on all rows). */
static void free_sample(em_ctx *x, const wsl_label_model *model)
{
    use_sample(x, model, 0);
    if (x->sample) {
        wsl__free(ctx_alloc(model), x->other.votes);
        wsl__free(ctx_alloc(model), x->other.block_start);
    }
    wsl_pattern_table_free(x->sample);
    x->sample = NULL;
}

/* The table engine for the shared loop and race: em_ctx and model together. */
typedef struct dense_job {
    em_ctx *x;
    wsl_label_model *model;
    size_t cl_len; /* values of the cliques' joint tables */
} dense_job;

static double job_e_step(void *c, int accumulate)
{
    dense_job *j = c;
    return wsl__em_e_step(j->x, j->model, accumulate);
}

static double job_log_prior(void *c)
{
    dense_job *j = c;
    return log_prior(j->x, j->model);
}

static void job_m_step(void *c)
{
    dense_job *j = c;
    m_step(j->x, j->model);
}

static wsl_status job_start(void *c, wsl_lm_start id)
{
    dense_job *j = c;
    return start_init(j->x, j->model, id);
}

static int job_sample(void *c, int on)
{
    dense_job *j = c;
    return use_sample(j->x, j->model, on);
}

/* The tables, the prior, the cliques' tables and the multi-class sources' pooled accuracies
 * (polarity tables), which log_prior reads. */
static void job_save(void *c, double *st)
{
    dense_job *j = c;
    em_ctx *x = j->x;
    memcpy(st, j->model->table, x->tab_len * sizeof *st);
    memcpy(st + x->tab_len, j->model->prior, (size_t)x->k * sizeof *st);
    if (j->cl_len)
        memcpy(st + x->tab_len + x->k, j->model->cl.table, j->cl_len * sizeof *st);
    memcpy(st + x->tab_len + x->k + j->cl_len, x->acc, x->m * sizeof *st);
}

static void job_restore(void *c, const double *st)
{
    dense_job *j = c;
    em_ctx *x = j->x;
    memcpy(j->model->table, st, x->tab_len * sizeof *st);
    memcpy(j->model->prior, st + x->tab_len, (size_t)x->k * sizeof *st);
    if (j->cl_len)
        memcpy(j->model->cl.table, st + x->tab_len + x->k, j->cl_len * sizeof *st);
    memcpy(x->acc, st + x->tab_len + x->k + j->cl_len, x->m * sizeof *st);
    wsl__model_refresh_logs(j->model);
}

static const wsl__em_ops dense_ops = {job_e_step, job_log_prior, job_m_step, job_start,
                                      job_save,   job_restore,   job_sample};

static wsl__em_driver dense_driver(em_ctx *x, dense_job *job)
{
    wsl__em_driver d = {&dense_ops, job, x->tab_len + (size_t)x->k + job->cl_len + x->m, &x->o,
                        x->n_rows, x->hist, x->best_hist};
    return d;
}

wsl_status wsl__em_fit_starts(em_ctx *x, wsl_label_model *model)
{
    dense_job job = {x, model, model->cl.n ? model->cl.off[model->cl.n] : 0};
    wsl__em_driver d = dense_driver(x, &job);
    model->report.abstain = x->mode; /* the scoring cache reads it */
    return wsl__em_race(&d, model);
}

wsl_status wsl__em_fit_continue(em_ctx *x, wsl_label_model *model)
{
    dense_job job = {x, model, model->cl.n ? model->cl.off[model->cl.n] : 0};
    wsl__em_driver d = dense_driver(x, &job);
    return wsl__em_continue(&d, model);
}

/*
 * Identifiability: the fitted model must explain the votes better than "sources vote
 * independently of the class" by more than its extra parameters cost (BIC). Otherwise the class
 * structure it found is noise, and majority vote is the honest answer. Clamped gold labels
 * identify the model by themselves. Returns 1 when the model fell back.
 */
static int check_identified(em_ctx *x, wsl_label_model *model)
{
    double null_params, null_ll, gain, cost;
    if (x->gold_col < x->T->m || x->o.prior != WSL_PRIOR_LEARNED)
        return 0;
    null_ll = null_loglik(x, model, x->fire, x->share, &null_params);
    gain = model->report.log_likelihood * x->n_rows - null_ll;
    cost = (wsl__em_params(x, model) - null_params) / 2 * log(x->n_rows);
    if (gain > cost)
        return 0;
    wsl__log(x->o.log_fn, x->o.log_payload, WSL_LOG_WARN,
             "the votes do not identify the model (likelihood gain %.1f <= BIC cost %.1f): "
             "falling back to majority vote", gain, cost);
    set_fallback(x, model, x->fire);
    model->report.fallback = 1;
    model->report.log_likelihood = wsl__em_e_step(x, model, 0) / x->n_rows;
    model->report.penalized = model->report.log_likelihood;
    return 1;
}

wsl_status wsl__em_fit(wsl_label_model *model, const wsl_pattern_table *T, size_t gold_col,
                       const wsl_fit_options *opts)
{
    const wsl_allocator *a = ctx_alloc(model);
    em_ctx x;
    wsl_status st = WSL_OK;
    int32_t k = model->k;
    wsl_pattern_table *canon = NULL;

    memset(&x, 0, sizeof x);
    /* EM passes over the patterns many times: in canonical order and in sequence in memory
     * (a table its owner already reordered needs no copy). */
    if (T->total > 0 && !T->canonical)
        WSL_TRY(wsl__patterns_canonical_copy(T, &canon));
    T = canon ? canon : T;
    x.T = T;
    x.k = k;
    x.gold_col = gold_col;
    x.m = gold_col < T->m ? T->m - 1 : T->m;
    x.o = *opts;
    x.n_rows = (double)T->total;
    x.scale = 1;
    if (T->total == 0) {
        st = wsl__error(WSL_EINVAL, "wsl_label_model_fit: no rows to fit");
        goto done;
    }
    if ((st = wsl__model_alloc_params(model, x.m)) != WSL_OK)
        goto done;
    if (!wsl__mul_size(&x.tab_len, x.m, (size_t)k * ((size_t)k + 1))) {
        st = wsl__error(WSL_ENOMEM, "wsl_label_model_fit: tables overflow");
        goto done;
    }
    x.N = wsl__calloc(a, x.tab_len, sizeof *x.N);
    x.NT = wsl__mallocarray(a, x.tab_len, sizeof *x.NT);
    x.B = wsl__mallocarray(a, x.tab_len, sizeof *x.B);
    x.Ntot = wsl__mallocarray(a, (size_t)k, sizeof *x.Ntot);
    x.s = wsl__mallocarray(a, (size_t)k, sizeof *x.s);
    x.abstain_sum = wsl__mallocarray(a, (size_t)k, sizeof *x.abstain_sum);
    x.emits = wsl__calloc(a, x.m * (size_t)k, 1);
    x.all = wsl__mallocarray(a, (size_t)k, 1);
    x.hist = wsl__mallocarray(a, (size_t)x.o.max_iter, sizeof *x.hist);
    x.best_hist = wsl__mallocarray(a, (size_t)x.o.max_iter, sizeof *x.best_hist);
    x.fire = wsl__mallocarray(a, x.m ? x.m : 1, sizeof *x.fire);
    x.share = wsl__mallocarray(a, x.m * (size_t)k, sizeof *x.share);
    x.votes = wsl__mallocarray(a, x.m * (size_t)k, sizeof *x.votes);
    if (k == 2 && !(x.glogit = wsl__mallocarray(a, x.m ? 3 * x.m : 1, sizeof *x.glogit))) {
        st = WSL_ENOMEM;
        goto done;
    }
    x.single = wsl__mallocarray(a, x.m ? x.m : 1, sizeof *x.single);
    x.acc = wsl__mallocarray(a, x.m ? x.m : 1, sizeof *x.acc);
    if (!x.N || !x.NT || !x.B || !x.Ntot || !x.s || !x.abstain_sum || !x.emits || !x.all ||
        !x.hist || !x.best_hist || !x.fire || !x.share || !x.votes || !x.single || !x.acc) {
        st = WSL_ENOMEM;
        goto done;
    }
    memset(x.all, 1, (size_t)k);
    {
        uint64_t *votes = wsl__mallocarray(a, x.m * (size_t)k, sizeof *votes);
        if (!votes) {
            st = WSL_ENOMEM;
            goto done;
        }
        source_stats(&x, votes, x.fire, x.share); /* also the classes each source emits */
        wsl__free(a, votes);
    }
    for (size_t j = 0; j < x.m; j++) {
        int n_emit = 0;
        x.single[j] = -1;
        x.acc[j] = PRIOR_ACCURACY;
        for (int32_t v = 0; v < k; v++)
            if (x.emits[j * (size_t)k + (size_t)v]) {
                n_emit++;
                x.single[j] = v;
            }
        if (n_emit != 1)
            x.single[j] = -1;
    }
    if (x.o.source_priors && x.o.n_source_priors != x.m) {
        st = wsl__error(WSL_EDIM, "wsl_label_model_fit: opts->n_source_priors is %zu, the votes "
                                  "have %zu sources", x.o.n_source_priors, x.m);
        goto done;
    }
    if (x.o.abstain == WSL_ABSTAIN_NEVER) {
        for (size_t p = 0; p < T->n; p++) {
            size_t nv = T->start[p + 1] - T->start[p];
            if (nv > 0 && T->cols[T->start[p + 1] - 1] == gold_col)
                nv--;
            if (nv != x.m) {
                st = wsl__error(WSL_EINVAL, "wsl_label_model_fit: opts->abstain is "
                                            "WSL_ABSTAIN_NEVER but %zu rows have abstains",
                                (size_t)T->counts[p]);
                goto done;
            }
        }
    }
    build_priors(&x, x.fire, x.share);
    /* Declared groups are checked before any work, and fitted after the independent model:
     * whether the votes identify a class at all is asked of that simpler model, so that a
     * clique's many parameters cannot hide the class the other sources show. */
    if (x.o.n_dep_groups > 0) {
        if ((st = wsl__cliques_set(model, x.o.dep_members, x.o.dep_sizes, x.o.n_dep_groups,
                                   "wsl_label_model_fit")) != WSL_OK)
            goto done;
        wsl__cliques_release(model);
    }
    if ((st = wsl__em_ctx_cliques(&x, model)) != WSL_OK)
        goto done;

    model->report.cofire_g = model->report.cofire_limit = NAN;
    x.mode = x.o.abstain == WSL_ABSTAIN_AUTO ? WSL_ABSTAIN_BY_POLARITY : x.o.abstain;
    if ((st = wsl__em_fit_starts(&x, model)) != WSL_OK)
        goto done;
    if (!check_identified(&x, model) && x.o.n_dep_groups > 0) {
        if ((st = wsl__cliques_set(model, x.o.dep_members, x.o.dep_sizes, x.o.n_dep_groups,
                                   "wsl_label_model_fit")) != WSL_OK ||
            (st = wsl__em_ctx_cliques(&x, model)) != WSL_OK ||
            (st = wsl__em_fit_starts(&x, model)) != WSL_OK)
            goto done;
    }
    if (!model->report.fallback && x.o.deps == WSL_DEPS_LEARN &&
        (st = wsl__em_learn_structure(&x, model)) != WSL_OK)
        goto done;
    if (!model->report.fallback && x.o.abstain == WSL_ABSTAIN_AUTO) {
        /* Single-class sources that fire together more than the class explains (shared
         * keywords, copies) make their abstains count many times over: the posterior then
         * rests on their votes alone, and the class prior, learned from those abstains, is not
         * trusted either. */
        double g, limit;
        if ((st = wsl__cofire_test(model, T, x.single, x.m, &g, &limit)) != WSL_OK)
            goto done;
        model->report.cofire_g = g;
        model->report.cofire_limit = limit;
        if (g > limit) {
            wsl__log(x.o.log_fn, x.o.log_payload, WSL_LOG_INFO,
                     "single-class sources co-fire beyond the model (mean G %.2f > %.2f): "
                     "refitting with their votes only", g, limit);
            x.mode = WSL_ABSTAIN_VOTES_ONLY;
            if (x.o.prior == WSL_PRIOR_LEARNED)
                x.o.prior = WSL_PRIOR_UNIFORM;
            if ((st = wsl__em_fit_starts(&x, model)) != WSL_OK)
                goto done;
        }
    }
    /* Symmetry breaking, unless gold labels or a fixed prior already tie classes to labels. */
    if (!model->report.fallback && gold_col >= T->m &&
        (x.o.prior == WSL_PRIOR_LEARNED || x.o.prior == WSL_PRIOR_UNIFORM)) {
        if ((st = wsl__model_relabel(model, &model->report.relabeled)) != WSL_OK)
            goto done;
        if (model->report.relabeled)
            wsl__log(x.o.log_fn, x.o.log_payload, WSL_LOG_INFO,
                     "the latent classes were permuted to agree with the votes");
    }
    {
        double *h = wsl__reallocarray(a, model->history, model->n_history ? model->n_history : 1,
                                      sizeof *h);
        if (!h) {
            st = WSL_ENOMEM;
            goto done;
        }
        model->history = h;
        memcpy(h, x.best_hist, model->n_history * sizeof *h);
    }
    model->report.n_patterns = T->n;
    model->report.n_rows = T->total;
    model->report.tables = x.o.tables;
    model->report.abstain = x.mode;
    model->report.prior = x.o.prior;
    model->fitted = 1;
done:
    free_sample(&x, model);
    wsl_pattern_table_free(canon);
    wsl__free(a, x.N);
    wsl__free(a, x.NT);
    wsl__free(a, x.B);
    wsl__free(a, x.Ntot);
    wsl__free(a, x.s);
    wsl__free(a, x.abstain_sum);
    wsl__free(a, x.emits);
    wsl__free(a, x.all);
    wsl__free(a, x.hist);
    wsl__free(a, x.best_hist);
    wsl__free(a, x.fire);
    wsl__free(a, x.share);
    wsl__free(a, x.votes);
    wsl__free(a, x.glogit);
    wsl__free(a, x.single);
    wsl__free(a, x.acc);
    wsl__free(a, x.Nq);
    wsl__free(a, x.cidx);
    wsl__free(a, x.pcidx);
    wsl__em_blocks_free(&x, model);
    return st;
}
