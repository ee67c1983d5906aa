/* wsl classify: class probabilities of texts from a trained end model. */
#include "args.h"
#include "texts_file.h"

#include <stdlib.h>
#include <string.h>

#define CMD "classify"

static int run(int argc, char **argv)
{
    const char *out = NULL, *labels_out = NULL, *tie = NULL, *text_field = "text", *pos[2];
    size_t n_pos, k;
    int rc, json = 0, quiet = 0;
    double *probs = NULL;
    int32_t *labels = NULL;
    wsl_tie_policy policy = WSL_TIE_ABSTAIN;
    wsl_end_model *em = NULL;
    wsl_cli_texts texts;
    wsl_status st;
    const wsl_cli_opt opts[] = {
        {"--output", "-o", &out, NULL},
        {"--text-field", NULL, &text_field, NULL},
        {"--labels-out", NULL, &labels_out, NULL},
        {"--tie", NULL, &tie, NULL},
        {"--json", NULL, NULL, &json},
        {"--quiet", "-q", NULL, &quiet},
    };
    memset(&texts, 0, sizeof texts);
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 2, 2, &n_pos)))
        return rc;
    if (!out) {
        wsl_cli_errorf(CMD, "-o OUT is required (see 'wsl classify --help')");
        return WSL_EXIT_USAGE;
    }
    if (tie && (rc = wsl_cli_tie_policy(CMD, tie, &policy)))
        return rc;
    if (wsl_format_from_path(out) != WSL_FORMAT_CSV && wsl_format_from_path(out) != WSL_FORMAT_NPY) {
        wsl_cli_errorf(CMD, "OUT must end in .csv or .npy (got '%s')", out);
        return WSL_EXIT_USAGE;
    }
    for (int i = 0; i < 2; i++)
        if (wsl_cli_same_file(pos[i], out) || (labels_out && wsl_cli_same_file(pos[i], labels_out))) {
            wsl_cli_errorf(CMD, "refusing to overwrite an input with an output");
            return WSL_EXIT_USAGE;
        }
    if ((st = wsl_end_model_load(&em, pos[0], NULL)))
        goto fail;
    if (!wsl_end_model_featurizer(em)) {
        wsl_cli_errorf(CMD, "%s has no featurizer (it was trained on features, not texts)",
                       pos[0]);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if ((rc = wsl_cli_texts_read(CMD, pos[1], text_field, NULL, 0, &texts)))
        goto done;
    k = (size_t)wsl_end_model_cardinality(em);
    probs = malloc((texts.n ? texts.n : 1) * k * sizeof *probs);
    labels = malloc((texts.n ? texts.n : 1) * sizeof *labels);
    if (!probs || !labels) {
        wsl_cli_errorf(CMD, "out of memory for %zu x %zu probabilities", texts.n, k);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if ((st = wsl_end_model_predict_text(em, texts.texts, texts.n, probs, texts.n * k)) ||
        (st = wsl_probs_write(probs, texts.n, k, out, WSL_FORMAT_AUTO)))
        goto fail;
    if (labels_out && ((st = wsl_probs_to_labels(probs, texts.n, k, policy, 0, labels, texts.n)) ||
                       (st = wsl_gold_write(labels, texts.n, labels_out))))
        goto fail;
    if (json) {
        printf("{\"model\": ");
        wsl_cli_json_string(stdout, pos[0]);
        printf(", \"records\": ");
        wsl_cli_json_string(stdout, pos[1]);
        printf(", \"n\": %zu, \"k\": %zu, \"output\": ", texts.n, k);
        wsl_cli_json_string(stdout, out);
        printf("}\n");
    } else if (!quiet) {
        fprintf(stderr, "wsl classify: %zu records, %zu classes -> %s\n", texts.n, k, out);
    }
    goto done;
fail:
    rc = wsl_cli_fail(CMD, st);
done:
    free(probs);
    free(labels);
    wsl_cli_texts_free(&texts);
    wsl_end_model_free(em);
    return rc;
}

const wsl_cli_command wsl_cmd_classify = {
    "classify", "class probabilities of texts from an end model",
    "usage: wsl classify END.json RECORDS -o OUT [--text-field NAME] [--labels-out LABELS.csv]\n"
    "                    [--tie abstain|hash|random|lowest] [--json] [-q]\n"
    "\n"
    "Write the end model's class probabilities of every record of RECORDS (JSON Lines, one\n"
    "object per line with a text field, default \"text\"): OUT.csv has n rows of k\n"
    "comma-separated probabilities (no header), OUT.npy is float64 n x k, as 'wsl predict'\n"
    "writes. Every record gets a prediction, whether or not a labeling function covered it.\n"
    "--labels-out also writes hard labels, one per line, ties broken by --tie (default\n"
    "abstain: -1). --json prints a summary on stdout; -q prints nothing but errors.\n"
    "\n"
    "example:\n"
    "  wsl classify end.json texts_test.jsonl -o probs.csv\n"
    "  wsl eval probs.csv y_test.csv\n",
    run,
};
