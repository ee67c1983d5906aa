/* A table that contradicts itself: two LFs share a name. */
#include <wsl/plugin.h>

static int32_t lf(const wsl_lf_input *in, void *payload)
{
    (void)in;
    (void)payload;
    return WSL_ABSTAIN;
}

static const wsl_plugin_lf lfs[] = {{"same", lf, NULL}, {"other", lf, NULL}, {"same", lf, NULL}};
WSL_PLUGIN_TABLE = {WSL_PLUGIN_HEADER, .k = 2, .lfs = lfs, .n_lfs = 3};
