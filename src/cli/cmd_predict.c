#include "args.h"

#include <stdlib.h>
#include <string.h>

static int run(int argc, char **argv)
{
    const char *format = NULL, *out = NULL, *labels_out = NULL, *tie = NULL, *pos[2];
    int rc;
    size_t n_pos, n;
    int32_t k;
    wsl_label_model *model = NULL;
    wsl_label_matrix *L = NULL;
    double *probs = NULL;
    int32_t *labels = NULL;
    wsl_tie_policy policy = WSL_TIE_ABSTAIN;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},
        {"--output", "-o", &out, NULL},
        {"--labels-out", NULL, &labels_out, NULL},
        {"--tie", NULL, &tie, NULL},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, 4, pos, 2, 2, &n_pos)))
        return rc;
    if (!out) {
        wsl_cli_errorf("predict", "-o PROBS is required (see 'wsl predict --help')");
        return WSL_EXIT_USAGE;
    }
    if (tie) {
        static const char *const names[] = {"abstain", "hash", "random", "lowest"};
        int found = 0;
        for (int i = 0; i < 4; i++)
            if (strcmp(tie, names[i]) == 0) {
                policy = (wsl_tie_policy)i;
                found = 1;
            }
        if (!found) {
            wsl_cli_errorf("predict", "--tie must be abstain, hash, random or lowest (got '%s')",
                           tie);
            return WSL_EXIT_USAGE;
        }
    }
    if (wsl_cli_same_file(pos[1], out) || wsl_cli_same_file(pos[0], out) ||
        (labels_out && (wsl_cli_same_file(pos[1], labels_out) ||
                        wsl_cli_same_file(pos[0], labels_out)))) {
        wsl_cli_errorf("predict", "refusing to overwrite an input with an output");
        return WSL_EXIT_USAGE;
    }
    if ((st = wsl_label_model_load(&model, pos[0], NULL)))
        goto fail;
    k = wsl_label_model_cardinality(model);
    if ((rc = wsl_cli_read_votes("predict", pos[1], format, k, &L)))
        goto done;
    n = wsl_label_matrix_n_points(L);
    probs = malloc((n ? n : 1) * (size_t)k * sizeof *probs);
    labels = malloc((n ? n : 1) * sizeof *labels);
    if (!probs || !labels) {
        wsl_cli_errorf("predict", "out of memory for %zu x %ld probabilities", n, (long)k);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if ((st = wsl_label_model_predict_proba(model, L, probs, n * (size_t)k, NULL, 0)) ||
        (st = wsl_probs_write(probs, n, (size_t)k, out, WSL_FORMAT_AUTO)))
        goto fail;
    if (labels_out &&
        ((st = wsl_probs_to_labels(probs, n, (size_t)k, policy, 0, labels, n)) ||
         (st = wsl_gold_write(labels, n, labels_out))))
        goto fail;
    fprintf(stderr, "wsl predict: %zu records, %ld classes -> %s\n", n, (long)k, out);
    goto done;
fail:
    rc = wsl_cli_fail("predict", st);
done:
    free(probs);
    free(labels);
    wsl_label_matrix_free(L);
    wsl_label_model_free(model);
    return rc;
}

const wsl_cli_command wsl_cmd_predict = {
    "predict", "probabilistic labels from a fitted model",
    "usage: wsl predict MODEL.json VOTES -o PROBS [--format F] [--labels-out LABELS.csv]\n"
    "                   [--tie abstain|hash|random|lowest]\n"
    "\n"
    "Write the class probabilities of every record: PROBS.csv has n rows of k comma-separated\n"
    "probabilities (no header); PROBS.npy is float64 n x k. Row i is record i (for triples,\n"
    "item i). Records with no vote get the class prior. --labels-out also writes hard labels,\n"
    "one per line, ties broken by --tie (default abstain: -1).\n"
    "\n"
    "example:\n"
    "  wsl predict model.json L_test.csv -o probs.csv\n",
    run,
};
