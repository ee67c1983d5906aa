/* wsl report: one self-contained HTML page about a fitted label model on a label matrix. */
#include "args.h"
#include "html.h"
#include "out_file.h"
#include "progress.h"
#include "sources_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CAL_BINS            10
#define HEATMAP_MAX_SOURCES 60   /* beyond this the heat map is unreadable: table only */
#define PAIRS_MAX_SOURCES   2048 /* pair statistics need 2 m^2 doubles */
#define TOP_PAIRS           25
#define POLARITY_SHOWN      16

/* Everything the page shows, computed before a byte is written. */
typedef struct report {
    const char *model_path, *votes_path, *gold_path, *title;
    size_t n, m, k, n_gold;
    const char **labels; /* m display names (names file or "lf<j>") */
    char (*auto_names)[24];
    wsl_lf_summary *S;
    wsl_lf_totals totals;
    wsl_fit_report fit;
    double *coverage, *precision, *learned, *prior, *gold_share, *pred_share;
    double *probs, *mv_probs;
    uint8_t *covered;
    int32_t *gold;
    wsl_metrics lm_all, mv_all; /* with gold */
    size_t cal_n[CAL_BINS];
    double cal_conf[CAL_BINS], cal_acc[CAL_BINS], ece;
    size_t n_cliques, n_members, *clique_sizes, *clique_members;
    size_t *clique_of; /* m: clique index + 1, 0 = none */
    double *g, *df;    /* m x m, or NULL when m > PAIRS_MAX_SOURCES */
} report;

typedef struct pair {
    size_t i, j;
    double g, df, z;
} pair;

static int by_z_desc(const void *a, const void *b)
{
    double x = ((const pair *)a)->z, y = ((const pair *)b)->z;
    return (x < y) - (x > y);
}

static double pair_z(double g, double df)
{
    return df > 0 ? (g - df) / sqrt(2 * df) : 0;
}

static const char *const prior_names[] = {"default", "learned", "fixed", "uniform", "gold"};

static const char *enum_name(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "?";
}

static const char *start_name(wsl_lm_start s)
{
    return s == WSL_START_MAJORITY  ? "majority vote"
           : s == WSL_START_PRECISE ? "precise sources"
           : s == WSL_START_MOMENTS ? "moments"
                                    : "?";
}

/* ------------------------------------------------------------------ computing */

static void calibration(report *r)
{
    double sum_conf[CAL_BINS] = {0}, sum_acc[CAL_BINS] = {0};
    size_t counted = 0;
    memset(r->cal_n, 0, sizeof r->cal_n);
    for (size_t i = 0; i < r->n; i++) {
        const double *p = r->probs + i * r->k;
        double best = p[0], hit;
        size_t tied = 0, b;
        if (r->gold[i] < 0)
            continue;
        for (size_t c = 1; c < r->k; c++)
            best = p[c] > best ? p[c] : best;
        for (size_t c = 0; c < r->k; c++)
            tied += p[c] >= best - 1e-12;
        /* As wsl eval: a row whose top classes tie counts 1/t when gold is among them. */
        hit = p[r->gold[i]] >= best - 1e-12 ? 1.0 / (double)tied : 0.0;
        b = (size_t)(best * CAL_BINS);
        if (b >= CAL_BINS)
            b = CAL_BINS - 1;
        r->cal_n[b]++;
        sum_conf[b] += best;
        sum_acc[b] += hit;
        counted++;
    }
    r->ece = 0;
    for (size_t b = 0; b < CAL_BINS; b++) {
        r->cal_conf[b] = r->cal_n[b] ? sum_conf[b] / (double)r->cal_n[b] : NAN;
        r->cal_acc[b] = r->cal_n[b] ? sum_acc[b] / (double)r->cal_n[b] : NAN;
        if (r->cal_n[b])
            r->ece += (double)r->cal_n[b] / (double)counted * fabs(r->cal_acc[b] - r->cal_conf[b]);
    }
    if (!counted)
        r->ece = NAN;
}

