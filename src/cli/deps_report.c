#include "deps_report.h"
#include "args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TOP_PAIRS 20

typedef struct pair {
    size_t i, j;
    double g, df, z;
} pair;

static int by_z_desc(const void *a, const void *b)
{
    double x = ((const pair *)a)->z, y = ((const pair *)b)->z;
    return (x < y) - (x > y);
}

static void print_name(char *const *names, size_t j, int json)
{
    char buf[32];
    snprintf(buf, sizeof buf, "lf%zu", j);
    if (json)
        wsl_cli_json_string(stdout, names ? names[j] : buf);
    else
        fputs(names ? names[j] : buf, stdout);
}

static void print_number(double v)
{
    if (isfinite(v))
        printf("%.6g", v);
    else
        printf("null");
}

wsl_status wsl_cli_print_dependencies(const wsl_label_model *model, const wsl_label_matrix *L,
                                      char *const *names, int json)
{
    size_t m = wsl_label_matrix_n_sources(L), nq = 0, nm = 0, n_pairs = 0, at = 0;
    size_t *sizes = NULL, *members = NULL;
    double *g = malloc(m * m * sizeof *g), *df = malloc(m * m * sizeof *df);
    pair *pairs = malloc((m * (m - 1) / 2 + 1) * sizeof *pairs);
    wsl_status st;
    if (!g || !df || !pairs) {
        st = WSL_ENOMEM;
        goto done;
    }
    if ((st = wsl_label_model_cliques(model, NULL, 0, NULL, 0, &nq, &nm)) != WSL_OK &&
        st != WSL_EBUFS)
        goto done;
    sizes = malloc((nq ? nq : 1) * sizeof *sizes);
    members = malloc((nm ? nm : 1) * sizeof *members);
    if (!sizes || !members) {
        st = WSL_ENOMEM;
        goto done;
    }
    if ((st = wsl_label_model_cliques(model, sizes, nq, members, nm, NULL, NULL)) != WSL_OK ||
        (st = wsl_label_model_dependencies(model, L, g, m * m, df, m * m)) != WSL_OK)
        goto done;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            pair p = {i, j, g[i * m + j], df[i * m + j], NAN};
            if (isnan(p.g))
                continue; /* one clique: modelled jointly */
            p.z = p.df > 0 ? (p.g - p.df) / sqrt(2 * p.df) : 0;
            pairs[n_pairs++] = p;
        }
    qsort(pairs, n_pairs, sizeof *pairs, by_z_desc);
    printf(json ? "\"dependencies\": {\"cliques\": [" : "\ncliques (modelled jointly):");
    for (size_t q = 0; q < nq; q++) {
        printf(json ? "%s[" : "%s{", json ? (q ? ", " : "") : " ");
        for (size_t t = 0; t < sizes[q]; t++, at++) {
            printf("%s", t ? ", " : "");
            print_name(names, members[at], json);
        }
        printf(json ? "]" : "}");
    }
    if (!json) {
        printf("%s\npairs co-voting beyond the model (G against the model, df degrees of freedom; "
               "z = (G - df) / sqrt(2 df), far above 3 = the pair shares logic):\n",
               nq ? "" : " none");
        printf("%-20s %-20s %12s %6s %10s\n", "source", "source", "G", "df", "z");
        for (size_t t = 0; t < n_pairs && t < TOP_PAIRS; t++) {
            char a[64], b[64];
            snprintf(a, sizeof a, "%s", names ? names[pairs[t].i] : "");
            snprintf(b, sizeof b, "%s", names ? names[pairs[t].j] : "");
            if (!names) {
                snprintf(a, sizeof a, "lf%zu", pairs[t].i);
                snprintf(b, sizeof b, "lf%zu", pairs[t].j);
            }
            printf("%-20s %-20s %12.2f %6.0f %10.2f\n", a, b, pairs[t].g, pairs[t].df, pairs[t].z);
        }
        if (n_pairs > TOP_PAIRS)
            printf("(%zu more pairs; --json lists them all)\n", n_pairs - TOP_PAIRS);
    } else {
        printf("], \"pairs\": [");
        for (size_t t = 0; t < n_pairs; t++) {
            printf("%s{\"i\": %zu, \"j\": %zu, \"g\": ", t ? ", " : "", pairs[t].i, pairs[t].j);
            print_number(pairs[t].g);
            printf(", \"df\": ");
            print_number(pairs[t].df);
            printf(", \"z\": ");
            print_number(pairs[t].z);
            printf("}");
        }
        printf("]}");
    }
done:
    free(g);
    free(df);
    free(pairs);
    free(sizes);
    free(members);
    return st;
}
