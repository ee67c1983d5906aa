/*
 * Record streams: JSON Lines or CSV records read a batch at a time, whole, for LFs that read
 * fields by name. A batch owns its records (cJSON trees, or CSV cells in one arena) until the
 * next one is read.
 */
#include "record_stream.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const FN = "wsl_record_stream_next";

wsl_status wsl__rec_bad(wsl_record_stream *s, size_t first, size_t line, size_t col,
                        wsl__rec_result *res, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    wsl_status st;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (col)
        st = wsl__error(WSL_EFORMAT, "%s: %s:%zu:%zu: %s", FN, s->name, line, col, msg);
    else
        st = wsl__error(WSL_EFORMAT, "%s: %s:%zu: %s", FN, s->name, line, msg);
    if (!s->skip_bad)
        return st;
    s->skipped++;
    if (s->on_bad)
        s->on_bad(first, wsl_last_error(), s->on_bad_payload);
    *res = WSL__REC_BAD;
    return WSL_OK;
}

/* ---------------------------------------------------------------- batches */

static void free_batch(wsl_record_stream *s)
{
    for (size_t i = 0; i < s->n_recs; i++)
        cJSON_Delete(s->recs[i].json);
    s->n_recs = 0;
    s->arena_len = 0;
    s->offs_len = 0;
}

static bool blank(const char *t, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r')
            return false;
    return true;
}

/* The next JSON object, into *json. */
static wsl_status json_record(wsl_record_stream *s, cJSON **json, size_t *line,
                              wsl__rec_result *res)
{
    const char *text, *end = NULL;
    size_t len;
    bool got;
    cJSON *root;
    *json = NULL;
    *res = WSL__REC_OK;
    do {
        WSL_TRY(wsl__reader_line(&s->rd, FN, &text, &len, &got));
        if (!got) {
            *res = WSL__REC_END;
            return WSL_OK;
        }
    } while (blank(text, len));
    *line = s->rd.line_no;
    {
        /* cJSON reads a NUL between tokens as a blank and ends a string at one: refuse it. */
        const char *nul = memchr(text, '\0', len);
        if (nul)
            return wsl__rec_bad(s, *line, *line, (size_t)(nul - text) + 1, res, "a NUL byte");
    }
    root = wsl__json_parse(text, len, &end);
    if (!root) {
        size_t col = end && end >= text && end <= text + len ? (size_t)(end - text) + 1 : 1;
        return wsl__rec_bad(s, *line, *line, col, res, "not a JSON object (malformed JSON)");
    }
    if (!blank(end, len - (size_t)(end - text))) {
        size_t at = (size_t)(end - text);
        while (text[at] == ' ' || text[at] == '\t' || text[at] == '\r')
            at++;
        cJSON_Delete(root);
        return wsl__rec_bad(s, *line, *line, at + 1, res, "text after the JSON object");
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return wsl__rec_bad(s, *line, *line, 1, res, "expected a JSON object {...}");
    }
    for (size_t f = 0; f < s->n_required; f++) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, s->required[f]);
        if (!item || cJSON_IsNull(item)) {
            cJSON_Delete(root);
            return wsl__rec_bad(s, *line, *line, 0, res, "the record has no field \"%s\"",
                                s->required[f]);
        }
    }
    *json = root;
    return WSL_OK;
}

/* The next CSV record, its cells appended to the batch. */
static wsl_status csv_record(wsl_record_stream *s, size_t *line, wsl__rec_result *res)
{
    size_t n_cells, offs0 = s->offs_len, arena0 = s->arena_len;
    WSL_TRY(wsl__csv_record(s, &n_cells, line, res));
    if (*res != WSL__REC_OK || n_cells == s->n_cols)
        return WSL_OK;
    s->offs_len = offs0;
    s->arena_len = arena0;
    return wsl__rec_bad(s, *line, *line, 0, res, "%zu field%s, the header has %zu", n_cells,
                        n_cells == 1 ? "" : "s", s->n_cols);
}

