/* A test plugin using every part of the table: named classes, a preprocessor, LFs with
 * payloads, a required field, init and fini (fini leaves a trace in the environment). */
#include <stdlib.h>
#include <string.h>

#include <wsl/plugin.h>

static int initialised;

static int text_length(const wsl_lf_input *in, void *view, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");
    (void)payload;
    if (!text)
        return -1;
    *(size_t *)view = strlen(text);
    return 0;
}

/* Votes its payload's class when the text contains the word, abstains otherwise. */
typedef struct word_rule {
    const char *word;
    int32_t vote;
} word_rule;

static int32_t has_word(const wsl_lf_input *in, void *payload)
{
    const word_rule *r = payload;
    const char *text = wsl_record_string(in->record, "text");
    return text && strstr(text, r->word) ? r->vote : WSL_ABSTAIN;
}

/* Long texts are class 2; "fail" in the text makes the LF signal an error. */
static int32_t long_text(const wsl_lf_input *in, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");
    (void)payload;
    if (!initialised)
        return WSL_LF_ERROR;
    if (strstr(text, "fail"))
        return WSL_LF_ERROR;
    return *(const size_t *)in->views[0] > 20 ? 2 : WSL_ABSTAIN;
}

/* The numeric field "n", when present: its sign. */
static int32_t sign_of_n(const wsl_lf_input *in, void *payload)
{
    double n;
    (void)payload;
    if (!wsl_record_number(in->record, "n", &n))
        return WSL_ABSTAIN;
    return n > 0 ? 1 : 0;
}

static int init(void)
{
    initialised = 1;
    return 0;
}

static void fini(void)
{
    setenv("WSL_TEST_PLUGIN_FINI", "1", 1);
}

static const word_rule good = {"good", 1}, bad = {"bad", 0};
static const char *const classes[] = {"negative", "positive", "long"};
static const char *const fields[] = {"text"};
static const wsl_preprocessor pps[] = {{"length", sizeof(size_t), text_length, NULL, NULL}};
static const wsl_plugin_lf lfs[] = {
    {"word_good", has_word, (void *)&good},
    {"word_bad", has_word, (void *)&bad},
    WSL_LF(long_text),
    WSL_LF(sign_of_n),
};

WSL_PLUGIN_TABLE = {
    WSL_PLUGIN_HEADER,
    .name = "test_good",
    .k = 3,
    .class_names = classes,
    .lfs = lfs,
    .n_lfs = WSL_PLUGIN_COUNT(lfs),
    .preprocessors = pps,
    .n_preprocessors = WSL_PLUGIN_COUNT(pps),
    .fields = fields,
    .n_fields = WSL_PLUGIN_COUNT(fields),
    .init = init,
    .fini = fini,
};
