/*
 * Predict's scoring of two-class models without cliques: a row's probabilities are the
 * logistic of one sum, its votes' log-odds (plus its tie nudges), instead of two class scores
 * and a softmax. A dense row of one-byte votes is scored straight from its cells, abstains
 * adding 0, with the same bits as its list of votes: the sum is kept in four parts, each
 * adding the votes of one quarter of the sources in column order, so both ways add the same
 * numbers in the same order (x + 0 is x).
 */
#include "model_impl.h"

#include <math.h>

wsl_status wsl__logit2_init(const wsl_label_model *model, const uint8_t *impossible,
                            wsl__logit2 *lg)
{
    size_t m = model->m, q = (m + 3) / 4;
    lg->g = NULL;
    lg->d = NULL;
    if (model->k != 2 || model->cl.n || model->one_coin)
        return WSL_OK;
    lg->z0 = (model->log_prior[1] + model->abstain_log[1]) -
             (model->log_prior[0] + model->abstain_log[0]);
    if (!isfinite(lg->z0))
        return WSL_OK;
    lg->g = wsl__mallocarray(&model->alloc, 3 * m, sizeof *lg->g);
    lg->d = wsl__mallocarray(&model->alloc, 3 * m, sizeof *lg->d);
    if (!lg->g || !lg->d) {
        wsl__logit2_free(model, lg);
        return WSL_ENOMEM;
    }
    for (size_t j = 0; j < m; j++) {
        lg->g[3 * j] = 0;
        lg->d[3 * j] = 0;
        for (size_t v = 1; v <= 2; v++) {
            const double *dv = model->delta + (3 * j + v) * 2;
            int read = !(impossible && impossible[3 * j + v]);
            lg->g[3 * j + v] = read ? dv[1] - dv[0] : 0;
            lg->d[3 * j + v] = (int8_t)(read ? (v == 2 ? 1 : -1) : 0);
            if (!isfinite(lg->g[3 * j + v])) { /* a class ruled out: the general scoring */
                wsl__logit2_free(model, lg);
                return WSL_OK;
            }
        }
    }
    for (size_t i = 0; i <= 4; i++)
        lg->bound[i] = i * q < m ? i * q : m;
    return WSL_OK;
}

void wsl__logit2_free(const wsl_label_model *model, wsl__logit2 *lg)
{
    wsl__free(&model->alloc, lg->g);
    wsl__free(&model->alloc, lg->d);
    lg->g = NULL;
    lg->d = NULL;
}

/* The probabilities from the four parts of the sum and the votes for 1 less those for 0. */
static void finish(const wsl__logit2 *lg, double a0, double a1, double a2, double a3, long d,
                   double *p)
{
    double z = lg->z0 + ((a0 + a1) + (a2 + a3)) + (double)d * WSL__TIE_NUDGE;
    double e = exp(-fabs(z)), s = 1 / (1 + e);
    p[z >= 0] = s;
    p[z < 0] = e * s;
}

void wsl__logit2_votes(const wsl__logit2 *lg, const uint32_t *cols, const int32_t *vals,
                       size_t nnz, double *p)
{
    double a[4];
    long d = 0;
    size_t e = 0;
    for (size_t part = 0; part < 4; part++) {
        double s = 0;
        for (; e < nnz && cols[e] < lg->bound[part + 1]; e++) {
            size_t c = (size_t)cols[e] * 3 + (size_t)(vals[e] + 1);
            s += lg->g[c];
            d += lg->d[c];
        }
        a[part] = s;
    }
    finish(lg, a[0], a[1], a[2], a[3], d, p);
}

static WSL__ALWAYS_INLINE size_t score_row(const wsl__logit2 *lg, const int8_t *row, double *p,
                                           int count)
{
    const double *g = lg->g;
    const int8_t *dd = lg->d;
    const size_t *b = lg->bound;
    /* Part lengths do not grow: every part runs while the last does, then the first three... */
    size_t len[4] = {b[1] - b[0], b[2] - b[1], b[3] - b[2], b[4] - b[3]}, t = 0, votes = 0;
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    long d = 0;
#define CELL(acc, part)                                                                        \
    do {                                                                                       \
        size_t j_ = b[part] + t, c_ = 3 * j_ + (size_t)(row[j_] + 1);                          \
        acc += g[c_];                                                                          \
        d += dd[c_];                                                                           \
        if (count)                                                                             \
            votes += row[j_] != WSL_ABSTAIN;                                                   \
    } while (0)
    for (; t < len[3]; t++) {
        CELL(a0, 0);
        CELL(a1, 1);
        CELL(a2, 2);
        CELL(a3, 3);
    }
    for (; t < len[2]; t++) {
        CELL(a0, 0);
        CELL(a1, 1);
        CELL(a2, 2);
    }
    for (; t < len[1]; t++) {
        CELL(a0, 0);
        CELL(a1, 1);
    }
    for (; t < len[0]; t++)
        CELL(a0, 0);
#undef CELL
    finish(lg, a0, a1, a2, a3, d, p);
    return votes;
}

size_t wsl__logit2_row(const wsl__logit2 *lg, const int8_t *row, double *p, int count)
{
    return count ? score_row(lg, row, p, 1) : score_row(lg, row, p, 0);
}
