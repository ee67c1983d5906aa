#include "mpi_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(int argc, char **argv)
{
    const char *format = NULL, *out = NULL, *labels_out = NULL, *tie = NULL, *shards = NULL,
               *pos[2] = {NULL, NULL};
    int rc, json = 0, quiet = 0;
    size_t n_pos, n_local, n = 0, n_covered = 0;
    unsigned long long covered_local = 0, covered_total = 0;
    int32_t k;
    wsl_label_model *model = NULL;
    wsl_label_matrix *L = NULL;
    double *probs = NULL, *all = NULL;
    int32_t *labels = NULL;
    uint8_t *covered = NULL;
    wsl_tie_policy policy = WSL_TIE_ABSTAIN;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},         {"--output", "-o", &out, NULL},
        {"--labels-out", NULL, &labels_out, NULL}, {"--tie", NULL, &tie, NULL},
        {"--shards", NULL, &shards, NULL},         {"--json", NULL, NULL, &json},
        {"--quiet", "-q", NULL, &quiet},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, 2, &n_pos)))
        return rc;
    if (!out) {
        wsl_cli_errorf("predict", "-o PROBS is required (see 'wsl-mpi predict --help')");
        return WSL_EXIT_USAGE;
    }
    if ((n_pos == 2) == (shards != NULL)) {
        wsl_cli_errorf("predict", "give either VOTES (every rank reads its shard of one file) or "
                                  "--shards PATTERN (one file per rank), not %s",
                       shards ? "both" : "neither");
        return WSL_EXIT_USAGE;
    }
    if (shards && (rc = wsl_mpi_check_pattern("predict", shards)))
        return rc;
    if (tie && (rc = wsl_cli_tie_policy("predict", tie, &policy)))
        return rc;
    if (wsl_cli_same_file(pos[0], out) || (pos[1] && wsl_cli_same_file(pos[1], out)) ||
        (labels_out && (wsl_cli_same_file(pos[0], labels_out) ||
                        (pos[1] && wsl_cli_same_file(pos[1], labels_out))))) {
        wsl_cli_errorf("predict", "refusing to overwrite an input with an output");
        return WSL_EXIT_USAGE;
    }
    /* Every rank loads the model (a small file). */
    if ((rc = wsl_mpi_agree("predict", wsl_label_model_load(&model, pos[0], NULL))))
        goto done;
    k = wsl_label_model_cardinality(model);
    if ((rc = wsl_mpi_read_votes("predict", pos[1], shards, format, k, &L)))
        goto done;
    n_local = wsl_label_matrix_n_points(L);
    probs = malloc((n_local ? n_local : 1) * (size_t)k * sizeof *probs);
    covered = malloc(n_local ? n_local : 1);
    if (!probs || !covered)
        st = wsl_set_error(WSL_ENOMEM, "out of memory for %zu x %ld probabilities", n_local,
                           (long)k);
    else
        st = wsl_label_model_predict_proba(model, L, probs, n_local * (size_t)k, covered,
                                           n_local);
    if ((rc = wsl_mpi_agree("predict", st)))
        goto done;
    for (size_t i = 0; i < n_local; i++)
        covered_local += covered[i];
    MPI_Reduce(&covered_local, &covered_total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0,
               MPI_COMM_WORLD);
    /* One file, rows in rank order (the file's order); CSV printed by every rank. */
    if ((st = wsl_dist_probs_write(probs, n_local, (size_t)k, out, WSL_FORMAT_AUTO, 0,
                                   MPI_COMM_WORLD)))
        goto fail;
    /* Hard labels: ties broken by global row index, so at rank 0 over all rows. */
    if (labels_out) {
        if ((st = wsl_dist_probs_gather(&all, &n, probs, n_local, (size_t)k, 0, MPI_COMM_WORLD)))
            goto fail;
        if (wsl_mpi_rank == 0) {
            labels = malloc((n ? n : 1) * sizeof *labels);
            if (!labels)
                st = wsl_set_error(WSL_ENOMEM, "out of memory for %zu labels", n);
            else if ((st = wsl_probs_to_labels(all, n, (size_t)k, policy, 0, labels, n)) ==
                     WSL_OK)
                st = wsl_gold_write(labels, n, labels_out);
        }
        if ((rc = wsl_mpi_agree("predict", st)))
            goto done;
    }
    {
        unsigned long long nl = n_local, nt = 0;
        MPI_Reduce(&nl, &nt, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
        n = (size_t)nt;
    }
    n_covered = (size_t)covered_total;
    if (wsl_mpi_rank == 0 && json) {
        printf("{\"model\": ");
        wsl_cli_json_string(stdout, pos[0]);
        printf(", \"votes\": ");
        if (pos[1])
            wsl_cli_json_string(stdout, pos[1]);
        else
            wsl_cli_json_string(stdout, shards);
        printf(", \"output\": ");
        wsl_cli_json_string(stdout, out);
        printf(", \"labels_out\": ");
        if (labels_out)
            wsl_cli_json_string(stdout, labels_out);
        else
            printf("null");
        printf(", \"ranks\": %d, \"n\": %zu, \"k\": %ld, \"covered\": %zu, \"uncovered\": %zu}\n",
               wsl_mpi_size, n, (long)k, n_covered, n - n_covered);
    } else if (wsl_mpi_rank == 0 && !quiet) {
        fprintf(stderr, "wsl-mpi predict: %zu records on %d ranks (%zu without a vote get the "
                        "class prior), %ld classes -> %s\n",
                n, wsl_mpi_size, n - n_covered, (long)k, out);
    }
    goto done;
fail:
    rc = wsl_cli_fail("predict", st);
done:
    free(all);
    free(labels);
    free(covered);
    free(probs);
    wsl_label_matrix_free(L);
    wsl_label_model_free(model);
    return rc;
}

const wsl_cli_command wsl_cmd_predict = {
    "predict", "probabilistic labels of votes spread over the ranks, in one file",
    "usage: mpirun -np P wsl-mpi predict MODEL.json VOTES -o PROBS [options]\n"
    "       mpirun -np P wsl-mpi predict MODEL.json --shards PATTERN -o PROBS [options]\n"
    "\n"
    "Each rank reads the model and its shard of VOTES (as 'wsl-mpi fit' cuts it) or, with\n"
    "--shards, its own file, predicts its rows and (for CSV) prints them; rank 0 puts them\n"
    "in rank order and writes PROBS (atomically): byte for byte what 'wsl predict' writes\n"
    "for the whole file (with --shards: for the files one after the other). PROBS.csv has n\n"
    "rows of k probabilities, PROBS.npy is float64 n x k.\n"
    "\n"
    "options:\n"
    "  --shards PATTERN    one file per rank: PATTERN with %d replaced by the rank\n"
    "  --format F          csv, triples, npy or wrench (default: by extension)\n"
    "  --labels-out FILE   also write hard labels, one per line\n"
    "  --tie T             ties in --labels-out: abstain (default, -1), hash, random, lowest\n"
    "  --json              print a JSON summary on stdout (instead of the line on stderr)\n"
    "  -q, --quiet         no summary on stderr\n"
    "\n"
    "Rank 0 holds the whole output before writing it (and all n x k probabilities with\n"
    "--labels-out).\n"
    "\n"
    "example:\n"
    "  mpirun -np 4 wsl-mpi predict model.json L_test.csv -o probs.csv\n",
    run,
};
