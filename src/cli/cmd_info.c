#include "args.h"

static int run(int argc, char **argv)
{
    const char *format = NULL, *ktext = NULL, *pos[1];
    int json = 0, rc;
    size_t n_pos;
    long long k = 0;
    wsl_label_matrix *L = NULL;
    wsl_label_matrix_stats st;
    wsl_format fmt;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},
        {"--cardinality", "-k", &ktext, NULL},
        {"--json", NULL, NULL, &json},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, 3, pos, 1, 1, &n_pos)) != WSL_EXIT_OK)
        return rc;
    if (ktext && (rc = wsl_cli_long("info", "-k", ktext, 1, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if ((rc = wsl_cli_read_votes("info", pos[0], format, (int32_t)k, &L)) != WSL_EXIT_OK)
        return rc;
    if (wsl_label_matrix_stats_get(L, &st) != WSL_OK) {
        wsl_label_matrix_free(L);
        return wsl_cli_fail("info", WSL_EINVAL);
    }
    fmt = WSL_FORMAT_AUTO;
    if (format)
        wsl_format_parse(format, &fmt);
    if (fmt == WSL_FORMAT_AUTO)
        fmt = wsl_format_from_path(pos[0]);
    if (json) {
        printf("{\"file\": ");
        wsl_cli_json_string(stdout, pos[0]);
        printf(", \"format\": \"%s\", \"n\": %zu, \"m\": %zu, \"k\": %ld, "
               "\"k_inferred\": %s, \"storage\": \"%s\", \"votes\": %zu, \"covered\": %zu, "
               "\"coverage\": %.6f, \"density\": %.6f}\n",
               wsl_format_name(fmt), st.n_points, st.n_sources, (long)st.cardinality,
               ktext ? "false" : "true",
               st.storage == WSL_STORAGE_SPARSE ? "sparse" : "dense", st.n_votes, st.n_covered,
               st.coverage, st.density);
    } else {
        printf("file      %s\n", pos[0]);
        printf("format    %s\n", wsl_format_name(fmt));
        printf("records   %zu (n)\n", st.n_points);
        printf("sources   %zu (m)\n", st.n_sources);
        printf("classes   %ld (k%s)\n", (long)st.cardinality,
               ktext ? "" : ", inferred: 1 + the largest vote; give -k to set it");
        printf("storage   %s, %zu bytes\n", st.storage == WSL_STORAGE_SPARSE ? "sparse" : "dense",
               st.bytes);
        printf("votes     %zu (density %.4f)\n", st.n_votes, st.density);
        printf("coverage  %.4f (%zu of %zu records have a vote)\n", st.coverage, st.n_covered,
               st.n_points);
    }
    wsl_label_matrix_free(L);
    return WSL_EXIT_OK;
}

const wsl_cli_command wsl_cmd_info = {
    "info", "shape, classes, coverage and density of a vote file",
    "usage: wsl info VOTES [--format csv|triples|npy|wrench] [-k K] [--json]\n"
    "\n"
    "Print the number of records (n), sources (m), classes (k), votes, coverage and density.\n"
    "The format comes from the extension (.csv, .npy, .json = WRENCH) unless --format is given;\n"
    "triples (item,source,label per line) always need --format triples. Without -k, k is one\n"
    "more than the largest vote.\n"
    "\n"
    "example:\n"
    "  wsl info L_train.csv\n"
    "  wsl info answers.csv --format triples -k 4 --json\n",
    run,
};
