#include "html.h"

#include <math.h>
#include <string.h>

/* Bytes of the UTF-8 sequence starting with c (1 for a stray continuation byte). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8)
        return 4;
    if (c >= 0xe0)
        return c < 0xf0 ? 3 : 1;
    if (c >= 0xc0)
        return 2;
    return 1;
}

static void text_n(FILE *f, const char *s, size_t max_chars)
{
    size_t chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t len = utf8_len(*p);
        if (chars == max_chars) {
            fputs("\xe2\x80\xa6", f); /* ellipsis */
            return;
        }
        chars++;
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) {
                fputs("&#xfffd;", f);
                break;
            }
            /* A lead byte must be followed by its continuation bytes (0x80..0xbf); anything
             * else (a stray byte, a cut sequence) is replaced, never copied with what follows. */
            for (size_t b = 1; b < len; b++)
                if ((p[b] & 0xc0) != 0x80)
                    len = 0;
            if (len == 0 || (*p >= 0x80 && *p < 0xc0) || *p >= 0xf8) {
                fputs("&#xfffd;", f);
                break;
            }
            fwrite(p, 1, len, f);
            p += len;
            continue;
        }
        p++;
    }
}

void wsl_html_text(FILE *f, const char *s)
{
    text_n(f, s, (size_t)-1);
}

void wsl_html_text_cut(FILE *f, const char *s, size_t max_chars)
{
    text_n(f, s, max_chars);
}

void wsl_html_number(FILE *f, const char *fmt, double v)
{
    if (isfinite(v))
        fprintf(f, fmt, v);
    else
        fputs("n/a", f);
}

#define LABEL_W 210.0
#define PLOT_W  400.0
#define VALUE_W 60.0
#define BAR_H   14.0
#define ROW_GAP 8.0

void wsl_html_bar_chart(FILE *f, const char *id, const char *aria_label, size_t n_rows,
                        const char *const *labels, const wsl_html_series *series, size_t n_series,
                        double vmax)
{
    double legend_h = n_series > 1 ? 22.0 : 0.0, axis_h = 18.0, top = legend_h + axis_h;
    double row_h = (double)n_series * BAR_H + ROW_GAP;
    double width = LABEL_W + PLOT_W + VALUE_W, height = top + (double)n_rows * row_h + 4.0;
    if (!(vmax > 0))
        vmax = 1;
    fprintf(f,
            "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
            "height=\"%.0f\" role=\"img\" aria-label=\"",
            id, width, height, width, height);
    wsl_html_text(f, aria_label);
    fputs("\">\n", f);
    /* legend: entries side by side, each as wide as its text (about 6.5 px a character) */
    {
        double x = LABEL_W;
        for (size_t s = 0; n_series > 1 && s < n_series; s++) {
            fprintf(f,
                    "<rect class=\"legend %s\" x=\"%.1f\" y=\"4\" width=\"12\" "
                    "height=\"12\"/><text class=\"legend-text\" x=\"%.1f\" y=\"14\">",
                    series[s].css, x, x + 16);
            wsl_html_text(f, series[s].name);
            fputs("</text>\n", f);
            x += 16 + 6.5 * (double)strlen(series[s].name) + 18;
        }
    }
    /* axis: gridlines and tick labels at quarters of vmax */
    for (int t = 0; t <= 4; t++) {
        double x = LABEL_W + PLOT_W * t / 4.0;
        fprintf(f,
                "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                x, top - 2, x, height - 4, x, legend_h + 12, vmax * t / 4.0);
    }
    for (size_t r = 0; r < n_rows; r++) {
        double y = top + (double)r * row_h + ROW_GAP / 2;
        fprintf(f,
                "<g class=\"row\"><text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
                "text-anchor=\"end\"><title>",
                LABEL_W - 8, y + (double)n_series * BAR_H / 2 + 4);
        wsl_html_text(f, labels[r]);
        fputs("</title>", f);
        wsl_html_text_cut(f, labels[r], 28);
        fputs("</text>\n", f);
        for (size_t s = 0; s < n_series; s++) {
            double v = series[s].values[r], yb = y + (double)s * BAR_H;
            double w = isfinite(v) ? PLOT_W * fmin(fmax(v, 0) / vmax, 1) : 0;
            if (isfinite(v)) {
                fprintf(f,
                        "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" "
                        "height=\"%.1f\"><title>",
                        series[s].css, LABEL_W, yb + 1, w, BAR_H - 2);
                wsl_html_text(f, labels[r]);
                fputs(" \xe2\x80\x94 ", f);
                wsl_html_text(f, series[s].name);
                fprintf(f, ": %.4f</title></rect>", v);
            }
            fprintf(f, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\">", LABEL_W + w + 4,
                    yb + BAR_H - 3);
            wsl_html_number(f, "%.3f", v);
            fputs("</text>\n", f);
        }
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
}
