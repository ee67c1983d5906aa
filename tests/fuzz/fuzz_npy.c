/* Fuzz target: .npy headers and bodies, as votes (every source) and as probabilities. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double *p[FUZZ_N_SOURCES] = {NULL, NULL, NULL};
    size_t n[FUZZ_N_SOURCES] = {0, 0, 0}, k[FUZZ_N_SOURCES] = {0, 0, 0};
    wsl_status st[FUZZ_N_SOURCES];
    size_t chunk = fuzz_chunk(data, size);
    fuzz_votes(data, size, WSL_FORMAT_NPY);
    for (int s = 0; s < FUZZ_N_SOURCES; s++) {
        wsl__reader r;
        if (fuzz_open(&r, (fuzz_source)s, data, size, chunk) != 0) {
            st[s] = st[0];
            continue;
        }
        st[s] = wsl__npy_read_probs(&r, "fuzz", NULL, &p[s], &n[s], &k[s]);
        fuzz_close(&r);
        FUZZ_CHECK(st[s] == st[0]);
        FUZZ_CHECK((st[s] == WSL_OK) == (p[s] != NULL));
        FUZZ_CHECK(st[s] == WSL_OK || st[s] == WSL_EFORMAT);
        if (st[s] != WSL_OK)
            continue;
        FUZZ_CHECK(k[s] >= 1);
        for (size_t c = 0; c < n[s] * k[s]; c++)
            FUZZ_CHECK(isfinite(p[s][c]));
        if (s > 0) {
            FUZZ_CHECK(n[s] == n[0] && k[s] == k[0]);
            FUZZ_CHECK(memcmp(p[s], p[0], n[0] * k[0] * sizeof(double)) == 0);
        }
    }
    for (int s = 0; s < FUZZ_N_SOURCES; s++)
        wsl_array_free(p[s], NULL);
    return 0;
}
