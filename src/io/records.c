/*
 * Records from JSON Lines: each line parsed with cJSON, only the requested fields kept, as text
 * in one arena (offsets, not pointers, while it grows), with the line each record came from.
 */
#include "io_internal.h"
#include "wsl/records.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ABSENT SIZE_MAX

typedef enum kind { K_ABSENT = 0, K_STRING, K_NUMBER, K_OTHER } kind;

struct wsl_records {
    wsl_allocator alloc;
    char *name;            /* path or memory name, for messages */
    size_t n_fields;
    size_t n, cap;         /* records, and rows allocated */
    size_t *off;           /* n x n_fields offsets into text, ABSENT when absent or null */
    unsigned char *kinds;  /* n x n_fields */
    size_t *lines;         /* line of each record */
    char *text;            /* every kept value, NUL-terminated */
    size_t text_len, text_cap;
    char **fields;         /* the requested names */
};

void wsl_records_free(wsl_records *r)
{
    wsl_allocator a;
    if (!r)
        return;
    a = r->alloc;
    if (r->fields)
        for (size_t f = 0; f < r->n_fields; f++)
            wsl__free(&a, r->fields[f]);
    wsl__free(&a, r->fields);
    wsl__free(&a, r->off);
    wsl__free(&a, r->kinds);
    wsl__free(&a, r->lines);
    wsl__free(&a, r->text);
    wsl__free(&a, r->name);
    wsl__free(&a, r);
}

static wsl_status grow_rows(wsl_records *r)
{
    size_t cap = r->cap ? r->cap * 2 : 256, cells;
    void *p;
    if (!wsl__mul_size(&cells, cap, r->n_fields))
        return wsl__error(WSL_ENOMEM, "wsl_records_read: too many records");
    if (!(p = wsl__reallocarray(&r->alloc, r->off, cells, sizeof *r->off)))
        return WSL_ENOMEM;
    r->off = p;
    if (!(p = wsl__reallocarray(&r->alloc, r->kinds, cells, 1)))
        return WSL_ENOMEM;
    r->kinds = p;
    if (!(p = wsl__reallocarray(&r->alloc, r->lines, cap, sizeof *r->lines)))
        return WSL_ENOMEM;
    r->lines = p;
    r->cap = cap;
    return WSL_OK;
}

/* Append s[0..len) and a NUL to the arena; *off receives where it starts. */
static wsl_status append_text(wsl_records *r, const char *s, size_t len, size_t *off)
{
    size_t need;
    if (!wsl__add_size(&need, r->text_len, len) || !wsl__add_size(&need, need, 1))
        return wsl__error(WSL_ENOMEM, "wsl_records_read: values too large");
    if (need > r->text_cap) {
        size_t cap = r->text_cap ? r->text_cap : 4096;
        char *p;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (!(p = wsl__realloc(&r->alloc, r->text, cap)))
            return WSL_ENOMEM;
        r->text = p;
        r->text_cap = cap;
    }
    memcpy(r->text + r->text_len, s, len);
    r->text[r->text_len + len] = '\0';
    *off = r->text_len;
    r->text_len = need;
    return WSL_OK;
}

