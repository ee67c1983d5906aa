#include "args.h"
#include "out_file.h"
#include "progress.h"

#include <stdlib.h>
#include <string.h>

/* Skipped records named one by one on stderr; past that, only counted. */
#define SHOWN_BAD 10

typedef struct apply_ctx {
    wsl_record_stream *stream;
    wsl_cli_progress *bar;
    int quiet, json;
} apply_ctx;

static int on_progress(uint64_t done, uint64_t total, void *payload)
{
    apply_ctx *c = payload;
    uint64_t bytes, size;
    (void)total;
    wsl_record_stream_progress(c->stream, &bytes, &size);
    wsl_cli_progress_update(c->bar, size ? (double)bytes / (double)size : -1.0, (double)done,
                            "records", NULL);
    return 0;
}

static void on_bad(size_t line, const char *message, void *payload)
{
    apply_ctx *c = payload;
    (void)line;
    if (c->quiet || c->json || wsl_record_stream_skipped(c->stream) > SHOWN_BAD)
        return;
    wsl_cli_errorf("apply", "skipped: %s%s", message,
                   wsl_record_stream_skipped(c->stream) == SHOWN_BAD
                       ? " (further skipped records are only counted)"
                       : "");
}

/* The LF names, one per line, into a temporary file committed after the votes. */
static int write_names(const wsl_plugin *t, wsl_cli_out *o, const char *path)
{
    int rc;
    if ((rc = wsl_cli_out_open(o, "apply", path)))
        return rc;
    for (size_t j = 0; j < t->n_lfs; j++)
        fprintf(o->f, "%s\n", t->lfs[j].name);
    return WSL_EXIT_OK;
}

static void print_json(const wsl_plugin *t, const char *const *pos, const char *out,
                       const wsl_label_matrix *L, const wsl_lf_summary *sum,
                       const wsl_apply_report *rep, const apply_ctx *c, long long jobs)
{
    wsl_lf_totals tot;
    wsl_lf_summary_totals(sum, &tot);
    printf("{\"lfs\": ");
    wsl_cli_json_string(stdout, pos[0]);
    printf(", \"plugin_name\": ");
    wsl_cli_json_string(stdout, t->name);
    printf(", \"records\": ");
    wsl_cli_json_string(stdout, pos[1]);
    printf(", \"format\": \"%s\", \"output\": ",
           wsl_record_stream_format(c->stream) == WSL_RECORDS_CSV ? "csv" : "jsonl");
    wsl_cli_json_string(stdout, out);
    printf(", \"n\": %zu, \"m\": %zu, \"k\": %ld, \"threads\": %lld, \"skipped\": %zu, "
           "\"faults\": %zu, \"coverage\": ",
           wsl_label_matrix_n_points(L), t->n_lfs, (long)t->k, jobs,
           wsl_record_stream_skipped(c->stream), rep->n_faults);
    wsl_cli_json_number(stdout, tot.coverage);
    printf(", \"class_names\": ");
    if (t->class_names) {
        printf("[");
        for (int32_t y = 0; y < t->k; y++) {
            printf(y ? ", " : "");
            wsl_cli_json_string(stdout, t->class_names[y]);
        }
        printf("]");
    } else {
        printf("null");
    }
    printf(", \"lf_list\": [");
    for (size_t j = 0; j < t->n_lfs; j++) {
        wsl_lf_stats s;
        wsl_lf_summary_stats(sum, j, &s);
        printf("%s{\"name\": ", j ? ", " : "");
        wsl_cli_json_string(stdout, t->lfs[j].name);
        printf(", \"coverage\": ");
        wsl_cli_json_number(stdout, s.coverage);
        printf(", \"faults\": %zu}", rep->lf_faults[j]);
    }
    printf("]}\n");
}