/* Returns a status; allocation failures are WSL_ENOMEM. */
static wsl_status compute(report *r, const wsl_label_model *model, const wsl_label_matrix *L)
{
    size_t m = r->m, k = r->k, n = r->n;
    wsl_status st;
    r->coverage = malloc(m * sizeof *r->coverage);
    r->precision = malloc(m * sizeof *r->precision);
    r->learned = malloc(m * sizeof *r->learned);
    r->prior = malloc(k * sizeof *r->prior);
    r->gold_share = calloc(k, sizeof *r->gold_share);
    r->pred_share = calloc(k, sizeof *r->pred_share);
    r->probs = malloc((n ? n : 1) * k * sizeof *r->probs);
    r->covered = malloc(n ? n : 1);
    r->clique_of = calloc(m, sizeof *r->clique_of);
    if (!r->coverage || !r->precision || !r->learned || !r->prior || !r->gold_share ||
        !r->pred_share || !r->probs || !r->covered || !r->clique_of)
        return WSL_ENOMEM;
    if ((st = wsl_lf_summary_compute(&r->S, L, r->gold, r->gold ? n : 0, model)) ||
        (st = wsl_lf_summary_totals(r->S, &r->totals)) ||
        (st = wsl_label_model_report(model, &r->fit)) ||
        (st = wsl_label_model_accuracies(model, r->learned, m)) ||
        (st = wsl_label_model_class_prior(model, r->prior, k)) ||
        (st = wsl_label_model_predict_proba(model, L, r->probs, n * k, r->covered, n)))
        return st;
    for (size_t j = 0; j < m; j++) {
        wsl_lf_stats s;
        wsl_lf_summary_stats(r->S, j, &s);
        r->coverage[j] = s.coverage;
        r->precision[j] = s.precision;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < k; c++)
            r->pred_share[c] += r->probs[i * k + c];
    for (size_t c = 0; c < k; c++)
        r->pred_share[c] = n ? r->pred_share[c] / (double)n : NAN;
    if (r->gold) {
        r->mv_probs = malloc((n ? n : 1) * k * sizeof *r->mv_probs);
        if (!r->mv_probs)
            return WSL_ENOMEM;
        r->n_gold = 0;
        for (size_t i = 0; i < n; i++)
            if (r->gold[i] >= 0) {
                r->gold_share[r->gold[i]] += 1;
                r->n_gold++;
            }
        for (size_t c = 0; c < k; c++)
            r->gold_share[c] = r->n_gold ? r->gold_share[c] / (double)r->n_gold : NAN;
        if ((st = wsl_metrics_compute(r->probs, n, k, r->gold, n, NULL, 0, &r->lm_all, NULL, 0,
                                      NULL, 0)) ||
            (st = wsl_majority_vote_proba(L, NULL, NULL, r->mv_probs, n * k, NULL, 0)) ||
            (st = wsl_metrics_compute(r->mv_probs, n, k, r->gold, n, NULL, 0, &r->mv_all, NULL, 0,
                                      NULL, 0)))
            return st;
        calibration(r);
    }
    /* dependencies */
    if ((st = wsl_label_model_cliques(model, NULL, 0, NULL, 0, &r->n_cliques, &r->n_members)) &&
        st != WSL_EBUFS)
        return st;
    r->clique_sizes = malloc((r->n_cliques ? r->n_cliques : 1) * sizeof *r->clique_sizes);
    r->clique_members = malloc((r->n_members ? r->n_members : 1) * sizeof *r->clique_members);
    if (!r->clique_sizes || !r->clique_members)
        return WSL_ENOMEM;
    if ((st = wsl_label_model_cliques(model, r->clique_sizes, r->n_cliques, r->clique_members,
                                      r->n_members, NULL, NULL)))
        return st;
    for (size_t q = 0, at = 0; q < r->n_cliques; q++)
        for (size_t t = 0; t < r->clique_sizes[q]; t++, at++)
            r->clique_of[r->clique_members[at]] = q + 1;
    if (m <= PAIRS_MAX_SOURCES) {
        r->g = malloc(m * m * sizeof *r->g);
        r->df = malloc(m * m * sizeof *r->df);
        if (!r->g || !r->df)
            return WSL_ENOMEM;
        if ((st = wsl_label_model_dependencies(model, L, r->g, m * m, r->df, m * m)))
            return st;
    }
    return WSL_OK;
}

static void report_free(report *r)
{
    wsl_lf_summary_free(r->S);
    free(r->auto_names);
    free(r->labels);
    free(r->coverage);
    free(r->precision);
    free(r->learned);
    free(r->prior);
    free(r->gold_share);
    free(r->pred_share);
    free(r->probs);
    free(r->mv_probs);
    free(r->covered);
    free(r->clique_sizes);
    free(r->clique_members);
    free(r->clique_of);
    free(r->g);
    free(r->df);
}

/* ------------------------------------------------------------------ writing */

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "margin:2em auto;max-width:1100px;padding:0 1em;color:#1d2228;line-height:1.45}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #d8dde3;"
    "padding-bottom:.2em;margin-top:2em}\n"
    ".meta{color:#5a6570}.note{color:#5a6570;font-size:.92em}\n"
    "code{background:#f1f3f5;padding:0 .25em;border-radius:3px}\n"
    "table{border-collapse:collapse;font-size:.92em;margin:.6em 0}\n"
    "th,td{padding:.25em .6em;border-bottom:1px solid #e3e7eb;text-align:right}\n"
    "th{background:#f5f7f9;position:sticky;top:0}\n"
    "td.name,th.name,td.text,th.text{text-align:left}\n"
    "table.kv th{text-align:left;font-weight:normal;color:#5a6570;background:none}"
    "table.kv td{text-align:left}\n"
    "svg.chart{max-width:100%;height:auto;display:block;margin:.6em 0}\n"
    "svg text{font-size:11px;fill:#1d2228}svg .tick{fill:#5a6570}\n"
    "svg .grid{stroke:#e3e7eb;stroke-width:1}svg .axis{stroke:#5a6570;stroke-width:1}\n"
    "svg .diag{stroke:#8a949e;stroke-dasharray:4 3}\n"
    ".s-coverage{fill:#4c78a8}.s-precision{fill:#54a24b}.s-learned{fill:#f58518}"
    ".s-empirical{fill:#54a24b}.s-prior{fill:#f58518}.s-gold{fill:#54a24b}"
    ".s-pred{fill:#4c78a8}\n"
    ".cal-bar{fill:#4c78a8;fill-opacity:.85}.cal-gap{fill:#e45756;fill-opacity:.35}"
    ".cal-count{fill:#9aa5b1}.cal-conf{stroke:#1d2228;stroke-width:2}\n"
    ".hm-clique{fill:#b8c4d6}.hm-diag{fill:#eef0f3}\n"
    "ul.cliques li{margin:.2em 0}\n";