/* Keep one field's value as text. */
static wsl_status keep_value(wsl_records *r, const cJSON *item, size_t cell)
{
    char buf[48];
    wsl_status st;
    r->off[cell] = ABSENT;
    r->kinds[cell] = K_ABSENT;
    if (!item || cJSON_IsNull(item))
        return WSL_OK;
    if (cJSON_IsString(item)) {
        r->kinds[cell] = K_STRING;
        return append_text(r, item->valuestring, strlen(item->valuestring), &r->off[cell]);
    }
    if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        /* Integers print as integers; anything else round-trips through "%.17g". */
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
            snprintf(buf, sizeof buf, "%.0f", v);
        else
            snprintf(buf, sizeof buf, "%.17g", v);
        r->kinds[cell] = K_NUMBER;
        return append_text(r, buf, strlen(buf), &r->off[cell]);
    }
    if (cJSON_IsBool(item)) {
        r->kinds[cell] = K_OTHER;
        return append_text(r, cJSON_IsTrue(item) ? "true" : "false",
                           cJSON_IsTrue(item) ? 4 : 5, &r->off[cell]);
    }
    {
        char *json = cJSON_PrintUnformatted(item);
        if (!json)
            return wsl__error(WSL_ENOMEM, "wsl_records_read: out of memory printing a value");
        r->kinds[cell] = K_OTHER;
        st = append_text(r, json, strlen(json), &r->off[cell]);
        cJSON_free(json);
        return st;
    }
}

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Parse one line into record r->n. */
static wsl_status parse_line(wsl_records *r, wsl__reader *rd, const char *fn, const char *line,
                             size_t len)
{
    const char *end = NULL, *nul = memchr(line, '\0', len);
    cJSON *root;
    wsl_status st = WSL_OK;
    /* cJSON reads a NUL byte between tokens as a space and keeps it in a string, where the
     * value would then end: JSON allows neither, so neither do we. */
    if (nul)
        return wsl__reader_error(rd, fn, (size_t)(nul - line) + 1, WSL_EFORMAT,
                                 "NUL byte (JSON escapes it as \\u0000)");
    root = wsl__json_parse(line, len, &end);
    if (!root) {
        size_t col = end && end >= line && end <= line + len ? (size_t)(end - line) + 1 : 1;
        return wsl__reader_error(rd, fn, col, WSL_EFORMAT, "not a JSON object (malformed JSON)");
    }
    if (!blank(end, len - (size_t)(end - line))) {
        size_t at = (size_t)(end - line);
        while (line[at] == ' ' || line[at] == '\t' || line[at] == '\r')
            at++;
        st = wsl__reader_error(rd, fn, at + 1, WSL_EFORMAT, "text after the JSON object");
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        st = wsl__reader_error(rd, fn, 1, WSL_EFORMAT, "expected a JSON object {...}");
        goto done;
    }
    if (r->n == r->cap && (st = grow_rows(r)) != WSL_OK)
        goto done;
    for (size_t f = 0; f < r->n_fields; f++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, r->fields[f]);
        if ((st = keep_value(r, item, r->n * r->n_fields + f)) != WSL_OK)
            goto done;
    }
    r->lines[r->n++] = rd->line_no;
done:
    cJSON_Delete(root);
    return st;
}

static wsl_status check_fields(const char *fn, const char *const *fields, size_t n_fields)
{
    if (!fields || n_fields == 0)
        return wsl__error(WSL_EINVAL, "%s: at least one field name is needed", fn);
    for (size_t f = 0; f < n_fields; f++) {
        if (!fields[f] || !fields[f][0])
            return wsl__error(WSL_EINVAL, "%s: fields[%zu] is NULL or empty", fn, f);
        for (size_t g = 0; g < f; g++)
            if (strcmp(fields[f], fields[g]) == 0)
                return wsl__error(WSL_EINVAL, "%s: field \"%s\" is named twice", fn, fields[f]);
    }
    return WSL_OK;
}

wsl_status wsl__records_read(wsl_records **out, wsl__reader *rd, const char *fn,
                             const char *const *fields, size_t n_fields)
{
    wsl_records *r = wsl__calloc(&rd->a, 1, sizeof *r);
    wsl_status st = WSL_OK;
    if (!r)
        return WSL_ENOMEM;
    r->alloc = rd->a;
    r->n_fields = n_fields;
    if (!(r->name = wsl__strdup(&r->alloc, rd->name)) ||
        !(r->fields = wsl__calloc(&r->alloc, n_fields, sizeof *r->fields))) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t f = 0; f < n_fields; f++)
        if (!(r->fields[f] = wsl__strdup(&r->alloc, fields[f]))) {
            st = WSL_ENOMEM;
            goto done;
        }
    if ((st = wsl__reader_skip_bom(rd, fn)) != WSL_OK)
        goto done;
    for (;;) {
        const char *line;
        size_t len;
        bool got;
        if ((st = wsl__reader_line(rd, fn, &line, &len, &got)) != WSL_OK || !got)
            break;
        if (blank(line, len))
            continue;
        if ((st = parse_line(r, rd, fn, line, len)) != WSL_OK)
            break;
    }
done:
    if (st != WSL_OK) {
        wsl_records_free(r);
        return st;
    }
    *out = r;
    return WSL_OK;
}

