/*
 * Introduces: a preprocessor shared by all LFs, keyword and regular-expression LFs, the LF
 * summary, majority vote and the label model on a real task — YouTube comments, spam or ham.
 *
 * usage: spam [TRAIN.jsonl TEST.jsonl]
 * Records are JSON Lines: {"text": "...", "label": 0 or 1} (1 = spam); the label is used only
 * to score. Defaults to the youtube split of the project's shared benchmark data.
 */
#include <ctype.h>
#include <regex.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common.h"

enum { HAM = 0, SPAM = 1 };

typedef struct comment {
    char *text;
    int32_t label;
} comment;

/* ---------------------------------------------------------------- reading JSON Lines */

static comment *read_jsonl(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    comment *c = NULL;
    size_t n = 0, cap = 0, line_no = 0;
    char *line = NULL;
    size_t line_cap = 0;
    if (!f) {
        fprintf(stderr, "spam: cannot open %s\n", path);
        return NULL;
    }
    while (getline(&line, &line_cap, f) > 0) {
        cJSON *obj = cJSON_Parse(line);
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(obj, "text");
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(obj, "label");
        line_no++;
        if (!cJSON_IsString(text) || !cJSON_IsNumber(label)) {
            fprintf(stderr, "spam: %s:%zu: expected {\"text\": ..., \"label\": ...}\n", path,
                    line_no);
            exit(EXIT_FAILURE);
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            c = realloc(c, cap * sizeof *c);
            if (!c)
                exit(EXIT_FAILURE);
        }
        c[n].text = strdup(text->valuestring);
        c[n].label = (int32_t)label->valueint;
        n++;
        cJSON_Delete(obj);
    }
    free(line);
    fclose(f);
    *n_out = n;
    return c;
}

/* ---------------------------------------------------------------- the preprocessor */

/* Every LF sees the comment lower-cased and its word count, computed once per comment. */
typedef struct view {
    char *lower;
    size_t n_words;
} view;

static int preprocess(const wsl_lf_input *in, void *out, void *payload)
{
    const comment *c = in->record;
    view *v = out;
    size_t len = strlen(c->text), words = 0;
    int in_word = 0;
    (void)payload;
    v->lower = malloc(len + 1);
    if (!v->lower)
        return -1;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = (unsigned char)c->text[i];
        v->lower[i] = (char)tolower(ch);
        if (isalnum(ch) && !in_word)
            words++;
        in_word = isalnum(ch) != 0;
    }
    v->n_words = words;
    return 0;
}

static void clear_view(void *out, void *payload)
{
    (void)payload;
    free(((view *)out)->lower);
}

/* ---------------------------------------------------------------- the LFs */

typedef struct keyword {
    const char *word;
    int32_t vote;
} keyword;

static int32_t lf_keyword(const wsl_lf_input *in, void *payload)
{
    const keyword *k = payload;
    const view *v = in->views[0];
    return strstr(v->lower, k->word) ? k->vote : WSL_ABSTAIN;
}

typedef struct pattern {
    const char *regex;
    int32_t vote;
    regex_t compiled; /* compiled once; regexec is safe from several threads */
} pattern;

static int32_t lf_regex(const wsl_lf_input *in, void *payload)
{
    const pattern *p = payload;
    const view *v = in->views[0];
    return regexec(&p->compiled, v->lower, 0, NULL, 0) == 0 ? p->vote : WSL_ABSTAIN;
}

static int32_t lf_short(const wsl_lf_input *in, void *payload)
{
    const view *v = in->views[0];
    (void)payload;
    return v->n_words < 5 ? HAM : WSL_ABSTAIN;
}

/* ---------------------------------------------------------------- scoring */

static double accuracy(const double *probs, const comment *c, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = probs + 2 * i;
        if (p[0] == p[1])
            acc += 0.5; /* a tie counts as a coin flip */
        else
            acc += (p[1] > p[0]) == (c[i].label == SPAM);
    }
    return acc / (double)n;
}

static wsl_label_matrix *apply(const wsl_lf_set *lfs, const comment *c, size_t n)
{
    wsl_label_matrix *L = NULL;
    CHECK_WSL(wsl_lf_apply(&L, lfs, c, n, sizeof *c, NULL, NULL));
    return L;
}

