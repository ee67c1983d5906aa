#include "args.h"

#include <stdlib.h>
#include <string.h>

static int run(int argc, char **argv)
{
    const char *metric = "acc", *pos[2];
    int rc, json = 0;
    size_t n_pos, n = 0, k = 0, n_gold = 0, counted = 0;
    double *probs = NULL, acc = 0, tp = 0, fp = 0, fn = 0;
    int32_t *gold = NULL;
    wsl_status st;
    const wsl_cli_opt opts[] = {
        {"--metric", NULL, &metric, NULL},
        {"--json", NULL, NULL, &json},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, 2, pos, 2, 2, &n_pos)))
        return rc;
    if (strcmp(metric, "acc") != 0 && strcmp(metric, "f1") != 0) {
        wsl_cli_errorf("eval", "--metric must be acc or f1 (got '%s')", metric);
        return WSL_EXIT_USAGE;
    }
    if ((st = wsl_probs_read(&probs, &n, &k, pos[0], WSL_FORMAT_AUTO, NULL)) ||
        (st = wsl_gold_read(&gold, &n_gold, pos[1], (int32_t)k, NULL))) {
        rc = wsl_cli_fail("eval", st);
        goto done;
    }
    if (n_gold != n) {
        wsl_cli_errorf("eval", "%s has %zu rows, %s has %zu", pos[0], n, pos[1], n_gold);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if (strcmp(metric, "f1") == 0 && k != 2) {
        wsl_cli_errorf("eval", "--metric f1 is the F1 of class 1 of a binary task (k = %zu)", k);
        rc = WSL_EXIT_USAGE;
        goto done;
    }
    /* Ties count as the expected value over the tied classes. */
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + i * k;
        double best = p[0];
        int tied = 0;
        if (gold[i] < 0)
            continue;
        counted++;
        for (size_t c = 1; c < k; c++)
            if (p[c] > best)
                best = p[c];
        for (size_t c = 0; c < k; c++)
            tied += p[c] >= best - 1e-12;
        if (p[gold[i]] >= best - 1e-12)
            acc += 1.0 / tied;
        if (k == 2) {
            double pos1 = p[1] >= best - 1e-12 ? 1.0 / tied : 0;
            if (gold[i] == 1) {
                tp += pos1;
                fn += 1 - pos1;
            } else {
                fp += pos1;
            }
        }
    }
    {
        double value = strcmp(metric, "f1") == 0 ? (tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0)
                                                 : (counted ? acc / (double)counted : 0);
        if (json)
            printf("{\"metric\": \"%s\", \"value\": %.6f, \"counted\": %zu, \"unknown_gold\": %zu}\n",
                   metric, value, counted, n - counted);
        else
            printf("%s %.4f (%zu records with gold, %zu without; ties count as expected value)\n",
                   metric, value, counted, n - counted);
    }
done:
    wsl_array_free(probs, NULL);
    wsl_array_free(gold, NULL);
    return rc;
}

const wsl_cli_command wsl_cmd_eval = {
    "eval", "score probabilistic labels against gold labels",
    "usage: wsl eval PROBS GOLD [--metric acc|f1] [--json]\n"
    "\n"
    "Score PROBS (.csv or .npy, n x k) against GOLD (one label per line, -1 = unknown, not\n"
    "counted). acc: accuracy; f1: F1 of class 1 (binary). A record whose top probabilities tie\n"
    "among t classes counts 1/t.\n"
    "\n"
    "example:\n"
    "  wsl eval probs.csv y_test.csv --metric f1\n",
    run,
};
