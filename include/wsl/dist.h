/*
 * libwsl — beyond one machine: the label model over MPI.
 *
 * The votes are spread over the ranks of a communicator (each rank reads its shard: a block of
 * rows of one file with wsl_dist_read_shard(), or a file of its own). Each rank counts its
 * rows into a pattern table; the tables are merged up a binary tree to the root, which fits;
 * the model is broadcast, so every rank holds it. The counts are integers and the fit visits
 * the patterns in a canonical order, so the model is bit for bit the one a single process fits
 * on all the rows (wsl_label_model_fit()), whatever the number of ranks and the cut. Each rank
 * predicts its own rows; wsl_dist_probs_write() puts them, in rank order, into one file.
 *
 * This header and libwsl_dist (CMake target wsl::dist) exist when libwsl was built with MPI
 * (Open MPI's libopenmpi-dev; -DWSL_WITH_MPI=OFF builds without). libwsl itself never depends
 * on MPI, and <wsl/wsl.h> does not include this header.
 *
 * Every function here is collective: all ranks of comm call it, with the same root, k and
 * format. Each works on a duplicate of comm (MPI_Comm_dup), so its messages never match a
 * receive of the calling program. They fail together: when one rank fails, every rank returns the same status, and
 * wsl_last_error() on every rank gives the message of the lowest failing rank, prefixed
 * "rank R: " when comm has more than one rank. No rank is left waiting on a failed one.
 * MPI must be initialized (MPI_Init) by the caller; libwsl_dist never initializes, finalizes
 * or aborts it. Errors raised by MPI itself follow the communicator's error handler (by
 * default MPI aborts the job).
 */
#ifndef WSL_DIST_H
#define WSL_DIST_H

#include <mpi.h>

#include "wsl/io.h"
#include "wsl/label_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Make a local outcome collective: every rank returns the status of the lowest rank whose
 * status is not WSL_OK, and wsl_last_error() on every rank becomes that rank's message
 * ("rank R: ..." when comm has several ranks); WSL_OK when every rank passed WSL_OK. For a
 * program's own steps between the calls below (a file read on some ranks), so that all ranks
 * go on or stop together.
 * @return the agreed status.
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_agree(wsl_status status, MPI_Comm comm);

/**
 * Read this rank's shard of a label matrix file: shard `rank` of `size` of comm, as
 * wsl_votes_read_shard() cuts it (CSV by bytes at line starts; other formats read whole, the
 * rank's rows kept). The shards in rank order are the file's rows. Set opts->cardinality.
 * @return as wsl_votes_read_shard(), agreed over comm: *out is NULL on every rank on failure.
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_read_shard(wsl_label_matrix **out, const char *path,
                                       const wsl_read_options *opts, MPI_Comm comm);

/**
 * Merge the pattern tables of all ranks into one at root (a binary tree of merges: log2(P)
 * rounds, each message a table in the wsl_pattern_table_save() layout). On root *out is the
 * merged table (free it with wsl_pattern_table_free()), on the other ranks NULL. local is not
 * changed; every rank's table must have the same m and k.
 * @return WSL_OK, WSL_EINVAL (NULL arguments, root out of range), WSL_EDIM (the ranks' tables
 *         differ in m or k; the message gives both), WSL_ENOMEM, WSL_EFORMAT (a damaged
 *         message: a bug).
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_patterns_reduce(wsl_pattern_table **out,
                                            const wsl_pattern_table *local, int root,
                                            MPI_Comm comm);

/**
 * Fit a label model for k classes on the pattern tables of all ranks: merged at root, fitted
 * there with wsl_label_model_fit_patterns(), sent to every rank as its JSON. *out on every rank
 * is the model (free with wsl_label_model_free()): on root the fitted object, elsewhere its
 * loaded copy (wsl_label_model_save() of either gives the same bytes, predictions are the same
 * bits). opts is read on root only; its callbacks (progress, log) run on root.
 * @return as wsl_label_model_fit_patterns() and wsl_dist_patterns_reduce(); *out is NULL on
 *         every rank on failure.
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_fit_patterns(wsl_label_model **out, int32_t k,
                                         const wsl_pattern_table *local,
                                         const wsl_fit_options *opts, int root, MPI_Comm comm);

/**
 * As wsl_dist_fit_patterns() from each rank's label matrix (its shard of the rows; a rank may
 * have 0 rows). The model is bit for bit wsl_label_model_fit() on all the rows in one process.
 * opts->gold is not supported (WSL_EINVAL).
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_fit(wsl_label_model **out, int32_t k, const wsl_label_matrix *local,
                                const wsl_fit_options *opts, int root, MPI_Comm comm);

/**
 * Gather every rank's rows of probabilities (n_local x k, row-major) at root, in rank order.
 * On root *out is the (sum of n_local) x k array and *n_out its rows (release with
 * wsl_array_free(*out, NULL)); on the other ranks *out is NULL and *n_out 0.
 * @return WSL_OK, WSL_EINVAL (NULL arguments, k < 1, root out of range, ranks disagreeing on
 *         k), WSL_ENOMEM.
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_probs_gather(double **out, size_t *n_out, const double *probs,
                                         size_t n_local, size_t k, int root, MPI_Comm comm);

/**
 * Write every rank's rows of probabilities (n_local x k) to one file, in rank order, the bytes
 * wsl_probs_write() writes for all rows (format WSL_FORMAT_AUTO by extension, CSV or NPY). CSV:
 * each rank prints its rows (wsl_probs_write_buf()), root puts the texts end to end and writes
 * them (wsl_bytes_write()); NPY: the rows are gathered at root and written there. Atomic: a
 * temporary file renamed into place.
 * @return as wsl_dist_probs_gather() and wsl_probs_write() (WSL_EIO naming the path).
 * @since 0.1
 */
WSL_API wsl_status wsl_dist_probs_write(const double *probs, size_t n_local, size_t k,
                                        const char *path, wsl_format format, int root,
                                        MPI_Comm comm);

#ifdef __cplusplus
}
#endif

#endif /* WSL_DIST_H */
