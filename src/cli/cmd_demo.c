#include "args.h"

#include <stdlib.h>
#include <string.h>

static double ratio(size_t a, size_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static int run(int argc, char **argv)
{
    const char *ntext = NULL, *mtext = NULL, *ktext = NULL, *stext = NULL, *pos[1];
    int rc = WSL_EXIT_OK, json = 0;
    size_t n_pos, n, m, uncovered = 0;
    long long nl = 20000, ml = 10, kl = 2, seed = 1;
    int32_t k;
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_label_model *model = NULL;
    int32_t *gold = NULL, *pol = NULL, *row = NULL;
    uint8_t *covered = NULL;
    double *acc = NULL, *learned = NULL, *probs = NULL;
    size_t *fired = NULL, *right = NULL;
    wsl_metrics mv_all, mv_cov, lm_all, lm_cov;
    wsl_fit_report rep;
    wsl_status st;
    const wsl_cli_opt opts[] = {
        {"--n", NULL, &ntext, NULL},
        {"--m", NULL, &mtext, NULL},
        {"--cardinality", "-k", &ktext, NULL},
        {"--seed", NULL, &stext, NULL},
        {"--json", NULL, NULL, &json},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, 0, &n_pos)) !=
        WSL_EXIT_OK)
        return rc;
    if ((ntext && (rc = wsl_cli_long("demo", "--n", ntext, 1, 100000000, &nl))) ||
        (mtext && (rc = wsl_cli_long("demo", "--m", mtext, 1, 10000, &ml))) ||
        (ktext && (rc = wsl_cli_long("demo", "-k", ktext, 2, 1000, &kl))) ||
        (stext && (rc = wsl_cli_long("demo", "--seed", stext, 0, (long long)1 << 62, &seed))))
        return rc;
    n = (size_t)nl;
    m = (size_t)ml;
    k = (int32_t)kl;
    so.n_points = n;
    so.n_sources = m;
    so.cardinality = k;
    so.accuracy_min = 0.55;
    so.accuracy_max = 0.9;
    so.coverage_min = 0.2;
    so.coverage_max = 0.6;
    so.one_polarity = 0.5;
    so.seed = (uint64_t)seed;
    gold = malloc(n * sizeof *gold);
    probs = malloc(n * (size_t)k * sizeof *probs);
    covered = malloc(n);
    pol = malloc(m * sizeof *pol);
    row = malloc(m * sizeof *row);
    acc = malloc(m * sizeof *acc);
    learned = malloc(m * sizeof *learned);
    fired = calloc(m, sizeof *fired);
    right = calloc(m, sizeof *right);
    if (!gold || !probs || !covered || !pol || !row || !acc || !learned || !fired || !right) {
        wsl_cli_errorf("demo", "out of memory for %zu records x %zu sources", n, m);
        rc = WSL_EXIT_INPUT;
        goto done;
    }

    if (!json)
        printf("wsl demo: %zu records, %zu sources, %ld classes (seed %lld)\n", n, m, (long)k,
               seed);
    if (!json)
        printf("1. generate: each source votes on a share of the records (coverage) drawn in\n"
           "   [%.2f, %.2f] and is right with an accuracy drawn in [%.2f, %.2f]; half the\n"
           "   sources only ever vote one class (polarity), like most labeling functions.\n",
           so.coverage_min, so.coverage_max, so.accuracy_min, so.accuracy_max);
    if ((st = wsl_synth_generate(&L, &so, gold, n, acc, m, pol, m)) != WSL_OK)
        goto fail;

    /* One pass over the records: each source's votes and hits. */
    for (size_t i = 0; i < n; i++) {
        if ((st = wsl_label_matrix_row(L, i, row, m)) != WSL_OK)
            goto fail;
        for (size_t j = 0; j < m; j++) {
            fired[j] += row[j] != WSL_ABSTAIN;
            right[j] += row[j] != WSL_ABSTAIN && row[j] == gold[i];
        }
    }

    if (!json)
        printf("2. fit the label model on the votes alone (no gold labels)\n");
    if ((st = wsl_label_model_create(&model, k, NULL)) != WSL_OK ||
        (st = wsl_label_model_fit(model, L, NULL)) != WSL_OK ||
        (st = wsl_label_model_report(model, &rep)) != WSL_OK ||
        (st = wsl_label_model_accuracies(model, learned, m)) != WSL_OK)
        goto fail;
    if (json)
        goto score;
    printf("   %d EM iterations%s, %zu distinct vote patterns\n", rep.iterations,
           rep.converged ? " (converged)" : "", rep.n_patterns);

    printf("3. each source against the generated truth (empirical = counted on the votes)\n\n");
    printf("   source  polarity  coverage  true acc  empirical acc  learned acc\n");
    for (size_t j = 0; j < m; j++) {
        char polarity[16];
        if (pol[j] == WSL_ABSTAIN)
            snprintf(polarity, sizeof polarity, "all");
        else
            snprintf(polarity, sizeof polarity, "%ld", (long)pol[j]);
        printf("   %6zu  %8s  %8.3f  %8.3f  ", j, polarity, ratio(fired[j], n), acc[j]);
        if (fired[j])
            printf("%13.3f", ratio(right[j], fired[j]));
        else
            printf("%13s", "no votes");
        printf("  %11.3f\n", learned[j]);
    }

