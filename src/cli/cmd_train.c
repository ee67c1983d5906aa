/* wsl train: the end model, from probabilistic labels and the texts of the same records. */
#include "args.h"
#include "texts_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "train"

typedef struct train_args {
    const char *probs, *records, *out, *text_field, *votes, *format, *weights;
    const char *valid, *label_field, *metric, *patience, *l2, *max_iter, *tol;
    const char *hash_bits, *ngrams;
    int keep_uncovered, tfidf, sublinear, no_normalize, case_sensitive, json;
} train_args;

/* Numeric options into the featurizer and training options. */
static int parse_numbers(const train_args *a, wsl_featurizer_options *fo, wsl_end_options *eo)
{
    long long v;
    int rc;
    static const char *const metrics[] = {"logloss", "acc", "f1"};
    if (a->hash_bits) {
        if ((rc = wsl_cli_long(CMD, "--hash-bits", a->hash_bits, 1, 24, &v)))
            return rc;
        fo->hash_bits = (int)v;
    }
    if (a->ngrams) {
        if ((rc = wsl_cli_long(CMD, "--ngrams", a->ngrams, 1, 4, &v)))
            return rc;
        fo->ngram_max = (int)v;
    }
    fo->tfidf = a->tfidf;
    fo->sublinear_tf = a->sublinear;
    fo->normalize = !a->no_normalize;
    fo->lowercase = !a->case_sensitive;
    if (a->l2 && (rc = wsl_cli_double(CMD, "--l2", a->l2, 0, 1e300, &eo->l2)))
        return rc;
    if (a->tol && (rc = wsl_cli_double(CMD, "--tol", a->tol, 1e-300, 1e300, &eo->tol)))
        return rc;
    if (a->max_iter) {
        if ((rc = wsl_cli_long(CMD, "--max-iter", a->max_iter, 1, 1000000000, &v)))
            return rc;
        eo->max_iter = (int)v;
    }
    if (a->patience) {
        if ((rc = wsl_cli_long(CMD, "--patience", a->patience, 1, 1000000000, &v)))
            return rc;
        eo->patience = (int)v;
    }
    if (a->metric) {
        int found = 0;
        for (int i = 0; i < 3; i++)
            if (strcmp(a->metric, metrics[i]) == 0) {
                eo->valid_metric = (wsl_end_metric)(i + 1);
                found = 1;
            }
        if (!found) {
            wsl_cli_errorf(CMD, "--metric must be logloss, acc or f1 (got '%s')", a->metric);
            return WSL_EXIT_USAGE;
        }
    }
    if ((a->metric || a->patience) && !a->valid) {
        wsl_cli_errorf(CMD, "--metric and --patience need --valid RECORDS");
        return WSL_EXIT_USAGE;
    }
    return WSL_EXIT_OK;
}

/* Rows some source voted on, from the votes file: uncovered rows are left out by default. */
static int read_covered(const train_args *a, size_t n, int32_t k, uint8_t **out)
{
    wsl_label_matrix *L = NULL;
    double *scratch = NULL;
    wsl_status st;
    int rc;
    if ((rc = wsl_cli_read_votes(CMD, a->votes, a->format, k, &L)))
        return rc;
    if (wsl_label_matrix_n_points(L) != n) {
        wsl_cli_errorf(CMD, "%s has %zu rows, %s has %zu", a->votes, wsl_label_matrix_n_points(L),
                       a->probs, n);
        wsl_label_matrix_free(L);
        return WSL_EXIT_INPUT;
    }
    *out = malloc(n ? n : 1);
    scratch = malloc((n ? n : 1) * (size_t)k * sizeof *scratch);
    rc = WSL_EXIT_OK;
    if (!*out || !scratch) {
        wsl_cli_errorf(CMD, "out of memory for %zu rows", n);
        rc = WSL_EXIT_INPUT;
    } else if ((st = wsl_majority_vote_proba(L, NULL, NULL, scratch, n * (size_t)k, *out, n))) {
        rc = wsl_cli_fail(CMD, st);
    }
    free(scratch);
    wsl_label_matrix_free(L);
    return rc;
}

