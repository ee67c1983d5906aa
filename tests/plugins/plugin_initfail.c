/* A plugin whose init fails, saying why. */
#include <wsl/plugin.h>

static int32_t lf(const wsl_lf_input *in, void *payload)
{
    (void)in;
    (void)payload;
    return WSL_ABSTAIN;
}

static int init(void)
{
    wsl_plugin_set_error("cannot open the keyword list");
    return 3;
}

static const wsl_plugin_lf lfs[] = {WSL_LF(lf)};
WSL_PLUGIN_TABLE = {WSL_PLUGIN_HEADER, .k = 2, .lfs = lfs, .n_lfs = 1, .init = init};