static int run(int argc, char **argv)
{
    const char *plugin = NULL, *out = NULL, *format = NULL, *jobs_text = NULL,
               *names_out = NULL, *pos[2];
    int rc, json = 0, quiet = 0, skip_bad = 0, tolerant = 0;
    long long jobs = 1;
    size_t n_pos;
    wsl_plugin_lib *lib = NULL;
    const wsl_plugin *t;
    wsl_lf_set *set = NULL;
    wsl_label_matrix *L = NULL;
    wsl_lf_summary *sum = NULL;
    size_t *lf_faults = NULL;
    wsl_status st;
    wsl_format vf;
    wsl_cli_out names = {NULL, NULL, NULL};
    wsl_cli_progress bar;
    apply_ctx c;
    wsl_record_stream_options so = WSL_RECORD_STREAM_OPTIONS_INIT;
    wsl_apply_options ao = WSL_APPLY_OPTIONS_INIT;
    wsl_apply_report rep = {0, 0, SIZE_MAX, NULL, 0};
    const wsl_cli_opt opts[] = {
        {"--lfs", NULL, &plugin, NULL},         {"--output", "-o", &out, NULL},
        {"--format", NULL, &format, NULL},
        {"--jobs", "-j", &jobs_text, NULL},     {"--skip-bad", NULL, NULL, &skip_bad},
        {"--fault-tolerant", NULL, NULL, &tolerant}, {"--names-out", NULL, &names_out, NULL},
        {"--json", NULL, NULL, &json},          {"--quiet", "-q", NULL, &quiet},
    };
    memset(&c, 0, sizeof c);
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos + 1, 1, 1,
                            &n_pos)))
        return rc;
    if (!plugin || !*plugin) {
        wsl_cli_errorf("apply", "--lfs PLUGIN.so is required (see 'wsl apply --help')");
        return WSL_EXIT_USAGE;
    }
    pos[0] = plugin;
    if (!out) {
        wsl_cli_errorf("apply", "-o VOTES is required (see 'wsl apply --help')");
        return WSL_EXIT_USAGE;
    }
    if (jobs_text && (rc = wsl_cli_long("apply", "-j", jobs_text, 1, 256, &jobs)))
        return rc;
    if (format) {
        if (strcmp(format, "jsonl") == 0)
            so.format = WSL_RECORDS_JSONL;
        else if (strcmp(format, "csv") == 0)
            so.format = WSL_RECORDS_CSV;
        else {
            wsl_cli_errorf("apply", "--format must be jsonl or csv (got '%s')", format);
            return WSL_EXIT_USAGE;
        }
    }
    for (int i = 0; i < 2; i++)
        if (wsl_cli_same_file(pos[i], out) || (names_out && wsl_cli_same_file(pos[i], names_out))) {
            wsl_cli_errorf("apply", "refusing to overwrite the input %s", pos[i]);
            return WSL_EXIT_USAGE;
        }
    if (names_out && wsl_cli_same_file(names_out, out)) {
        wsl_cli_errorf("apply", "-o and --names-out name the same file %s", out);
        return WSL_EXIT_USAGE;
    }
    wsl_cli_progress_start(&bar, "apply", quiet || json);
    c.bar = &bar;
    c.quiet = quiet;
    c.json = json;
    if ((st = wsl_plugin_open(&lib, plugin)) != WSL_OK)
        goto fail;
    t = wsl_plugin_lib_table(lib);
    if ((st = wsl_plugin_lf_set(t, &set, NULL)) != WSL_OK)
        goto fail;
    so.skip_bad = skip_bad;
    so.required = t->fields;
    so.n_required = t->n_fields;
    so.on_bad = on_bad;
    so.on_bad_payload = &c;
    if ((st = wsl_record_stream_open(&c.stream, pos[1], &so, NULL)) != WSL_OK)
        goto fail;
    if (!(lf_faults = calloc(t->n_lfs, sizeof *lf_faults))) {
        st = WSL_ENOMEM;
        goto fail;
    }
    rep.lf_faults = lf_faults;
    rep.lf_faults_len = t->n_lfs;
    ao.n_threads = (int)jobs;
    ao.fault_tolerant = tolerant;
    ao.progress = on_progress;
    ao.progress_payload = &c;
    wsl_cli_progress_phase(&bar, "applying %zu LFs", t->n_lfs);
    if ((st = wsl_lf_apply_records(&L, set, c.stream, &ao, &rep)) != WSL_OK) {
        if (st == WSL_ECALLBACK && !tolerant) {
            wsl_cli_errorf("apply", "%s in %s (--fault-tolerant counts such failures as "
                                    "abstains)", wsl_last_error(), pos[1]);
            rc = WSL_EXIT_INPUT;
            goto done;
        }
        goto fail;
    }
    wsl_cli_progress_phase(&bar, "writing %s", out);
    /* Both outputs or neither: the names wait in a temporary file until the votes are in. */
    if (names_out && (rc = write_names(t, &names, names_out)))
        goto done;
    /* Votes go out as CSV unless the name says .npy or .json (also to /dev/stdout). */
    vf = wsl_format_from_path(out);
    if ((st = wsl_votes_write(L, out, vf == WSL_FORMAT_AUTO ? WSL_FORMAT_CSV : vf)) != WSL_OK)
        goto fail;
    if (names_out && (rc = wsl_cli_out_commit(&names, "apply", names_out)))
        goto done;
    if ((st = wsl_lf_summary_compute(&sum, L, NULL, 0, NULL)) != WSL_OK)
        goto fail;
    wsl_cli_progress_end(&bar);
    if (json) {
        print_json(t, pos, out, L, sum, &rep, &c, jobs);
    } else if (!quiet) {
        wsl_lf_totals tot;
        wsl_lf_summary_totals(sum, &tot);
        fprintf(stderr, "wsl apply: %zu records x %zu LFs (k = %ld), %.1f%% with a vote, %zu "
                        "skipped, %zu LF faults -> %s\n",
                wsl_label_matrix_n_points(L), t->n_lfs, (long)t->k, 100.0 * tot.coverage,
                wsl_record_stream_skipped(c.stream), rep.n_faults, out);
    }
    rc = WSL_EXIT_OK;
    goto done;