static void print_summary(const train_args *a, const wsl_end_model *em, size_t n)
{
    wsl_end_report r;
    wsl_end_model_report(em, &r);
    if (a->json) {
        printf("{\"model\": ");
        wsl_cli_json_string(stdout, a->out);
        printf(", \"records\": %zu, \"trained_on\": %zu, \"uncovered_left_out\": %zu, "
               "\"features\": %zu, \"k\": %ld, \"iterations\": %d, \"converged\": %s, "
               "\"loss\": %.10g, \"grad_norm\": %.6g", n, r.n_rows, r.n_uncovered,
               wsl_end_model_n_features(em), (long)wsl_end_model_cardinality(em), r.iterations,
               r.converged ? "true" : "false", r.loss, r.grad_norm);
        if (a->valid)
            printf(", \"best_iteration\": %d, \"stopped_early\": %s, \"valid_score\": %.10g",
                   r.best_iteration, r.stopped_early ? "true" : "false", r.valid_score);
        printf("}\n");
        return;
    }
    printf("records      %zu (trained on %zu, %zu uncovered left out)\n", n, r.n_rows,
           r.n_uncovered);
    printf("features     %zu\n", wsl_end_model_n_features(em));
    printf("iterations   %d (%s, gradient norm %.3g)\n", r.iterations,
           r.converged ? "converged" : "not converged", r.grad_norm);
    printf("loss         %.6g\n", r.loss);
    if (a->valid)
        printf("validation   %s %.4f at iteration %d%s\n", a->metric ? a->metric : "logloss",
               r.valid_score, r.best_iteration, r.stopped_early ? " (stopped early)" : "");
}