wsl_status wsl_records_read(wsl_records **out, const char *path, const char *const *fields,
                            size_t n_fields, const wsl_allocator *alloc)
{
    wsl__reader rd;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(check_fields(__func__, fields, n_fields));
    WSL_TRY(wsl__reader_open_file(&rd, __func__, path, alloc));
    st = wsl__records_read(out, &rd, __func__, fields, n_fields);
    wsl__reader_close(&rd);
    return st;
}

wsl_status wsl_records_read_mem(wsl_records **out, const char *data, size_t len,
                                const char *name, const char *const *fields, size_t n_fields,
                                const wsl_allocator *alloc)
{
    wsl__reader rd;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(data != NULL || len == 0);
    WSL_TRY(check_fields(__func__, fields, n_fields));
    wsl__reader_open_mem(&rd, data, len, name, alloc);
    st = wsl__records_read(out, &rd, __func__, fields, n_fields);
    wsl__reader_close(&rd);
    return st;
}

size_t wsl_records_count(const wsl_records *r)
{
    return r ? r->n : 0;
}

size_t wsl_records_line(const wsl_records *r, size_t row)
{
    return r && row < r->n ? r->lines[row] : 0;
}

const char *wsl_records_get(const wsl_records *r, size_t row, size_t field)
{
    size_t off;
    if (!r || row >= r->n || field >= r->n_fields)
        return NULL;
    off = r->off[row * r->n_fields + field];
    return off == ABSENT ? NULL : r->text + off;
}

static wsl_status check_access(const char *fn, const wsl_records *r, size_t field, size_t out_len)
{
    if (field >= r->n_fields)
        return wsl__error(WSL_ERANGE, "%s: field %zu is out of range (%zu fields were read)", fn,
                          field, r->n_fields);
    if (out_len < r->n)
        return wsl__error(WSL_EBUFS, "%s: out_len is %zu, %zu records need that many", fn,
                          out_len, r->n);
    return WSL_OK;
}

wsl_status wsl_records_texts(const wsl_records *r, size_t field, const char **out, size_t out_len)
{
    WSL_CHECK_ARG(r != NULL);
    WSL_CHECK_ARG(out != NULL || out_len == 0);
    WSL_TRY(check_access(__func__, r, field, out_len));
    for (size_t i = 0; i < r->n; i++) {
        unsigned char k = r->kinds[i * r->n_fields + field];
        if (k != K_STRING)
            return wsl__error(WSL_EFORMAT, "%s: %s:%zu: \"%s\" is %s", __func__, r->name,
                              r->lines[i], r->fields[field],
                              k == K_ABSENT ? "absent or null" : "not a string");
    }
    for (size_t i = 0; i < r->n; i++)
        out[i] = r->text + r->off[i * r->n_fields + field];
    return WSL_OK;
}

wsl_status wsl_records_labels(const wsl_records *r, size_t field, int32_t k, int32_t *out,
                              size_t out_len)
{
    WSL_CHECK_ARG(r != NULL);
    WSL_CHECK_ARG(out != NULL || out_len == 0);
    if (k < 0)
        return wsl__error(WSL_EINVAL, "%s: k must be >= 0 (got %ld)", __func__, (long)k);
    WSL_TRY(check_access(__func__, r, field, out_len));
    /* Check everything before writing anything. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->n; i++) {
            size_t cell = i * r->n_fields + field;
            double v = -1;
            if (r->kinds[cell] == K_NUMBER) {
                v = strtod(r->text + r->off[cell], NULL);
            } else if (r->kinds[cell] != K_ABSENT) {
                return wsl__error(WSL_EFORMAT, "%s: %s:%zu: \"%s\" is not a number", __func__,
                                  r->name, r->lines[i], r->fields[field]);
            }
            if (v != floor(v) || fabs(v) > 2147483647.0)
                return wsl__error(WSL_EFORMAT, "%s: %s:%zu: \"%s\" = %s is not an integer label",
                                  __func__, r->name, r->lines[i], r->fields[field],
                                  r->text + r->off[cell]);
            if (v < WSL_ABSTAIN || (k > 0 && v >= k))
                return wsl__error(WSL_ERANGE, "%s: %s:%zu: \"%s\" = %.0f is outside -1..%ld",
                                  __func__, r->name, r->lines[i], r->fields[field], v,
                                  k > 0 ? (long)k - 1 : 2147483647L);
            if (pass == 1)
                out[i] = (int32_t)v;
        }
    }
    return WSL_OK;
}
