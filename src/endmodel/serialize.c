/*
 * Save and load end models as versioned JSON ("wsl.end_model", format_version 1). Doubles are
 * "%.17g" strings (exact round trips); W keeps only its non-zero rows, since hashed text
 * touches a small share of the 2^b columns and L2 keeps the untouched ones at exactly 0.
 * Every count read is range-checked before it is converted.
 */
#include "endmodel_impl.h"
#include "io/io_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_NAME "wsl.end_model"
#define FORMAT_VERSION 1
/* The featurizer's token and n-gram hashing (featurizer.c); a new scheme gets a new name. */
#define HASH_NAME "fnv1a64-fmix-chain-1"

/* ---------------------------------------------------------------- save */

static cJSON *num_str(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateString(buf);
}

/* obj[key] = v as a "%.17g" string. */
static int add_num(cJSON *obj, const char *key, double v)
{
    cJSON *s = num_str(v);
    if (!s || !cJSON_AddItemToObject(obj, key, s)) {
        cJSON_Delete(s);
        return 0;
    }
    return 1;
}

/* Append v[0..n) to arr as "%.17g" strings (or plain numbers when ints is set). */
static int add_values(cJSON *arr, const double *v, size_t n, int ints)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *item = ints ? cJSON_CreateNumber(v[i]) : num_str(v[i]);
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return 0;
        }
    }
    return 1;
}

static int add_weights(cJSON *root, const wsl_end_model *model)
{
    const size_t k = (size_t)model->k;
    cJSON *w = cJSON_AddObjectToObject(root, "weights");
    cJSON *rows = w ? cJSON_AddArrayToObject(w, "rows") : NULL;
    cJSON *vals = rows ? cJSON_AddArrayToObject(w, "values") : NULL;
    if (!vals)
        return 0;
    const size_t n = model->rows ? model->n_listed : model->d;
    for (size_t t = 0; t < n; t++) {
        const double *r = model->theta + t * k, idx = (double)(model->rows ? model->rows[t] : t);
        size_t c = 0;
        while (c < k && r[c] == 0)
            c++;
        if (c == k)
            continue;
        if (!add_values(rows, &idx, 1, 1) || !add_values(vals, r, k, 0))
            return 0;
    }
    return 1;
}

static int add_featurizer(cJSON *root, const wsl_featurizer *fz)
{
    const wsl_featurizer_options *o = &fz->opts;
    cJSON *f = cJSON_AddObjectToObject(root, "featurizer"), *df, *cols, *counts;
    if (!f || !cJSON_AddStringToObject(f, "hash", HASH_NAME) ||
        !cJSON_AddNumberToObject(f, "hash_bits", o->hash_bits) ||
        !cJSON_AddNumberToObject(f, "ngram_max", o->ngram_max) ||
        !cJSON_AddBoolToObject(f, "lowercase", o->lowercase) ||
        !cJSON_AddBoolToObject(f, "tfidf", o->tfidf) ||
        !cJSON_AddBoolToObject(f, "sublinear_tf", o->sublinear_tf) ||
        !cJSON_AddBoolToObject(f, "normalize", o->normalize) ||
        !cJSON_AddBoolToObject(f, "fitted", fz->fitted))
        return 0;
    if (!fz->fitted || !o->tfidf)
        return 1;
    if (!cJSON_AddNumberToObject(f, "n_docs", (double)fz->n_docs) ||
        !(df = cJSON_AddObjectToObject(f, "df")) || !(cols = cJSON_AddArrayToObject(df, "cols")) ||
        !(counts = cJSON_AddArrayToObject(df, "counts")))
        return 0;
    for (size_t t = 0; t < (fz->df_cols ? fz->n_df : fz->d); t++) {
        double col = (double)(fz->df_cols ? fz->df_cols[t] : t), cnt = (double)fz->df[t];
        if (fz->df[t] && (!add_values(cols, &col, 1, 1) || !add_values(counts, &cnt, 1, 1)))
            return 0;
    }
    return 1;
}

