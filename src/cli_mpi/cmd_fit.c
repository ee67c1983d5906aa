#include "mpi_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_iter(int start, int iteration, double ll, void *payload)
{
    (void)payload;
    fprintf(stderr, "wsl-mpi fit: start %d, iteration %d, penalized log-likelihood %.6f\n", start,
            iteration, ll);
    return 0;
}

static void log_message(wsl_log_level level, const char *msg, void *payload)
{
    (void)level;
    (void)payload;
    fprintf(stderr, "wsl-mpi fit: %s\n", msg);
}

static int run(int argc, char **argv)
{
    const char *format = NULL, *ktext = NULL, *out = NULL, *tables = NULL, *abstain = NULL,
               *prior = NULL, *pc = NULL, *iters = NULL, *tol = NULL, *threads = NULL,
               *deps = NULL, *shards = NULL, *pos[1] = {NULL};
    int rc, verbose = 0, json = 0, quiet = 0;
    size_t n_pos;
    long long k = 0;
    unsigned long long n_local, n_total = 0;
    double *prior_buf = NULL;
    wsl_label_matrix *L = NULL;
    wsl_label_model *model = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_fit_report rep;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},   {"--cardinality", "-k", &ktext, NULL},
        {"--output", "-o", &out, NULL},      {"--tables", NULL, &tables, NULL},
        {"--abstain", NULL, &abstain, NULL}, {"--prior", NULL, &prior, NULL},
        {"--pseudo-count", NULL, &pc, NULL}, {"--max-iter", NULL, &iters, NULL},
        {"--tol", NULL, &tol, NULL},         {"--threads", "-j", &threads, NULL},
        {"--deps", NULL, &deps, NULL},       {"--shards", NULL, &shards, NULL},
        {"--verbose", "-v", NULL, &verbose}, {"--json", NULL, NULL, &json},
        {"--quiet", "-q", NULL, &quiet},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, 1, &n_pos)))
        return rc;
    if (!ktext || !out) {
        wsl_cli_errorf("fit", "-k K and -o MODEL.json are required (see 'wsl-mpi fit --help')");
        return WSL_EXIT_USAGE;
    }
    if ((n_pos == 1) == (shards != NULL)) {
        wsl_cli_errorf("fit", "give either VOTES (every rank reads its shard of one file) or "
                              "--shards PATTERN (one file per rank), not %s",
                       shards ? "both" : "neither");
        return WSL_EXIT_USAGE;
    }
    if (shards && (rc = wsl_mpi_check_pattern("fit", shards)))
        return rc;
    if ((rc = wsl_cli_long("fit", "-k", ktext, 2, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if (pos[0] && wsl_cli_same_file(pos[0], out)) {
        wsl_cli_errorf("fit", "refusing to overwrite the input %s", pos[0]);
        return WSL_EXIT_USAGE;
    }
    if (deps && strcmp(deps, "learn") == 0) {
        o.deps = WSL_DEPS_LEARN;
    } else if (deps && strcmp(deps, "off") == 0) {
        o.deps = WSL_DEPS_OFF;
    } else if (deps) {
        wsl_cli_errorf("fit", "--deps must be learn or off (got '%s'); declared groups: fit "
                              "with 'wsl fit' on one machine", deps);
        return WSL_EXIT_USAGE;
    }
    prior_buf = calloc((size_t)k, sizeof *prior_buf);
    if (!prior_buf)
        return WSL_EXIT_INPUT;
    if ((rc = wsl_cli_fit_model_options(tables, abstain, prior, (int32_t)k, &o, prior_buf)))
        goto done;
    if ((rc = wsl_cli_fit_numbers(pc, iters, tol, threads, &o)))
        goto done;
    if (verbose && wsl_mpi_rank == 0) {
        o.iter_fn = log_iter;
        o.log_fn = log_message;
    }
    if ((rc = wsl_mpi_read_votes("fit", pos[0], shards, format, (int32_t)k, &L)))
        goto done;
    n_local = wsl_label_matrix_n_points(L);
    MPI_Allreduce(&n_local, &n_total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    if ((st = wsl_dist_fit(&model, (int32_t)k, L, &o, 0, MPI_COMM_WORLD)))
        goto fail;
    if (wsl_mpi_rank == 0)
        st = wsl_label_model_save(model, out);
    if ((rc = wsl_mpi_agree("fit", st)))
        goto done;
    if (wsl_mpi_rank == 0 && (json || !quiet)) {
        wsl_label_model_report(model, &rep);
        if (json) {
            printf("{\"model\": ");
            wsl_cli_json_string(stdout, out);
            printf(", \"ranks\": %d, \"n\": %llu, \"m\": %zu, \"k\": %lld, \"patterns\": %zu, "
                   "\"iterations\": %d, \"converged\": %s, \"log_likelihood\": %.9g, "
                   "\"fallback\": %s, \"abstain\": \"%s\"}\n",
                   wsl_mpi_size, n_total, wsl_label_matrix_n_sources(L), k, rep.n_patterns,
                   rep.iterations, rep.converged ? "true" : "false", rep.log_likelihood,
                   rep.fallback ? "true" : "false", wsl_cli_abstain_names[rep.abstain]);
        } else {
            fprintf(stderr, "wsl-mpi fit: %llu records on %d ranks x %zu sources, %zu patterns, "
                            "%d iterations%s, log-likelihood %.6f per record%s -> %s\n",
                    n_total, wsl_mpi_size, wsl_label_matrix_n_sources(L), rep.n_patterns,
                    rep.iterations, rep.converged ? " (converged)" : "", rep.log_likelihood,
                    rep.fallback ? " [fell back to majority vote: the votes do not identify "
                                   "the model]"
                    : rep.abstain == WSL_ABSTAIN_VOTES_ONLY && o.abstain != WSL_ABSTAIN_VOTES_ONLY
                        ? " [single-class sources co-fire beyond the model: their votes only]"
                        : "",
                    out);
        }
    }
    goto done;
fail:
    rc = wsl_cli_fail_fit("fit", st);
done:
    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    free(prior_buf);
    return rc;
}

const wsl_cli_command wsl_cmd_fit = {
    "fit", "fit the label model on votes spread over the ranks",
    "usage: mpirun -np P wsl-mpi fit VOTES -k K -o MODEL.json [options]\n"
    "       mpirun -np P wsl-mpi fit --shards PATTERN -k K -o MODEL.json [options]\n"
    "\n"
    "Each rank reads its shard of VOTES (a CSV file is cut by bytes at line starts, so a\n"
    "rank reads about 1/P of it; a .npy file by rows, each rank reading its rows' bytes;\n"
    "WRENCH JSON and triples are read whole by every rank, which keeps its block of rows),\n"
    "or with --shards its own file; each counts its rows into a\n"
    "table of vote patterns; the tables are merged up a binary tree to rank 0, which fits\n"
    "and writes MODEL.json. The model is byte for byte the one 'wsl fit' writes from all\n"
    "the rows in one process.\n"
    "\n"
    "options:\n"
    "  --shards PATTERN    one file per rank: PATTERN with %d replaced by the rank\n"
    "                      (L_%d.csv: rank 0 reads L_0.csv, rank 1 L_1.csv, ...)\n"
    "  --format F          csv, triples, npy or wrench (default: by extension)\n"
    "  --tables T          default, full, class-accuracy, accuracy, polarity, one-coin\n"
    "  --abstain A         default (auto), informative, random, never, by-polarity,\n"
    "                      votes-only, auto\n"
    "  --prior P           learned (default), uniform, or K comma-separated probabilities\n"
    "  --pseudo-count X    strength of the prior on the sources' tables (default 2)\n"
    "  --max-iter N        EM iterations per start (default 500)\n"
    "  --tol T             convergence tolerance (default 1e-7)\n"
    "  --deps D            learn: find groups of dependent sources; off (default)\n"
    "  -j, --threads N     threads of the fit on rank 0 (the result does not depend on it)\n"
    "  -v, --verbose       log every EM iteration and the fit's decisions (rank 0, stderr)\n"
    "  --json              print a JSON summary on stdout (instead of the line on stderr)\n"
    "  -q, --quiet         no summary on stderr\n"
    "\n"
    "Not here (fit on one machine with 'wsl fit'): --gold, --source-priors, --deps FILE.\n"
    "\n"
    "example:\n"
    "  mpirun -np 4 wsl-mpi fit L_train.csv -k 2 -o model.json\n"
    "  mpirun -np 4 wsl-mpi fit --shards 'L_%d.csv' -k 2 -o model.json\n",
    run,
};
