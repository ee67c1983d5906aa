#include "args.h"

#include <stdlib.h>

static double accuracy_of(const double *probs, const int32_t *gold, size_t n, int32_t k)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * (size_t)k;
        double best = p[0];
        int tied = 0;
        for (int32_t c = 1; c < k; c++)
            if (p[c] > best)
                best = p[c];
        for (int32_t c = 0; c < k; c++)
            tied += p[c] >= best - 1e-12;
        if (p[gold[i]] >= best - 1e-12)
            acc += 1.0 / tied; /* ties count as the expected value */
    }
    return acc / (double)n;
}

static int run(int argc, char **argv)
{
    const char *ntext = NULL, *mtext = NULL, *ktext = NULL, *stext = NULL, *pos[1];
    int rc = WSL_EXIT_OK;
    size_t n_pos;
    long long n = 20000, m = 10, k = 2, seed = 1;
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_label_model *model = NULL;
    int32_t *gold = NULL, *pol = NULL;
    double *acc = NULL, *learned = NULL, *probs = NULL;
    wsl_fit_report rep;
    wsl_status st;
    const wsl_cli_opt opts[] = {
        {"--n", NULL, &ntext, NULL},
        {"--m", NULL, &mtext, NULL},
        {"--cardinality", "-k", &ktext, NULL},
        {"--seed", NULL, &stext, NULL},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, 4, pos, 0, 0, &n_pos)) != WSL_EXIT_OK)
        return rc;
    if ((ntext && (rc = wsl_cli_long("demo", "--n", ntext, 1, 100000000, &n))) ||
        (mtext && (rc = wsl_cli_long("demo", "--m", mtext, 1, 10000, &m))) ||
        (ktext && (rc = wsl_cli_long("demo", "-k", ktext, 2, 1000, &k))) ||
        (stext && (rc = wsl_cli_long("demo", "--seed", stext, 0, (long long)1 << 62, &seed))))
        return rc;
    so.n_points = (size_t)n;
    so.n_sources = (size_t)m;
    so.cardinality = (int32_t)k;
    so.seed = (uint64_t)seed;
    so.one_polarity = 0.5;
    gold = malloc((size_t)n * sizeof *gold);
    pol = malloc((size_t)m * sizeof *pol);
    acc = malloc((size_t)m * sizeof *acc);
    learned = malloc((size_t)m * sizeof *learned);
    probs = malloc((size_t)n * (size_t)k * sizeof *probs);
    if (!gold || !pol || !acc || !learned || !probs) {
        wsl_cli_errorf("demo", "out of memory");
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    printf("wsl demo: %lld records, %lld sources, %lld classes (seed %lld)\n", n, m, k, seed);
    printf("1. generate: each source fires with a coverage in [%.2f, %.2f] and is right with an\n"
           "   accuracy in [%.2f, %.2f]; half the sources only ever vote one class, like most\n"
           "   labeling functions.\n",
           so.coverage_min, so.coverage_max, so.accuracy_min, so.accuracy_max);
    if ((st = wsl_synth_generate(&L, &so, gold, (size_t)n, acc, (size_t)m, pol, (size_t)m)))
        goto fail;
    printf("2. fit the label model on the votes alone (no gold labels)\n");
    if ((st = wsl_label_model_create(&model, (int32_t)k, NULL)) ||
        (st = wsl_label_model_fit(model, L, NULL)) ||
        (st = wsl_label_model_report(model, &rep)) ||
        (st = wsl_label_model_accuracies(model, learned, (size_t)m)))
        goto fail;
    printf("   %d EM iterations%s, %zu distinct vote patterns\n", rep.iterations,
           rep.converged ? " (converged)" : "", rep.n_patterns);
    printf("3. compare each source's learned accuracy with the truth\n\n");
    printf("   source  votes  coverage  true acc  learned acc\n");
    for (long long j = 0; j < m; j++) {
        size_t fired = 0;
        for (long long i = 0; i < n; i++) {
            int32_t v;
            wsl_label_matrix_get(L, (size_t)i, (size_t)j, &v);
            fired += v != WSL_ABSTAIN;
        }
        if (pol[j] == WSL_ABSTAIN)
            printf("   %6lld  %5s  %8.3f  %8.3f  %11.3f\n", j, "all", (double)fired / (double)n,
                   acc[j], learned[j]);
        else
            printf("   %6lld  %5d  %8.3f  %8.3f  %11.3f\n", j, pol[j], (double)fired / (double)n,
                   acc[j], learned[j]);
    }
    printf("\n4. label every record and score against the generated truth\n\n");
    if ((st = wsl_majority_vote_proba(L, NULL, NULL, probs, (size_t)(n * k), NULL, 0)))
        goto fail;
    printf("   majority vote  accuracy %.4f\n", accuracy_of(probs, gold, (size_t)n, (int32_t)k));
    if ((st = wsl_label_model_predict_proba(model, L, probs, (size_t)(n * k), NULL, 0)))
        goto fail;
    printf("   label model    accuracy %.4f\n", accuracy_of(probs, gold, (size_t)n, (int32_t)k));
    goto done;
fail:
    rc = wsl_cli_fail("demo", st);
done:
    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    free(gold);
    free(pol);
    free(acc);
    free(learned);
    free(probs);
    return rc;
}

const wsl_cli_command wsl_cmd_demo = {
    "demo", "generate sources with known accuracies, fit, and compare",
    "usage: wsl demo [--n N] [--m M] [-k K] [--seed S]\n"
    "\n"
    "Generate N records (default 20000) voted on by M sources (default 10) over K classes\n"
    "(default 2) with known accuracies, fit the label model without gold labels, print each\n"
    "source's learned accuracy next to the truth, and score majority vote and the label model.\n"
    "\n"
    "example:\n"
    "  wsl demo --n 100000 -k 3 --seed 7\n",
    run,
};
