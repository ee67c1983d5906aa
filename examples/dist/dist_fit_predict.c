/* The label model over MPI ranks: each rank reads its shard of one votes file, the model is fitted
 * on all of them (bit for bit the one-process fit), each rank predicts its own rows and they are
 * written to one file in order. Run: mpirun -np 4 ./dist_fit_predict L_train.csv 2 probs.csv */
#include <mpi.h>
#include <stdlib.h>

#include <wsl/dist.h>

#include "common.h"

int main(int argc, char **argv)
{
    wsl_read_options ro = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;          /* this rank's rows */
    wsl_label_model *model = NULL;
    double *probs;
    size_t n;
    int32_t k;

    MPI_Init(&argc, &argv);
    if (argc != 4) {
        fprintf(stderr, "usage: mpirun -np P %s VOTES.csv K PROBS.csv\n", argv[0]);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    k = (int32_t)atoi(argv[2]);
    ro.cardinality = k;
    CHECK_WSL(wsl_dist_read_shard(&L, argv[1], &ro, MPI_COMM_WORLD));   /* all ranks, or none */
    CHECK_WSL(wsl_dist_fit(&model, k, L, NULL, 0, MPI_COMM_WORLD));     /* every rank gets it */
    n = wsl_label_matrix_n_points(L);                                  /* may be 0 */
    probs = malloc((n ? n : 1) * (size_t)k * sizeof *probs);
    CHECK_WSL(wsl_dist_agree(probs ? wsl_label_model_predict_proba(model, L, probs, n * (size_t)k,
                                                                   NULL, 0) : WSL_ENOMEM,
                             MPI_COMM_WORLD));
    CHECK_WSL(wsl_dist_probs_write(probs, n, (size_t)k, argv[3], WSL_FORMAT_AUTO, 0,
                                   MPI_COMM_WORLD));                   /* rows in file order */
    free(probs);
    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    MPI_Finalize();
    return 0;
}