static void write_kv(FILE *f, const char *key, const char *fmt, double v)
{
    fprintf(f, "<tr><th>%s</th><td>", key);
    wsl_html_number(f, fmt, v);
    fputs("</td></tr>\n", f);
}

static void write_overview(FILE *f, const report *r)
{
    fputs("<section id=\"overview\"><h2>Overview</h2>\n<table class=\"kv\" "
          "id=\"overview-table\">\n",
          f);
    fprintf(f,
            "<tr><th>records (n)</th><td>%zu</td></tr>\n<tr><th>sources (m)</th><td>%zu"
            "</td></tr>\n<tr><th>classes (k)</th><td>%zu</td></tr>\n",
            r->n, r->m, r->k);
    write_kv(f, "coverage (records with a vote)", "%.4f", r->totals.coverage);
    write_kv(f, "overlap (records with two votes or more)", "%.4f", r->totals.overlap);
    write_kv(f, "conflict (records whose votes disagree)", "%.4f", r->totals.conflict);
    if (r->gold)
        fprintf(f, "<tr><th>records with gold</th><td>%zu</td></tr>\n", r->n_gold);
    fprintf(f,
            "<tr><th>fit</th><td class=\"text\">%d EM iterations%s from the %s start, "
            "%zu vote patterns</td></tr>\n",
            r->fit.iterations, r->fit.converged ? " (converged)" : " (not converged)",
            start_name(r->fit.start), r->fit.n_patterns);
    write_kv(f, "log-likelihood per record", "%.6f", r->fit.log_likelihood);
    fprintf(f,
            "<tr><th>parametrization</th><td class=\"text\">tables %s, abstain %s, class "
            "prior %s</td></tr>\n",
            enum_name(wsl_cli_tables_names, 6, (int)r->fit.tables),
            enum_name(wsl_cli_abstain_names, 7, (int)r->fit.abstain),
            enum_name(prior_names, 5, (int)r->fit.prior));
    if (r->fit.fallback)
        fputs("<tr><th>fallback</th><td class=\"text\">the votes did not identify the model: it "
              "fell back to majority vote with 70%-accurate sources</td></tr>\n",
              f);
    fputs("</table>\n", f);
    if (r->gold) {
        fputs("<table id=\"quality\"><thead><tr><th class=\"text\">labels</th><th>accuracy</th>"
              "<th>macro F1</th><th>Brier</th><th>log loss</th></tr></thead><tbody>\n",
              f);
        for (int t = 0; t < 2; t++) {
            const wsl_metrics *mt = t ? &r->mv_all : &r->lm_all;
            fprintf(f, "<tr><td class=\"text\">%s</td><td>", t ? "majority vote" : "label model");
            wsl_html_number(f, "%.4f", mt->accuracy);
            fputs("</td><td>", f);
            wsl_html_number(f, "%.4f", mt->macro_f1);
            fputs("</td><td>", f);
            wsl_html_number(f, "%.4f", mt->brier);
            fputs("</td><td>", f);
            wsl_html_number(f, "%.4f", mt->log_loss);
            fputs("</td></tr>\n", f);
        }
        fprintf(f,
                "</tbody></table>\n<p class=\"note\">Over the %zu records with gold, those "
                "without a vote included (they get the class prior, or the uniform "
                "distribution under majority vote); a record whose top classes tie among t "
                "counts 1/t.</p>\n",
                r->n_gold);
    }
    fputs("</section>\n", f);
}

