// The public headers compile as C++ and declare C linkage.
#include <wsl/wsl.h>

int wsl_headertest_cpp();
int wsl_headertest_cpp()
{
    wsl_label_matrix *L = nullptr;
    wsl_status st = wsl_label_matrix_create(&L, 1, 1, 2, WSL_STORAGE_DENSE, nullptr);
    wsl_label_matrix_free(L);
    wsl_end_options eo = WSL_END_OPTIONS_INIT;
    wsl_featurizer_options zo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_records *r = nullptr;
    wsl_records_free(r);
    return st == WSL_OK && eo.version == WSL_END_OPTIONS_VERSION && zo.hash_bits == 18 ? 0 : 1;
}
