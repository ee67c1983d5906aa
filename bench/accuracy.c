/*
 * Label-model accuracy on the real label matrices of ../shared/data.
 *
 * Every dataset folder with a meta.json is run (so new datasets join the table by themselves):
 * - protocol U: no gold label used at all;
 * - protocol W: the class balance is fixed to the gold class balance of the valid split
 *   (WRENCH's protocol); "-" when a dataset has no valid gold.
 * WRENCH-style sets are fit on train (no train: on valid, or on test when that is all there is)
 * and scored on test (no test: on valid); crowd_* sets are transductive: fit and scored on all
 * rows of test. The metric is meta.json's: accuracy, or F1 of class 1. Ties count as the
 * expected value over the tied classes (a row tied among t classes scores 1/t if gold is among
 * them; for F1 it is 1/t of a positive prediction when class 1 is among them).
 *
 * usage: accuracy [DATA_DIR]
 */
#include "wsl/wsl.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHECK(call)                                                                             \
    do {                                                                                        \
        wsl_status st_ = (call);                                                                \
        if (st_ != WSL_OK) {                                                                    \
            fprintf(stderr, "%s: %s\n", wsl_strerror(st_), wsl_last_error());                   \
            exit(1);                                                                            \
        }                                                                                       \
    } while (0)

typedef struct variant {
    const char *name;
    wsl_lm_tables tables;
    wsl_lm_abstain abstain;
    wsl_lm_prior prior;
    wsl_lm_deps deps;
} variant;

/* The default first, then the textbook variants it is measured against. */
static const variant variants[] = {
    {"default", WSL_TABLES_DEFAULT, WSL_ABSTAIN_DEFAULT, WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"full+informative", WSL_TABLES_FULL, WSL_ABSTAIN_INFORMATIVE, WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"full+random (Dawid-Skene)", WSL_TABLES_FULL, WSL_ABSTAIN_RANDOM, WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"class-accuracy+random", WSL_TABLES_CLASS_ACCURACY, WSL_ABSTAIN_RANDOM, WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"class-accuracy+random, uniform prior", WSL_TABLES_CLASS_ACCURACY, WSL_ABSTAIN_RANDOM,
     WSL_PRIOR_UNIFORM, WSL_DEPS_DEFAULT},
    {"accuracy+informative", WSL_TABLES_ACCURACY, WSL_ABSTAIN_INFORMATIVE, WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"polarity+informative", WSL_TABLES_POLARITY, WSL_ABSTAIN_INFORMATIVE, WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"polarity+by-polarity (no co-firing check)", WSL_TABLES_POLARITY, WSL_ABSTAIN_BY_POLARITY,
     WSL_PRIOR_DEFAULT, WSL_DEPS_DEFAULT},
    {"polarity+votes-only", WSL_TABLES_POLARITY, WSL_ABSTAIN_VOTES_ONLY, WSL_PRIOR_UNIFORM, WSL_DEPS_DEFAULT},
    {"default, uniform prior", WSL_TABLES_DEFAULT, WSL_ABSTAIN_DEFAULT, WSL_PRIOR_UNIFORM, WSL_DEPS_DEFAULT},
    {"default + learned dependencies", WSL_TABLES_DEFAULT, WSL_ABSTAIN_DEFAULT, WSL_PRIOR_DEFAULT,
     WSL_DEPS_LEARN},
    {"polarity+by-polarity + learned dependencies", WSL_TABLES_POLARITY, WSL_ABSTAIN_BY_POLARITY,
     WSL_PRIOR_DEFAULT, WSL_DEPS_LEARN},
    {"one-coin (many classes)", WSL_TABLES_ONE_COIN, WSL_ABSTAIN_DEFAULT, WSL_PRIOR_DEFAULT,
     WSL_DEPS_DEFAULT},
    {"one-coin+random (textbook)", WSL_TABLES_ONE_COIN, WSL_ABSTAIN_RANDOM, WSL_PRIOR_DEFAULT,
     WSL_DEPS_DEFAULT},
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long len;
    char *buf;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[len] = '\0';
    fclose(f);
    return buf;
}

