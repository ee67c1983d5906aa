/*
 * Correlated sources: accuracy of the label model with dependencies ignored, declared and
 * learned, against majority vote and an oracle, on the project's generator with planted
 * dependencies; and the cost of learning them.
 *
 * Settings (n = 100,000, m = 10, k = 2, each source voting on 30% of the records, accuracies
 * uniform in [0.55, 0.9]):
 *   (a) copies: the least accurate of sources 0..5 and four exact copies of it (sources 6..9);
 *   (b) noisy copies: the same, each copied vote redrawn with probability 0.3;
 *   (c) error pairs: sources (0, 1), (2, 3), (4, 5): when the first votes wrong and the second
 *       votes, the second repeats the wrong vote with probability 0.7;
 *   (i) independent: no planted dependency.
 * The oracle is the label model with the true groups declared and every gold label clamped,
 * fitted and scored on the same votes: the Bayes-optimal rule under the true structure, up to
 * its estimation from 100,000 labelled records. "gap closed" = (model - independent) /
 * (oracle - independent).
 *
 * usage: deps [SEEDS] [N_TIMING]   (defaults 5 and 1000000)
 */
#include "wsl/wsl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(call)                                                                             \
    do {                                                                                        \
        wsl_status st_ = (call);                                                                \
        if (st_ != WSL_OK) {                                                                    \
            fprintf(stderr, "%s: %s\n", wsl_strerror(st_), wsl_last_error());                   \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

enum { COPIES, NOISY, PAIRS, INDEPENDENT, N_SETTINGS };
static const char *const setting_names[] = {"(a) exact copies", "(b) noisy copies (0.3)",
                                            "(c) error pairs (0.7)", "(i) independent"};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Accuracy of k = 2 probabilities; ties count half (a coin flip between the two classes). */
static double score(const double *p, const int32_t *gold, size_t n)
{
    double right = 0;
    for (size_t i = 0; i < n; i++)
        right += fabs(p[2 * i] - p[2 * i + 1]) < 1e-12 ? 0.5 : (p[2 * i + 1] > p[2 * i]) == gold[i];
    return right / (double)n;
}

static double accuracy(const wsl_label_model *M, const wsl_label_matrix *L, const int32_t *gold)
{
    size_t n = wsl_label_matrix_n_points(L);
    double *p = malloc(n * 2 * sizeof *p), acc;
    CHECK(wsl_label_model_predict_proba(M, L, p, n * 2, NULL, 0));
    acc = score(p, gold, n);
    free(p);
    return acc;
}

static double mv_accuracy(const wsl_label_matrix *L, const int32_t *gold)
{
    size_t n = wsl_label_matrix_n_points(L);
    double *p = malloc(n * 2 * sizeof *p), acc;
    CHECK(wsl_majority_vote_proba(L, NULL, NULL, p, n * 2, NULL, 0));
    acc = score(p, gold, n);
    free(p);
    return acc;
}

/* Generate a setting; groups receives the true groups (members concatenated). */
static wsl_label_matrix *generate(int setting, size_t n, size_t m, uint64_t seed, int32_t *gold,
                                  size_t *members, size_t *sizes, size_t *n_groups)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    double acc[64];
    o.n_points = n;
    o.n_sources = m;
    o.coverage_min = o.coverage_max = 0.3;
    o.seed = seed;
    *n_groups = 0;
    if (setting == COPIES || setting == NOISY) {
        /* The sources' parameters come first from the seed: find the least accurate one. */
        size_t worst = 0;
        o.n_points = 1;
        o.n_copies = 4;
        CHECK(wsl_synth_generate(&L, &o, NULL, 0, acc, m, NULL, 0));
        wsl_label_matrix_free(L);
        for (size_t j = 1; j < m - 4; j++)
            if (acc[j] < acc[worst])
                worst = j;
        o.n_points = n;
        o.copy_source = worst;
        o.copy_redraw = setting == NOISY ? 0.3 : 0;
        members[0] = worst;
        for (size_t c = 0; c < 4; c++)
            members[1 + c] = m - 4 + c;
        sizes[0] = 5;
        *n_groups = 1;
    } else if (setting == PAIRS) {
        o.n_error_pairs = 3;
        o.error_coupling = 0.7;
        for (size_t p = 0; p < 3; p++) {
            members[2 * p] = 2 * p;
            members[2 * p + 1] = 2 * p + 1;
            sizes[p] = 2;
        }
        *n_groups = 3;
    }
    CHECK(wsl_synth_generate(&L, &o, gold, n, NULL, 0, NULL, 0));
    return L;
}

static wsl_label_model *fit(const wsl_label_matrix *L, const wsl_fit_options *o, double *secs)
{
    wsl_label_model *M = NULL;
    double t0;
    CHECK(wsl_label_model_create(&M, 2, NULL));
    t0 = now();
    CHECK(wsl_label_model_fit(M, L, o));
    if (secs)
        *secs = now() - t0;
    return M;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int seeds = argc > 1 ? atoi(argv[1]) : 5;
    size_t n = 100000, m = 10, n_timing = argc > 2 ? (size_t)atol(argv[2]) : 1000000;
    int32_t *gold = malloc(n * sizeof *gold);
    if (seeds < 1 || seeds > 100) {
        fprintf(stderr, "usage: deps [SEEDS 1..100] [N_TIMING]\n");
        return 2;
    }
    printf("| setting | seed | majority vote | independent | declared | learned | oracle | "
           "learned cliques | gap closed, declared | gap closed, learned |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < N_SETTINGS; s++) {
        double sum_gd = 0, sum_gl = 0, worst_drop = 0;
        int runs = s == INDEPENDENT ? 2 * seeds : seeds, no_clique = 0;
        for (int r = 0; r < runs; r++) {
            size_t members[16], sizes[8], n_groups;
            wsl_label_matrix *L = generate(s, n, m, 100 + (uint64_t)r, gold, members, sizes,
                                           &n_groups);
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            wsl_label_model *M;
            wsl_fit_report rep;
            double a_mv = mv_accuracy(L, gold), a_ind, a_dec, a_learn, a_orc, gd, gl;
            M = fit(L, &o, NULL);
            a_ind = accuracy(M, L, gold);
            wsl_label_model_free(M);
            o.dep_members = members;
            o.dep_sizes = sizes;
            o.n_dep_groups = n_groups;
            M = fit(L, &o, NULL);
            a_dec = accuracy(M, L, gold);
            wsl_label_model_free(M);
            o.gold = gold;
            o.gold_len = n;
            o.prior = WSL_PRIOR_GOLD;
            M = fit(L, &o, NULL);
            a_orc = accuracy(M, L, gold);
            wsl_label_model_free(M);
            o = (wsl_fit_options)WSL_FIT_OPTIONS_INIT;
            o.deps = WSL_DEPS_LEARN;
            M = fit(L, &o, NULL);
            a_learn = accuracy(M, L, gold);
            CHECK(wsl_label_model_report(M, &rep));
            wsl_label_model_free(M);
            gd = a_orc - a_ind > 1e-9 ? (a_dec - a_ind) / (a_orc - a_ind) : NAN;
            gl = a_orc - a_ind > 1e-9 ? (a_learn - a_ind) / (a_orc - a_ind) : NAN;
            printf("| %s | %d | %.4f | %.4f | %.4f | %.4f | %.4f | %zu |", setting_names[s], r,
                   a_mv, a_ind, a_dec, a_learn, a_orc, rep.learned_cliques);
            if (s == INDEPENDENT) {
                printf(" - | - |\n");
                no_clique += rep.learned_cliques == 0;
                if (a_ind - a_learn > worst_drop)
                    worst_drop = a_ind - a_learn;
            } else {
                printf(" %.2f | %.2f |\n", gd, gl);
                sum_gd += gd;
                sum_gl += gl;
            }
            wsl_label_matrix_free(L);
        }
        if (s == INDEPENDENT)
            printf("| %s | summary | | | | | | no clique in %d of %d | largest accuracy drop "
                   "%.4f | |\n", setting_names[s], no_clique, runs, worst_drop);
        else
            printf("| %s | mean | | | | | | | %.2f | %.2f |\n", setting_names[s],
                   sum_gd / runs, sum_gl / runs);
    }
    free(gold);

    /* Cost of learning, n_timing x 20, (a) copies and independent, medians of 3. */
    printf("\n| n x m | setting | fit, dependencies off (s) | fit, learned (s) | ratio | learned "
           "cliques |\n|---|---|---:|---:|---:|---:|\n");
    gold = malloc(n_timing * sizeof *gold);
    for (int s = COPIES; s <= INDEPENDENT; s += INDEPENDENT - COPIES) {
        size_t members[16], sizes[8], n_groups, learned = 0;
        wsl_label_matrix *L = generate(s, n_timing, 20, 7, gold, members, sizes, &n_groups);
        double off[3], on[3];
        for (int r = 0; r < 3; r++) {
            wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
            wsl_fit_report rep;
            wsl_label_model *M = fit(L, &o, &off[r]);
            wsl_label_model_free(M);
            o.deps = WSL_DEPS_LEARN;
            M = fit(L, &o, &on[r]);
            CHECK(wsl_label_model_report(M, &rep));
            learned = rep.learned_cliques;
            wsl_label_model_free(M);
        }
        qsort(off, 3, sizeof *off, cmp_double);
        qsort(on, 3, sizeof *on, cmp_double);
        printf("| %zu x 20 | %s | %.3f | %.3f | %.2f | %zu |\n", n_timing, setting_names[s],
               off[1], on[1], on[1] / off[1], learned);
        wsl_label_matrix_free(L);
    }
    free(gold);
    return 0;
}