static void write_summary_table(FILE *f, const report *r)
{
    fputs("<section id=\"labeling-functions\"><h2>Labeling functions</h2>\n"
          "<table id=\"lf-summary\"><thead><tr><th>j</th><th class=\"name\">name</th>"
          "<th class=\"text\">polarity</th><th>coverage</th><th>overlaps</th><th>conflicts</th>",
          f);
    if (r->gold)
        fputs("<th>correct</th><th>incorrect</th><th>precision</th>", f);
    fputs("<th>learned accuracy</th><th>clique</th></tr></thead>\n<tbody>\n", f);
    for (size_t j = 0; j < r->m; j++) {
        wsl_lf_stats s;
        int32_t cls[POLARITY_SHOWN];
        size_t np = 0;
        wsl_lf_summary_stats(r->S, j, &s);
        wsl_lf_summary_polarity(r->S, j, cls, POLARITY_SHOWN, &np);
        fprintf(f, "<tr id=\"lf-row-%zu\"><td>%zu</td><td class=\"name\">", j, j);
        wsl_html_text(f, r->labels[j]);
        fputs("</td><td class=\"text\">", f);
        for (size_t c = 0; c < np && c < POLARITY_SHOWN; c++)
            fprintf(f, "%s%ld", c ? ", " : "", (long)cls[c]);
        if (np > POLARITY_SHOWN)
            fprintf(f, ", \xe2\x80\xa6 (%zu classes)", np);
        if (np == 0)
            fputs("none", f);
        fprintf(f, "</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>", s.coverage, s.overlaps,
                s.conflicts);
        if (r->gold) {
            fprintf(f, "<td>%zu</td><td>%zu</td><td>", s.correct, s.incorrect);
            wsl_html_number(f, "%.4f", s.precision);
            fputs("</td>", f);
        }
        fputs("<td>", f);
        wsl_html_number(f, "%.4f", r->learned[j]);
        if (r->clique_of[j])
            fprintf(f, "</td><td><a href=\"#clique-%zu\">%zu</a></td></tr>\n", r->clique_of[j] - 1,
                    r->clique_of[j] - 1);
        else
            fputs("</td><td>\xe2\x80\x94</td></tr>\n", f);
    }
    fputs("</tbody></table>\n<p class=\"note\">polarity: the classes a source votes; coverage: "
          "share of records it votes on; overlaps: share where another source votes too; "
          "conflicts: share where another source votes another class",
          f);
    if (r->gold)
        fputs("; precision = correct / (correct + incorrect) over records with gold (Snorkel's "
              "empirical accuracy)",
              f);
    fputs("; learned accuracy: the label model's P(vote right | it votes), learned without "
          "gold; clique: the group of dependent sources it is modelled with (see "
          "Dependencies).</p>\n</section>\n",
          f);
}

static void write_lf_charts(FILE *f, const report *r)
{
    wsl_html_series cov = {"coverage", "s-coverage", r->coverage};
    fputs("<section id=\"coverage\"><h2>Coverage per labeling function</h2>\n", f);
    wsl_html_bar_chart(f, "chart-coverage", "coverage per labeling function", r->m, r->labels, &cov,
                       1, 1.0);
    fputs("</section>\n<section id=\"precision\"><h2>Precision per labeling function</h2>\n", f);
    if (r->gold) {
        wsl_html_series prec = {"precision", "s-precision", r->precision};
        wsl_html_bar_chart(f, "chart-precision", "precision per labeling function against gold",
                           r->m, r->labels, &prec, 1, 1.0);
        for (size_t j = 0; j < r->m; j++)
            if (isnan(r->precision[j])) {
                fputs("<p class=\"note\">n/a: the source voted on no record with gold.</p>\n", f);
                break;
            }
    } else {
        fputs("<p class=\"note\">Precision needs gold labels: run with <code>--gold</code>."
              "</p>\n",
              f);
    }
    fputs("</section>\n<section id=\"accuracy\"><h2>Learned and empirical accuracy</h2>\n", f);
    {
        wsl_html_series acc[2] = {
            {"learned (label model, no gold)", "s-learned", r->learned},
            {"empirical (precision against gold)", "s-empirical", r->precision}};
        wsl_html_bar_chart(f, "chart-accuracy",
                           "learned and empirical accuracy per labeling "
                           "function",
                           r->m, r->labels, acc, r->gold ? 2 : 1, 1.0);
    }
    fputs(r->gold ? "<p class=\"note\">Where the bars differ, the model misjudges the source "
                    "(or the gold sample is small): look at its dependencies below.</p>\n"
                  : "<p class=\"note\">With <code>--gold</code> the empirical accuracy is drawn "
                    "next to the learned one.</p>\n",
          f);
    fputs("</section>\n", f);
}

