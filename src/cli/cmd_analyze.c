#include "args.h"
#include "sources_file.h"
#include "deps_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void polarity_text(const wsl_lf_summary *S, size_t j, char *buf, size_t cap, int json)
{
    int32_t cls[16];
    size_t n = 0, len = 0;
    wsl_lf_summary_polarity(S, j, cls, 16, &n);
    buf[0] = '\0';
    len += (size_t)snprintf(buf + len, cap - len, json ? "[" : "");
    for (size_t c = 0; c < n && c < 16 && len < cap; c++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%ld", c ? (json ? ", " : ",") : "",
                                (long)cls[c]);
    if (n > 16 && len < cap)
        len += (size_t)snprintf(buf + len, cap - len, json ? "" : ",...");
    if (len < cap)
        snprintf(buf + len, cap - len, json ? "]" : "");
}

static int run(int argc, char **argv)
{
    const char *format = NULL, *ktext = NULL, *gold_path = NULL, *names_path = NULL,
               *model_path = NULL, *pos[1];
    int rc, json = 0;
    size_t n_pos, m, n_gold = 0;
    long long k = 0;
    wsl_label_matrix *L = NULL;
    wsl_label_model *model = NULL;
    wsl_lf_summary *S = NULL;
    wsl_lf_totals t;
    int32_t *gold = NULL;
    char **names = NULL;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--format", NULL, &format, NULL},     {"--cardinality", "-k", &ktext, NULL},
        {"--gold", NULL, &gold_path, NULL},    {"--names", NULL, &names_path, NULL},
        {"--model", NULL, &model_path, NULL},  {"--json", NULL, NULL, &json},
    };
    if ((rc = wsl_cli_parse(argc, argv, opts, 6, pos, 1, 1, &n_pos)))
        return rc;
    if (ktext && (rc = wsl_cli_long("analyze", "-k", ktext, 1, WSL_MAX_CARDINALITY, &k)))
        return rc;
    if (model_path) {
        if ((st = wsl_label_model_load(&model, model_path, NULL)))
            return wsl_cli_fail("analyze", st);
        if (!k)
            k = wsl_label_model_cardinality(model);
    }
    if ((rc = wsl_cli_read_votes("analyze", pos[0], format, (int32_t)k, &L)))
        goto done;
    m = wsl_label_matrix_n_sources(L);
    if (names_path && (rc = wsl_cli_read_names("analyze", names_path, m, &names)))
        goto done;
    if (gold_path) {
        if ((st = wsl_gold_read(&gold, &n_gold, gold_path, wsl_label_matrix_cardinality(L), NULL)))
            goto fail;
    }
    if ((st = wsl_lf_summary_compute(&S, L, gold, gold ? n_gold : 0, model)) ||
        (st = wsl_lf_summary_totals(S, &t)))
        goto fail;
    if (json) {
        printf("{\"lfs\": [");
        for (size_t j = 0; j < m; j++) {
            wsl_lf_stats s;
            char pol[256], name[32];
            wsl_lf_summary_stats(S, j, &s);
            polarity_text(S, j, pol, sizeof pol, 1);
            snprintf(name, sizeof name, "lf%zu", j);
            printf("%s{\"name\": ", j ? ", " : "");
            json_string(names ? names[j] : name);
            printf(", \"polarity\": %s, \"coverage\": %.6f, \"overlaps\": %.6f, \"conflicts\": %.6f",
                   pol, s.coverage, s.overlaps, s.conflicts);
            if (gold) {
                printf(", \"correct\": %zu, \"incorrect\": %zu, \"precision\": ", s.correct,
                       s.incorrect);
                if (isnan(s.precision))
                    printf("null");
                else
                    printf("%.6f", s.precision);
            }
            if (model && isfinite(s.learned_accuracy))
                printf(", \"learned_accuracy\": %.6f", s.learned_accuracy);
            else if (model)
                printf(", \"learned_accuracy\": null");
            printf("}");
        }
        printf("], \"totals\": {\"n\": %zu, \"m\": %zu, \"coverage\": %.6f, \"overlap\": %.6f, "
               "\"conflict\": %.6f}",
               t.n_points, t.n_sources, t.coverage, t.overlap, t.conflict);
        if (model) {
            printf(", ");
            if ((st = wsl_cli_print_dependencies(model, L, names, 1)))
                goto fail;
        }
        printf("}\n");
    } else {
        size_t w = 4;
        for (size_t j = 0; names && j < m; j++)
            if (strlen(names[j]) > w)
                w = strlen(names[j]);
        printf("%4s  %-*s  %-9s %9s %9s %9s", "j", (int)w, "name", "polarity", "coverage",
               "overlaps", "conflicts");
        if (gold)
            printf(" %8s %9s %9s", "correct", "incorrect", "precision");
        if (model)
            printf(" %8s", "learned");
        printf("\n");
        for (size_t j = 0; j < m; j++) {
            wsl_lf_stats s;
            char pol[64], name[32];
            wsl_lf_summary_stats(S, j, &s);
            polarity_text(S, j, pol, sizeof pol, 0);
            snprintf(name, sizeof name, "lf%zu", j);
            printf("%4zu  %-*s  %-9s %9.4f %9.4f %9.4f", j, (int)w, names ? names[j] : name, pol,
                   s.coverage, s.overlaps, s.conflicts);
            if (gold)
                printf(" %8zu %9zu %9.4f", s.correct, s.incorrect, s.precision);
            if (model)
                printf(" %8.4f", s.learned_accuracy);
            printf("\n");
        }
        printf("\n%zu records, %zu sources: coverage %.4f, overlap %.4f, conflict %.4f\n",
               t.n_points, t.n_sources, t.coverage, t.overlap, t.conflict);
        if (gold)
            printf("precision = correct / (correct + incorrect) over the %zu records with gold\n",
                   t.n_gold);
        if (model && (st = wsl_cli_print_dependencies(model, L, names, 0)))
            goto fail;
    }
    goto done;
fail:
    rc = wsl_cli_fail("analyze", st);
done:
    wsl_cli_free_names(names, wsl_label_matrix_n_sources(L));
    wsl_lf_summary_free(S);
    wsl_array_free(gold, NULL);
    wsl_label_model_free(model);
    wsl_label_matrix_free(L);
    return rc;
}

const wsl_cli_command wsl_cmd_analyze = {
    "analyze", "LF summary: polarity, coverage, overlaps, conflicts, precision",
    "usage: wsl analyze VOTES [--gold Y.csv] [--names NAMES.txt] [--model MODEL.json]\n"
    "                   [--format F] [-k K] [--json]\n"
    "\n"
    "Per source: the classes it emits (polarity), the fraction of records it votes on\n"
    "(coverage), on which another source also votes (overlaps) or votes another class\n"
    "(conflicts); with --gold, its correct and incorrect votes and precision (correct /\n"
    "(correct + incorrect), records with gold -1 not counted); with --model, the accuracy the\n"
    "label model learned. --names gives one name per line. --json prints one object with an\n"
    "array \"lfs\" (keys name, polarity, coverage, overlaps, conflicts[, correct, incorrect,\n"
    "precision]) and \"totals\".\n"
    "\n"
    "example:\n"
    "  wsl analyze L_train.csv --gold y_train.csv --names lfs.txt\n",
    run,
};
