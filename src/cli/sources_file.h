/* Files that name or group sources: names.txt (one name per line) and --deps files. */
#ifndef WSL_CLI_SOURCES_FILE_H
#define WSL_CLI_SOURCES_FILE_H

#include "cli.h"

#include <stddef.h>

/* One name per line ("\n" or "\r\n"), exactly m lines, each at most 1 MiB and without a NUL
 * byte. Returns an exit code (the message names the line); *out (NULL on failure) is freed
 * with wsl_cli_free_names(). */
int wsl_cli_read_names(const char *cmd, const char *path, size_t m, char ***out);
void wsl_cli_free_names(char **names, size_t m);

/*
 * Groups of dependent sources: one group per line, sources separated by commas, each a column
 * index (0-based) or, with names, a name (a name wins over an index); blank lines and lines
 * starting with '#' are skipped; lines are at most 1 MiB. *members (concatenated) and *sizes
 * (one per group) are malloc'ed. Returns an exit code; the message names the line and the
 * source.
 */
int wsl_cli_read_groups(const char *cmd, const char *path, size_t m, char *const *names,
                        size_t **members, size_t **sizes, size_t *n_groups);

#endif