static void write_class_balance(FILE *f, const report *r)
{
    char **names = malloc(r->k * sizeof *names);
    wsl_html_series s[3];
    size_t ns = 0;
    fputs("<section id=\"class-balance\"><h2>Class balance</h2>\n", f);
    s[ns++] = (wsl_html_series){"learned class prior", "s-prior", r->prior};
    s[ns++] = (wsl_html_series){"predicted (mean probability)", "s-pred", r->pred_share};
    if (r->gold)
        s[ns++] = (wsl_html_series){"gold", "s-gold", r->gold_share};
    if (names) {
        for (size_t c = 0; c < r->k; c++) {
            names[c] = malloc(32);
            if (names[c])
                snprintf(names[c], 32, "class %zu", c);
        }
        for (size_t c = 0; c < r->k; c++)
            if (!names[c]) {
                for (size_t d = 0; d < r->k; d++)
                    free(names[d]);
                free(names);
                names = NULL;
                break;
            }
    }
    if (names)
        wsl_html_bar_chart(f, "chart-class-balance", "class balance", r->k,
                           (const char *const *)names, s, ns, 1.0);
    fputs("<table id=\"class-balance-table\"><thead><tr><th>class</th><th>learned prior</th>"
          "<th>predicted</th>",
          f);
    if (r->gold)
        fputs("<th>gold</th>", f);
    fputs("</tr></thead><tbody>\n", f);
    for (size_t c = 0; c < r->k; c++) {
        fprintf(f, "<tr><td>%zu</td><td>%.4f</td><td>", c, r->prior[c]);
        wsl_html_number(f, "%.4f", r->pred_share[c]);
        if (r->gold) {
            fputs("</td><td>", f);
            wsl_html_number(f, "%.4f", r->gold_share[c]);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n</section>\n", f);
    for (size_t c = 0; names && c < r->k; c++)
        free(names[c]);
    free(names);
}

/* White (z <= 0) to dark red (z >= 100), on a log scale: z = 3 is faint, 30 strong. */
static void heat_colour(double z, char *buf, size_t cap)
{
    double t = z > 0 ? log1p(z) / log1p(100.0) : 0;
    int gb;
    if (t > 1)
        t = 1;
    gb = (int)lround(255 - 215 * t);
    snprintf(buf, cap, "rgb(%d,%d,%d)", (int)lround(255 - 75 * t), gb, gb);
}

static void write_heatmap(FILE *f, const report *r)
{
    size_t m = r->m, longest = 1;
    double cell, label_w = 170, top;
    for (size_t j = 0; j < m; j++)
        longest = strlen(r->labels[j]) > longest ? strlen(r->labels[j]) : longest;
    /* room for the column labels, rotated by 60 degrees: at most 20 characters */
    top = 16 + 6.0 * (double)(longest < 20 ? longest : 20);
    cell = m <= 12 ? 28 : m <= 30 ? 18 : 10;
    double size = cell * (double)m, width = label_w + size + 120;
    double height = top + (size > 22.0 * 6 ? size : 22.0 * 6) + 10;
    char colour[32];
    fprintf(f,
            "<svg id=\"chart-dependencies\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"pairwise dependence "
            "beyond the model\">\n",
            width, height, width, height);
    for (size_t i = 0; i < m; i++) {
        double y = top + cell * (double)i + cell / 2 + 4, x = label_w + cell * (double)i + cell / 2;
        fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", label_w - 6,
                y);
        wsl_html_text_cut(f, r->labels[i], 24);
        fprintf(f,
                "</text><text class=\"label\" x=\"%.1f\" y=\"%.1f\" transform=\"rotate(-60 "
                "%.1f %.1f)\">",
                x, top - 6, x, top - 6);
        wsl_html_text_cut(f, r->labels[i], 20);
        fputs("</text>\n", f);
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double g = r->g[i * m + j], df = r->df[i * m + j], z = pair_z(g, df);
            const char *cls = "hm-cell";
            if (i == j)
                cls = "hm-diag";
            else if (isnan(g))
                cls = "hm-clique";
            heat_colour(z, colour, sizeof colour);
            fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"",
                    cls, label_w + cell * (double)j, top + cell * (double)i, cell - 1, cell - 1);
            if (i != j && !isnan(g))
                fprintf(f, " fill=\"%s\"", colour);
            fputs("><title>", f);
            wsl_html_text(f, r->labels[i]);
            fputs(" \xc3\x97 ", f);
            wsl_html_text(f, r->labels[j]);
            if (i == j)
                fputs("</title></rect>\n", f);
            else if (isnan(g))
                fputs(": same clique, modelled jointly</title></rect>\n", f);
            else
                fprintf(f, ": G %.2f, df %.0f, z %.2f</title></rect>\n", g, df, z);
        }
    }
    /* legend */
    {
        static const double zs[] = {0, 3, 10, 30, 100};
        double x = label_w + size + 20;
        for (size_t t = 0; t < sizeof zs / sizeof zs[0]; t++) {
            double y = top + 22.0 * (double)t;
            heat_colour(zs[t], colour, sizeof colour);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\" "
                    "stroke=\"#c9d0d7\"/><text x=\"%.1f\" y=\"%.1f\">z %s%g</text>\n",
                    x, y, colour, x + 20, y + 11,
                    t + 1 == sizeof zs / sizeof zs[0] ? "\xe2\x89\xa5 " : "", zs[t]);
        }
        fprintf(
            f,
            "<rect class=\"legend hm-clique\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\"/>"
            "<text x=\"%.1f\" y=\"%.1f\">clique</text>\n",
            x, top + 22.0 * 5, x + 20, top + 22.0 * 5 + 11);
    }
    fputs("</svg>\n", f);
}

