/* The public headers compile on their own as C99 -pedantic (and as C++: headertest.cpp). */
#include <wsl/wsl.h>

int wsl_headertest_c(void);
int wsl_headertest_c(void)
{
    wsl_fit_options fo = WSL_FIT_OPTIONS_INIT;
    wsl_read_options ro = WSL_READ_OPTIONS_INIT;
    wsl_apply_options ao = WSL_APPLY_OPTIONS_INIT;
    wsl_synth_options so = WSL_SYNTH_OPTIONS_INIT;
    wsl_featurizer_options zo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_end_options eo = WSL_END_OPTIONS_INIT;
    wsl_buf buf = WSL_BUF_INIT;
    (void)buf;
    return WSL_ABSTAIN + (int)fo.version + (int)ro.version + (int)ao.version + (int)so.version +
           (int)zo.version + (int)eo.version;
}
