/* Files that name or group sources: names.txt (one name per line) and --deps files. */
#ifndef WSL_CLI_SOURCES_FILE_H
#define WSL_CLI_SOURCES_FILE_H

#include "cli.h"

#include <stddef.h>

/* One name per line, exactly m lines. Returns an exit code; *out is freed with
 * wsl_cli_free_names(). */
int wsl_cli_read_names(const char *cmd, const char *path, size_t m, char ***out);
void wsl_cli_free_names(char **names, size_t m);

/*
 * Groups of dependent sources: one group per line, sources separated by commas, each a column
 * index (0-based) or, with names, a name; blank lines and lines starting with '#' are skipped.
 * *members (concatenated) and *sizes (one per group) are malloc'ed. Returns an exit code; the
 * message names the line and the source.
 */
int wsl_cli_read_groups(const char *cmd, const char *path, size_t m, char *const *names,
                        size_t **members, size_t **sizes, size_t *n_groups);

#endif
