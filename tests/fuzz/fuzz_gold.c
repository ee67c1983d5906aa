/* Fuzz target: gold label files (one integer per line), from every source, k = 0 and 3. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int32_t ks[2] = {0, 3};
    size_t chunk = fuzz_chunk(data, size);
    for (int t = 0; t < 2; t++) {
        int32_t *g[FUZZ_N_SOURCES] = {NULL, NULL, NULL};
        size_t n[FUZZ_N_SOURCES] = {0, 0, 0};
        wsl_status st[FUZZ_N_SOURCES];
        for (int s = 0; s < FUZZ_N_SOURCES; s++) {
            wsl__reader r;
            if (fuzz_open(&r, (fuzz_source)s, data, size, chunk) != 0) {
                st[s] = st[0];
                continue;
            }
            st[s] = wsl__gold_read(&r, "fuzz", ks[t], &g[s], &n[s]);
            fuzz_close(&r);
            FUZZ_CHECK(st[s] == st[0]);
            FUZZ_CHECK((st[s] == WSL_OK) == (g[s] != NULL));
            FUZZ_CHECK(st[s] == WSL_OK || st[s] == WSL_EFORMAT || st[s] == WSL_ERANGE);
            if (st[s] != WSL_OK)
                continue;
            FUZZ_CHECK(n[s] >= 1);
            for (size_t i = 0; i < n[s]; i++)
                FUZZ_CHECK(g[s][i] >= WSL_ABSTAIN && (ks[t] == 0 || g[s][i] < ks[t]));
            if (s > 0) {
                FUZZ_CHECK(n[s] == n[0]);
                FUZZ_CHECK(memcmp(g[s], g[0], n[0] * sizeof(int32_t)) == 0);
            }
        }
        for (int s = 0; s < FUZZ_N_SOURCES; s++)
            wsl_array_free(g[s], NULL);
    }
    return 0;
}
