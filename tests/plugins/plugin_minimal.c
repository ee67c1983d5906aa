/* The shortest plugin: WSL_PLUGIN from two arrays. */
#include <string.h>

#include <wsl/plugin.h>

static int32_t has_yes(const wsl_lf_input *in, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");
    (void)payload;
    return text && strstr(text, "yes") ? 1 : WSL_ABSTAIN;
}

static int32_t has_no(const wsl_lf_input *in, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");
    (void)payload;
    return text && strstr(text, "no") ? 0 : WSL_ABSTAIN;
}

static const char *const classes[] = {"no", "yes"};
static const wsl_plugin_lf lfs[] = {WSL_LF(has_yes), WSL_LF(has_no)};
WSL_PLUGIN(classes, lfs);
