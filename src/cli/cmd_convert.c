#include "args.h"

/* The format a path is read or written in: the option if given, else the extension. */
static int resolve_format(const char *opt, const char *name, const char *path, wsl_format *out)
{
    *out = WSL_FORMAT_AUTO;
    if (name && wsl_format_parse(name, out) != WSL_OK) {
        wsl_cli_errorf("convert", "%s must be csv, triples, npy or wrench (got '%s')", opt, name);
        return WSL_EXIT_USAGE;
    }
    if (*out == WSL_FORMAT_AUTO)
        *out = wsl_format_from_path(path);
    if (*out == WSL_FORMAT_AUTO) {
        wsl_cli_errorf("convert", "cannot tell the format of %s from its extension (.csv, .npy, "
                                  ".json): give %s", path, opt);
        return WSL_EXIT_USAGE;
    }
    return WSL_EXIT_OK;
}

static int run(int argc, char **argv)
{
    const char *format = NULL, *to = NULL, *ktext = NULL, *gold_in = NULL, *gold_out = NULL;
    const char *pos[2];
    int rc, json = 0, quiet = 0;
    size_t n_pos, n_gold = 0;
    long long k = 0;
    wsl_label_matrix *L = NULL;
    int32_t *gold = NULL;
    wsl_format in_fmt, out_fmt;
    wsl_status st;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},
        {"--to", NULL, &to, NULL},
        {"--cardinality", "-k", &ktext, NULL},
        {"--gold", NULL, &gold_in, NULL},
        {"--gold-out", NULL, &gold_out, NULL},
        {"--json", NULL, NULL, &json},
        {"--quiet", "-q", NULL, &quiet},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 2, 2, &n_pos)) !=
        WSL_EXIT_OK)
        return rc;
    if (ktext && (rc = wsl_cli_long("convert", "-k", ktext, 1, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if ((rc = resolve_format("--format", format, pos[0], &in_fmt)) != WSL_EXIT_OK ||
        (rc = resolve_format("--to", to, pos[1], &out_fmt)) != WSL_EXIT_OK)
        return rc;
    if (gold_out && in_fmt != WSL_FORMAT_WRENCH) {
        wsl_cli_errorf("convert", "--gold-out needs a WRENCH input (gold labels come from it)");
        return WSL_EXIT_USAGE;
    }
    if (gold_in && out_fmt != WSL_FORMAT_WRENCH) {
        wsl_cli_errorf("convert", "--gold needs a WRENCH output (only WRENCH stores labels)");
        return WSL_EXIT_USAGE;
    }
    /* Never write over a file this command reads, nor write one file twice. */
    if (wsl_cli_same_file(pos[0], pos[1]) || (gold_out && wsl_cli_same_file(pos[0], gold_out)) ||
        (gold_in && wsl_cli_same_file(gold_in, pos[1]))) {
        wsl_cli_errorf("convert", "refusing to overwrite the input %s",
                       gold_in && wsl_cli_same_file(gold_in, pos[1]) ? gold_in : pos[0]);
        return WSL_EXIT_USAGE;
    }
    if (gold_out && wsl_cli_same_file(pos[1], gold_out)) {
        wsl_cli_errorf("convert", "OUT and --gold-out are the same file %s", gold_out);
        return WSL_EXIT_USAGE;
    }

    if (in_fmt == WSL_FORMAT_WRENCH) {
        wsl_read_options ro = WSL_READ_OPTIONS_INIT;
        ro.cardinality = (int32_t)k;
        if ((st = wsl_wrench_read(&L, gold_out ? &gold : NULL, pos[0], &ro)) != WSL_OK)
            return wsl_cli_fail("convert", st);
        n_gold = gold ? wsl_label_matrix_n_points(L) : 0;
    } else if ((rc = wsl_cli_read_votes("convert", pos[0], wsl_format_name(in_fmt), (int32_t)k,
                                        &L)) != WSL_EXIT_OK) {
        return rc;
    }
    if (gold_in) {
        if ((st = wsl_gold_read(&gold, &n_gold, gold_in, wsl_label_matrix_cardinality(L),
                                NULL)) != WSL_OK) {
            rc = wsl_cli_fail("convert", st);
            goto done;
        }
        if (n_gold != wsl_label_matrix_n_points(L)) {
            wsl_cli_errorf("convert", "%s has %zu labels, %s has %zu records", gold_in, n_gold,
                           pos[0], wsl_label_matrix_n_points(L));
            rc = WSL_EXIT_INPUT;
            goto done;
        }
    }
    if (out_fmt == WSL_FORMAT_WRENCH)
        st = wsl_wrench_write(L, gold_in ? gold : NULL, pos[1]);
    else
        st = wsl_votes_write(L, pos[1], out_fmt);
    if (st == WSL_OK && gold_out)
        st = wsl_gold_write(gold, n_gold, gold_out);
    rc = st == WSL_OK ? WSL_EXIT_OK : wsl_cli_fail("convert", st);
    if (rc == WSL_EXIT_OK && json) {
        printf("{\"input\": ");
        wsl_cli_json_string(stdout, pos[0]);
        printf(", \"input_format\": \"%s\", \"output\": ", wsl_format_name(in_fmt));
        wsl_cli_json_string(stdout, pos[1]);
        printf(", \"output_format\": \"%s\", \"n\": %zu, \"m\": %zu, \"k\": %ld, "
               "\"gold\": ",
               wsl_format_name(out_fmt), wsl_label_matrix_n_points(L),
               wsl_label_matrix_n_sources(L), (long)wsl_label_matrix_cardinality(L));
        wsl_cli_json_string(stdout, gold_in);
        printf(", \"gold_out\": ");
        wsl_cli_json_string(stdout, gold_out);
        printf("}\n");
    } else if (rc == WSL_EXIT_OK && !quiet)
        fprintf(stderr, "wsl convert: %zu x %zu votes, k = %ld: %s (%s) -> %s (%s)\n",
                wsl_label_matrix_n_points(L), wsl_label_matrix_n_sources(L),
                (long)wsl_label_matrix_cardinality(L), pos[0], wsl_format_name(in_fmt), pos[1],
                wsl_format_name(out_fmt));
done:
    wsl_array_free(gold, NULL);
    wsl_label_matrix_free(L);
    return rc;
}

const wsl_cli_command wsl_cmd_convert = {
    "convert", "convert votes between CSV, triples, NPY and WRENCH JSON",
    "usage: wsl convert IN OUT [--format F] [--to F] [-k K] [--gold GOLD] [--gold-out GOLD]\n"
    "                   [--json] [-q]\n"
    "\n"
    "Formats come from the extensions (.csv, .npy, .json = WRENCH) unless --format (input) or\n"
    "--to (output) name one of csv, triples, npy, wrench; triples always need the option.\n"
    "  --gold GOLD       labels (one per line, -1 = unknown) to store in a WRENCH output\n"
    "  --gold-out GOLD   from a WRENCH input, also write its labels, one per line\n"
    "  -k K              classes (default: 1 + the largest vote)\n"
    "  --json            print a JSON summary on stdout (instead of the line on stderr)\n"
    "  -q, --quiet       print no summary\n"
    "The output is written atomically; IN (or GOLD) is never overwritten (exit 1).\n"
    "\n"
    "example:\n"
    "  wsl convert train.json L_train.npy --gold-out y_train.csv\n"
    "  wsl convert answers.csv L.csv --format triples\n"
    "  wsl convert L_train.csv train.json --gold y_train.csv\n",
    run,
};