static int run(int argc, char **argv)
{
    train_args a;
    const char *pos[1];
    size_t n_pos, n = 0, k = 0, nw = 0, kw = 0;
    int rc;
    double *probs = NULL, *weights = NULL;
    uint8_t *covered = NULL;
    wsl_cli_texts texts, valid;
    wsl_featurizer_options fo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_end_options eo = WSL_END_OPTIONS_INIT;
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL, *VX = NULL;
    wsl_end_model *em = NULL;
    wsl_status st = WSL_OK;
    memset(&a, 0, sizeof a);
    memset(&texts, 0, sizeof texts);
    memset(&valid, 0, sizeof valid);
    a.text_field = "text";
    a.label_field = "label";
    {
        const wsl_cli_opt opts[] = {
            {"--probs", NULL, &a.probs, NULL},        {"--records", NULL, &a.records, NULL},
            {"--output", "-o", &a.out, NULL},         {"--text-field", NULL, &a.text_field, NULL},
            {"--votes", NULL, &a.votes, NULL},        {"--format", NULL, &a.format, NULL},
            {"--weights", NULL, &a.weights, NULL},    {"--valid", NULL, &a.valid, NULL},
            {"--label-field", NULL, &a.label_field, NULL},
            {"--metric", NULL, &a.metric, NULL},      {"--patience", NULL, &a.patience, NULL},
            {"--l2", NULL, &a.l2, NULL},              {"--max-iter", NULL, &a.max_iter, NULL},
            {"--tol", NULL, &a.tol, NULL},            {"--hash-bits", NULL, &a.hash_bits, NULL},
            {"--ngrams", NULL, &a.ngrams, NULL},      {"--tfidf", NULL, NULL, &a.tfidf},
            {"--sublinear-tf", NULL, NULL, &a.sublinear},
            {"--no-normalize", NULL, NULL, &a.no_normalize},
            {"--case-sensitive", NULL, NULL, &a.case_sensitive},
            {"--keep-uncovered", NULL, NULL, &a.keep_uncovered},
            {"--json", NULL, NULL, &a.json},
        };
        if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, 0,
                                &n_pos)))
            return rc;
    }
    if (!a.probs || !a.records || !a.out) {
        wsl_cli_errorf(CMD, "--probs PROBS, --records RECORDS and -o END.json are required (see "
                            "'wsl train --help')");
        return WSL_EXIT_USAGE;
    }
    if (wsl_cli_same_file(a.probs, a.out) || wsl_cli_same_file(a.records, a.out) ||
        (a.votes && wsl_cli_same_file(a.votes, a.out)) ||
        (a.weights && wsl_cli_same_file(a.weights, a.out)) ||
        (a.valid && wsl_cli_same_file(a.valid, a.out))) {
        wsl_cli_errorf(CMD, "refusing to overwrite an input with the model");
        return WSL_EXIT_USAGE;
    }
    if ((rc = parse_numbers(&a, &fo, &eo)))
        return rc;
    if ((st = wsl_probs_read(&probs, &n, &k, a.probs, WSL_FORMAT_AUTO, NULL)))
        goto fail;
    if (k < 2) {
        wsl_cli_errorf(CMD, "%s has %zu column; probabilities of k >= 2 classes are needed",
                       a.probs, k);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if ((rc = wsl_cli_texts_read(CMD, a.records, a.text_field, NULL, 0, &texts)))
        goto done;
    if (texts.n != n) {
        wsl_cli_errorf(CMD, "%s has %zu records, %s has %zu rows", a.records, texts.n, a.probs, n);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if (a.votes && (rc = read_covered(&a, n, (int32_t)k, &covered)))
        goto done;
    if (!a.votes && !a.keep_uncovered)
        fprintf(stderr, "wsl train: note: without --votes every record is trained on (the ones no "
                        "source voted on cannot be told apart from the probabilities)\n");
    if (a.weights) {
        if ((st = wsl_probs_read(&weights, &nw, &kw, a.weights, WSL_FORMAT_AUTO, NULL)))
            goto fail;
        if (nw != n || kw != 1) {
            wsl_cli_errorf(CMD, "%s must hold one weight per line for %zu records (got %zu x %zu)",
                           a.weights, n, nw, kw);
            rc = WSL_EXIT_INPUT;
            goto done;
        }
    }
    if (a.valid && (rc = wsl_cli_texts_read(CMD, a.valid, a.text_field, a.label_field,
                                            (int32_t)k, &valid)))
        goto done;

    /* Featurize (document frequencies from the training texts), train, attach, save. */
    if ((st = wsl_featurizer_create(&fz, &fo, NULL)) ||
        (st = wsl_featurizer_fit(fz, texts.texts, n)) ||
        (st = wsl_featurizer_transform(fz, texts.texts, n, &X)) ||
        (a.valid && (st = wsl_featurizer_transform(fz, valid.texts, valid.n, &VX))))
        goto fail;
    eo.covered = covered;
    eo.covered_len = covered ? n : 0;
    eo.keep_uncovered = a.keep_uncovered;
    eo.weights = weights;
    eo.weights_len = weights ? n : 0;
    eo.valid_X = VX;
    eo.valid_gold = valid.labels;
    eo.valid_gold_len = valid.n;
    if ((st = wsl_end_model_create(&em, (int32_t)k, NULL)) ||
        (st = wsl_end_model_set_featurizer(em, fz)) ||
        (st = wsl_end_model_fit(em, X, probs, n * k, &eo)) || (st = wsl_end_model_save(em, a.out)))
        goto fail;
    print_summary(&a, em, n);
    fprintf(stderr, "wsl train: %zu records, %zu classes -> %s\n", n, k, a.out);
    goto done;
fail:
    rc = wsl_cli_fail(CMD, st);
done:
    wsl_end_model_free(em);
    wsl_features_free(X);
    wsl_features_free(VX);
    wsl_featurizer_free(fz);
    wsl_cli_texts_free(&texts);
    wsl_cli_texts_free(&valid);
    wsl_array_free(probs, NULL);
    wsl_array_free(weights, NULL);
    free(covered);
    return rc;
}

const wsl_cli_command wsl_cmd_train = {
    "train", "train the end model on probabilistic labels and texts",
    "usage: wsl train --probs PROBS --records RECORDS -o END.json [options]\n"
    "\n"
    "Train a logistic regression on hashed n-grams of each record's text against the\n"
    "probabilistic labels of the same records (PROBS: n rows of k probabilities, .csv or .npy,\n"
    "as written by 'wsl predict'). The loss is the cross-entropy against each row's\n"
    "distribution, not its argmax. RECORDS is JSON Lines, one {\"text\": ...} object per line.\n"
    "The model file keeps the featurizer, so 'wsl classify' reads raw texts.\n"
    "\n"
    "options:\n"
    "  --text-field NAME    the records' text field (default text)\n"
    "  --votes VOTES        the label matrix of the same records: rows no source voted on\n"
    "                       are left out (their label is only the class prior)\n"
    "  --format F           format of VOTES (csv, triples, npy, wrench; default: extension)\n"
    "  --keep-uncovered     train on the uncovered rows too\n"
    "  --weights W.csv      one non-negative sample weight per record\n"
    "  --valid RECORDS      a validation split with gold labels: keep the weights of the\n"
    "                       iteration that scores best on it, stop after --patience (20)\n"
    "                       iterations without improvement\n"
    "  --label-field NAME   the validation records' label field (default label)\n"
    "  --metric M           logloss (default), acc or f1 (of class 1, k = 2)\n"
    "  --l2 X               L2 regularization (default 1e-4)\n"
    "  --max-iter N         L-BFGS iterations (default 500)\n"
    "  --tol T              stop when the gradient norm is below T (default 1e-5)\n"
    "  --hash-bits B        2^B feature columns, 1..24 (default 18)\n"
    "  --ngrams N           n-grams of 1..N words, N in 1..4 (default 2)\n"
    "  --tfidf              weight counts by inverse document frequency\n"
    "  --sublinear-tf       1 + ln(count) instead of the count\n"
    "  --no-normalize       keep rows as they are (default: unit length)\n"
    "  --case-sensitive     do not lower-case\n"
    "  --json               print a JSON summary on stdout\n"
    "\n"
    "example:\n"
    "  wsl predict model.json L_train.csv -o probs.csv\n"
    "  wsl train --probs probs.csv --records texts_train.jsonl --votes L_train.csv -o end.json\n",
    run,
};
