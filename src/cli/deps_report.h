/* The dependency section of `wsl analyze --model`: cliques and pairs co-voting beyond the model. */
#ifndef WSL_CLI_DEPS_REPORT_H
#define WSL_CLI_DEPS_REPORT_H

#include "cli.h"

/*
 * Print the model's cliques and its pairwise co-voting statistics on L: as text, the pairs
 * ranked by standardized excess; as JSON (json != 0), the members `"dependencies": {...}` of
 * an object being printed (no braces around). names may be NULL. Returns a wsl_status.
 */
wsl_status wsl_cli_print_dependencies(const wsl_label_model *model, const wsl_label_matrix *L,
                                      char *const *names, int json);

#endif
