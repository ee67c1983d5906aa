#include "args.h"
#include "progress.h"
#include "source_priors.h"
#include "sources_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_iter(int start, int iteration, double ll, void *payload)
{
    (void)payload;
    fprintf(stderr, "wsl fit: start %d, iteration %d, penalized log-likelihood %.6f\n", start,
            iteration, ll);
    return 0;
}

/*
 * Progress of EM on a terminal. The fit runs up to max_iter iterations from each of its starts
 * (more when it refits: learned dependencies, votes-only); a start stops early once the
 * penalized log-likelihood improves by less than tol. Iterations left in the current start are
 * estimated from the geometric decay of the improvements, the starts to come from the ones
 * done, so the bar and the ETA are estimates; the iteration count and rate are exact.
 */
typedef struct fit_progress {
    wsl_cli_progress bar;
    unsigned starts;          /* wsl_lm_start flags of the fit */
    int n_starts, max_iter;
    double tol;
    int pos, pass;            /* position of the current start among the fit's, refit number */
    long long total;          /* iterations so far, all starts and refits */
    long long done_starts;    /* iterations of the finished starts of this pass */
    int last_it;
    double prev_pen, prev_delta, ratio;
} fit_progress;

static int count_bits(unsigned v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

static int progress_iter(int start, int iteration, double pen, void *payload)
{
    fit_progress *fp = payload;
    int pos = count_bits(fp->starts & ((unsigned)start - 1)), remaining;
    double delta, avg, est, left;
    char detail[96];
    if (iteration == 0) {
        if (fp->total > 0 && pos <= fp->pos) { /* the starts begin again: a refit */
            fp->pass++;
            fp->done_starts = 0;
        } else if (fp->total > 0) {
            fp->done_starts += fp->last_it + 1;
        }
        fp->pos = pos;
        fp->ratio = NAN;
        fp->prev_delta = NAN;
    }
    fp->total++;
    fp->last_it = iteration;
    delta = iteration > 0 ? fabs(pen - fp->prev_pen) : NAN;
    if (iteration > 1 && fp->prev_delta > 0 && isfinite(delta)) {
        double r = delta / fp->prev_delta;
        if (r < 1)
            fp->ratio = isnan(fp->ratio) ? r : 0.7 * fp->ratio + 0.3 * r;
    }
    fp->prev_pen = pen;
    fp->prev_delta = delta;
    /* iterations left in this start: from the decay of the improvements once it is known,
     * else as many as the finished starts took on average; unknown in the first start */
    remaining = -1;
    if (isfinite(delta) && delta < fp->tol) {
        remaining = 0;
    } else if (isfinite(delta) && delta > 0 && fp->ratio > 0 && fp->ratio < 1) {
        double need = ceil(log(fp->tol / delta) / log(fp->ratio));
        remaining = need < fp->max_iter ? (int)need : fp->max_iter;
    } else if (pos > 0) {
        remaining = (int)((double)fp->done_starts / pos) - iteration - 1;
        remaining = remaining > 1 ? remaining : 1;
    }
    if (remaining > fp->max_iter - iteration - 1)
        remaining = fp->max_iter - iteration - 1;
    if (fp->pass > 0)
        snprintf(detail, sizeof detail, "refit %d, start %d/%d", fp->pass, pos + 1, fp->n_starts);
    else
        snprintf(detail, sizeof detail, "start %d/%d", pos + 1, fp->n_starts);
    if (remaining < 0) {
        wsl_cli_progress_update(&fp->bar, -1, (double)fp->total, "it", detail);
        return 0;
    }
    /* the starts to come take as long as the finished ones (or this one) */
    avg = pos > 0 ? (double)fp->done_starts / pos : (double)(iteration + 1 + remaining);
    est = (double)fp->done_starts + iteration + 1 + remaining;
    left = (double)(fp->n_starts - pos - 1) * avg;
    wsl_cli_progress_update(&fp->bar, ((double)fp->done_starts + iteration + 1) / (est + left),
                            (double)fp->total, "it", detail);
    return 0;
}

static void log_message(wsl_log_level level, const char *msg, void *payload)
{
    (void)level;
    (void)payload;
    fprintf(stderr, "wsl fit: %s\n", msg);
}

static int run(int argc, char **argv)
{
    const char *format = NULL, *ktext = NULL, *out = NULL, *tables = NULL, *abstain = NULL,
               *prior = NULL, *pc = NULL, *iters = NULL, *tol = NULL, *gold_path = NULL,
               *threads = NULL, *sp_path = NULL, *sp_strength = NULL, *deps = NULL,
               *names_path = NULL, *probs_out = NULL, *labels_out = NULL, *tie = NULL, *pos[1];
    int rc, verbose = 0, json = 0, quiet = 0;
    size_t n_pos, n_gold = 0;
    long long k = 0;
    double *prior_buf = NULL, *probs = NULL;
    int32_t *gold = NULL, *labels = NULL;
    wsl_tie_policy policy = WSL_TIE_ABSTAIN;
    wsl_label_matrix *L = NULL;
    wsl_label_model *model = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    wsl_fit_report rep;
    fit_progress fp;
    wsl_status st = WSL_OK;
    wsl_cli_source_priors sp = {NULL, NULL};
    char **names = NULL;
    size_t *dep_members = NULL, *dep_sizes = NULL, n_groups = 0;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},
        {"--cardinality", "-k", &ktext, NULL},
        {"--output", "-o", &out, NULL},
        {"--tables", NULL, &tables, NULL},
        {"--abstain", NULL, &abstain, NULL},
        {"--prior", NULL, &prior, NULL},
        {"--pseudo-count", NULL, &pc, NULL},
        {"--max-iter", NULL, &iters, NULL},
        {"--tol", NULL, &tol, NULL},
        {"--gold", NULL, &gold_path, NULL},
        {"--threads", "-j", &threads, NULL},
        {"--verbose", "-v", NULL, &verbose},
        {"--json", NULL, NULL, &json},
        {"--source-priors", NULL, &sp_path, NULL},
        {"--source-prior-strength", NULL, &sp_strength, NULL},
        {"--deps", NULL, &deps, NULL},
        {"--names", NULL, &names_path, NULL},
        {"--quiet", "-q", NULL, &quiet},
        {"--probs-out", NULL, &probs_out, NULL},
        {"--labels-out", NULL, &labels_out, NULL},
        {"--tie", NULL, &tie, NULL},
    };
    memset(&fp, 0, sizeof fp);
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, 1, &n_pos)))
        return rc;
    /* -v logs every iteration: no progress line in between */
    wsl_cli_progress_start(&fp.bar, "fit", quiet || verbose);
    if (!ktext || !out) {
        wsl_cli_errorf("fit", "-k K and -o MODEL.json are required (see 'wsl fit --help')");
        return WSL_EXIT_USAGE;
    }
    if ((rc = wsl_cli_long("fit", "-k", ktext, 2, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if (wsl_cli_same_file(pos[0], out) || (probs_out && wsl_cli_same_file(pos[0], probs_out)) ||
        (labels_out && wsl_cli_same_file(pos[0], labels_out))) {
        wsl_cli_errorf("fit", "refusing to overwrite the input %s", pos[0]);
        return WSL_EXIT_USAGE;
    }
    if ((probs_out && wsl_cli_same_file(out, probs_out)) ||
        (labels_out && wsl_cli_same_file(out, labels_out)) ||
        (probs_out && labels_out && wsl_cli_same_file(probs_out, labels_out))) {
        wsl_cli_errorf("fit", "-o, --probs-out and --labels-out must name different files");
        return WSL_EXIT_USAGE;
    }
    if (tie && !labels_out) {
        wsl_cli_errorf("fit", "--tie breaks the ties of --labels-out, which is not given");
        return WSL_EXIT_USAGE;
    }
    if (tie && (rc = wsl_cli_tie_policy("fit", tie, &policy)))
        return rc;
    if (probs_out && wsl_format_from_path(probs_out) != WSL_FORMAT_CSV &&
        wsl_format_from_path(probs_out) != WSL_FORMAT_NPY) { /* before the fit, not after */
        wsl_cli_errorf("fit", "--probs-out %s: probabilities are written as .csv or .npy",
                       probs_out);
        return WSL_EXIT_USAGE;
    }
    prior_buf = calloc((size_t)k, sizeof *prior_buf);
    if (!prior_buf)
        return WSL_EXIT_INPUT;
    if ((rc = wsl_cli_fit_model_options(tables, abstain, prior, (int32_t)k, &o, prior_buf)))
        goto done;
    if ((rc = wsl_cli_fit_numbers(pc, iters, tol, threads, &o)))
        goto done;
    if (sp_strength && (rc = wsl_cli_double("fit", "--source-prior-strength", sp_strength, 1e-300,
                                            1e300, &o.source_prior_strength)))
        goto done;
    if (verbose) {
        o.iter_fn = log_iter;
        o.log_fn = log_message;
    } else if (fp.bar.on) {
        fp.starts = o.starts & WSL_START_ALL;
        fp.n_starts = count_bits(fp.starts);
        fp.max_iter = o.max_iter;
        fp.tol = o.tol;
        o.iter_fn = progress_iter;
        o.iter_payload = &fp;
    }
    wsl_cli_progress_phase(&fp.bar, "reading %s", pos[0]);
    if ((rc = wsl_cli_read_votes("fit", pos[0], format, (int32_t)k, &L)))
        goto done;
    if (names_path &&
        (rc = wsl_cli_read_names("fit", names_path, wsl_label_matrix_n_sources(L), &names)))
        goto done;
    if (deps && strcmp(deps, "learn") == 0) {
        o.deps = WSL_DEPS_LEARN;
    } else if (deps && strcmp(deps, "off") == 0) {
        o.deps = WSL_DEPS_OFF;
    } else if (deps) {
        if ((rc = wsl_cli_read_groups("fit", deps, wsl_label_matrix_n_sources(L), names,
                                      &dep_members, &dep_sizes, &n_groups)))
            goto done;
        o.dep_members = dep_members;
        o.dep_sizes = dep_sizes;
        o.n_dep_groups = n_groups;
    }
    if (sp_path) {
        if ((rc = wsl_cli_source_priors_read(sp_path, wsl_label_matrix_n_sources(L), (int32_t)k,
                                             &sp)))
            goto done;
        o.source_priors = sp.rows;
        o.n_source_priors = wsl_label_matrix_n_sources(L);
    }
    if (gold_path) {
        if ((st = wsl_gold_read(&gold, &n_gold, gold_path, (int32_t)k, NULL)))
            goto fail;
        o.gold = gold;
        o.gold_len = n_gold;
    }
    if (probs_out || labels_out) {
        size_t cells = wsl_label_matrix_n_points(L) * (size_t)k;
        if (!(probs = malloc(cells * sizeof *probs))) {
            wsl_cli_errorf("fit", "out of memory for %zu x %lld probabilities",
                           wsl_label_matrix_n_points(L), k);
            rc = WSL_EXIT_INPUT;
            goto done;
        }
        /* One call: the fit and its rows' probabilities (repeated rows are scored once). */
        wsl_cli_progress_phase(&fp.bar, "EM");
        if ((st = wsl_label_model_create(&model, (int32_t)k, NULL)) ||
            (st = wsl_label_model_fit_predict_proba(model, L, &o, probs, cells, NULL, 0)))
            goto fail;
    } else {
        wsl_cli_progress_phase(&fp.bar, "EM");
        if ((st = wsl_label_model_create(&model, (int32_t)k, NULL)) ||
            (st = wsl_label_model_fit(model, L, &o)))
            goto fail;
    }
    if ((st = wsl_label_model_report(model, &rep)))
        goto fail;
    wsl_cli_progress_phase(&fp.bar, "writing %s", out);
    if ((st = wsl_label_model_save(model, out)))
        goto fail;
    if (probs_out) {
        wsl_cli_progress_phase(&fp.bar, "writing %s", probs_out);
        if ((st = wsl_probs_write(probs, wsl_label_matrix_n_points(L), (size_t)k, probs_out,
                                  WSL_FORMAT_AUTO)))
            goto fail;
    }
    if (labels_out) {
        size_t n = wsl_label_matrix_n_points(L);
        wsl_cli_progress_phase(&fp.bar, "writing %s", labels_out);
        if (!(labels = malloc((n ? n : 1) * sizeof *labels))) {
            st = WSL_ENOMEM;
            goto fail;
        }
        /* As wsl predict --labels-out: the same ties, the same seed. */
        if ((st = wsl_probs_to_labels(probs, n, (size_t)k, policy, 0, labels, n)) ||
            (st = wsl_gold_write(labels, n, labels_out)))
            goto fail;
    }
    wsl_cli_progress_end(&fp.bar);
    if (json) {
        printf("{\"model\": ");
        wsl_cli_json_string(stdout, out);
        printf(", \"probs_out\": ");
        wsl_cli_json_string(stdout, probs_out);
        printf(", \"labels_out\": ");
        wsl_cli_json_string(stdout, labels_out);
        printf(", \"n\": %zu, \"m\": %zu, \"k\": %lld, \"patterns\": %zu, "
               "\"iterations\": %d, \"converged\": %s, \"log_likelihood\": %.9g, "
               "\"fallback\": %s, \"tables\": \"%s\", \"abstain\": \"%s\"}\n",
               wsl_label_matrix_n_points(L), wsl_label_matrix_n_sources(L), k,
               rep.n_patterns, rep.iterations, rep.converged ? "true" : "false",
               rep.log_likelihood, rep.fallback ? "true" : "false",
               wsl_cli_tables_names[rep.tables], wsl_cli_abstain_names[rep.abstain]);
    } else if (!quiet)
        fprintf(stderr, "wsl fit: %zu records x %zu sources, %zu patterns, %d iterations%s, "
                        "log-likelihood %.6f per record%s -> %s\n",
                wsl_label_matrix_n_points(L), wsl_label_matrix_n_sources(L), rep.n_patterns,
                rep.iterations, rep.converged ? " (converged)" : "", rep.log_likelihood,
                rep.fallback ? " [fell back to majority vote: the votes do not identify the model]"
                : rep.abstain == WSL_ABSTAIN_VOTES_ONLY && o.abstain != WSL_ABSTAIN_VOTES_ONLY
                    ? " [single-class sources co-fire beyond the model: their votes only]"
                    : "",
                out);
    goto done;
fail:
    rc = wsl_cli_fail_fit("fit", st);
done:
    wsl_cli_progress_end(&fp.bar);
    wsl_cli_free_names(names, L ? wsl_label_matrix_n_sources(L) : 0);
    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    wsl_array_free(gold, NULL);
    free(prior_buf);
    free(probs);
    free(labels);
    wsl_cli_source_priors_free(&sp);
    free(dep_members);
    free(dep_sizes);
    return rc;
}

const wsl_cli_command wsl_cmd_fit = {
    "fit", "fit the label model to votes (no gold labels needed)",
    "usage: wsl fit VOTES -k K -o MODEL.json [options]\n"
    "\n"
    "Learn how accurate each source is, without gold labels, and save the model as JSON.\n"
    "\n"
    "options:\n"
    "  --format F          csv, triples, npy or wrench (default: by extension)\n"
    "  --tables T          default, full, class-accuracy, accuracy, polarity, one-coin\n"
    "                      (default: polarity; one-coin when full tables would be large)\n"
    "  --abstain A         default (auto), informative, random, never, by-polarity,\n"
    "                      votes-only, auto\n"
    "  --prior P           learned (default), uniform, or K comma-separated probabilities\n"
    "  --pseudo-count X    strength of the prior on the sources' tables in pseudo-votes (default 2)\n"
    "  --max-iter N        EM iterations per start (default 500)\n"
    "  --tol T             convergence tolerance (default 1e-7)\n"
    "  --gold Y.csv        gold labels for some rows (-1 = unknown), clamped during the fit\n"
    "  --source-priors F   prior tables per source, JSON: {\"3\": [[abstain, class 0, ...],\n"
    "                      ... one row per class]} (source 3, rows summing to 1)\n"
    "  --source-prior-strength X  pseudo-rows behind each row of those tables (default 100)\n"
    "  --deps D            learn: find groups of dependent sources; off (default); or a\n"
    "                      file with one group per line, sources (indices or --names)\n"
    "                      separated by commas\n"
    "  --names FILE        source names, one per line (for --deps files)\n"
    "  -j, --threads N     threads (the result does not depend on it)\n"
    "  -v, --verbose       log every EM iteration and the fit's decisions to stderr\n"
    "  --json              print a JSON summary on stdout (instead of the line on stderr)\n"
    "  -q, --quiet         no progress line and no summary on stderr\n"
    "  --probs-out PROBS   also write the probabilities of VOTES' rows, as 'wsl predict\n"
    "                      MODEL.json VOTES -o PROBS' would (.csv or .npy), in the same pass\n"
    "  --labels-out Y.csv  also write their hard labels, one per line, as 'wsl predict\n"
    "                      --labels-out' would; ties by --tie abstain|hash|random|lowest\n"
    "                      (default abstain: -1)\n"
    "\n"
    "On a terminal, a progress line on stderr counts EM iterations (start s of 3, rate,\n"
    "an estimated ETA); with stderr redirected, -q or -v there is none.\n"
    "\n"
    "example:\n"
    "  wsl fit L_train.csv -k 2 -o model.json\n"
    "  wsl fit answers.csv --format triples -k 4 -o model.json --prior uniform\n",
    run,
};
