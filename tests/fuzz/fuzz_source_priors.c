/*
 * Fuzz target: the per-source prior tables of `wsl fit --source-priors FILE.json` (the CLI's
 * reader, compiled in here), for 3 sources and 2 classes. Tables that are accepted must be
 * distributions, and a short fit with them must give finite probabilities summing to 1.
 */
#include "harness.h"

#include "cli/source_priors.c"

#include <math.h>
#include <stdarg.h>

/* The CLI's error printer (main.c): messages are not needed here. */
void wsl_cli_errorf(const char *cmd, const char *fmt, ...)
{
    (void)cmd;
    (void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int32_t votes[] = {0, 1, -1, 1, 1, 0, -1, -1, 1, 0, 0, 0, 1, -1, 0, -1, 1, 1};
    const size_t m = 3;
    const int32_t k = 2;
    wsl_cli_source_priors sp;
    wsl_label_matrix *L = NULL;
    wsl_label_model *M = NULL;
    wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
    double p[6 * 2];
    int rc = wsl_cli_source_priors_read(fuzz_write_file(data, size), m, k, &sp);
    if (rc != WSL_EXIT_OK) {
        FUZZ_CHECK(rc == WSL_EXIT_INPUT && sp.values == NULL && sp.rows == NULL);
        return 0;
    }
    for (size_t j = 0; j < m; j++) {
        if (!sp.rows[j])
            continue;
        for (int32_t c = 0; c < k; c++) {
            double sum = 0;
            for (int32_t v = 0; v <= k; v++) {
                double x = sp.rows[j][c * (k + 1) + v];
                FUZZ_CHECK(x >= 0 && x <= 1);
                sum += x;
            }
            FUZZ_CHECK(fabs(sum - 1) <= 1e-6);
        }
    }
    FUZZ_CHECK(wsl_label_matrix_from_buffer(&L, votes, 6, m, m, k, WSL_STORAGE_DENSE, NULL) ==
               WSL_OK);
    FUZZ_CHECK(wsl_label_model_create(&M, k, NULL) == WSL_OK);
    o.source_priors = sp.rows;
    o.n_source_priors = m;
    o.max_iter = 20;
    FUZZ_CHECK(wsl_label_model_fit(M, L, &o) == WSL_OK);
    FUZZ_CHECK(wsl_label_model_predict_proba(M, L, p, 12, NULL, 0) == WSL_OK);
    for (size_t i = 0; i < 6; i++) {
        FUZZ_CHECK(isfinite(p[2 * i]) && isfinite(p[2 * i + 1]));
        FUZZ_CHECK(fabs(p[2 * i] + p[2 * i + 1] - 1) < 1e-9);
    }
    wsl_label_model_free(M);
    wsl_label_matrix_free(L);
    wsl_cli_source_priors_free(&sp);
    return 0;
}
