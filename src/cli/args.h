/* Command-line parsing shared by the wsl subcommands. */
#ifndef WSL_CLI_ARGS_H
#define WSL_CLI_ARGS_H

#include "cli.h"

#include <stddef.h>

/* One option: "--name" (and an optional short alias "-x"); with a value or a flag. */
typedef struct wsl_cli_opt {
    const char *name;     /* "--format" */
    const char *alias;    /* "-k", or NULL */
    const char **value;   /* receives the value (options with a value), else NULL */
    int *flag;            /* set to 1 when given (flags), else NULL */
} wsl_cli_opt;

/*
 * Parse argv[1..argc) (argv[0] is the subcommand). Options may come anywhere, as "--name value"
 * or "--name=value"; "--" ends options. Positional arguments go to pos[0..max_pos).
 * Returns WSL_EXIT_OK, or WSL_EXIT_USAGE after printing what is wrong.
 */
int wsl_cli_parse(int argc, char **argv, const wsl_cli_opt *opts, size_t n_opts, const char **pos,
                  size_t min_pos, size_t max_pos, size_t *n_pos);

/* Integer / real option values in [min, max]; WSL_EXIT_USAGE with a message otherwise. */
int wsl_cli_long(const char *cmd, const char *opt, const char *text, long long min, long long max,
                 long long *out);
int wsl_cli_double(const char *cmd, const char *opt, const char *text, double min, double max,
                   double *out);

/* Read votes: format name (NULL = by extension), k (0 = infer). Returns an exit code. */
int wsl_cli_read_votes(const char *cmd, const char *path, const char *format, int32_t k,
                       wsl_label_matrix **out);

/* 1 when a and b name the same file: the same path, the same existing file (device and inode),
 * or, when not both exist, the same name in the same (resolved) directory. */
int wsl_cli_same_file(const char *a, const char *b);

/* Print s to f as a JSON string, quotes included, escaping what JSON requires; NULL prints
 * null (an output not asked for). */
void wsl_cli_json_string(FILE *f, const char *s);

/* Print v to f with "%.6f", or null when it is not finite (JSON has no NaN). */
void wsl_cli_json_number(FILE *f, double v);

/* The names of --abstain (and of report.abstain in --json), by wsl_lm_abstain value. */
extern const char *const wsl_cli_tables_names[6];
extern const char *const wsl_cli_abstain_names[7];

/*
 * The model options of wsl fit and wsl-mpi fit: --tables, --abstain, --prior (NULL: leave the
 * default). A fixed prior's k probabilities go into prior_buf, which o->class_prior then points
 * to. Returns WSL_EXIT_OK, or WSL_EXIT_USAGE after printing what is wrong.
 */
int wsl_cli_fit_model_options(const char *tables, const char *abstain, const char *prior,
                              int32_t k, wsl_fit_options *o, double *prior_buf);

/*
 * The EM numbers of wsl fit and wsl-mpi fit: --pseudo-count, --max-iter, --tol, --threads
 * (NULL: leave the default). Returns WSL_EXIT_OK, or WSL_EXIT_USAGE after printing what is
 * wrong.
 */
int wsl_cli_fit_numbers(const char *pseudo_count, const char *max_iter, const char *tol,
                        const char *threads, wsl_fit_options *o);

/* --tie abstain|hash|random|lowest of command cmd into *policy; WSL_EXIT_USAGE if unknown. */
int wsl_cli_tie_policy(const char *cmd, const char *tie, wsl_tie_policy *policy);

#endif