static int add_report(cJSON *root, const wsl_end_report *r)
{
    cJSON *o = cJSON_AddObjectToObject(root, "report");
    if (!o || !cJSON_AddNumberToObject(o, "iterations", r->iterations) ||
        !cJSON_AddNumberToObject(o, "evaluations", r->evaluations) ||
        !cJSON_AddBoolToObject(o, "converged", r->converged) ||
        !cJSON_AddBoolToObject(o, "stopped_early", r->stopped_early) ||
        !cJSON_AddNumberToObject(o, "best_iteration", r->best_iteration) ||
        !cJSON_AddNumberToObject(o, "n_rows", (double)r->n_rows) ||
        !cJSON_AddNumberToObject(o, "n_uncovered", (double)r->n_uncovered))
        return 0;
    /* JSON has no NaN: a missing validation score reads back as NaN. */
    return add_num(o, "loss", r->loss) && add_num(o, "grad_norm", r->grad_norm) &&
           (!isfinite(r->valid_score) || add_num(o, "valid_score", r->valid_score));
}

wsl_status wsl_end_model_save_buf(const wsl_end_model *model, wsl_buf *out)
{
    cJSON *root = NULL, *item;
    char *text = NULL;
    size_t len;
    const size_t k = model ? (size_t)model->k : 0;
    wsl_status st = WSL_ENOMEM;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(out != NULL);
    memset(out, 0, sizeof *out);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    if (!(root = cJSON_CreateObject()) ||
        !cJSON_AddStringToObject(root, "format", FORMAT_NAME) ||
        !cJSON_AddNumberToObject(root, "format_version", FORMAT_VERSION) ||
        !cJSON_AddStringToObject(root, "library_version", wsl_version_string()) ||
        !cJSON_AddNumberToObject(root, "k", (double)model->k) ||
        !cJSON_AddNumberToObject(root, "d", (double)model->d))
        goto oom;
    if (!add_num(root, "l2", model->l2) ||
        !(item = cJSON_AddArrayToObject(root, "bias")) ||
        !add_values(item, model->theta + (model->rows ? model->n_listed : model->d) * k, k, 0) ||
        !add_weights(root, model) ||
        (model->fz && !add_featurizer(root, model->fz)) || !add_report(root, &model->report))
        goto oom;
    if (!(text = cJSON_Print(root)))
        goto oom;
    len = strlen(text);
    if (!(out->ptr = wsl__malloc(&model->alloc, len + 1)))
        goto oom;
    memcpy(out->ptr, text, len + 1);
    out->size = len;
    out->alloc_ = model->alloc;
    st = WSL_OK;
oom:
    if (st != WSL_OK)
        wsl__error(WSL_ENOMEM, "%s: out of memory building the JSON document", __func__);
    cJSON_free(text);
    cJSON_Delete(root);
    return st;
}

wsl_status wsl_end_model_save(const wsl_end_model *model, const char *path)
{
    wsl_buf buf = WSL_BUF_INIT;
    wsl__out o;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl_end_model_save_buf(model, &buf));
    memset(&o, 0, sizeof o);
    st = wsl__out_open(&o, __func__, path, &model->alloc);
    if (st == WSL_OK) {
        wsl__out_bytes(&o, buf.ptr, buf.size);
        wsl__out_char(&o, '\n');
        st = wsl__out_commit(&o);
    }
    if (st != WSL_OK)
        wsl__out_abort(&o);
    wsl_buf_dispose(&buf);
    return st;
}

/* ---------------------------------------------------------------- load */

#define LOAD_FN "wsl_end_model_load"

static wsl_status bad(const char *fmt, const char *key)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, key);
    return wsl__error(WSL_EFORMAT, LOAD_FN ": %s", msg);
}

/* A number given as a JSON number or a numeric string. */
static int get_double(const cJSON *item, double *out)
{
    char *end;
    if (cJSON_IsNumber(item)) {
        *out = item->valuedouble;
        return 1;
    }
    if (!cJSON_IsString(item))
        return 0;
    *out = strtod(item->valuestring, &end);
    return end != item->valuestring && *end == '\0';
}

/* An integer in [lo, hi], checked before any conversion. */
static wsl_status get_int(const cJSON *obj, const char *key, double lo, double hi, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    double v;
    if (!get_double(item, &v) || !(v >= lo && v <= hi) || v != floor(v)) {
        char msg[160];
        snprintf(msg, sizeof msg, "\"%s\" is missing or not an integer in %.0f..%.0f", key, lo,
                 hi);
        return wsl__error(WSL_EFORMAT, LOAD_FN ": %s", msg);
    }
    *out = v;
    return WSL_OK;
}

