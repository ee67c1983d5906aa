#include "args.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>

/* Rows predicted per call (at most 4M votes copied at a time): a progress step. With threads,
 * a call needs 16,384 rows per thread (the library's least share), up to 16M votes copied. */
#define CHUNK_VOTES ((size_t)1 << 22)
#define CHUNK_ROWS         ((size_t)8192)
#define THREAD_ROWS        ((size_t)16384)
#define THREAD_CHUNK_VOTES ((size_t)1 << 24)

/*
 * predict_proba over L; when a progress line is drawn, in chunks of rows so that it moves. Rows
 * are scored independently: the probabilities are those of one call on the whole matrix, bit
 * for bit. (Copying the chunks costs about a fifth of the time of predicting from a CSV file,
 * so without a terminal there is one call.)
 */
static wsl_status predict_rows(const wsl_label_model *model, const wsl_label_matrix *L,
                               double *probs, uint8_t *covered, long long threads,
                               wsl_cli_progress *bar)
{
    size_t n = wsl_label_matrix_n_points(L), m = wsl_label_matrix_n_sources(L);
    size_t k = (size_t)wsl_label_model_cardinality(model);
    size_t chunk = CHUNK_VOTES / (m ? m : 1);
    int32_t *buf;
    wsl_status st = WSL_OK;
    if (chunk > CHUNK_ROWS)
        chunk = CHUNK_ROWS;
    if (chunk < 1)
        chunk = 1;
    if (threads > 1) /* every thread its share per call, else one call (threads <= 1024) */
        chunk = THREAD_ROWS * (size_t)threads <= THREAD_CHUNK_VOTES / (m ? m : 1)
                    ? THREAD_ROWS * (size_t)threads
                    : n;
    if (n <= chunk || !bar->on) /* one call (which also checks the shape when n is 0) */
        return wsl_label_model_predict_proba(model, L, probs, n * k, covered, n);
    buf = malloc(chunk * m * sizeof *buf);
    if (!buf)
        return WSL_ENOMEM;
    for (size_t i0 = 0; i0 < n && st == WSL_OK; i0 += chunk) {
        size_t rows = n - i0 < chunk ? n - i0 : chunk;
        wsl_label_matrix *C = NULL;
        for (size_t r = 0; r < rows && st == WSL_OK; r++)
            st = wsl_label_matrix_row(L, i0 + r, buf + r * m, m);
        if (st == WSL_OK)
            st = wsl_label_matrix_from_buffer(&C, buf, rows, m, m,
                                              wsl_label_matrix_cardinality(L),
                                              wsl_label_matrix_storage(L), NULL);
        if (st == WSL_OK)
            st = wsl_label_model_predict_proba(model, C, probs + i0 * k, rows * k, covered + i0,
                                               rows);
        wsl_label_matrix_free(C);
        wsl_cli_progress_update(bar, (double)(i0 + rows) / (double)n, (double)(i0 + rows),
                                "rows", NULL);
    }
    free(buf);
    return st;
}