static wsl_status read_batch(wsl_record_stream *s, size_t max)
{
    if (max > s->recs_cap) {
        struct wsl_record *p = wsl__reallocarray(&s->a, s->recs, max, sizeof *p);
        if (!p)
            return WSL_ENOMEM;
        s->recs = p;
        s->recs_cap = max;
    }
    while (s->n_recs < max) {
        struct wsl_record *r = &s->recs[s->n_recs];
        wsl__rec_result res;
        cJSON *json = NULL;
        size_t line = 0;
        if (s->format == WSL_RECORDS_JSONL)
            WSL_TRY(json_record(s, &json, &line, &res));
        else
            WSL_TRY(csv_record(s, &line, &res));
        if (res == WSL__REC_END)
            break;
        if (res == WSL__REC_BAD)
            continue;
        r->s = s;
        r->line = line;
        r->json = json;
        r->cells = NULL;
        s->n_recs++;
    }
    if (s->format == WSL_RECORDS_CSV && s->n_recs) {
        /* The arena has stopped moving: cell offsets become pointers. */
        if (s->offs_len > s->cellp_cap) {
            const char **p = wsl__reallocarray(&s->a, (void *)s->cellp, s->offs_len, sizeof *p);
            if (!p)
                return WSL_ENOMEM;
            s->cellp = p;
            s->cellp_cap = s->offs_len;
        }
        for (size_t c = 0; c < s->offs_len; c++)
            s->cellp[c] = s->arena + s->offs[c];
        for (size_t i = 0; i < s->n_recs; i++)
            s->recs[i].cells = s->cellp + i * s->n_cols;
    }
    return WSL_OK;
}

wsl_status wsl_record_stream_next(wsl_record_stream *s, const wsl_record **recs, size_t max,
                                  size_t *got)
{
    wsl_status st;
    if (got)
        *got = 0;
    WSL_CHECK_ARG(s && recs && got && max > 0);
    if (s->failed)
        return wsl__error(WSL_ESTATE, "%s: the stream stopped at an earlier error", FN);
    free_batch(s);
    if ((st = read_batch(s, max)) != WSL_OK) {
        free_batch(s);
        s->failed = true;
        return st;
    }
    for (size_t i = 0; i < s->n_recs; i++)
        recs[i] = &s->recs[i];
    *got = s->n_recs;
    return WSL_OK;
}

/* ---------------------------------------------------------------- opening */

static wsl_status check_options(const wsl_record_stream_options *o)
{
    const char *fn = "wsl_record_stream_open";
    if (o->version != WSL_RECORD_STREAM_OPTIONS_VERSION)
        return wsl__error(WSL_EINVAL, "%s: options.version is %u, expected %u", fn, o->version,
                          WSL_RECORD_STREAM_OPTIONS_VERSION);
    if (o->format != WSL_RECORDS_AUTO && o->format != WSL_RECORDS_JSONL &&
        o->format != WSL_RECORDS_CSV)
        return wsl__error(WSL_EINVAL, "%s: options.format is not a wsl_records_format", fn);
    if (o->skip_bad != 0 && o->skip_bad != 1)
        return wsl__error(WSL_EINVAL, "%s: options.skip_bad must be 0 or 1", fn);
    if (o->n_required && !o->required)
        return wsl__error(WSL_EINVAL, "%s: options.required is NULL with n_required %zu", fn,
                          o->n_required);
    for (size_t f = 0; f < o->n_required; f++)
        if (!o->required[f] || !o->required[f][0])
            return wsl__error(WSL_EINVAL, "%s: options.required[%zu] is NULL or empty", fn, f);
    return WSL_OK;
}

static bool ends_with_csv(const char *name)
{
    size_t n = strlen(name);
    if (n < 4)
        return false;
    name += n - 4;
    return name[0] == '.' && (name[1] | 32) == 'c' && (name[2] | 32) == 's' &&
           (name[3] | 32) == 'v';
}