static void write_dependencies(FILE *f, const report *r)
{
    size_t m = r->m, n_pairs = 0;
    pair *pairs = NULL;
    fputs("<section id=\"dependencies\"><h2>Dependencies</h2>\n<h3>Cliques (modelled "
          "jointly)</h3>\n<ul class=\"cliques\" id=\"cliques\">\n",
          f);
    for (size_t q = 0, at = 0; q < r->n_cliques; q++) {
        fprintf(f, "<li id=\"clique-%zu\">", q);
        for (size_t t = 0; t < r->clique_sizes[q]; t++, at++) {
            fputs(t ? ", " : "", f);
            wsl_html_text(f, r->labels[r->clique_members[at]]);
        }
        fputs("</li>\n", f);
    }
    if (!r->n_cliques)
        fputs("<li>none: every source votes independently given the class</li>\n", f);
    fputs("</ul>\n<h3>Pairs co-voting beyond the model</h3>\n", f);
    if (!r->g) {
        fprintf(f, "<p class=\"note\">Not computed: %zu sources (at most %d).</p>\n</section>\n", m,
                PAIRS_MAX_SOURCES);
        return;
    }
    fputs("<p class=\"note\">G: the G statistic of a pair's joint votes (abstain included) "
          "against what the fitted model expects, with df degrees of freedom; z = (G &#8722; df) / "
          "&#8730;(2 df). Far above 3, the two sources share logic (or errors) and count twice "
          "unless they form a clique: fit with <code>--deps learn</code> or declare the "
          "group.</p>\n",
          f);
    if (m <= HEATMAP_MAX_SOURCES && m >= 2)
        write_heatmap(f, r);
    else if (m > HEATMAP_MAX_SOURCES)
        fprintf(f,
                "<p class=\"note\">No heat map for %zu sources (at most %d); the table ranks "
                "the pairs.</p>\n",
                m, HEATMAP_MAX_SOURCES);
    if (m >= 2)
        pairs = malloc(m * (m - 1) / 2 * sizeof *pairs);
    for (size_t i = 0; pairs && i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            double g = r->g[i * m + j], df = r->df[i * m + j];
            if (isnan(g))
                continue;
            pairs[n_pairs++] = (pair){i, j, g, df, pair_z(g, df)};
        }
    if (n_pairs)
        qsort(pairs, n_pairs, sizeof *pairs, by_z_desc);
    fputs("<table id=\"dep-pairs\"><thead><tr><th>rank</th><th class=\"name\">source</th>"
          "<th class=\"name\">source</th><th>G</th><th>df</th><th>z</th></tr></thead><tbody>\n",
          f);
    for (size_t t = 0; t < n_pairs && t < TOP_PAIRS; t++) {
        fprintf(f, "<tr id=\"dep-pair-%zu\"><td>%zu</td><td class=\"name\">", t, t + 1);
        wsl_html_text(f, r->labels[pairs[t].i]);
        fputs("</td><td class=\"name\">", f);
        wsl_html_text(f, r->labels[pairs[t].j]);
        fprintf(f, "</td><td>%.2f</td><td>%.0f</td><td>%.2f</td></tr>\n", pairs[t].g, pairs[t].df,
                pairs[t].z);
    }
    fputs("</tbody></table>\n", f);
    if (n_pairs > TOP_PAIRS)
        fprintf(f,
                "<p class=\"note\">%zu more pairs (<code>wsl analyze --model --json</code> "
                "lists them all).</p>\n",
                n_pairs - TOP_PAIRS);
    fputs("</section>\n", f);
    free(pairs);
}

static void write_calibration(FILE *f, const report *r)
{
    const double left = 50, top = 16, size = 320, hist_h = 70, gap = 44;
    const double width = left + size + 30, height = top + size + gap + hist_h + 30;
    size_t max_n = 1;
    fputs("<section id=\"calibration\"><h2>Calibration of the probabilistic labels</h2>\n", f);
    if (!r->gold) {
        fputs("<p class=\"note\">The reliability diagram needs gold labels: run with "
              "<code>--gold</code>.</p>\n</section>\n",
              f);
        return;
    }
    for (size_t b = 0; b < CAL_BINS; b++)
        max_n = r->cal_n[b] > max_n ? r->cal_n[b] : max_n;
    fprintf(f,
            "<svg id=\"chart-calibration\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"reliability diagram\">\n",
            width, height, width, height);
    for (int t = 0; t <= 4; t++) {
        double v = t / 4.0, x = left + size * v, y = top + size * (1 - v);
        fprintf(f,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                x, top, x, top + size, left, y, left + size, y, x, top + size + 14, v, left - 6,
                y + 4, v);
    }
    for (size_t b = 0; b < CAL_BINS; b++) {
        double lo = (double)b / CAL_BINS, w = size / CAL_BINS, x = left + size * lo;
        double acc = r->cal_acc[b], conf = r->cal_conf[b], hh;
        if (!r->cal_n[b])
            continue;
        fprintf(f,
                "<rect class=\"cal-bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                "<title>confidence %.1f\xe2\x80\x93%.1f: %zu records, mean confidence %.3f, "
                "accuracy %.3f</title></rect>\n",
                x + 1, top + size * (1 - acc), w - 2, size * acc, lo, lo + 0.1, r->cal_n[b], conf,
                acc);
        /* the gap between the accuracy and the mean probability, and a tick at the latter */
        fprintf(f,
                "<rect class=\"cal-gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\"/>\n<line class=\"cal-conf\" x1=\"%.1f\" y1=\"%.1f\" "
                "x2=\"%.1f\" y2=\"%.1f\"/>\n",
                x + 1, top + size * (1 - fmax(acc, conf)), w - 2, size * fabs(acc - conf), x + 1,
                top + size * (1 - conf), x + w - 1, top + size * (1 - conf));
        hh = hist_h * (double)r->cal_n[b] / (double)max_n;
        fprintf(f,
                "<rect class=\"cal-count\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\"><title>%zu records</title></rect>\n",
                x + 1, top + size + gap + hist_h - hh, w - 2, hh, r->cal_n[b]);
    }
    fprintf(f,
            "<line class=\"diag\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n"
            "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n"
            "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            left, top + size, left + size, top, left, top + size, left + size, top + size, left,
            top, left, top + size);
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">predicted probability of the "
            "top class</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 %.1f %.1f)\">observed accuracy</text>\n"
            "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">records</text>\n",
            left + size / 2, top + size + 30, 12.0, top + size / 2, 12.0, top + size / 2, left - 6,
            top + size + gap + hist_h);
    fputs("</svg>\n", f);
    fputs("<p class=\"note\">Records with gold binned by the probability of their top class; bars: "
          "the share whose top class is right (ties count 1/t); black ticks: the bins' mean "
          "probability, where the bars end when the labels are calibrated (the diagonal); red: "
          "the gap. Grey: records per bin. Expected calibration error ",
          f);
    wsl_html_number(f, "%.4f", r->ece);
    fputs(".</p>\n<table id=\"calibration-bins\"><thead><tr><th>probability</th><th>records</th>"
          "<th>mean probability</th><th>accuracy</th></tr></thead><tbody>\n",
          f);
    for (size_t b = 0; b < CAL_BINS; b++) {
        if (!r->cal_n[b])
            continue;
        fprintf(f, "<tr><td>%.1f\xe2\x80\x93%.1f</td><td>%zu</td><td>%.4f</td><td>%.4f</td></tr>\n",
                (double)b / CAL_BINS, (double)(b + 1) / CAL_BINS, r->cal_n[b], r->cal_conf[b],
                r->cal_acc[b]);
    }
    fputs("</tbody></table>\n</section>\n", f);
}

