/* A plugin built for another plugin ABI (a future header): refused before anything is read. */
#include <wsl/plugin.h>

static int32_t lf(const wsl_lf_input *in, void *payload)
{
    (void)in;
    (void)payload;
    return WSL_ABSTAIN;
}

static const wsl_plugin_lf lfs[] = {WSL_LF(lf)};
WSL_PLUGIN_TABLE = {.abi_version = WSL_PLUGIN_ABI_VERSION + 1, .struct_size = sizeof(wsl_plugin),
                    .k = 2, .lfs = lfs, .n_lfs = 1};
