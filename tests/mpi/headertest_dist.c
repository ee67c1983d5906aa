/* <wsl/dist.h> compiles on its own as C99 -pedantic (and as C++: headertest_dist.cpp), with
 * <wsl/wsl.h> before or after it. */
#include <wsl/dist.h>
#include <wsl/wsl.h>

int wsl_headertest_dist_c(void);
int wsl_headertest_dist_c(void)
{
    wsl_status (*fit)(wsl_label_model **, int32_t, const wsl_label_matrix *,
                      const wsl_fit_options *, int, MPI_Comm) = wsl_dist_fit;
    return fit != NULL;
}
