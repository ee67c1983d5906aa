#include "args.h"

#include <stdlib.h>
#include <string.h>

static int read_weights(const char *path, size_t m, double *w)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    double v;
    if (!f) {
        wsl_cli_errorf("mv", "cannot open %s", path);
        return WSL_EXIT_IO;
    }
    while (fscanf(f, " %lf", &v) == 1) {
        if (n < m)
            w[n] = v;
        n++;
    }
    if (!feof(f) || n != m) {
        fclose(f);
        wsl_cli_errorf("mv", "%s must hold %zu numbers, one per source", path, m);
        return WSL_EXIT_INPUT;
    }
    fclose(f);
    return WSL_EXIT_OK;
}

static int run(int argc, char **argv)
{
    const char *format = NULL, *ktext = NULL, *out = NULL, *labels_out = NULL, *weights = NULL,
               *tie = NULL, *pos[1];
    int rc, json = 0, quiet = 0;
    size_t n_pos, n, m;
    long long k = 0;
    int32_t kk;
    wsl_label_matrix *L = NULL;
    double *probs = NULL, *w = NULL;
    int32_t *labels = NULL;
    uint8_t *covered = NULL;
    wsl_tie_policy policy = WSL_TIE_ABSTAIN;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},   {"--cardinality", "-k", &ktext, NULL},
        {"--output", "-o", &out, NULL},      {"--labels-out", NULL, &labels_out, NULL},
        {"--weights", NULL, &weights, NULL}, {"--tie", NULL, &tie, NULL},
        {"--json", NULL, NULL, &json},       {"--quiet", "-q", NULL, &quiet},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, 1, &n_pos)))
        return rc;
    if (!out) {
        wsl_cli_errorf("mv", "-o PROBS is required (see 'wsl mv --help')");
        return WSL_EXIT_USAGE;
    }
    if (ktext && (rc = wsl_cli_long("mv", "-k", ktext, 1, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if (tie && (rc = wsl_cli_tie_policy("mv", tie, &policy)))
        return rc;
    if (wsl_cli_same_file(pos[0], out) || (labels_out && wsl_cli_same_file(pos[0], labels_out))) {
        wsl_cli_errorf("mv", "refusing to overwrite the input %s", pos[0]);
        return WSL_EXIT_USAGE;
    }
    if ((rc = wsl_cli_read_votes("mv", pos[0], format, (int32_t)k, &L)))
        return rc;
    n = wsl_label_matrix_n_points(L);
    m = wsl_label_matrix_n_sources(L);
    kk = wsl_label_matrix_cardinality(L);
    probs = malloc((n ? n : 1) * (size_t)kk * sizeof *probs);
    labels = malloc((n ? n : 1) * sizeof *labels);
    covered = malloc(n ? n : 1);
    w = weights ? malloc(m * sizeof *w) : NULL;
    if (!probs || !labels || !covered || (weights && !w)) {
        wsl_cli_errorf("mv", "out of memory");
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if (weights && (rc = read_weights(weights, m, w)))
        goto done;
    if ((st = wsl_majority_vote_proba(L, w, NULL, probs, n * (size_t)kk, covered, n)) ||
        (st = wsl_probs_write(probs, n, (size_t)kk, out, WSL_FORMAT_AUTO)))
        goto fail;
    if (labels_out && ((st = wsl_probs_to_labels(probs, n, (size_t)kk, policy, 0, labels, n)) ||
                       (st = wsl_gold_write(labels, n, labels_out))))
        goto fail;
    {
        size_t unc = 0;
        for (size_t i = 0; i < n; i++)
            unc += !covered[i];
        if (json) {
            printf("{\"votes\": ");
            wsl_cli_json_string(stdout, pos[0]);
            printf(", \"output\": ");
            wsl_cli_json_string(stdout, out);
            printf(", \"labels_out\": ");
            wsl_cli_json_string(stdout, labels_out);
            printf(", \"n\": %zu, \"k\": %ld, \"weighted\": %s, \"uncovered\": %zu}\n", n,
                   (long)kk, weights ? "true" : "false", unc);
        } else if (!quiet) {
            fprintf(stderr, "wsl mv: %zu records (%zu without a vote get the uniform prior) -> "
                            "%s\n",
                    n, unc, out);
        }
    }
    goto done;
fail:
    rc = wsl_cli_fail("mv", st);
done:
    free(probs);
    free(labels);
    free(covered);
    free(w);
    wsl_label_matrix_free(L);
    return rc;
}

const wsl_cli_command wsl_cmd_mv = {
    "mv", "majority-vote probabilities and labels",
    "usage: wsl mv VOTES -o PROBS [--weights W.txt] [--labels-out LABELS.csv]\n"
    "              [--tie abstain|hash|random|lowest] [--format F] [-k K] [--json] [-q]\n"
    "\n"
    "Each record's probabilities are the (weighted) shares of its votes; records without a\n"
    "vote get the uniform prior. PROBS: .csv (n rows of k numbers) or .npy (float64).\n"
    "--weights: one non-negative number per source. --labels-out writes hard labels, ties\n"
    "broken by --tie (abstain: -1; hash: by the row index; random: seeded; lowest class).\n"
    "--json prints a JSON summary on stdout (instead of the line on stderr); -q neither.\n"
    "\n"
    "example:\n"
    "  wsl mv L_test.csv -o mv_probs.csv --labels-out mv_labels.csv --tie hash\n",
    run,
};