static void write_page(FILE *f, const report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"wsl ",
          f);
    fputs(wsl_version_string(), f);
    fputs("\">\n<title>", f);
    wsl_html_text(f, r->title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
    wsl_html_text(f, r->title);
    fputs("</h1>\n<p class=\"meta\">Model <code>", f);
    wsl_html_text(f, r->model_path);
    fputs("</code> on votes <code>", f);
    wsl_html_text(f, r->votes_path);
    fputs("</code>", f);
    if (r->gold_path) {
        fputs(", gold <code>", f);
        wsl_html_text(f, r->gold_path);
        fputs("</code>", f);
    }
    fprintf(f, ". Written by wsl %s.</p>\n", wsl_version_string());
    write_overview(f, r);
    write_summary_table(f, r);
    write_lf_charts(f, r);
    write_class_balance(f, r);
    write_dependencies(f, r);
    write_calibration(f, r);
    fputs("</body>\n</html>\n", f);
}

/* ------------------------------------------------------------------ the command */

static int run(int argc, char **argv)
{
    const char *format = NULL, *model_path = NULL, *gold_path = NULL, *names_path = NULL,
               *out = NULL, *title = NULL, *pos[1];
    int rc = WSL_EXIT_OK, json = 0, quiet = 0;
    size_t n_pos, n_gold = 0;
    long bytes = 0;
    wsl_label_model *model = NULL;
    wsl_label_matrix *L = NULL;
    char **names = NULL;
    report r;
    wsl_cli_out o = {NULL, NULL, NULL};
    wsl_cli_progress pr;
    wsl_status st = WSL_OK;
    const wsl_cli_opt opts[] = {
        {"--model", NULL, &model_path, NULL}, {"--gold", NULL, &gold_path, NULL},
        {"--names", NULL, &names_path, NULL}, {"--output", "-o", &out, NULL},
        {"--format", NULL, &format, NULL},    {"--title", NULL, &title, NULL},
        {"--json", NULL, NULL, &json},        {"--quiet", "-q", NULL, &quiet},
    };
    memset(&r, 0, sizeof r);
    if ((rc = wsl_cli_parse(argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, 1, &n_pos)))
        return rc;
    if (!model_path || !out) {
        wsl_cli_errorf("report", "--model MODEL.json and -o REPORT.html are required (see 'wsl "
                                 "report --help')");
        return WSL_EXIT_USAGE;
    }
    {
        const char *inputs[] = {pos[0], model_path, gold_path, names_path};
        for (size_t i = 0; i < 4; i++)
            if (inputs[i] && wsl_cli_same_file(inputs[i], out)) {
                wsl_cli_errorf("report", "refusing to overwrite the input %s", inputs[i]);
                return WSL_EXIT_USAGE;
            }
    }
    wsl_cli_progress_start(&pr, "report", quiet);
    wsl_cli_progress_phase(&pr, "reading %s", model_path);
    if ((st = wsl_label_model_load(&model, model_path, NULL)))
        goto fail;
    wsl_cli_progress_phase(&pr, "reading %s", pos[0]);
    if ((rc = wsl_cli_read_votes("report", pos[0], format, wsl_label_model_cardinality(model), &L)))
        goto done;
    r.n = wsl_label_matrix_n_points(L);
    r.m = wsl_label_matrix_n_sources(L);
    r.k = (size_t)wsl_label_model_cardinality(model);
    r.model_path = model_path;
    r.votes_path = pos[0];
    r.gold_path = gold_path;
    r.title = title ? title : "wsl report";
    if (r.m != wsl_label_model_n_sources(model)) {
        wsl_cli_errorf("report", "%s has %zu sources, the model was fitted with %zu", pos[0], r.m,
                       wsl_label_model_n_sources(model));
        rc = WSL_EXIT_INPUT;
        goto done;
    }
    if (names_path && (rc = wsl_cli_read_names("report", names_path, r.m, &names)))
        goto done;
    r.labels = malloc(r.m * sizeof *r.labels);
    r.auto_names = malloc(r.m * sizeof *r.auto_names);
    if (!r.labels || !r.auto_names) {
        st = WSL_ENOMEM;
        goto fail;
    }
    for (size_t j = 0; j < r.m; j++) {
        snprintf(r.auto_names[j], sizeof r.auto_names[j], "lf%zu", j);
        r.labels[j] = names ? names[j] : r.auto_names[j];
    }
    if (gold_path) {
        if ((st = wsl_gold_read(&r.gold, &n_gold, gold_path, (int32_t)r.k, NULL)))
            goto fail;
        if (n_gold != r.n) {
            wsl_cli_errorf("report", "%s has %zu labels, %s has %zu records", gold_path, n_gold,
                           pos[0], r.n);
            rc = WSL_EXIT_INPUT;
            goto done;
        }
    }
    wsl_cli_progress_phase(&pr, "computing the summary, predictions and dependencies");
    if ((st = compute(&r, model, L)))
        goto fail;
    wsl_cli_progress_phase(&pr, "writing %s", out);
    if ((rc = wsl_cli_out_open(&o, "report", out)))
        goto done;
    write_page(o.f, &r);
    bytes = ftell(o.f);
    if ((rc = wsl_cli_out_commit(&o, "report", out)))
        goto done;
    wsl_cli_progress_end(&pr);
    if (json) {
        printf("{\"report\": ");
        wsl_cli_json_string(stdout, out);
        printf(", \"n\": %zu, \"m\": %zu, \"k\": %zu, \"n_gold\": ", r.n, r.m, r.k);
        if (r.gold)
            printf("%zu", r.n_gold);
        else
            printf("null");
        printf(", \"accuracy\": ");
        wsl_cli_json_number(stdout, r.gold ? r.lm_all.accuracy : NAN);
        printf(", \"majority_vote_accuracy\": ");
        wsl_cli_json_number(stdout, r.gold ? r.mv_all.accuracy : NAN);
        printf(", \"ece\": ");
        wsl_cli_json_number(stdout, r.gold ? r.ece : NAN);
        printf(", \"cliques\": %zu, \"bytes\": %ld}\n", r.n_cliques, bytes);
    } else if (!quiet) {
        fprintf(stderr, "wsl report: %zu records x %zu sources, %zu classes%s -> %s (%ld bytes)\n",
                r.n, r.m, r.k, r.gold ? ", with gold" : "", out, bytes);
    }
    goto done;
fail:
    rc = wsl_cli_fail("report", st);
done:
    wsl_cli_progress_end(&pr);
    wsl_cli_out_abort(&o);
    wsl_cli_free_names(names, r.m);
    wsl_array_free(r.gold, NULL);
    report_free(&r);
    wsl_label_matrix_free(L);
    wsl_label_model_free(model);
    return rc;
}

