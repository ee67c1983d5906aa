/* HTML and inline SVG for `wsl report`: escaping and the charts it draws. Everything is written
 * to a FILE; nothing refers to anything outside the page. */
#ifndef WSL_CLI_HTML_H
#define WSL_CLI_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Write s escaped for HTML text and quoted attribute values: & < > " ' become entities; control
 * characters other than tab and newline become U+FFFD. */
void wsl_html_text(FILE *f, const char *s);

/* As wsl_html_text, cut to at most max_chars characters (UTF-8 aware) with an ellipsis. */
void wsl_html_text_cut(FILE *f, const char *s, size_t max_chars);

/* A number, or "n/a" when not finite. */
void wsl_html_number(FILE *f, const char *fmt, double v);

/* One series of a bar chart: a value per row (NaN = no bar, shown as "n/a"). */
typedef struct wsl_html_series {
    const char *name; /* legend text */
    const char *css;  /* class of its bars: a colour in the page's style sheet */
    const double *values;
} wsl_html_series;

/*
 * Horizontal bar chart as <svg id="id">: one row per label, one bar per series in each row
 * (class "bar <css>", a <title> with label, series and value), values from 0 to vmax, an axis
 * with gridlines, a legend when there are several series, value text beside each bar.
 */
void wsl_html_bar_chart(FILE *f, const char *id, const char *aria_label, size_t n_rows,
                        const char *const *labels, const wsl_html_series *series, size_t n_series,
                        double vmax);

#endif