/* Read and check the CSV header: distinct, non-empty names, the required ones among them. */
static wsl_status read_header(wsl_record_stream *s)
{
    const char *fn = "wsl_record_stream_open";
    size_t n_cells, line = 0;
    wsl__rec_result res;
    int skip = s->skip_bad;
    wsl_status st;
    s->skip_bad = 0; /* a bad header is never skipped */
    st = wsl__csv_record(s, &n_cells, &line, &res);
    s->skip_bad = skip;
    if (st != WSL_OK)
        return st; /* the message names the line */
    if (res == WSL__REC_END)
        return wsl__error(WSL_EFORMAT, "%s: %s: no header line (CSV records need one naming "
                                       "the columns)", fn, s->name);
    if (!(s->cols = wsl__calloc(&s->a, n_cells, sizeof *s->cols)))
        return WSL_ENOMEM;
    s->n_cols = n_cells;
    for (size_t c = 0; c < n_cells; c++) {
        const char *name = s->arena + s->offs[c];
        if (!name[0])
            return wsl__error(WSL_EFORMAT, "%s: %s:%zu: column %zu of the header has no name",
                              fn, s->name, line, c + 1);
        for (size_t d = 0; d < c; d++)
            if (strcmp(s->cols[d], name) == 0)
                return wsl__error(WSL_EFORMAT, "%s: %s:%zu: the header names column \"%s\" twice",
                                  fn, s->name, line, name);
        if (!(s->cols[c] = wsl__strdup(&s->a, name)))
            return WSL_ENOMEM;
    }
    for (size_t f = 0; f < s->n_required; f++) {
        size_t c = 0;
        while (c < s->n_cols && strcmp(s->cols[c], s->required[f]) != 0)
            c++;
        if (c == s->n_cols)
            return wsl__error(WSL_EFORMAT, "%s: %s:%zu: the header has no column \"%s\"", fn,
                              s->name, line, s->required[f]);
    }
    s->offs_len = 0;
    s->arena_len = 0;
    return WSL_OK;
}

static wsl_status finish_open(wsl_record_stream *s, const wsl_record_stream_options *o)
{
    s->format = o->format != WSL_RECORDS_AUTO ? o->format
                : ends_with_csv(s->name)      ? WSL_RECORDS_CSV
                                              : WSL_RECORDS_JSONL;
    s->skip_bad = o->skip_bad;
    s->on_bad = o->on_bad;
    s->on_bad_payload = o->on_bad_payload;
    if (o->n_required) {
        if (!(s->required = wsl__calloc(&s->a, o->n_required, sizeof *s->required)))
            return WSL_ENOMEM;
        s->n_required = o->n_required;
        for (size_t f = 0; f < o->n_required; f++)
            if (!(s->required[f] = wsl__strdup(&s->a, o->required[f])))
                return WSL_ENOMEM;
    }
    WSL_TRY(wsl__reader_skip_bom(&s->rd, "wsl_record_stream_open"));
    return s->format == WSL_RECORDS_CSV ? read_header(s) : WSL_OK;
}

wsl_status wsl__record_stream_open_reader(wsl_record_stream **out, wsl__reader *rd,
                                         const wsl_record_stream_options *opts)
{
    wsl_record_stream_options defaults = WSL_RECORD_STREAM_OPTIONS_INIT;
    const wsl_record_stream_options *o = opts ? opts : &defaults;
    wsl_allocator a = rd->a;
    wsl_record_stream *s;
    wsl_status st;
    *out = NULL;
    if ((st = check_options(o)) != WSL_OK)
        goto fail;
    if (!(s = wsl__calloc(&a, 1, sizeof *s))) {
        st = WSL_ENOMEM;
        goto fail;
    }
    s->a = a;
    s->rd = *rd; /* the stream owns the reader from here */
    memset(rd, 0, sizeof *rd);
    if (!(s->name = wsl__strdup(&a, s->rd.name))) {
        wsl_record_stream_close(s);
        return WSL_ENOMEM;
    }
    s->rd.name = s->name; /* the reader keeps a pointer: ours outlives the caller's */
    if ((st = finish_open(s, o)) != WSL_OK) {
        wsl_record_stream_close(s);
        return st;
    }
    *out = s;
    return WSL_OK;
fail:
    wsl__reader_close(rd);
    return st;
}

