/* Introduces: linking an installed libwsl; wsl_label_matrix_from_buffer(), the stats, and the
 * version check between header and library. */
#include <stdio.h>
#include <stdlib.h>

#include <wsl/wsl.h>

int main(void)
{
    /* 4 records x 3 sources, row-major; -1 (WSL_ABSTAIN) = no vote. */
    const int32_t votes[] = {0, -1, 1, -1, -1, -1, 1, 1, -1, 0, 0, 0};
    wsl_label_matrix *L = NULL;
    wsl_label_matrix_stats st;
    double probs[8];
    wsl_status s;

    if (wsl_version_number() != WSL_VERSION_NUMBER) {
        fprintf(stderr, "header %s, library %s\n", WSL_VERSION_STRING, wsl_version_string());
        return EXIT_FAILURE;
    }
    s = wsl_label_matrix_from_buffer(&L, votes, 4, 3, 3, 2, WSL_STORAGE_AUTO, NULL);
    if (s == WSL_OK)
        s = wsl_label_matrix_stats_get(L, &st);
    if (s == WSL_OK)
        s = wsl_majority_vote_proba(L, NULL, NULL, probs, 8, NULL, 0);
    if (s != WSL_OK) {
        fprintf(stderr, "%s: %s\n", wsl_strerror(s), wsl_last_error());
        return EXIT_FAILURE;
    }
    printf("libwsl %s: %zu records x %zu sources, %zu votes, coverage %.2f, "
           "P(class 1 | record 2) = %.2f\n",
           wsl_version_string(), st.n_points, st.n_sources, st.n_votes, st.coverage, probs[5]);
    wsl_label_matrix_free(L);
    return EXIT_SUCCESS;
}
