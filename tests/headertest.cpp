// The public headers compile as C++ and declare C linkage.
#include <wsl/wsl.h>

int wsl_headertest_cpp();
int wsl_headertest_cpp()
{
    wsl_label_matrix *L = nullptr;
    wsl_status st = wsl_label_matrix_create(&L, 1, 1, 2, WSL_STORAGE_DENSE, nullptr);
    wsl_label_matrix_free(L);
    return st == WSL_OK ? 0 : 1;
}