static int run(int argc, char **argv)
{
    const char *format = NULL, *out = NULL, *labels_out = NULL, *tie = NULL, *threads = NULL,
               *pos[2];
    int rc, json = 0, quiet = 0;
    long long n_threads = 1;
    size_t n_pos, n, n_covered = 0;
    int32_t k;
    wsl_label_model *model = NULL;
    wsl_label_matrix *L = NULL;
    double *probs = NULL;
    int32_t *labels = NULL;
    uint8_t *covered = NULL;
    wsl_tie_policy policy = WSL_TIE_ABSTAIN;
    wsl_cli_progress bar;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},
        {"--output", "-o", &out, NULL},
        {"--labels-out", NULL, &labels_out, NULL},
        {"--tie", NULL, &tie, NULL},
        {"--json", NULL, NULL, &json},
        {"--threads", "-j", &threads, NULL},
        {"--quiet", "-q", NULL, &quiet},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 2, 2, &n_pos)))
        return rc;
    wsl_cli_progress_start(&bar, "predict", quiet);
    if (!out) {
        wsl_cli_errorf("predict", "-o PROBS is required (see 'wsl predict --help')");
        return WSL_EXIT_USAGE;
    }
    if (tie && (rc = wsl_cli_tie_policy("predict", tie, &policy)))
        return rc;
    if (threads && (rc = wsl_cli_long("predict", "--threads", threads, 1, 1024, &n_threads)))
        return rc;
    if (wsl_cli_same_file(pos[1], out) || wsl_cli_same_file(pos[0], out) ||
        (labels_out && (wsl_cli_same_file(pos[1], labels_out) ||
                        wsl_cli_same_file(pos[0], labels_out)))) {
        wsl_cli_errorf("predict", "refusing to overwrite an input with an output");
        return WSL_EXIT_USAGE;
    }
    wsl_cli_progress_phase(&bar, "reading %s", pos[0]);
    if ((st = wsl_label_model_load(&model, pos[0], NULL)) ||
        (st = wsl_label_model_set_threads(model, (int)n_threads)))
        goto fail;
    k = wsl_label_model_cardinality(model);
    wsl_cli_progress_phase(&bar, "reading %s", pos[1]);
    if ((rc = wsl_cli_read_votes("predict", pos[1], format, k, &L)))
        goto done;
    n = wsl_label_matrix_n_points(L);
    probs = malloc((n ? n : 1) * (size_t)k * sizeof *probs);
    labels = malloc((n ? n : 1) * sizeof *labels);
    covered = malloc(n ? n : 1);
    if (!probs || !labels || !covered) {
        wsl_cli_errorf("predict", "out of memory for %zu x %ld probabilities", n, (long)k);
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    wsl_cli_progress_phase(&bar, "predicting");
    if ((st = predict_rows(model, L, probs, covered, n_threads, &bar)))
        goto fail;
    wsl_cli_progress_phase(&bar, "writing %s", out);
    if ((st = wsl_probs_write(probs, n, (size_t)k, out, WSL_FORMAT_AUTO)))
        goto fail;
    if (labels_out &&
        ((st = wsl_probs_to_labels(probs, n, (size_t)k, policy, 0, labels, n)) ||
         (st = wsl_gold_write(labels, n, labels_out))))
        goto fail;
    wsl_cli_progress_end(&bar);
    for (size_t i = 0; i < n; i++)
        n_covered += covered[i];
    if (json) {
        printf("{\"model\": ");
        wsl_cli_json_string(stdout, pos[0]);
        printf(", \"votes\": ");
        wsl_cli_json_string(stdout, pos[1]);
        printf(", \"output\": ");
        wsl_cli_json_string(stdout, out);
        printf(", \"labels_out\": ");
        wsl_cli_json_string(stdout, labels_out);
        printf(", \"n\": %zu, \"k\": %ld, \"covered\": %zu, \"uncovered\": %zu}\n", n,
               (long)k, n_covered, n - n_covered);
    } else if (!quiet) {
        fprintf(stderr, "wsl predict: %zu records (%zu without a vote get the class prior), %ld "
                        "classes -> %s\n",
                n, n - n_covered, (long)k, out);
    }
    goto done;
fail:
    rc = wsl_cli_fail("predict", st);
done:
    wsl_cli_progress_end(&bar);
    free(covered);
    free(probs);
    free(labels);
    wsl_label_matrix_free(L);
    wsl_label_model_free(model);
    return rc;
}

const wsl_cli_command wsl_cmd_predict = {
    "predict",
    "probabilistic labels from a fitted model",
    "usage: wsl predict MODEL.json VOTES -o PROBS [--format F] [--labels-out LABELS.csv]\n"
    "                   [--tie abstain|hash|random|lowest] [-j N] [--json] [-q]\n"
    "\n"
    "Write the class probabilities of every record: PROBS.csv has n rows of k comma-separated\n"
    "probabilities (no header); PROBS.npy is float64 n x k. Row i is record i (for triples,\n"
    "item i). Records with no vote get the class prior. --labels-out also writes hard labels,\n"
    "one per line, ties broken by --tie (default abstain: -1). --json prints a JSON summary on\n"
    "stdout (instead of the line on stderr); -q prints neither the line nor progress. On a\n"
    "terminal a progress line counts the rows predicted. -j N predicts on N threads (default\n"
    "1; 16,384 rows at least each; the probabilities do not depend on it).\n"
    "\n"
    "example:\n"
    "  wsl predict model.json L_test.csv -o probs.csv\n",
    run,
};
