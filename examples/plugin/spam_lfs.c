/*
 * Introduces: an LF plugin — LFs compiled into a shared object that `wsl apply --lfs` runs over
 * JSON Lines or CSV records, no main() needed. YouTube comments, spam or ham, read from each
 * record's "text" field.
 *
 * build: cc -shared -fPIC $(pkg-config --cflags wsl) -o spam_lfs.so spam_lfs.c
 *        (CMake builds it as build/examples/plugin/spam_lfs.so)
 * use:   wsl apply --lfs ./spam_lfs.so texts_train.jsonl -o L_train.csv --names-out lfs.txt
 *
 * The table below shows every part of a plugin: classes with names, a preprocessor every LF
 * shares, LFs with payloads, the record field they need, and an init hook that compiles regular
 * expressions and builds a dictionary once, before any record.
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <wsl/plugin.h>

enum { HAM = 0, SPAM = 1 };

/* ---------------------------------------------------------------- the shared view */

/*
 * Each comment lower-cased and as its words (runs of ASCII letters and digits) between single
 * spaces: "Check out MY channel!!" -> " check out my channel ". Made once per record.
 */
typedef struct view {
    char *lower;
    char *words;
    size_t n_words;
} view;

static int make_view(const wsl_lf_input *in, void *out, void *payload)
{
    const char *text = wsl_record_string(in->record, "text");
    view *v = out;
    size_t len, w = 0;
    (void)payload;
    if (!text)
        return -1; /* "text" is a required field: only a non-string value gets here */
    len = strlen(text);
    if (!(v->lower = malloc(len + 1)) || !(v->words = malloc(len + 3)))
        return -1; /* clear_view still runs */
    v->words[w++] = ' ';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        v->lower[i] = (char)tolower(c);
        if (isalnum(c)) {
            if (v->words[w - 1] == ' ')
                v->n_words++;
            v->words[w++] = (char)tolower(c);
        } else if (v->words[w - 1] != ' ') {
            v->words[w++] = ' ';
        }
    }
    v->lower[len] = '\0';
    if (v->words[w - 1] != ' ')
        v->words[w++] = ' ';
    v->words[w] = '\0';
    return 0;
}

static void clear_view(void *out, void *payload)
{
    view *v = out;
    (void)payload;
    free(v->lower);
    free(v->words);
}

/* ---------------------------------------------------------------- the LFs */

typedef struct rule {
    const char *text; /* a substring of the lower-cased text, whole words, or a regex */
    int32_t vote;
    regex_t re;       /* compiled by init for regex rules; regexec is thread-safe */
} rule;

/* Votes when the lower-cased comment contains the text anywhere ("http" finds "https://"). */
static int32_t contains(const wsl_lf_input *in, void *payload)
{
    const rule *r = payload;
    const view *v = in->views[0];
    return strstr(v->lower, r->text) ? r->vote : WSL_ABSTAIN;
}

/* Votes when the words of the phrase (" check out ") appear in order as whole words. */
static int32_t phrase(const wsl_lf_input *in, void *payload)
{
    const rule *r = payload;
    const view *v = in->views[0];
    return strstr(v->words, r->text) ? r->vote : WSL_ABSTAIN;
}

static int32_t regex(const wsl_lf_input *in, void *payload)
{
    const rule *r = payload;
    const view *v = in->views[0];
    return regexec(&r->re, v->words, 0, NULL, 0) == 0 ? r->vote : WSL_ABSTAIN;
}

static int32_t short_comment(const wsl_lf_input *in, void *payload)
{
    const view *v = in->views[0];
    (void)payload;
    return v->n_words < 5 ? HAM : WSL_ABSTAIN;
}

/* A dictionary of promotion words, built by init: one pass over the text finds them all. */
static wsl_dict *promo_words;

static int32_t promo(const wsl_lf_input *in, void *payload)
{
    const view *v = in->views[0];
    wsl_dict_match m;
    (void)payload;
    if (wsl_dict_find(promo_words, v->lower, strlen(v->lower), &m) != WSL_OK)
        return WSL_LF_ERROR;
    return m.n_matches ? SPAM : WSL_ABSTAIN;
}

static rule subscribe = {"subscribe", SPAM, {0}}, http = {"http", SPAM, {0}},
            please = {"please", SPAM, {0}}, song = {"song", HAM, {0}}, love = {"love", HAM, {0}},
            check_out = {" check out ", SPAM, {0}}, my_channel = {" my channel ", SPAM, {0}},
            check_my = {"check (.* )?(out|my)", SPAM, {0}},
            counts = {"[0-9]+ (views|subscribers|likes)", SPAM, {0}};
static rule *const regexes[] = {&check_my, &counts};

static int init(void)
{
    static const char *const words[] = {"free", "win", "giveaway", "gift card", "promo",
                                        "earn money", "follow me"};
    size_t done = 0;
    for (; done < WSL_PLUGIN_COUNT(regexes); done++)
        if (regcomp(&regexes[done]->re, regexes[done]->text, REG_EXTENDED | REG_NOSUB) != 0) {
            wsl_plugin_set_error("a regular expression does not compile");
            goto fail;
        }
    if (wsl_dict_create(&promo_words, words, NULL, WSL_PLUGIN_COUNT(words), NULL, NULL) ==
        WSL_OK)
        return 0;
fail: /* fini is not called after a failed init: undo what was done */
    while (done-- > 0)
        regfree(&regexes[done]->re);
    return 1;
}

static void fini(void)
{
    for (size_t i = 0; i < WSL_PLUGIN_COUNT(regexes); i++)
        regfree(&regexes[i]->re);
    wsl_dict_free(promo_words);
}

/* ---------------------------------------------------------------- the table */

static const char *const classes[] = {"ham", "spam"};
static const char *const fields[] = {"text"};
static const wsl_preprocessor views[] = {
    {"lower_words", sizeof(view), make_view, clear_view, NULL},
};
static const wsl_plugin_lf lfs[] = {
    {"keyword_subscribe", contains, &subscribe},
    {"keyword_http", contains, &http},
    {"keyword_please", contains, &please},
    {"keyword_song", contains, &song},
    {"keyword_love", contains, &love},
    {"phrase_check_out", phrase, &check_out},
    {"phrase_my_channel", phrase, &my_channel},
    {"regex_check_out_or_my", regex, &check_my},
    {"regex_counts", regex, &counts},
    {"promo_words", promo, NULL},
    WSL_LF(short_comment),
};

WSL_PLUGIN_TABLE = {
    WSL_PLUGIN_HEADER,
    .name = "spam_lfs",
    .k = 2,
    .class_names = classes,
    .lfs = lfs,
    .n_lfs = WSL_PLUGIN_COUNT(lfs),
    .preprocessors = views,
    .n_preprocessors = WSL_PLUGIN_COUNT(views),
    .fields = fields,
    .n_fields = WSL_PLUGIN_COUNT(fields),
    .init = init,
    .fini = fini,
};
