/* `wsl fit --source-priors FILE`: per-source prior tables from a JSON document. */
#ifndef WSL_CLI_SOURCE_PRIORS_H
#define WSL_CLI_SOURCE_PRIORS_H

#include "cli.h"

/* Per-source prior tables for m sources and k classes, owned by the reader. */
typedef struct wsl_cli_source_priors {
    double *values;       /* m * k * (k + 1) */
    const double **rows;  /* m pointers into values, NULL where the file gives none */
} wsl_cli_source_priors;

/*
 * Read {"SOURCE": [[row of class 0], ..., [row of class k-1]], ...}: SOURCE is a column index
 * (0-based) and each row holds k + 1 probabilities, abstain first, summing to 1. Returns an
 * exit code (WSL_EXIT_INPUT with the key and the problem, WSL_EXIT_IO).
 */
int wsl_cli_source_priors_read(const char *path, size_t m, int32_t k, wsl_cli_source_priors *out);

void wsl_cli_source_priors_free(wsl_cli_source_priors *sp);

#endif
