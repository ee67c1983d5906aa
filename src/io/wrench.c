/* WRENCH JSON splits: {"<id>": {"label": y, "weak_labels": [...], "data": {...}}, ...}. */
#include "io_internal.h"
#include "votes/label_matrix_impl.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

typedef struct record {
    uint64_t key;       /* numeric value of the key, when every key is numeric */
    size_t doc;         /* position in the document */
    const cJSON *item;
} record;

static int cmp_record(const void *x, const void *y)
{
    const record *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

/* A non-negative decimal integer key. */
static bool numeric_key(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return false;
        d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Line and column (1-based) of byte offset off in text. */
static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static wsl_status rec_error(const wsl__reader *r, const char *fn, wsl_status st, const cJSON *rec,
                            const char *fmt, ...) WSL__PRINTF(5, 6);

static wsl_status rec_error(const wsl__reader *r, const char *fn, wsl_status st, const cJSON *rec,
                            const char *fmt, ...)
{
    char msg[320], key[40];
    const char *k = rec->string ? rec->string : "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wsl__excerpt(key, sizeof key, k, strlen(k));
    return wsl__error(st, "%s: %s: record \"%s\": %s", fn, r->name, key, msg);
}

/* An integer value in -1..limit-1 (limit: k or WSL_MAX_CARDINALITY). */
static wsl_status int_value(const wsl__reader *r, const char *fn, const cJSON *rec,
                            const cJSON *v, const char *what, size_t idx, int32_t k,
                            int32_t *out)
{
    char name[48];
    double d;
    int32_t limit = k ? k : WSL_MAX_CARDINALITY;
    if (idx == SIZE_MAX)
        snprintf(name, sizeof name, "%s", what);
    else
        snprintf(name, sizeof name, "%s[%zu]", what, idx);
    if (!cJSON_IsNumber(v))
        return rec_error(r, fn, WSL_EFORMAT, rec, "%s is not a number", name);
    d = v->valuedouble;
    if (!(d >= -2147483648.0 && d <= 2147483647.0) || (double)(int32_t)d != d)
        return rec_error(r, fn, WSL_EFORMAT, rec, "%s (%.17g) is not a 32-bit integer", name, d);
    if ((int32_t)d < WSL_ABSTAIN)
        return rec_error(r, fn, WSL_EFORMAT, rec, "%s %ld is below -1 (abstain)", name,
                         (long)(int32_t)d);
    if ((int32_t)d >= limit)
        return rec_error(r, fn, WSL_ERANGE, rec, "%s %ld is outside -1..%ld", name,
                         (long)(int32_t)d, (long)limit - 1);
    *out = (int32_t)d;
    return WSL_OK;
}

wsl_status wsl__wrench_read(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                            wsl_label_matrix **votes_out, int32_t **gold_out)
{
    wsl_allocator a = wsl__allocator(opts->alloc);
    wsl__vote_sink s;
    char *buf = NULL;
    const char *text, *end = NULL;
    size_t len, n = 0, m = 0;
    cJSON *root = NULL;
    record *recs = NULL;
    int32_t *gold = NULL, *row = NULL, max_label = WSL_ABSTAIN, k;
    bool numeric = true;
    wsl_status st = WSL_OK;

    *votes_out = NULL;
    if (gold_out)
        *gold_out = NULL;
    wsl__sink_init(&s, 1, opts->cardinality, opts->alloc);
    if (r->fp) {
        if ((st = wsl__reader_slurp(r, fn, &buf, &len)) != WSL_OK)
            goto done;
        text = buf;
    } else {
        text = (const char *)r->mem + r->pos;
        len = r->len - r->pos;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    {
        size_t off = 0;
        while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' ||
                             text[off] == '\r'))
            off++;
        if (off == len) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: empty input, expected a JSON object", fn,
                            r->name);
            goto done;
        }
    }
    root = wsl__json_parse(text, len, &end);
    if (!root) {
        size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0, l, c;
        char ex[40];
        line_col(text, off, &l, &c);
        wsl__excerpt(ex, sizeof ex, text + off, len - off < 24 ? len - off : 24);
        st = wsl__error(WSL_EFORMAT, "%s: %s:%zu:%zu: invalid JSON near '%s'", fn, r->name, l, c,
                        ex);
        goto done;
    }
    if (end) {
        size_t off = (size_t)(end - text);
        while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' ||
                             text[off] == '\r'))
            off++;
        if (off < len) {
            size_t l, c;
            line_col(text, off, &l, &c);
            st = wsl__error(WSL_EFORMAT, "%s: %s:%zu:%zu: unexpected text after the JSON value",
                            fn, r->name, l, c);
            goto done;
        }
    }
    if (!cJSON_IsObject(root)) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: the top level must be an object of records "
                        "{\"<id>\": {\"weak_labels\": [...], ...}}", fn, r->name);
        goto done;
    }
    for (const cJSON *it = root->child; it; it = it->next)
        n++;
    if (n == 0) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: no records", fn, r->name);
        goto done;
    }
    recs = wsl__mallocarray(&a, n, sizeof *recs);
    if (!recs) {
        st = WSL_ENOMEM;
        goto done;
    }
    {
        size_t i = 0;
        for (const cJSON *it = root->child; it; it = it->next, i++) {
            recs[i].item = it;
            recs[i].doc = i;
            recs[i].key = 0;
            if (numeric && !numeric_key(it->string, &recs[i].key))
                numeric = false;
        }
    }
    if (numeric) {
        qsort(recs, n, sizeof *recs, cmp_record);
        for (size_t i = 1; i < n; i++)
            if (recs[i].key == recs[i - 1].key) {
                st = rec_error(r, fn, WSL_EFORMAT, recs[i].item, "duplicate record id %llu",
                               (unsigned long long)recs[i].key);
                goto done;
            }
    }
    if (gold_out) {
        gold = wsl__mallocarray(&a, n, sizeof *gold);
        if (!gold) {
            st = WSL_ENOMEM;
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *rec = recs[i].item, *wl, *lab, *v;
        size_t count = 0, j = 0;
        int32_t label = WSL_ABSTAIN;
        if (!cJSON_IsObject(rec)) {
            st = rec_error(r, fn, WSL_EFORMAT, rec, "is not an object");
            goto done;
        }
        wl = cJSON_GetObjectItemCaseSensitive(rec, "weak_labels");
        if (!wl) {
            st = rec_error(r, fn, WSL_EFORMAT, rec, "has no \"weak_labels\"");
            goto done;
        }
        if (!cJSON_IsArray(wl)) {
            st = rec_error(r, fn, WSL_EFORMAT, rec, "\"weak_labels\" is not an array");
            goto done;
        }
        for (v = wl->child; v; v = v->next)
            count++;
        if (i == 0) {
            if (count == 0) {
                st = rec_error(r, fn, WSL_EFORMAT, rec, "\"weak_labels\" is empty");
                goto done;
            }
            m = count;
            s.m = m;
            row = wsl__mallocarray(&a, m, sizeof *row);
            if (!row) {
                st = WSL_ENOMEM;
                goto done;
            }
        } else if (count != m) {
            char first[40];
            const char *fk = recs[0].item->string ? recs[0].item->string : "";
            wsl__excerpt(first, sizeof first, fk, strlen(fk));
            st = rec_error(r, fn, WSL_EFORMAT, rec, "\"weak_labels\" has %zu votes, expected %zu "
                           "(as in record \"%s\")", count, m, first);
            goto done;
        }
        for (v = wl->child; v; v = v->next, j++)
            if ((st = int_value(r, fn, rec, v, "weak_labels", j, opts->cardinality, &row[j])) !=
                WSL_OK)
                goto done;
        lab = cJSON_GetObjectItemCaseSensitive(rec, "label");
        if (lab && !cJSON_IsNull(lab) &&
            (st = int_value(r, fn, rec, lab, "label", SIZE_MAX, opts->cardinality, &label)) !=
                WSL_OK)
            goto done;
        if (label > max_label)
            max_label = label;
        if (gold)
            gold[i] = label;
        if ((st = wsl__sink_push_row(&s, row)) != WSL_OK)
            goto done;
    }
    /* The tree is no longer needed: release it before building the result. */
    cJSON_Delete(root);
    root = NULL;
    k = wsl__sink_k(&s);
    if (!opts->cardinality && max_label + 1 > k)
        k = max_label + 1;
    s.k = k;
    if ((st = wsl__sink_finish(&s, opts->storage, votes_out)) != WSL_OK)
        goto done;
    if (gold_out) {
        *gold_out = gold;
        gold = NULL;
    }
done:
    cJSON_Delete(root);
    wsl__sink_free(&s);
    wsl__free(&a, gold);
    wsl__free(&a, row);
    wsl__free(&a, recs);
    wsl__free(&a, buf);
    return st;
}

