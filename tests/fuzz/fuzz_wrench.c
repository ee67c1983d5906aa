/* Fuzz target: WRENCH JSON splits (votes from every source, and the gold labels). */
#include "harness.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsl_read_options o = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *L = NULL;
    int32_t *gold = NULL;
    wsl__reader r;
    wsl_status st;
    fuzz_votes(data, size, WSL_FORMAT_WRENCH);
    /* With gold: every label in -1..k-1, one per row. */
    o.format = WSL_FORMAT_WRENCH;
    fuzz_open(&r, FUZZ_MEM, data, size, 0);
    st = wsl__wrench_read(&r, "fuzz", &o, &L, &gold);
    fuzz_close(&r);
    FUZZ_CHECK((st == WSL_OK) == (L != NULL));
    FUZZ_CHECK((st == WSL_OK) == (gold != NULL));
    if (st == WSL_OK) {
        int32_t k = wsl_label_matrix_cardinality(L);
        for (size_t i = 0; i < wsl_label_matrix_n_points(L); i++)
            FUZZ_CHECK(gold[i] >= WSL_ABSTAIN && gold[i] < k);
    }
    wsl_array_free(gold, NULL);
    wsl_label_matrix_free(L);
    return 0;
}
