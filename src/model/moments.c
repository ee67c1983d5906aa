/*
 * Method-of-moments accuracies for the "moments" start of EM (the triplet method).
 *
 * For one-coin sources that vote independently given the class (uniform over k classes), two
 * sources i and j that both vote agree with probability A_ij, and
 *     M_ij = (k A_ij - 1) / (k - 1) = a_i a_j,   a_i = (k acc_i - 1) / (k - 1),
 * so a_i^2 = M_ij M_il / M_jl for any third source l. The estimate is the median over the
 * triplets with the most co-votes, which shrugs off the pairs that are not independent. Only
 * sources voting several classes take part: a single-class source always "agrees" with
 * another of its class and carries no agreement signal.
 */
#include "model_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 2048   /* the pair tables are q^2 doubles */
#define PARTNERS 12        /* partners per source: the ones with the most co-votes */
#define MIN_COVOTES 20.0   /* a pair agreement rate needs this many joint votes */
#define MIN_SIGNAL 0.05    /* |M_jl| below this makes the ratio noise */
#define MAX_PAIR_VISITS ((size_t)1 << 20) /* pair updates before the sample is enough */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

wsl_status wsl__moment_accuracies(const wsl_label_model *model, const wsl_pattern_table *T,
                                  const int32_t *single, const double *fire, size_t m,
                                  double fallback, double *acc)
{
    const wsl_allocator *a = &model->alloc;
    int32_t k = model->k;
    size_t q = 0, *pos = NULL, *src = NULL, *fired = NULL, *partner = NULL;
    int32_t *fval = NULL;
    uint64_t *n_both = NULL, *n_agree = NULL; /* counted in integers, cheap to add ... */
    double *both, *agree, *est = NULL;           /* ... then read as doubles, in place */
    wsl_status st = WSL_OK;
    for (size_t j = 0; j < m; j++) {
        acc[j] = fallback;
        q += single[j] < 0 && fire[j] > 0;
    }
    if (q < 3 || q > MAX_SOURCES)
        return WSL_OK;
    pos = wsl__mallocarray(a, m, sizeof *pos);
    src = wsl__mallocarray(a, q, sizeof *src);
    fired = wsl__mallocarray(a, q, sizeof *fired);
    fval = wsl__mallocarray(a, q, sizeof *fval);
    partner = wsl__mallocarray(a, PARTNERS, sizeof *partner);
    est = wsl__mallocarray(a, PARTNERS * PARTNERS, sizeof *est);
    n_both = wsl__calloc(a, q * q, sizeof *n_both);
    n_agree = wsl__calloc(a, q * q, sizeof *n_agree);
    if (!pos || !src || !fired || !fval || !partner || !est || !n_both || !n_agree) {
        st = WSL_ENOMEM;
        goto done;
    }
    q = 0;
    for (size_t j = 0; j < m; j++) {
        pos[j] = SIZE_MAX;
        if (single[j] < 0 && fire[j] > 0) {
            pos[j] = q;
            src[q++] = j;
        }
    }
    /* Agreement rates need a sample, not every pattern: stop after MAX_PAIR_VISITS pairs
     * (in canonical order, so the sample depends on the data alone). */
    for (size_t oi = 0, visits = 0; oi < T->n && visits < MAX_PAIR_VISITS; oi++) {
        size_t p = oi, nf = 0;
        uint64_t cnt = T->counts[p];
        for (size_t e = T->start[p]; e < T->start[p + 1]; e++)
            if (T->cols[e] < m && pos[T->cols[e]] != SIZE_MAX) {
                fval[nf] = T->vals[e];
                fired[nf++] = pos[T->cols[e]];
            }
        visits += nf * nf / 2 + 1;
        for (size_t u = 0; u < nf; u++)
            for (size_t w = u + 1; w < nf; w++) {
                size_t lo = fired[u], hi = fired[w];
                n_both[lo * q + hi] += cnt;
                n_agree[lo * q + hi] += cnt * (uint64_t)(fval[u] == fval[w]); /* no branch */
            }
    }
    /* Each count becomes a double in its own place (malloc'd memory takes the type of what is
     * stored in it; exact below 2^53, as double sums of the counts would be). */
    both = (double *)(void *)n_both;
    agree = (double *)(void *)n_agree;
    for (size_t u = 0; u < q * q; u++) {
        uint64_t nb = n_both[u], na = n_agree[u];
        both[u] = (double)nb;
        agree[u] = (double)na;
    }
    /* Symmetric M in the lower triangle of agree, co-vote counts mirrored. */
    for (size_t u = 0; u < q; u++)
        for (size_t w = u + 1; w < q; w++) {
            double b = both[u * q + w];
            both[w * q + u] = b;
            agree[w * q + u] = agree[u * q + w] =
                b >= MIN_COVOTES ? ((double)k * agree[u * q + w] / b - 1) / (double)(k - 1) : NAN;
        }
    for (size_t u = 0; u < q; u++) {
        size_t np = 0, ne = 0;
        /* The PARTNERS sources with the most co-votes, kept sorted by co-votes (descending). */
        for (size_t w = 0; w < q; w++) {
            size_t at;
            if (w == u || isnan(agree[u * q + w]))
                continue;
            if (np < PARTNERS)
                at = np++;
            else if (both[u * q + w] > both[u * q + partner[PARTNERS - 1]])
                at = PARTNERS - 1;
            else
                continue;
            for (; at > 0 && both[u * q + partner[at - 1]] < both[u * q + w]; at--)
                partner[at] = partner[at - 1];
            partner[at] = w;
        }
        for (size_t x = 0; x < np; x++)
            for (size_t y = x + 1; y < np; y++) {
                double mjl = agree[partner[x] * q + partner[y]];
                if (isnan(mjl) || fabs(mjl) < MIN_SIGNAL)
                    continue;
                est[ne++] = agree[u * q + partner[x]] * agree[u * q + partner[y]] / mjl;
            }
        if (ne > 0) {
            double a2, al;
            qsort(est, ne, sizeof *est, cmp_double);
            a2 = ne % 2 ? est[ne / 2] : (est[ne / 2 - 1] + est[ne / 2]) / 2;
            al = sqrt(a2 < 0 ? 0 : a2 > 1 ? 1 : a2);
            acc[src[u]] = (1 + (double)(k - 1) * al) / (double)k;
        }
    }
done:
    wsl__free(a, pos);
    wsl__free(a, src);
    wsl__free(a, fired);
    wsl__free(a, fval);
    wsl__free(a, partner);
    wsl__free(a, est);
    wsl__free(a, n_both);
    wsl__free(a, n_agree);
    return st;
}
