#include "args.h"

static int run(int argc, char **argv)
{
    const char *format = NULL, *to = NULL, *ktext = NULL, *gold_out = NULL, *pos[2];
    int rc;
    size_t n_pos;
    long long k = 0;
    wsl_label_matrix *L = NULL;
    int32_t *gold = NULL;
    wsl_format in_fmt = WSL_FORMAT_AUTO, out_fmt = WSL_FORMAT_AUTO;
    wsl_status st;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},
        {"--to", NULL, &to, NULL},
        {"--cardinality", "-k", &ktext, NULL},
        {"--gold-out", NULL, &gold_out, NULL},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, 4, pos, 2, 2, &n_pos)) != WSL_EXIT_OK)
        return rc;
    if (ktext && (rc = wsl_cli_long("convert", "-k", ktext, 1, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if (format && wsl_format_parse(format, &in_fmt) != WSL_OK) {
        wsl_cli_errorf("convert", "--format must be csv, triples, npy or wrench (got '%s')",
                       format);
        return WSL_EXIT_USAGE;
    }
    if (to && wsl_format_parse(to, &out_fmt) != WSL_OK) {
        wsl_cli_errorf("convert", "--to must be csv, triples, npy or wrench (got '%s')", to);
        return WSL_EXIT_USAGE;
    }
    if (wsl_cli_same_file(pos[0], pos[1]) || (gold_out && wsl_cli_same_file(pos[0], gold_out))) {
        wsl_cli_errorf("convert", "refusing to overwrite the input %s", pos[0]);
        return WSL_EXIT_USAGE;
    }
    if (in_fmt == WSL_FORMAT_AUTO)
        in_fmt = wsl_format_from_path(pos[0]);
    if (in_fmt == WSL_FORMAT_WRENCH) {
        wsl_read_options ro = WSL_READ_OPTIONS_INIT;
        ro.cardinality = (int32_t)k;
        st = wsl_wrench_read(&L, gold_out ? &gold : NULL, pos[0], &ro);
        if (st != WSL_OK)
            return wsl_cli_fail("convert", st);
    } else if (gold_out) {
        wsl_cli_errorf("convert", "--gold-out needs a WRENCH input (gold labels come from it)");
        return WSL_EXIT_USAGE;
    } else if ((rc = wsl_cli_read_votes("convert", pos[0], format, (int32_t)k, &L)) != WSL_EXIT_OK) {
        return rc;
    }
    st = wsl_votes_write(L, pos[1], out_fmt);
    if (st == WSL_OK && gold_out)
        st = wsl_gold_write(gold, wsl_label_matrix_n_points(L), gold_out);
    rc = st == WSL_OK ? WSL_EXIT_OK : wsl_cli_fail("convert", st);
    if (rc == WSL_EXIT_OK)
        fprintf(stderr, "wsl convert: %zu x %zu votes, k = %ld: %s -> %s\n",
                wsl_label_matrix_n_points(L), wsl_label_matrix_n_sources(L),
                (long)wsl_label_matrix_cardinality(L), pos[0], pos[1]);
    wsl_array_free(gold, NULL);
    wsl_label_matrix_free(L);
    return rc;
}

const wsl_cli_command wsl_cmd_convert = {
    "convert", "convert votes between CSV, triples, NPY and WRENCH JSON",
    "usage: wsl convert IN OUT [--format F] [--to F] [-k K] [--gold-out GOLD.csv]\n"
    "\n"
    "Formats come from the extensions (.csv, .npy, .json = WRENCH) unless --format (input) or\n"
    "--to (output) name one of csv, triples, npy, wrench. From a WRENCH file, --gold-out also\n"
    "writes its labels, one per line. The output is written atomically; IN is never overwritten.\n"
    "\n"
    "example:\n"
    "  wsl convert train.json L_train.npy --gold-out y_train.csv\n"
    "  wsl convert answers.csv L.csv --format triples\n",
    run,
};
