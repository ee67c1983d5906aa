/* Files the CLI writes itself (the HTML report), atomically like libwsl's writers: a temporary
 * file in the target's directory, flushed, fsync'ed and renamed over the target, so a failed
 * command leaves any previous file as it was. A symbolic link is followed (its target is
 * replaced); an existing file that is not a regular file (/dev/stdout, a FIFO) is written in
 * place. */
#ifndef WSL_CLI_OUT_FILE_H
#define WSL_CLI_OUT_FILE_H

#include <stdio.h>

typedef struct wsl_cli_out {
    FILE *f;      /* write here */
    char *tmp;    /* the temporary file, NULL when writing in place */
    char *target; /* the file renamed over */
} wsl_cli_out;

/* Open path for writing. Returns an exit code (WSL_EXIT_IO with a message naming the path). */
int wsl_cli_out_open(wsl_cli_out *o, const char *cmd, const char *path);

/* Flush, sync and rename into place. Returns an exit code; on failure the target is untouched
 * and the temporary file removed. */
int wsl_cli_out_commit(wsl_cli_out *o, const char *cmd, const char *path);

/* Drop the output: remove the temporary file. Safe after a failed open or a commit. */
void wsl_cli_out_abort(wsl_cli_out *o);

#endif
