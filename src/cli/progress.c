#include "progress.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_SECONDS 0.1

/* The bar on the screen, if any: errors erase it before they print. */
static wsl_cli_progress *active;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int terminal_width(void)
{
    struct winsize ws;
    const char *env = getenv("COLUMNS");
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    if (env && atoi(env) >= 20)
        return atoi(env);
    return 80;
}

/* "0:05", "12:34", "1:02:03" */
static void format_duration(double s, char *buf, size_t cap)
{
    int t;
    if (!(s >= 0) || s > 359999) {
        snprintf(buf, cap, "--:--");
        return;
    }
    t = (int)ceil(s);
    if (t >= 3600)
        snprintf(buf, cap, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%d:%02d", t / 60, t % 60);
}

/* "950", "12.3k", "4.5M" */
static void format_count(double v, char *buf, size_t cap)
{
    if (v >= 1e9)
        snprintf(buf, cap, "%.1fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, cap, "%.1fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, cap, "%.1fk", v / 1e3);
    else
        snprintf(buf, cap, "%.0f", v);
}

/* Append to line[0..cap) at *len; stops quietly when full. */
static void append(char *line, size_t cap, size_t *len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void append(char *line, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (*len >= cap - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(line + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n < cap - 1 ? *len + (size_t)n : cap - 1;
}

static void draw(wsl_cli_progress *p, const char *text)
{
    int width = terminal_width() - 1; /* never wrap: the cursor stays on this line */
    fprintf(stderr, "\r%.*s\033[K", width, text);
    fflush(stderr);
    p->drawn = 1;
    p->last = now();
    active = p;
}

void wsl_cli_progress_start(wsl_cli_progress *p, const char *cmd, int quiet)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->on = !quiet && isatty(STDERR_FILENO);
    p->t0 = now();
}

void wsl_cli_progress_phase(wsl_cli_progress *p, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->phase, sizeof p->phase, fmt, ap);
    va_end(ap);
    p->t0 = now();
    p->last = 0;
    if (!p->on)
        return;
    snprintf(line, sizeof line, "wsl %s: %s ...", p->cmd, p->phase);
    draw(p, line);
    p->last = 0; /* the phase's first update is drawn at once */
}

void wsl_cli_progress_update(wsl_cli_progress *p, double fraction, double count, const char *unit,
                             const char *detail)
{
    char head[160], tail[320], bar[48], num[32], eta[48];
    double t, elapsed;
    size_t hl = 0, tl = 0;
    int room;
    if (!p->on)
        return;
    t = now();
    if (p->last > 0 && t - p->last < REDRAW_SECONDS)
        return;
    elapsed = t - p->t0;
    append(head, sizeof head, &hl, "wsl %s: %s ", p->cmd, p->phase);
    /* the tail: [45% ]count unit, rate, ETA[, detail] */
    if (fraction >= 0)
        append(tail, sizeof tail, &tl, "%3.0f%% ", 100 * (fraction > 1 ? 1 : fraction));
    format_count(count, num, sizeof num);
    append(tail, sizeof tail, &tl, "%s %s, ", num, unit);
    if (elapsed > 1e-3) {
        format_count(count / elapsed, num, sizeof num);
        append(tail, sizeof tail, &tl, "%s %s/s", num, unit);
    } else {
        append(tail, sizeof tail, &tl, "-- %s/s", unit);
    }
    format_duration(fraction > 0 && elapsed > 1e-3 ? elapsed * (1 - fraction) / fraction : -1, eta,
                    sizeof eta);
    append(tail, sizeof tail, &tl, ", ETA %s", eta);
    if (detail && *detail)
        append(tail, sizeof tail, &tl, ", %s", detail);
    /* the bar: up to 30 cells, leaving 40 columns for the tail (its width does not follow the
     * tail's, which would make it jitter); none below 8 */
    room = terminal_width() - 1 - (int)hl - 2 - 40;
    if (room > 30)
        room = 30;
    bar[0] = '\0';
    if (fraction >= 0 && room >= 8) {
        int fill = (int)((fraction > 1 ? 1 : fraction) * room);
        bar[0] = '[';
        for (int i = 0; i < room; i++)
            bar[1 + i] = i < fill ? '#' : '.';
        bar[room + 1] = ']';
        bar[room + 2] = ' ';
        bar[room + 3] = '\0';
    }
    {
        char line[560];
        snprintf(line, sizeof line, "%s%s%s", head, bar, tail);
        draw(p, line);
    }
}

void wsl_cli_progress_hide(void)
{
    if (active && active->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        active->drawn = 0;
        active->last = 0; /* the next update redraws at once */
    }
}

void wsl_cli_progress_end(wsl_cli_progress *p)
{
    if (active == p) {
        wsl_cli_progress_hide();
        active = NULL;
    }
    p->on = 0;
}
