/*
 * End-model accuracy on the text datasets of ../shared/data (youtube: accuracy; sms: F1 of
 * class 1), against majority vote and the label model.
 *
 * Protocol (WRENCH's): the label model is fitted on L_train without gold; its probabilities of
 * the train rows some LF covered train the end model on texts_train (hashed unigrams and bigrams,
 * 2^18 columns); everything is scored on test. Gold labels are used only where a variant says
 * so: the valid split (early stopping, or choosing L2), never test. Ties count as the expected
 * value over the tied classes (as in bench/accuracy).
 *
 * Variants of the end model:
 * - default: the default options (L2 1e-4, L-BFGS to gradient norm 1e-5), covered rows only;
 * - early stop: as default, keeping the iteration that scores best on valid (the dataset's
 *   metric), patience 20;
 * - L2 on valid: converged fits for L2 in {1e-5 .. 1e-1}, the one best on valid;
 * - TF-IDF: the featurizer's TF-IDF weighting, otherwise default;
 * - keep uncovered: trained on every row (the uncovered ones with the label model's
 *   all-abstain posterior);
 * - MV labels: default, trained on majority-vote probabilities of the covered rows instead.
 *
 * usage: end_accuracy [DATA_DIR]
 */
#include "wsl/wsl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(call)                                                                             \
    do {                                                                                        \
        wsl_status st_ = (call);                                                                \
        if (st_ != WSL_OK) {                                                                    \
            fprintf(stderr, "%s: %s\n", wsl_strerror(st_), wsl_last_error());                   \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

typedef struct split {
    wsl_records *records;
    const char **texts;
    int32_t *gold;
    size_t n;
    wsl_features *X;
} split;

static void read_split(const char *dir, const char *ds, const char *name, split *s)
{
    static const char *const fields[] = {"text"};
    char path[1024];
    size_t n_gold;
    snprintf(path, sizeof path, "%s/%s/texts_%s.jsonl", dir, ds, name);
    CHECK(wsl_records_read(&s->records, path, fields, 1, NULL));
    s->n = wsl_records_count(s->records);
    s->texts = malloc((s->n ? s->n : 1) * sizeof *s->texts);
    CHECK(wsl_records_texts(s->records, 0, s->texts, s->n));
    snprintf(path, sizeof path, "%s/%s/y_%s.csv", dir, ds, name);
    CHECK(wsl_gold_read(&s->gold, &n_gold, path, 2, NULL));
    if (n_gold != s->n) {
        fprintf(stderr, "%s: %zu labels for %zu texts\n", path, n_gold, s->n);
        exit(1);
    }
}

static void free_split(split *s)
{
    wsl_features_free(s->X);
    wsl_array_free(s->gold, NULL);
    free(s->texts);
    wsl_records_free(s->records);
}

/* The dataset's metric of probabilities against gold: accuracy, or F1 of class 1. */
static double score(const double *probs, const split *s, int f1)
{
    wsl_metrics m;
    double pc[6];
    CHECK(wsl_metrics_compute(probs, s->n, 2, s->gold, s->n, NULL, 0, &m, pc, 6, NULL, 0));
    return f1 ? (isnan(pc[5]) ? 0 : pc[5]) : m.accuracy;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fit an end model and return its test score (and its valid score through *valid). */
static double end_score(const split *train, const split *valid, const split *test,
                        const double *probs, const wsl_end_options *o, int f1, double *valid_out,
                        double *seconds, int *iterations)
{
    wsl_end_model *m = NULL;
    wsl_end_report r;
    double *p = malloc(test->n * 2 * sizeof *p), *pv = malloc(valid->n * 2 * sizeof *pv), t, t0;
    CHECK(wsl_end_model_create(&m, 2, NULL));
    t0 = now();
    CHECK(wsl_end_model_fit(m, train->X, probs, train->n * 2, o));
    if (seconds)
        *seconds = now() - t0;
    CHECK(wsl_end_model_report(m, &r));
    if (iterations)
        *iterations = r.iterations;
    CHECK(wsl_end_model_predict_proba(m, test->X, p, test->n * 2));
    CHECK(wsl_end_model_predict_proba(m, valid->X, pv, valid->n * 2));
    t = score(p, test, f1);
    if (valid_out)
        *valid_out = score(pv, valid, f1);
    free(p);
    free(pv);
    wsl_end_model_free(m);
    return t;
}

static void run(const char *dir, const char *ds, int f1)
{
    char path[1024];
    split tr = {0}, va = {0}, te = {0};
    wsl_read_options ro = WSL_READ_OPTIONS_INIT;
    wsl_label_matrix *Ltr = NULL, *Lte = NULL;
    wsl_label_model *lm = NULL;
    wsl_featurizer *fz = NULL, *tfidf = NULL;
    wsl_featurizer_options fo = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_end_options o = WSL_END_OPTIONS_INIT;
    double *ptr, *pte, *pmv, mv, lmscore, def, es, best_valid = -1, best_l2 = 0, l2test = 0;
    double tf, keep, mvl, secs;
    uint8_t *cov;
    size_t n_cov = 0;
    int iters;
    static const double l2s[] = {1e-5, 1e-4, 1e-3, 1e-2, 1e-1};

    read_split(dir, ds, "train", &tr);
    read_split(dir, ds, "valid", &va);
    read_split(dir, ds, "test", &te);
    ro.cardinality = 2;
    snprintf(path, sizeof path, "%s/%s/L_train.csv", dir, ds);
    CHECK(wsl_votes_read(&Ltr, path, &ro));
    snprintf(path, sizeof path, "%s/%s/L_test.csv", dir, ds);
    CHECK(wsl_votes_read(&Lte, path, &ro));
    ptr = malloc(tr.n * 2 * sizeof *ptr);
    pmv = malloc(tr.n * 2 * sizeof *pmv);
    pte = malloc(te.n * 2 * sizeof *pte);
    cov = malloc(tr.n);

    /* Baselines on test; the label model's probabilities of the train rows. */
    CHECK(wsl_majority_vote_proba(Lte, NULL, NULL, pte, te.n * 2, NULL, 0));
    mv = score(pte, &te, f1);
    CHECK(wsl_label_model_create(&lm, 2, NULL));
    CHECK(wsl_label_model_fit(lm, Ltr, NULL));
    CHECK(wsl_label_model_predict_proba(lm, Lte, pte, te.n * 2, NULL, 0));
    lmscore = score(pte, &te, f1);
    CHECK(wsl_label_model_predict_proba(lm, Ltr, ptr, tr.n * 2, cov, tr.n));
    CHECK(wsl_majority_vote_proba(Ltr, NULL, NULL, pmv, tr.n * 2, NULL, 0));
    for (size_t i = 0; i < tr.n; i++)
        n_cov += cov[i];

    /* Features: document frequencies from the train texts. */
    CHECK(wsl_featurizer_create(&fz, NULL, NULL));
    CHECK(wsl_featurizer_fit(fz, tr.texts, tr.n));
    CHECK(wsl_featurizer_transform(fz, tr.texts, tr.n, &tr.X));
    CHECK(wsl_featurizer_transform(fz, va.texts, va.n, &va.X));
    CHECK(wsl_featurizer_transform(fz, te.texts, te.n, &te.X));

    o.covered = cov;
    o.covered_len = tr.n;
    def = end_score(&tr, &va, &te, ptr, &o, f1, NULL, &secs, &iters);
    mvl = end_score(&tr, &va, &te, pmv, &o, f1, NULL, NULL, NULL);
    o.keep_uncovered = 1;
    keep = end_score(&tr, &va, &te, ptr, &o, f1, NULL, NULL, NULL);
    o.keep_uncovered = 0;
    for (size_t i = 0; i < sizeof l2s / sizeof l2s[0]; i++) {
        double v, t;
        o.l2 = l2s[i];
        t = end_score(&tr, &va, &te, ptr, &o, f1, &v, NULL, NULL);
        if (v > best_valid) {
            best_valid = v;
            best_l2 = l2s[i];
            l2test = t;
        }
    }
    o.l2 = 1e-4;
    o.valid_X = va.X;
    o.valid_gold = va.gold;
    o.valid_gold_len = va.n;
    o.valid_metric = f1 ? WSL_END_METRIC_F1 : WSL_END_METRIC_ACCURACY;
    es = end_score(&tr, &va, &te, ptr, &o, f1, NULL, NULL, NULL);
    o.valid_X = NULL;
    o.valid_gold = NULL;
    o.valid_gold_len = 0;
    {
        /* TF-IDF features need their own matrices. */
        split t2 = tr, v2 = va, e2 = te;
        fo.tfidf = 1;
        CHECK(wsl_featurizer_create(&tfidf, &fo, NULL));
        CHECK(wsl_featurizer_fit(tfidf, tr.texts, tr.n));
        CHECK(wsl_featurizer_transform(tfidf, tr.texts, tr.n, &t2.X));
        CHECK(wsl_featurizer_transform(tfidf, va.texts, va.n, &v2.X));
        CHECK(wsl_featurizer_transform(tfidf, te.texts, te.n, &e2.X));
        tf = end_score(&t2, &v2, &e2, ptr, &o, f1, NULL, NULL, NULL);
        wsl_features_free(t2.X);
        wsl_features_free(v2.X);
        wsl_features_free(e2.X);
    }
    printf("| %s (%s) | %zu / %zu | %.3f | %.3f | **%.3f** | %.3f | %.3f (L2 %g) | %.3f | %.3f | "
           "%.3f | %.2f s, %d it. |\n", ds, f1 ? "F1" : "acc", n_cov, tr.n, mv, lmscore, def, es,
           l2test, best_l2, tf, keep, mvl, secs, iters);

    wsl_featurizer_free(fz);
    wsl_featurizer_free(tfidf);
    wsl_label_model_free(lm);
    wsl_label_matrix_free(Ltr);
    wsl_label_matrix_free(Lte);
    free(ptr);
    free(pmv);
    free(pte);
    free(cov);
    free_split(&tr);
    free_split(&va);
    free_split(&te);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : WSL_SHARED_DATA_DIR;
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/youtube/texts_train.jsonl", dir);
    if (access(probe, R_OK) != 0) {
        fprintf(stderr, "end_accuracy: %s is absent\n", probe);
        return 77;
    }
    printf("| dataset (metric) | covered / train rows | majority vote | label model | end model "
           "(default) | early stop on valid | L2 on valid | TF-IDF | keep uncovered | MV labels "
           "| default fit |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    run(dir, "youtube", 0);
    run(dir, "sms", 1);
    return 0;
}