fail:
    rc = wsl_cli_fail("apply", st);
done:
    wsl_cli_out_abort(&names); /* after a commit: nothing left to remove */
    wsl_cli_progress_end(&bar);
    wsl_lf_summary_free(sum);
    wsl_label_matrix_free(L);
    wsl_record_stream_close(c.stream);
    free(lf_faults);
    wsl_lf_set_free(set);
    wsl_plugin_close(lib);
    return rc;
}

const wsl_cli_command wsl_cmd_apply = {
    "apply", "run the LFs of a plugin over JSON Lines or CSV records",
    "usage: wsl apply --lfs PLUGIN.so RECORDS -o VOTES [--format jsonl|csv] [--skip-bad]\n"
    "                 [-j N] [--fault-tolerant] [--names-out NAMES.txt] [--json] [-q]\n"
    "\n"
    "Loads the LFs a shared object exports (wsl_plugin_table, see <wsl/plugin.h>) and applies\n"
    "them to every record: one row of VOTES per record, in input order, one column per LF\n"
    "(-1 = abstain). VOTES: .npy, .json (WRENCH), anything else CSV. RECORDS: JSON Lines (one\n"
    "object per line) or, for a .csv name or --format csv, CSV with a header naming the\n"
    "columns. A malformed record stops the command with its line number (exit 2); --skip-bad\n"
    "counts and skips it instead (the first ten are named on stderr). -j N runs the LFs on N\n"
    "threads (the votes are the same). --fault-tolerant turns an LF's error into an abstain\n"
    "and counts it. --names-out writes the LF names, one per line (for --names of fit, analyze\n"
    "and report). A progress line shows on a terminal; --json prints a summary with each LF's\n"
    "coverage on stdout; -q prints nothing.\n"
    "\n"
    "example:\n"
    "  wsl apply --lfs build/examples/plugin/spam_lfs.so texts_train.jsonl -o L_train.csv \\\n"
    "            --names-out lfs.txt -j 2\n",
    run,
};