int main(int argc, char **argv)
{
    const char *train_path = argc > 2 ? argv[1] : WSL_SHARED_DATA_DIR "/youtube/texts_train.jsonl";
    const char *test_path = argc > 2 ? argv[2] : WSL_SHARED_DATA_DIR "/youtube/texts_test.jsonl";
    static keyword keywords[] = {
        {"my channel", SPAM}, {"subscribe", SPAM}, {"http", SPAM}, {"please", SPAM},
        {"check out", SPAM}, {"song", HAM},       {"love", HAM},
    };
    static pattern patterns[] = {
        {"check.*(out|my)", SPAM, {0}},
        {"[0-9]+ ?(views|subscribers|likes)", SPAM, {0}},
    };
    wsl_preprocessor pp = {"lower_words", sizeof(view), preprocess, clear_view, NULL};
    wsl_lf_set *lfs = NULL;
    wsl_label_matrix *Ltrain, *Ltest;
    wsl_lf_summary *summary = NULL;
    wsl_label_model *model = NULL;
    comment *train, *test;
    size_t n_train, n_test;
    int32_t *gold;
    double *probs;

    if (!(train = read_jsonl(train_path, &n_train)) || !(test = read_jsonl(test_path, &n_test))) {
        fprintf(stderr, "spam: no data (give TRAIN.jsonl TEST.jsonl); skipping\n");
        return 77;
    }
    CHECK_WSL(wsl_lf_set_create(&lfs, 2, NULL));
    CHECK_WSL(wsl_lf_set_add_preprocessor(lfs, &pp, NULL));
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "keyword_%s", keywords[i].word);
        for (char *s = name; *s; s++)
            *s = *s == ' ' ? '_' : *s;
        CHECK_WSL(wsl_lf_set_add(lfs, name, lf_keyword, &keywords[i]));
    }
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        char name[32];
        if (regcomp(&patterns[i].compiled, patterns[i].regex, REG_EXTENDED | REG_NOSUB) != 0) {
            fprintf(stderr, "spam: bad regular expression %s\n", patterns[i].regex);
            return EXIT_FAILURE;
        }
        snprintf(name, sizeof name, "regex_%zu", i);
        CHECK_WSL(wsl_lf_set_add(lfs, name, lf_regex, &patterns[i]));
    }
    CHECK_WSL(wsl_lf_set_add(lfs, "short_comment", lf_short, NULL));

    Ltrain = apply(lfs, train, n_train);
    Ltest = apply(lfs, test, n_test);

    /* The LF summary on train, with gold labels for precision. */
    gold = malloc(n_train * sizeof *gold);
    for (size_t i = 0; i < n_train; i++)
        gold[i] = train[i].label;
    CHECK_WSL(wsl_label_model_create(&model, 2, NULL));
    CHECK_WSL(wsl_label_model_fit(model, Ltrain, NULL)); /* no gold used */
    CHECK_WSL(wsl_lf_summary_compute(&summary, Ltrain, gold, n_train, model));
    printf("LF summary on train (%zu comments):\n\n", n_train);
    printf("%-22s %8s %8s %9s %9s %9s %8s\n", "LF", "polarity", "coverage", "overlaps",
           "conflicts", "precision", "learned");
    for (size_t j = 0; j < wsl_lf_set_size(lfs); j++) {
        wsl_lf_stats s;
        int32_t pol[2];
        size_t np;
        CHECK_WSL(wsl_lf_summary_stats(summary, j, &s));
        CHECK_WSL(wsl_lf_summary_polarity(summary, j, pol, 2, &np));
        printf("%-22s %8s %8.3f %9.3f %9.3f %9.3f %8.3f\n", wsl_lf_set_name(lfs, j),
               np == 0 ? "-" : pol[0] == SPAM ? "spam" : "ham", s.coverage, s.overlaps,
               s.conflicts, s.precision, s.learned_accuracy);
    }

    /* Majority vote and the label model on test. */
    probs = malloc(n_test * 2 * sizeof *probs);
    CHECK_WSL(wsl_majority_vote_proba(Ltest, NULL, NULL, probs, n_test * 2, NULL, 0));
    printf("\ntest (%zu comments): majority vote accuracy %.3f", n_test,
           accuracy(probs, test, n_test));
    CHECK_WSL(wsl_label_model_predict_proba(model, Ltest, probs, n_test * 2, NULL, 0));
    printf(", label model accuracy %.3f\n", accuracy(probs, test, n_test));

    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
        regfree(&patterns[i].compiled);
    for (size_t i = 0; i < n_train; i++)
        free(train[i].text);
    for (size_t i = 0; i < n_test; i++)
        free(test[i].text);
    free(train);
    free(test);
    free(gold);
    free(probs);
    wsl_lf_summary_free(summary);
    wsl_label_model_free(model);
    wsl_label_matrix_free(Ltrain);
    wsl_label_matrix_free(Ltest);
    wsl_lf_set_free(lfs);
    return 0;
}
