/*
 * Write synthetic votes to a file (for benchmarks of the command line tools, e.g. bench/dist.sh):
 * wsl_synth_generate() with the given shape and coverage, half the sources one-polarity, then
 * wsl_votes_write() (format by extension). Prints one table row: what was written.
 * usage: synth_votes N M K COVERAGE_MIN COVERAGE_MAX SEED OUT.{csv,npy}
 */
#include "wsl/wsl.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    wsl_synth_options o = WSL_SYNTH_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    wsl_pattern_table *T = NULL;
    wsl_status st;
    if (argc != 8) {
        fprintf(stderr, "usage: synth_votes N M K COVERAGE_MIN COVERAGE_MAX SEED OUT\n");
        return 1;
    }
    o.n_points = strtoull(argv[1], NULL, 10);
    o.n_sources = strtoull(argv[2], NULL, 10);
    o.cardinality = (int32_t)strtol(argv[3], NULL, 10);
    o.coverage_min = strtod(argv[4], NULL);
    o.coverage_max = strtod(argv[5], NULL);
    o.seed = strtoull(argv[6], NULL, 10);
    o.one_polarity = 0.5;
    if ((st = wsl_synth_generate(&L, &o, NULL, 0, NULL, 0, NULL, 0)) != WSL_OK ||
        (st = wsl_pattern_table_create(&T, o.n_sources, o.cardinality, NULL)) != WSL_OK ||
        (st = wsl_pattern_table_add(T, L, NULL, 0)) != WSL_OK ||
        (st = wsl_votes_write(L, argv[7], WSL_FORMAT_AUTO)) != WSL_OK) {
        fprintf(stderr, "synth_votes: %s\n", wsl_last_error());
        return 2;
    }
    printf("| n x m | k | coverage | seed | patterns | file |\n|---|---:|---|---:|---:|---|\n");
    printf("| %zu x %zu | %d | %s-%s | %s | %zu | %s |\n", o.n_points, o.n_sources,
           (int)o.cardinality, argv[4], argv[5], argv[6], wsl_pattern_table_n_patterns(T),
           argv[7]);
    wsl_pattern_table_free(T);
    wsl_label_matrix_free(L);
    return 0;
}
