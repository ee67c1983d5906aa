/*
 * Introduces: a preprocessor shared by all LFs, keyword and regular-expression LFs, the LF
 * summary, majority vote and the label model on a real task — YouTube comments, spam or ham.
 *
 * usage: spam [TRAIN.jsonl TEST.jsonl]
 * Records are JSON Lines: {"text": "...", "label": 0 or 1} (1 = spam); the label is used only
 * to score. Defaults to the youtube split of the project's shared benchmark data; when that is
 * absent the program exits with 77 (CTest's "skipped"). Files given on the command line must
 * exist.
 */
#include <ctype.h>
#include <regex.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum { HAM = 0, SPAM = 1 };

typedef struct comment {
    const char *text; /* borrowed from the records */
    int32_t label;
} comment;

/* ---------------------------------------------------------------- reading JSON Lines */

/* Every {"text", "label"} record of a JSON Lines file (labels 0 or 1); *records_out keeps the
 * texts alive. Exits on errors, with libwsl's message naming the line. */
static comment *read_comments(const char *path, wsl_records **records_out, size_t *n_out)
{
    static const char *const fields[] = {"text", "label"};
    wsl_records *records = NULL;
    const char **texts;
    int32_t *labels;
    comment *c;
    size_t n;
    CHECK_WSL(wsl_records_read(&records, path, fields, 2, NULL));
    n = wsl_records_count(records);
    texts = malloc((n ? n : 1) * sizeof *texts);
    labels = malloc((n ? n : 1) * sizeof *labels);
    c = malloc((n ? n : 1) * sizeof *c);
    if (!texts || !labels || !c)
        exit(EXIT_FAILURE);
    CHECK_WSL(wsl_records_texts(records, 0, texts, n));
    CHECK_WSL(wsl_records_labels(records, 1, 2, labels, n));
    for (size_t i = 0; i < n; i++) {
        c[i].text = texts[i];
        c[i].label = labels[i];
        if (labels[i] == WSL_ABSTAIN) {
            fprintf(stderr, "spam: %s:%zu: a record without a label\n", path,
                    wsl_records_line(records, i));
            exit(EXIT_FAILURE);
        }
    }
    free(texts);
    free(labels);
    *records_out = records;
    *n_out = n;
    return c;
}

/* ---------------------------------------------------------------- the preprocessor */

/*
 * Every LF sees the comment lower-cased, and tokenized: its words (runs of ASCII letters and
 * digits) joined by single spaces, with a space before and after ("Check out MY channel!!" ->
 * " check out my channel "), so a phrase can be looked up as whole words. Computed once per
 * comment, whatever the number of LFs; the applier zeroes the view before and calls clear_view
 * after the LFs.
 */
typedef struct view {
    char *lower;  /* the text, lower-cased */
    char *words;  /* " w1 w2 ... wn " */
    size_t n_words;
} view;

static int preprocess(const wsl_lf_input *in, void *out, void *payload)
{
    const comment *c = in->record;
    view *v = out;
    size_t len = strlen(c->text), w = 0;
    (void)payload;
    v->lower = malloc(len + 1);
    v->words = malloc(len + 3);
    if (!v->lower || !v->words)
        return -1; /* clear_view still runs and frees what was allocated */
    v->words[w++] = ' ';
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = (unsigned char)c->text[i];
        v->lower[i] = (char)tolower(ch);
        if (isalnum(ch)) {
            if (i == 0 || !isalnum((unsigned char)c->text[i - 1]))
                v->n_words++;
            v->words[w++] = (char)tolower(ch);
        } else if (v->words[w - 1] != ' ') {
            v->words[w++] = ' ';
        }
    }
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

/* A keyword LF: votes when the lower-cased text contains the keyword anywhere (as Snorkel's
 * tutorial does: "http" also finds "https://..."). */
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

/* A phrase LF: votes when the words of the phrase appear in order as whole words. */
typedef struct phrase {
    const char *words; /* " check out " */
    int32_t vote;
} phrase;

static int32_t lf_phrase(const wsl_lf_input *in, void *payload)
{
    const phrase *p = payload;
    const view *v = in->views[0];
    return strstr(v->words, p->words) ? p->vote : WSL_ABSTAIN;
}

/* A regular-expression LF over the words (POSIX extended, compiled once at setup). */
typedef struct pattern {
    const char *regex;
    int32_t vote;
    regex_t compiled; /* regexec on a compiled pattern is safe from several threads */
} pattern;

static int32_t lf_regex(const wsl_lf_input *in, void *payload)
{
    const pattern *p = payload;
    const view *v = in->views[0];
    return regexec(&p->compiled, v->words, 0, NULL, 0) == 0 ? p->vote : WSL_ABSTAIN;
}

static int32_t lf_short(const wsl_lf_input *in, void *payload)
{
    const view *v = in->views[0];
    (void)payload;
    return v->n_words < 5 ? HAM : WSL_ABSTAIN;
}

/* ---------------------------------------------------------------- scoring */