wsl_status wsl_record_stream_open(wsl_record_stream **out, const char *path,
                                  const wsl_record_stream_options *opts,
                                  const wsl_allocator *alloc)
{
    wsl__reader rd;
    if (out)
        *out = NULL;
    WSL_CHECK_ARG(out && path);
    if (opts)
        WSL_TRY(check_options(opts)); /* before touching the file */
    WSL_TRY(wsl__reader_open_file(&rd, "wsl_record_stream_open", path, alloc));
    return wsl__record_stream_open_reader(out, &rd, opts);
}

wsl_status wsl_record_stream_open_mem(wsl_record_stream **out, const char *data, size_t len,
                                      const char *name, const wsl_record_stream_options *opts,
                                      const wsl_allocator *alloc)
{
    wsl__reader rd;
    if (out)
        *out = NULL;
    WSL_CHECK_ARG(out && (data || len == 0));
    if (opts)
        WSL_TRY(check_options(opts)); /* before touching the file */
    wsl__reader_open_mem(&rd, data, len, name, alloc);
    return wsl__record_stream_open_reader(out, &rd, opts);
}

void wsl_record_stream_close(wsl_record_stream *s)
{
    wsl_allocator a;
    if (!s)
        return;
    a = s->a;
    free_batch(s);
    wsl__reader_close(&s->rd);
    for (size_t f = 0; f < s->n_required; f++)
        wsl__free(&a, s->required[f]);
    wsl__free(&a, s->required);
    if (s->cols)
        for (size_t c = 0; c < s->n_cols; c++)
            wsl__free(&a, s->cols[c]);
    wsl__free(&a, s->cols);
    wsl__free(&a, s->recs);
    wsl__free(&a, s->arena);
    wsl__free(&a, s->offs);
    wsl__free(&a, (void *)s->cellp);
    wsl__free(&a, s->name);
    wsl__free(&a, s);
}

size_t wsl_record_stream_skipped(const wsl_record_stream *s)
{
    return s ? s->skipped : 0;
}

wsl_records_format wsl_record_stream_format(const wsl_record_stream *s)
{
    return s ? s->format : WSL_RECORDS_AUTO;
}

void wsl_record_stream_progress(const wsl_record_stream *s, uint64_t *done, uint64_t *total)
{
    uint64_t d = 0, t = 0;
    if (s) {
        if (s->rd.fp) {
            d = s->rd.file_read - (uint64_t)(s->rd.len - s->rd.pos);
            t = s->rd.regular ? s->rd.file_size : 0;
        } else {
            d = s->rd.pos;
            t = s->rd.len;
        }
    }
    if (done)
        *done = d;
    if (total)
        *total = t;
}

/* ---------------------------------------------------------------- fields */

static const char *csv_cell(const wsl_record *rec, const char *field)
{
    const wsl_record_stream *s = rec->s;
    for (size_t c = 0; c < s->n_cols; c++)
        if (strcmp(s->cols[c], field) == 0)
            return rec->cells[c];
    return NULL;
}

const char *wsl_record_string(const wsl_record *rec, const char *field)
{
    const cJSON *item;
    if (!rec || !field)
        return NULL;
    if (rec->cells)
        return csv_cell(rec, field);
    item = cJSON_GetObjectItemCaseSensitive((const cJSON *)rec->json, field);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int wsl_record_number(const wsl_record *rec, const char *field, double *out)
{
    if (!rec || !field || !out)
        return 0;
    if (rec->cells) {
        const char *cell = csv_cell(rec, field);
        size_t len, pos = 0, start, end;
        double v;
        if (!cell)
            return 0;
        len = strlen(cell);
        if (wsl__parse_double_field(cell, len, &pos, &v, &start, &end) != WSL__NUM_OK ||
            pos != len)
            return 0;
        *out = v;
        return 1;
    }
    {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive((const cJSON *)rec->json, field);
        /* cJSON reads 1e999 as infinity: a number out of range is no number, as in CSV. */
        if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
            return 0;
        *out = item->valuedouble;
        return 1;
    }
}

size_t wsl_record_line(const wsl_record *rec)
{
    return rec ? rec->line : 0;
}

const void *wsl_record_json(const wsl_record *rec)
{
    return rec ? rec->json : NULL;
}
