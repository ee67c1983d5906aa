/* <wsl/dist.h> compiles on its own as C++11 -pedantic (C linkage), with
 * <wsl/wsl.h> before or after it. */
#include <wsl/dist.h>
#include <wsl/wsl.h>

int wsl_headertest_dist_cpp(void);
int wsl_headertest_dist_cpp(void)
{
    wsl_status (*fit)(wsl_label_model **, int32_t, const wsl_label_matrix *,
                      const wsl_fit_options *, int, MPI_Comm) = wsl_dist_fit;
    return fit != nullptr;
}