static wsl_status get_flag(const cJSON *obj, const char *key, int *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsBool(item))
        return bad("\"%s\" is missing or not true/false", key);
    *out = cJSON_IsTrue(item) ? 1 : 0;
    return WSL_OK;
}

/* An array of exactly n finite numbers. */
static wsl_status get_values(const cJSON *obj, const char *key, double *out, size_t n)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
    size_t i = 0;
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != n) {
        char msg[160];
        snprintf(msg, sizeof msg, "\"%s\" is missing or does not hold %zu values", key, n);
        return wsl__error(WSL_EFORMAT, LOAD_FN ": %s", msg);
    }
    cJSON_ArrayForEach(it, arr)
    {
        if (!get_double(it, &out[i]) || !isfinite(out[i]))
            return bad("\"%s\" holds a value that is not a finite number", key);
        i++;
    }
    return WSL_OK;
}

/* Indices strictly ascending below limit; returns their count through *n. */
static wsl_status get_indices(const cJSON *arr, const char *key, double limit, size_t *n)
{
    const cJSON *it;
    double prev = -1;
    *n = 0;
    if (!cJSON_IsArray(arr))
        return bad("\"%s\" is missing or not an array", key);
    cJSON_ArrayForEach(it, arr)
    {
        double v;
        if (!get_double(it, &v) || !(v > prev && v < limit) || v != floor(v))
            return bad("\"%s\" must hold ascending integer indices below the column count", key);
        prev = v;
        (*n)++;
    }
    return WSL_OK;
}

/* The weights' lengths: n listed rows (indices below d) and n x k values; nothing allocated. */
static wsl_status check_weights(const cJSON *root, const wsl_end_model *model, size_t d,
                                size_t *n)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "weights");
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(w, "values");
    size_t cells;
    WSL_TRY(get_indices(cJSON_GetObjectItemCaseSensitive(w, "rows"), "weights.rows", (double)d,
                        n));
    if (!cJSON_IsArray(vals) || !wsl__mul_size(&cells, *n, (size_t)model->k) ||
        (size_t)cJSON_GetArraySize(vals) != cells)
        return bad("\"%s\" must hold k values per listed row", "weights.values");
    return WSL_OK;
}

/* W from the listed rows (lengths checked), into dense or listed storage. */
static wsl_status read_weights(const cJSON *root, wsl_end_model *model)
{
    const size_t k = (size_t)model->k;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "weights");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(w, "rows");
    const cJSON *vt = cJSON_GetObjectItemCaseSensitive(w, "values")->child, *it;
    size_t t = 0;
    cJSON_ArrayForEach(it, rows)
    {
        double idx, *r;
        get_double(it, &idx); /* checked by get_indices */
        if (model->rows) {
            model->rows[t] = (uint32_t)idx;
            r = model->theta + t * k;
        } else {
            r = model->theta + (size_t)idx * k;
        }
        for (size_t c = 0; c < k; c++, vt = vt->next)
            if (!get_double(vt, &r[c]) || !isfinite(r[c]))
                return bad("\"%s\" holds a value that is not a finite number", "weights.values");
        t++;
    }
    return WSL_OK;
}

/*
 * Storage for d columns of which the document lists n: every row when the listed ones are at
 * least half of them, else the listed ones only. Either way the memory is at most twice what the
 * document holds, whatever "d" claims.
 */
static wsl_status alloc_weights(wsl_end_model *model, size_t d, size_t n)
{
    const size_t k = (size_t)model->k;
    if (n >= d - n) /* n >= d / 2, without overflow */
        return wsl__end_model_alloc(model, d, LOAD_FN);
    if (!(model->theta = wsl__calloc(&model->alloc, n * k + k, sizeof *model->theta)) ||
        !(model->rows = wsl__calloc(&model->alloc, n ? n : 1, sizeof *model->rows)))
        return WSL_ENOMEM;
    model->n_listed = n;
    model->d = d;
    return WSL_OK;
}

