/* The public headers compile on their own as C99 -pedantic (and as C++: headertest.cpp). */
#include <wsl/wsl.h>

/* The shortest plugin table (WSL_PLUGIN) compiles and exports wsl_plugin_table. */
static int32_t headertest_lf(const wsl_lf_input *in, void *payload)
{
    (void)payload;
    return wsl_record_string((const wsl_record *)in->record, "text") ? 1 : WSL_ABSTAIN;
}
static const char *const headertest_classes[] = {"no", "yes"};
static const wsl_plugin_lf headertest_lfs[] = {WSL_LF(headertest_lf)};
WSL_PLUGIN(headertest_classes, headertest_lfs);

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
    wsl_record_stream_options rs = WSL_RECORD_STREAM_OPTIONS_INIT;
    (void)rs;
    (void)buf;
    return WSL_ABSTAIN + (int)fo.version + (int)ro.version + (int)ao.version + (int)so.version +
           (int)zo.version + (int)eo.version;
}