score:
    /* Both scored the same way: a record whose top classes tie counts 1/t over the t tied
     * classes; records without a vote get each method's answer for them (majority vote: the
     * uniform prior, the label model: its class prior). */
    if ((st = wsl_majority_vote_proba(L, NULL, NULL, probs, n * (size_t)k, covered, n)) ||
        (st = wsl_metrics_compute(probs, n, (size_t)k, gold, n, covered, 0, &mv_all, NULL, 0,
                                  NULL, 0)) ||
        (st = wsl_metrics_compute(probs, n, (size_t)k, gold, n, covered, 1, &mv_cov, NULL, 0,
                                  NULL, 0)) ||
        (st = wsl_label_model_predict_proba(model, L, probs, n * (size_t)k, NULL, 0)) ||
        (st = wsl_metrics_compute(probs, n, (size_t)k, gold, n, covered, 0, &lm_all, NULL, 0,
                                  NULL, 0)) ||
        (st = wsl_metrics_compute(probs, n, (size_t)k, gold, n, covered, 1, &lm_cov, NULL, 0,
                                  NULL, 0)))
        goto fail;
    uncovered = mv_all.n_uncovered;
    if (json) {
        printf("{\"n\": %zu, \"m\": %zu, \"k\": %ld, \"seed\": %lld, \"sources\": [", n, m,
               (long)k, seed);
        for (size_t j = 0; j < m; j++) {
            printf("%s{\"j\": %zu, \"polarity\": ", j ? ", " : "", j);
            if (pol[j] == WSL_ABSTAIN)
                printf("null");
            else
                printf("%ld", (long)pol[j]);
            printf(", \"coverage\": %.6f, \"true_accuracy\": %.6f, \"empirical_accuracy\": ",
                   ratio(fired[j], n), acc[j]);
            if (fired[j])
                printf("%.6f", ratio(right[j], fired[j]));
            else
                printf("null");
            printf(", \"learned_accuracy\": %.6f}", learned[j]);
        }
        printf("], \"fit\": {\"iterations\": %d, \"converged\": %s, \"patterns\": %zu}, "
               "\"uncovered\": %zu, \"accuracy\": {\"majority_vote\": {\"all\": %.6f, "
               "\"covered\": %.6f}, \"label_model\": {\"all\": %.6f, \"covered\": %.6f}}}\n",
               rep.iterations, rep.converged ? "true" : "false", rep.n_patterns, uncovered,
               mv_all.accuracy, mv_cov.accuracy, lm_all.accuracy, lm_cov.accuracy);
        goto done;
    }
    printf("\n4. label every record and score against the generated truth\n");
    printf("   %zu of %zu records have no vote (%.2f%%). Ties count 1/t over the t tied classes.\n\n",
           uncovered, n, 100.0 * ratio(uncovered, n));
    printf("   accuracy       all records  covered records\n");
    printf("   majority vote  %11.4f  %15.4f\n", mv_all.accuracy, mv_cov.accuracy);
    printf("   label model    %11.4f  %15.4f\n", lm_all.accuracy, lm_cov.accuracy);
    goto done;
fail:
    rc = wsl_cli_fail("demo", st);
done:
    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    free(gold);
    free(probs);
    free(covered);
    free(pol);
    free(row);
    free(acc);
    free(learned);
    free(fired);
    free(right);
    return rc;
}

const wsl_cli_command wsl_cmd_demo = {
    "demo", "generate sources with known accuracies, fit, and compare",
    "usage: wsl demo [--n N] [--m M] [-k K] [--seed S] [--json]\n"
    "\n"
    "Generate N records (default 20000) voted on by M sources (default 10) over K classes\n"
    "(default 2): accuracies in [0.55, 0.9], coverages in [0.2, 0.6], half the sources voting\n"
    "one class only, from seed S (default 1; the same seed prints the same numbers). Print each\n"
    "source's true, empirical and learned accuracy, then the accuracy of majority vote and of\n"
    "the label model fitted without gold labels, over all records and over covered records\n"
    "(ties count 1/t over the t tied classes). --json prints the same as one JSON object\n"
    "(\"polarity\": null for a source voting every class).\n"
    "\n"
    "example:\n"
    "  wsl demo --n 100000 -k 3 --seed 7\n",
    run,
};