static wsl_status read_report(const cJSON *root, wsl_end_report *r)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "report"), *vs;
    double v;
    if (!cJSON_IsObject(o))
        return bad("\"%s\" is missing or not an object", "report");
    WSL_TRY(get_int(o, "iterations", 0, 2147483647.0, &v));
    r->iterations = (int)v;
    WSL_TRY(get_int(o, "evaluations", 0, 2147483647.0, &v));
    r->evaluations = (int)v;
    WSL_TRY(get_int(o, "best_iteration", 0, 2147483647.0, &v));
    r->best_iteration = (int)v;
    WSL_TRY(get_int(o, "n_rows", 0, 9007199254740992.0, &v));
    r->n_rows = (size_t)v;
    WSL_TRY(get_int(o, "n_uncovered", 0, 9007199254740992.0, &v));
    r->n_uncovered = (size_t)v;
    WSL_TRY(get_flag(o, "converged", &r->converged));
    WSL_TRY(get_flag(o, "stopped_early", &r->stopped_early));
    if (!get_double(cJSON_GetObjectItemCaseSensitive(o, "loss"), &r->loss) ||
        !get_double(cJSON_GetObjectItemCaseSensitive(o, "grad_norm"), &r->grad_norm))
        return bad("\"%s\" or \"grad_norm\" is missing or not a number", "report.loss");
    r->valid_score = NAN;
    vs = cJSON_GetObjectItemCaseSensitive(o, "valid_score");
    if (vs && !get_double(vs, &r->valid_score))
        return bad("\"%s\" is not a number", "report.valid_score");
    return WSL_OK;
}

static wsl_status read_df(const cJSON *f, wsl_featurizer *fz)
{
    const cJSON *df = cJSON_GetObjectItemCaseSensitive(f, "df");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(df, "cols");
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(df, "counts"), *it, *ct;
    double v;
    size_t n;
    WSL_TRY(get_int(f, "n_docs", 0, 9007199254740992.0, &v));
    fz->n_docs = (uint64_t)v;
    size_t t = 0;
    WSL_TRY(get_indices(cols, "featurizer.df.cols", (double)fz->d, &n));
    if (!cJSON_IsArray(counts) || (size_t)cJSON_GetArraySize(counts) != n)
        return bad("\"%s\" must hold one count per column", "featurizer.df.counts");
    /* Like the weights: per column when the document lists at least half of them. */
    WSL_TRY(2 * n >= fz->d ? wsl__featurizer_alloc_stats(fz) : wsl__featurizer_alloc_listed(fz, n));
    ct = counts->child;
    cJSON_ArrayForEach(it, cols)
    {
        double col, cnt;
        get_double(it, &col);
        if (!get_double(ct, &cnt) || !(cnt >= 1 && cnt <= (double)fz->n_docs) ||
            cnt != floor(cnt))
            return bad("\"%s\" holds a count outside 1..n_docs", "featurizer.df.counts");
        if (fz->df_cols)
            fz->df_cols[t] = (uint32_t)col;
        fz->df[fz->df_cols ? t : (size_t)col] =
            cnt > (double)UINT32_MAX ? UINT32_MAX : (uint32_t)cnt;
        ct = ct->next;
        t++;
    }
    wsl__featurizer_refresh_idf(fz);
    fz->fitted = 1;
    return WSL_OK;
}

static wsl_status read_featurizer(const cJSON *root, wsl_end_model *model)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "featurizer"), *hash;
    wsl_featurizer_options o = WSL_FEATURIZER_OPTIONS_INIT;
    wsl_featurizer *fz = NULL;
    wsl_status st;
    double v;
    int fitted = 0; /* set by get_flag; -O3 cannot tell */
    if (!f)
        return WSL_OK;
    hash = cJSON_GetObjectItemCaseSensitive(f, "hash");
    if (!cJSON_IsString(hash) || strcmp(hash->valuestring, HASH_NAME) != 0)
        return bad("\"featurizer.hash\" is not \"%s\" (a hashing this library does not know)",
                   HASH_NAME);
    WSL_TRY(get_int(f, "hash_bits", 1, 24, &v));
    o.hash_bits = (int)v;
    WSL_TRY(get_int(f, "ngram_max", 1, 4, &v));
    o.ngram_max = (int)v;
    WSL_TRY(get_flag(f, "lowercase", &o.lowercase));
    WSL_TRY(get_flag(f, "tfidf", &o.tfidf));
    WSL_TRY(get_flag(f, "sublinear_tf", &o.sublinear_tf));
    WSL_TRY(get_flag(f, "normalize", &o.normalize));
    WSL_TRY(get_flag(f, "fitted", &fitted));
    if (((size_t)1 << o.hash_bits) != model->d)
        return bad("\"featurizer.hash_bits\" does not give the model's column count%s", "");
    if (o.tfidf && !fitted)
        return bad("\"featurizer\" uses TF-IDF but is not fitted%s", "");
    WSL_TRY(wsl_featurizer_create(&fz, &o, &model->alloc));
    if (o.tfidf && (st = read_df(f, fz)) != WSL_OK) {
        wsl_featurizer_free(fz);
        return st;
    }
    fz->fitted = fitted;
    model->fz = fz;
    return WSL_OK;
}