static wsl_status write_records(wsl__out *o, const wsl_label_matrix *L, const int32_t *gold,
                                int32_t *row)
{
    size_t n = L->n, m = L->m;
    wsl__out_str(o, "{");
    for (size_t i = 0; i < n && !wsl__out_failed(o); i++) {
        int32_t label = gold ? gold[i] : WSL_ABSTAIN;
        if (label < WSL_ABSTAIN || label >= L->k)
            return wsl__error(WSL_EINVAL, "%s: gold[%zu] = %ld is outside -1..%ld", o->fn, i,
                              (long)label, (long)L->k - 1);
        WSL_TRY(wsl_label_matrix_row(L, i, row, m));
        wsl__out_str(o, i ? ",\n  \"" : "\n  \"");
        wsl__out_u64(o, i);
        wsl__out_str(o, "\": {\"label\": ");
        wsl__out_i64(o, label);
        wsl__out_str(o, ", \"weak_labels\": [");
        for (size_t j = 0; j < m; j++) {
            if (j)
                wsl__out_str(o, ", ");
            wsl__out_i64(o, row[j]);
        }
        wsl__out_str(o, "], \"data\": {}}");
    }
    wsl__out_str(o, n ? "\n}\n" : "}\n");
    return WSL_OK;
}

wsl_status wsl__wrench_write(wsl__out *o, const wsl_label_matrix *L, const int32_t *gold)
{
    int32_t *row = wsl__mallocarray(&o->a, L->m, sizeof *row);
    wsl_status st;
    if (!row)
        return WSL_ENOMEM;
    st = write_records(o, L, gold, row);
    wsl__free(&o->a, row);
    return st;
}