/* Score probabilities against gold (rows with gold -1 skipped). */
static double score(const double *p, const int32_t *gold, size_t n, int32_t k, int f1)
{
    double acc = 0, tp = 0, fp = 0, fn = 0;
    size_t counted = 0;
    for (size_t i = 0; i < n; i++) {
        const double *r = p + i * (size_t)k;
        double best = r[0];
        int tied = 0;
        if (gold[i] < 0)
            continue;
        counted++;
        for (int32_t c = 1; c < k; c++)
            if (r[c] > best)
                best = r[c];
        for (int32_t c = 0; c < k; c++)
            tied += r[c] >= best - 1e-12;
        if (r[gold[i]] >= best - 1e-12)
            acc += 1.0 / tied;
        if (f1) {
            double pos = r[1] >= best - 1e-12 ? 1.0 / tied : 0;
            if (gold[i] == 1) {
                tp += pos;
                fn += 1 - pos;
            } else {
                fp += pos;
            }
        }
    }
    if (f1)
        return tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
    return counted ? acc / (double)counted : 0;
}

static wsl_label_matrix *read_votes(const char *dir, const char *split, int32_t k)
{
    char path[1024];
    wsl_label_matrix *L = NULL;
    wsl_read_options ro = WSL_READ_OPTIONS_INIT;
    snprintf(path, sizeof path, "%s/L_%s.csv", dir, split);
    ro.format = WSL_FORMAT_CSV;
    ro.cardinality = k;
    CHECK(wsl_votes_read(&L, path, &ro));
    return L;
}

static int32_t *read_gold(const char *dir, const char *split, int32_t k, size_t *n)
{
    char path[1024];
    int32_t *y = NULL;
    snprintf(path, sizeof path, "%s/y_%s.csv", dir, split);
    if (!exists(path))
        return NULL;
    CHECK(wsl_gold_read(&y, n, path, k, NULL));
    return y;
}

typedef struct row {
    char name[128];
    char metric[8];
    double mv, u[N_VARIANTS], w;
    int have_w, fallback, votes_only;
} row;

static int run_dataset(const char *data, const char *name, row *out)
{
    char dir[1024], path[1200], *meta_text;
    cJSON *meta;
    int32_t k;
    int f1, crowd = strncmp(name, "crowd_", 6) == 0;
    const char *fit_split, *eval_split;
    wsl_label_matrix *Lfit, *Leval;
    int32_t *gold, *vgold = NULL;
    size_t n_gold, n_vgold = 0, n;
    double *probs;

    snprintf(dir, sizeof dir, "%s/%s", data, name);
    snprintf(path, sizeof path, "%s/meta.json", dir);
    if (!(meta_text = slurp(path)))
        return 0;
    meta = cJSON_Parse(meta_text);
    free(meta_text);
    if (!meta)
        return 0;
    k = (int32_t)cJSON_GetNumberValue(cJSON_GetObjectItem(meta, "k"));
    {
        const cJSON *mt = cJSON_GetObjectItem(meta, "metric");
        f1 = cJSON_IsString(mt) && strncmp(mt->valuestring, "f1", 2) == 0;
    }
    cJSON_Delete(meta);
#define HAS(split) (snprintf(path, sizeof path, "%s/L_" split ".csv", dir), exists(path))
    if (crowd) {
        fit_split = eval_split = "test";
    } else {
        fit_split = HAS("train") ? "train" : HAS("valid") && HAS("test") ? "valid" : "test";
        eval_split = HAS("test") ? "test" : "valid";
    }
#undef HAS
    Lfit = read_votes(dir, fit_split, k);
    Leval = read_votes(dir, eval_split, k);
    gold = read_gold(dir, eval_split, k, &n_gold);
    if (!gold) {
        wsl_label_matrix_free(Lfit);
        wsl_label_matrix_free(Leval);
        return 0;
    }
    if (!crowd && strcmp(eval_split, "valid") != 0 && strcmp(fit_split, "valid") != 0)
        vgold = read_gold(dir, "valid", k, &n_vgold);
    n = wsl_label_matrix_n_points(Leval);
    probs = malloc(n * (size_t)k * sizeof *probs);
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->metric, sizeof out->metric, "%s", f1 ? "F1" : "acc");

    CHECK(wsl_majority_vote_proba(Leval, NULL, NULL, probs, n * (size_t)k, NULL, 0));
    out->mv = score(probs, gold, n, k, f1);
    for (size_t v = 0; v < N_VARIANTS; v++) {
        wsl_label_model *M = NULL;
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        o.tables = variants[v].tables;
        o.abstain = variants[v].abstain;
        o.prior = variants[v].prior;
        o.deps = variants[v].deps;
        CHECK(wsl_label_model_create(&M, k, NULL));
        CHECK(wsl_label_model_fit(M, Lfit, &o));
        CHECK(wsl_label_model_predict_proba(M, Leval, probs, n * (size_t)k, NULL, 0));
        out->u[v] = score(probs, gold, n, k, f1);
        if (v == 0) {
            wsl_fit_report r;
            CHECK(wsl_label_model_report(M, &r));
            out->fallback = r.fallback;
            out->votes_only = r.abstain == WSL_ABSTAIN_VOTES_ONLY;
        }
        wsl_label_model_free(M);
    }
    out->have_w = 0;
    if (vgold) {
        /* Protocol W: the class balance of the valid split's gold. */
        double *balance = calloc((size_t)k, sizeof *balance), total = 0;
        wsl_label_model *M = NULL;
        wsl_fit_options o = WSL_FIT_OPTIONS_INIT;
        int ok = 1;
        for (size_t i = 0; i < n_vgold; i++)
            if (vgold[i] >= 0) {
                balance[vgold[i]] += 1;
                total += 1;
            }
        for (int32_t c = 0; c < k; c++) {
            balance[c] = (balance[c] + 1) / (total + k); /* add-one: no class gets zero */
            ok &= balance[c] > 0;
        }
        if (ok && total > 0) {
            o.prior = WSL_PRIOR_FIXED;
            o.class_prior = balance;
            CHECK(wsl_label_model_create(&M, k, NULL));
            CHECK(wsl_label_model_fit(M, Lfit, &o));
            CHECK(wsl_label_model_predict_proba(M, Leval, probs, n * (size_t)k, NULL, 0));
            out->w = score(probs, gold, n, k, f1);
            out->have_w = 1;
            wsl_label_model_free(M);
        }
        free(balance);
    }
    free(probs);
    free(gold);
    free(vgold);
    wsl_label_matrix_free(Lfit);
    wsl_label_matrix_free(Leval);
    return 1;
}