/*
 * Accuracy of hard labels against gold. Ties policy: a row whose classes tie (a tied vote, or
 * no vote at all) has the label WSL_ABSTAIN (WSL_TIE_ABSTAIN) and counts as the expected value
 * of a random tie-break, 0.5, rather than as either class; *ties receives how many rows tied.
 */
static double accuracy(const int32_t *labels, const comment *c, size_t n, size_t *ties)
{
    double acc = 0;
    *ties = 0;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] == WSL_ABSTAIN) {
            acc += 0.5;
            (*ties)++;
        } else {
            acc += labels[i] == c[i].label;
        }
    }
    return acc / (double)n;
}

static wsl_label_matrix *apply(const wsl_lf_set *lfs, const comment *c, size_t n)
{
    wsl_label_matrix *L = NULL;
    CHECK_WSL(wsl_lf_apply(&L, lfs, c, n, sizeof *c, NULL, NULL));
    return L;
}

static void print_summary(const wsl_lf_set *lfs, const wsl_label_matrix *L, const int32_t *gold,
                          size_t n, const wsl_label_model *model)
{
    wsl_lf_summary *summary = NULL;
    CHECK_WSL(wsl_lf_summary_compute(&summary, L, gold, n, model));
    printf("LF summary on train (%zu comments):\n\n", n);
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
    wsl_lf_summary_free(summary);
}

/* Compiled by build_lfs(), freed at the end of main(). */
static pattern patterns[] = {
    {"check (.* )?(out|my)", SPAM, {0}},
    {"[0-9]+ (views|subscribers|likes)", SPAM, {0}},
};

/* The LF set: one preprocessor shared by every LF, then ten LFs. */
static wsl_lf_set *build_lfs(void)
{
    static keyword keywords[] = {
        {"subscribe", SPAM}, {"http", SPAM}, {"please", SPAM}, {"song", HAM}, {"love", HAM},
    };
    static phrase phrases[] = {
        {" check out ", SPAM}, {" my channel ", SPAM},
    };
    static const wsl_preprocessor pp = {"lower_words", sizeof(view), preprocess, clear_view,
                                        NULL};
    wsl_lf_set *lfs = NULL;
    CHECK_WSL(wsl_lf_set_create(&lfs, 2, NULL));
    CHECK_WSL(wsl_lf_set_add_preprocessor(lfs, &pp, NULL));
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "keyword_%s", keywords[i].word);
        CHECK_WSL(wsl_lf_set_add(lfs, name, lf_keyword, &keywords[i]));
    }
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "phrase%s", phrases[i].words); /* "phrase check out " */
        for (char *s = name; *s; s++)
            *s = *s == ' ' ? '_' : *s;
        name[strlen(name) - 1] = '\0';
        CHECK_WSL(wsl_lf_set_add(lfs, name, lf_phrase, &phrases[i]));
    }
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        char name[32];
        if (regcomp(&patterns[i].compiled, patterns[i].regex, REG_EXTENDED | REG_NOSUB) != 0) {
            fprintf(stderr, "spam: bad regular expression %s\n", patterns[i].regex);
            exit(EXIT_FAILURE);
        }
        snprintf(name, sizeof name, "regex_%zu", i);
        CHECK_WSL(wsl_lf_set_add(lfs, name, lf_regex, &patterns[i]));
    }
    CHECK_WSL(wsl_lf_set_add(lfs, "short_comment", lf_short, NULL));
    return lfs;
}

/*
 * The end model: a logistic regression on hashed unigrams and bigrams of the words, trained on
 * the label model's probabilities of the train comments some LF covered (the others carry only
 * the class prior), then asked about every test comment, covered or not. Writes the test
 * probabilities into probs (n_test x 2).
 */
static void end_model(const comment *train, size_t n_train, const double *train_probs,
                      const uint8_t *covered, const comment *test, size_t n_test, double *probs)
{
    wsl_featurizer *fz = NULL;
    wsl_features *X = NULL;
    wsl_end_model *em = NULL;
    wsl_end_options opts = WSL_END_OPTIONS_INIT;
    wsl_end_report rep;
    const char **texts = malloc((n_train > n_test ? n_train : n_test) * sizeof *texts);
    if (!texts)
        exit(EXIT_FAILURE);
    for (size_t i = 0; i < n_train; i++)
        texts[i] = train[i].text;
    CHECK_WSL(wsl_featurizer_create(&fz, NULL, NULL)); /* 2^18 columns, 1- and 2-grams */
    CHECK_WSL(wsl_featurizer_fit(fz, texts, n_train));
    CHECK_WSL(wsl_featurizer_transform(fz, texts, n_train, &X));
    opts.covered = covered; /* uncovered rows are left out */
    opts.covered_len = n_train;
    CHECK_WSL(wsl_end_model_create(&em, 2, NULL));
    CHECK_WSL(wsl_end_model_set_featurizer(em, fz));
    CHECK_WSL(wsl_end_model_fit(em, X, train_probs, n_train * 2, &opts));
    CHECK_WSL(wsl_end_model_report(em, &rep));
    printf("end model: %zu comments (%zu uncovered left out), %zu features, %d L-BFGS "
           "iterations, gradient norm %.1e\n", rep.n_rows, rep.n_uncovered,
           wsl_features_n_cols(X), rep.iterations, rep.grad_norm);
    for (size_t i = 0; i < n_test; i++)
        texts[i] = test[i].text;
    CHECK_WSL(wsl_end_model_predict_text(em, texts, n_test, probs, n_test * 2));
    wsl_end_model_free(em);
    wsl_features_free(X);
    wsl_featurizer_free(fz);
    free(texts);
}