wsl_status wsl_end_model_load_buf(wsl_end_model **out, const char *json, size_t len,
                                  const wsl_allocator *alloc)
{
    cJSON *root;
    const cJSON *f;
    wsl_end_model *model = NULL;
    wsl_status st;
    double k, d, l2;
    size_t n_listed = 0;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(json != NULL);
    if (!(root = wsl__json_parse(json, len, NULL)))
        return bad("not a JSON document%s", "");
    f = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(f) || strcmp(f->valuestring, FORMAT_NAME) != 0) {
        st = bad("\"format\" is not \"%s\"", FORMAT_NAME);
        goto done;
    }
    f = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    if (!cJSON_IsNumber(f) || f->valuedouble != FORMAT_VERSION) {
        st = wsl__error(WSL_EFORMAT, LOAD_FN ": unknown format_version %g (this library reads %d)",
                        cJSON_IsNumber(f) ? f->valuedouble : -1.0, FORMAT_VERSION);
        goto done;
    }
    if ((st = get_int(root, "k", 2, WSL_MAX_CARDINALITY, &k)) != WSL_OK ||
        (st = get_int(root, "d", 1, (double)WSL_FEATURES_MAX_COLS, &d)) != WSL_OK)
        goto done;
    if (!get_double(cJSON_GetObjectItemCaseSensitive(root, "l2"), &l2) || !(l2 >= 0) ||
        isinf(l2)) {
        st = bad("\"%s\" is missing or not a number >= 0", "l2");
        goto done;
    }
    if (d * k > (double)WSL_END_MAX_WEIGHTS) {
        st = wsl__error(WSL_EFORMAT, LOAD_FN ": %.0f columns x %.0f classes exceed the %zu "
                                     "weights an end model may have", d, k, WSL_END_MAX_WEIGHTS);
        goto done;
    }
    /* Array lengths first: what is allocated follows what the document holds. */
    f = cJSON_GetObjectItemCaseSensitive(root, "bias");
    if (!cJSON_IsArray(f) || (double)cJSON_GetArraySize(f) != k) {
        st = bad("\"%s\" is missing or does not hold k values", "bias");
        goto done;
    }
    if ((st = wsl_end_model_create(&model, (int32_t)k, alloc)) != WSL_OK ||
        (st = check_weights(root, model, (size_t)d, &n_listed)) != WSL_OK ||
        (st = alloc_weights(model, (size_t)d, n_listed)) != WSL_OK ||
        (st = get_values(root, "bias",
                         model->theta + (model->rows ? n_listed : model->d) * (size_t)k,
                         (size_t)k)) != WSL_OK ||
        (st = read_weights(root, model)) != WSL_OK ||
        (st = read_featurizer(root, model)) != WSL_OK ||
        (st = read_report(root, &model->report)) != WSL_OK)
        goto done;
    model->l2 = l2;
    model->fitted = 1;
done:
    cJSON_Delete(root);
    if (st != WSL_OK) {
        wsl_end_model_free(model);
        return st;
    }
    *out = model;
    return WSL_OK;
}

wsl_status wsl_end_model_load(wsl_end_model **out, const char *path, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    char *text = NULL;
    size_t len = 0;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, &a));
    st = wsl__reader_slurp(&r, __func__, &text, &len);
    wsl__reader_close(&r);
    if (st != WSL_OK)
        return st;
    st = wsl_end_model_load_buf(out, text, len, &a);
    if (st == WSL_EFORMAT) {
        /* Name the file in the message. */
        char detail[400];
        snprintf(detail, sizeof detail, "%s", wsl_last_error());
        wsl__error(st, "%s: %s", path, detail);
    }
    wsl__free(&a, text);
    return st;
}