static int cmp_name(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int cx = strncmp(x, "crowd_", 6) == 0, cy = strncmp(y, "crowd_", 6) == 0;
    if (cx != cy)
        return cx - cy; /* weak-supervision sets first, then crowdsourcing */
    return strcmp(x, y);
}

int main(int argc, char **argv)
{
    const char *data = argc > 1 ? argv[1] : WSL_SHARED_DATA_DIR;
    DIR *d = opendir(data);
    struct dirent *e;
    char *names[256];
    size_t n_names = 0, n_rows = 0;
    row rows[256];
    double sum_mv = 0, sum_u[N_VARIANTS] = {0};
    if (!d) {
        fprintf(stderr, "accuracy: cannot open %s\n", data);
        return 1;
    }
    while ((e = readdir(d)) != NULL && n_names < 256)
        if (e->d_name[0] != '.')
            names[n_names++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n_names, sizeof *names, cmp_name);
    for (size_t i = 0; i < n_names; i++) {
        if (run_dataset(data, names[i], &rows[n_rows]))
            n_rows++;
        free(names[i]);
    }
    printf("| dataset (metric) | majority vote |");
    for (size_t v = 0; v < N_VARIANTS; v++)
        printf(" %s (U) |", variants[v].name);
    printf(" default (W) |\n|---|---:|");
    for (size_t v = 0; v <= N_VARIANTS; v++)
        printf("---:|");
    printf("\n");
    for (size_t r = 0; r < n_rows; r++) {
        printf("| %s (%s) | %.3f |", rows[r].name, rows[r].metric, rows[r].mv);
        for (size_t v = 0; v < N_VARIANTS; v++)
            printf(" %.3f%s |", rows[r].u[v],
                   v != 0 ? "" : rows[r].fallback ? "*" : rows[r].votes_only ? "+" : "");
        if (rows[r].have_w)
            printf(" %.3f |\n", rows[r].w);
        else
            printf(" - |\n");
        sum_mv += rows[r].mv;
        for (size_t v = 0; v < N_VARIANTS; v++)
            sum_u[v] += rows[r].u[v];
    }
    printf("| mean | %.4f |", n_rows ? sum_mv / (double)n_rows : 0);
    for (size_t v = 0; v < N_VARIANTS; v++)
        printf(" %.4f |", n_rows ? sum_u[v] / (double)n_rows : 0);
    printf(" |\n\n* the fit fell back to majority vote (the votes did not identify the model).\n"
           "+ the single-class sources co-fired beyond the model: refitted with votes only.\n");
    return 0;
}