/* One row of the test table: accuracy of hard labels, ties abstaining (scored 0.5). */
static void print_row(const char *name, const double *probs, const comment *test, size_t n,
                      int32_t *labels)
{
    size_t ties;
    double acc;
    CHECK_WSL(wsl_probs_to_labels(probs, n, 2, WSL_TIE_ABSTAIN, 0, labels, n));
    acc = accuracy(labels, test, n, &ties);
    printf("%-22s %8.3f %16zu\n", name, acc, ties);
}

int main(int argc, char **argv)
{
    const char *train_path = WSL_SHARED_DATA_DIR "/youtube/texts_train.jsonl";
    const char *test_path = WSL_SHARED_DATA_DIR "/youtube/texts_test.jsonl";
    wsl_records *train_records = NULL, *test_records = NULL;
    wsl_lf_set *lfs;
    wsl_label_matrix *Ltrain, *Ltest;
    wsl_label_model *model = NULL;
    comment *train, *test;
    size_t n_train, n_test;
    int32_t *gold, *labels;
    double *probs, *train_probs, *end_probs;
    uint8_t *covered;

    if (argc == 3) {
        train_path = argv[1];
        test_path = argv[2];
    } else if (argc != 1) {
        fprintf(stderr, "usage: spam [TRAIN.jsonl TEST.jsonl]\n");
        return 2;
    } else if (access(train_path, R_OK) != 0 || access(test_path, R_OK) != 0) {
        fprintf(stderr, "spam: SKIPPED: the shared data is absent (%s); give TRAIN.jsonl "
                        "TEST.jsonl\n", train_path);
        return 77;
    }
    train = read_comments(train_path, &train_records, &n_train);
    test = read_comments(test_path, &test_records, &n_test);
    lfs = build_lfs();
    Ltrain = apply(lfs, train, n_train);
    Ltest = apply(lfs, test, n_test);

    /* The label model learns from the train votes alone; gold only scores the LFs. */
    gold = malloc((n_train ? n_train : 1) * sizeof *gold);
    train_probs = malloc((n_train ? n_train : 1) * 2 * sizeof *train_probs);
    covered = malloc(n_train ? n_train : 1);
    probs = malloc((n_test ? n_test : 1) * 2 * sizeof *probs);
    end_probs = malloc((n_test ? n_test : 1) * 2 * sizeof *end_probs);
    labels = malloc((n_test ? n_test : 1) * sizeof *labels);
    if (!gold || !train_probs || !covered || !probs || !end_probs || !labels)
        return EXIT_FAILURE;
    for (size_t i = 0; i < n_train; i++)
        gold[i] = train[i].label;
    /* The fit, and in the same call the probabilistic labels of the train comments and which
     * ones some LF covered (the same as a fit, then predict on Ltrain); the end model learns
     * from them and labels the test comments from their text alone. */
    CHECK_WSL(wsl_label_model_create(&model, 2, NULL));
    CHECK_WSL(wsl_label_model_fit_predict_proba(model, Ltrain, NULL, train_probs, n_train * 2,
                                                covered, n_train));
    print_summary(lfs, Ltrain, gold, n_train, model);
    printf("\n");
    end_model(train, n_train, train_probs, covered, test, n_test, end_probs);

    /* Test: majority vote and the label model see only the votes; the end model the text. */
    printf("\ntest (%zu comments) %-3s %8s %16s\n", n_test, "", "accuracy", "ties (count 0.5)");
    CHECK_WSL(wsl_majority_vote_proba(Ltest, NULL, NULL, probs, n_test * 2, NULL, 0));
    print_row("majority vote", probs, test, n_test, labels);
    CHECK_WSL(wsl_label_model_predict_proba(model, Ltest, probs, n_test * 2, NULL, 0));
    print_row("label model", probs, test, n_test, labels);
    print_row("end model", end_probs, test, n_test, labels);

    free(train);
    free(test);
    free(gold);
    free(train_probs);
    free(covered);
    free(probs);
    free(end_probs);
    free(labels);
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
        regfree(&patterns[i].compiled);
    wsl_records_free(train_records);
    wsl_records_free(test_records);
    wsl_label_model_free(model);
    wsl_label_matrix_free(Ltrain);
    wsl_label_matrix_free(Ltest);
    wsl_lf_set_free(lfs);
    return 0;
}
