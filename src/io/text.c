/* Parsing comma-separated numeric fields, independent of the C locale. */
#include "io_internal.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void wsl__excerpt(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = 0, limit = 24;
    if (cap == 0)
        return;
    while (len > 0 && wsl__is_blank(s[len - 1]))
        len--;
    for (size_t i = 0; i < len && i < limit && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (len > limit)
        for (int i = 0; i < 3 && n + 1 < cap; i++)
            dst[n++] = '.';
    dst[n] = '\0';
}

static size_t field_end(const char *line, size_t len, size_t p)
{
    const char *c = p < len ? memchr(line + p, ',', len - p) : NULL;
    return c ? (size_t)(c - line) : len;
}

wsl__num_result wsl__parse_int_field(const char *line, size_t len, size_t *pos, int64_t *out,
                                     size_t *start, size_t *end_field)
{
    size_t p = *pos, q, d0;
    uint64_t acc = 0;
    bool neg = false, overflow = false;

    while (p < len && wsl__is_blank(line[p]))
        p++;
    *start = p;
    *end_field = field_end(line, len, p);
    if (p == len || line[p] == ',') {
        *pos = p;
        return WSL__NUM_EMPTY;
    }
    q = p;
    if (line[q] == '-' || line[q] == '+') {
        neg = line[q] == '-';
        q++;
    }
    d0 = q;
    while (q < len && line[q] >= '0' && line[q] <= '9') {
        unsigned d = (unsigned)(line[q] - '0');
        if (acc > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            acc = acc * 10 + d;
        q++;
    }
    while (q < len && wsl__is_blank(line[q]))
        q++;
    if (q == d0 || (q < len && line[q] != ',')) {
        *pos = *end_field;
        return WSL__NUM_INVALID;
    }
    *pos = q;
    if (overflow || acc > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
        return WSL__NUM_OVERFLOW;
    if (neg)
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        *out = (int64_t)acc;
    return WSL__NUM_OK;
}

static bool word_ci(const char *s, size_t len, const char *word)
{
    size_t wl = strlen(word);
    if (len != wl)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

/* Decimal floating-point grammar: [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits]. */
static bool decimal_syntax(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t e0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        e0 = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e0)
            return false;
    }
    return i == len;
}

wsl__num_result wsl__parse_double_field(const char *line, size_t len, size_t *pos, double *out,
                                        size_t *start, size_t *end_field)
{
    char tok[160];
    size_t p = *pos, e, t, n;
    const char *dp;
    char *endp;
    double v;

    while (p < len && wsl__is_blank(line[p]))
        p++;
    *start = p;
    e = field_end(line, len, p);
    *end_field = e;
    *pos = e;
    t = e;
    while (t > p && wsl__is_blank(line[t - 1]))
        t--;
    n = t - p;
    if (n == 0)
        return WSL__NUM_EMPTY;
    {
        const char *s = line + p;
        size_t sl = n;
        if (s[0] == '+' || s[0] == '-')
            s++, sl--;
        if (word_ci(s, sl, "nan") || word_ci(s, sl, "inf") || word_ci(s, sl, "infinity"))
            return WSL__NUM_NONFINITE;
    }
    if (n >= sizeof tok - 8 || !decimal_syntax(line + p, n))
        return WSL__NUM_INVALID;
    memcpy(tok, line + p, n);
    tok[n] = '\0';
    /* strtod follows LC_NUMERIC: put the locale's decimal point in place of '.'. */
    dp = localeconv()->decimal_point;
    if (dp && strcmp(dp, ".") != 0 && strlen(dp) < 8) {
        char *dot = strchr(tok, '.');
        if (dot) {
            size_t dl = strlen(dp), tail = strlen(dot + 1);
            memmove(dot + dl, dot + 1, tail + 1);
            memcpy(dot, dp, dl);
        }
    }
    errno = 0;
    v = strtod(tok, &endp);
    if (*endp != '\0')
        return WSL__NUM_INVALID;
    if (!isfinite(v))
        return WSL__NUM_OVERFLOW;
    *out = v;
    return WSL__NUM_OK;
}

size_t wsl__count_fields(const char *line, size_t len)
{
    size_t c = 1;
    for (size_t i = 0; i < len; i++)
        c += line[i] == ',';
    return c;
}

bool wsl__line_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!wsl__is_blank(line[i]))
            return false;
    return true;
}

wsl_status wsl__field_error(const wsl__reader *r, const char *fn, wsl__num_result res,
                            const char *line, size_t start, size_t end, size_t field,
                            const char *expected)
{
    char ex[40];
    wsl__excerpt(ex, sizeof ex, line + start, end > start ? end - start : 0);
    switch (res) {
    case WSL__NUM_EMPTY:
        return wsl__reader_error(r, fn, start + 1, WSL_EFORMAT, "field %zu is empty", field);
    case WSL__NUM_OVERFLOW:
        return wsl__reader_error(r, fn, start + 1, WSL_EFORMAT, "field %zu: number '%s' is out "
                                 "of range", field, ex);
    case WSL__NUM_NONFINITE:
        return wsl__reader_error(r, fn, start + 1, WSL_EFORMAT, "field %zu: '%s' is not a "
                                 "finite number", field, ex);
    default:
        return wsl__reader_error(r, fn, start + 1, WSL_EFORMAT, "field %zu: expected %s, got "
                                 "'%s'", field, expected, ex);
    }
}

wsl_status wsl__check_text_vote(const wsl__reader *r, const char *fn, size_t col, int64_t v,
                                int32_t k, const char *what)
{
    if (v < WSL_ABSTAIN)
        return wsl__reader_error(r, fn, col, WSL_EFORMAT, "%s %lld is below -1 (abstain)", what,
                                 (long long)v);
    if (k > 0 && v >= k)
        return wsl__reader_error(r, fn, col, WSL_ERANGE, "%s %lld is outside -1..%ld (k = %ld)",
                                 what, (long long)v, (long)k - 1, (long)k);
    if (v >= WSL_MAX_CARDINALITY)
        return wsl__reader_error(r, fn, col, WSL_ERANGE, "%s %lld exceeds the largest class "
                                 "%d", what, (long long)v, WSL_MAX_CARDINALITY - 1);
    return WSL_OK;
}
