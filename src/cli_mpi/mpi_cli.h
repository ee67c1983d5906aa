/* The wsl-mpi command: wsl's fit and predict over MPI ranks. Shares src/cli/args.c with wsl;
 * each subcommand is one file cmd_<name>.c defining `const wsl_cli_command wsl_cmd_<name>`. */
#ifndef WSL_MPI_CLI_H
#define WSL_MPI_CLI_H

#include "args.h"
#include "wsl/dist.h"

/* This process's rank and the number of ranks in MPI_COMM_WORLD. Only rank 0 prints. */
extern int wsl_mpi_rank, wsl_mpi_size;

/*
 * Read this rank's votes: its shard of `path`, or with `shards` (a pattern with one %d) the
 * file of its own. k from the caller. Agreed over the ranks: returns an exit code, the same on
 * every rank, after rank 0 printed the first failing rank's message.
 */
int wsl_mpi_read_votes(const char *cmd, const char *path, const char *shards, const char *format,
                       int32_t k, wsl_label_matrix **out);

/* Make a local status collective (wsl_dist_agree) and map it to an exit code, printing the
 * message on rank 0 when it is an error. */
int wsl_mpi_agree(const char *cmd, wsl_status st);

/* Check a --shards pattern: exactly one %d, other '%' only as %%. Exit code. */
int wsl_mpi_check_pattern(const char *cmd, const char *pattern);

#endif
