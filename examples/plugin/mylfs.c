#include <string.h>
#include <wsl/plugin.h>

static int32_t has_link(const wsl_lf_input *in, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");   /* a field, by name */
    (void)payload;
    return text && strstr(text, "http") ? 1 : WSL_ABSTAIN;
}

static int32_t says_thanks(const wsl_lf_input *in, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");
    (void)payload;
    return text && strstr(text, "thank") ? 0 : WSL_ABSTAIN;
}

static const char *const classes[] = {"ham", "spam"};
static const wsl_plugin_lf lfs[] = {WSL_LF(has_link), WSL_LF(says_thanks)};
WSL_PLUGIN(classes, lfs);   /* exports the table wsl_plugin_table */
