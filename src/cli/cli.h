/* The wsl command: shared pieces of the subcommands. Each subcommand is one file cmd_<name>.c
 * defining `const wsl_cli_command wsl_cmd_<name>`; CMake collects them into the table. */
#ifndef WSL_CLI_H
#define WSL_CLI_H

#include "wsl/wsl.h"

#include <stdio.h>

/* Exit codes, documented in `wsl --help` and wsl.1. */
enum {
    WSL_EXIT_OK = 0,
    WSL_EXIT_USAGE = 1, /* bad command line */
    WSL_EXIT_INPUT = 2, /* bad input data */
    WSL_EXIT_IO = 3     /* cannot read or write a file */
};

typedef struct wsl_cli_command {
    const char *name;
    const char *summary;                 /* one line for `wsl --help` */
    const char *usage;                   /* full help text with an example */
    int (*run)(int argc, char **argv);   /* argv[0] is the subcommand name */
} wsl_cli_command;

/* Print "wsl <cmd>: message" to stderr. */
void wsl_cli_errorf(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Report a failing libwsl call and map its status to an exit code. */
int wsl_cli_fail(const char *cmd, wsl_status st);
/* As wsl_cli_fail, for the label model's fit: the library's option fields and constants in the
 * words of the command line (opts->abstain -> --abstain, WSL_TABLES_ONE_COIN -> --tables
 * one-coin); wsl_cli_fit_words does the rewriting into out (cap bytes, NUL-terminated). */
int wsl_cli_fail_fit(const char *cmd, wsl_status st);
void wsl_cli_fit_words(const char *msg, char *out, size_t cap);

/* Map a status to an exit code: EIO -> 3, EFORMAT/ERANGE/EDIM -> 2, EINVAL -> 1, others 2. */
int wsl_cli_exit_code(wsl_status st);

/* True when argv[i] is -h or --help. */
int wsl_cli_is_help(const char *arg);

#endif