const wsl_cli_command wsl_cmd_report = {
    "report",
    "one self-contained HTML page: LF table, charts, dependencies, calibration",
    "usage: wsl report VOTES --model MODEL.json -o REPORT.html [--gold Y.csv]\n"
    "                  [--names NAMES.txt] [--title TEXT] [--format F] [--json] [-q]\n"
    "\n"
    "Write one HTML file, with no reference to anything outside it (inline SVG charts, no\n"
    "script, no font or image to fetch), about MODEL on VOTES:\n"
    "  - overview: n, m, k, coverage, overlap, conflict, how the fit went\n"
    "  - the LF summary table (polarity, coverage, overlaps, conflicts; with --gold correct,\n"
    "    incorrect, precision) and the accuracy the model learned for each source\n"
    "  - bar charts of coverage and precision per source, learned against empirical accuracy\n"
    "  - class balance: learned class prior, mean predicted probability, gold balance\n"
    "  - dependencies: the model's cliques, a heat map of the pairs' co-voting beyond the\n"
    "    model (up to 60 sources) and the pairs ranked\n"
    "  - with --gold: accuracy of the label model and of majority vote, and a reliability\n"
    "    diagram of the probabilistic labels (10 bins of top-class probability)\n"
    "Names (--names: one per line) and paths are escaped for HTML. The file is written\n"
    "atomically; no input is ever overwritten (exit 1).\n"
    "  --title TEXT   page title (default \"wsl report\")\n"
    "  --json         print a JSON summary on stdout (instead of the line on stderr)\n"
    "  -q, --quiet    no progress line and no summary on stderr\n"
    "\n"
    "example:\n"
    "  wsl report L_train.csv --model model.json --gold y_train.csv --names lfs.txt \\\n"
    "      -o report.html\n",
    run,
};
