/* Save and load label models as versioned JSON ("wsl.label_model", format_version 1). */
#include "model_impl.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_NAME "wsl.label_model"
#define FORMAT_VERSION 1
/* The largest double below 2^64 (and SIZE_MAX + 1 on 64-bit systems): counts up to it convert. */
/* How far from 1 a saved distribution may sum (documents written by hand have few digits). */
#define SUM_TOL 1e-6
#define COUNT_MAX (SIZE_MAX > 0xffffffffu ? 18446744073709549568.0 : 4294967295.0)

static const char *tables_name(wsl_lm_tables t)
{
    switch (t) {
    case WSL_TABLES_CLASS_ACCURACY:
        return "class_accuracy";
    case WSL_TABLES_ACCURACY:
        return "accuracy";
    case WSL_TABLES_POLARITY:
        return "polarity";
    case WSL_TABLES_ONE_COIN:
        return "one_coin";
    default:
        return "full";
    }
}

/* JSON has no NaN: a statistic that was not computed is left out (and reads back as NaN). */
static int add_finite(cJSON *obj, const char *key, double v)
{
    return isfinite(v) ? cJSON_AddNumberToObject(obj, key, v) != NULL : 1;
}

static const char *abstain_name(wsl_lm_abstain a)
{
    switch (a) {
    case WSL_ABSTAIN_RANDOM:
        return "random";
    case WSL_ABSTAIN_NEVER:
        return "never";
    case WSL_ABSTAIN_BY_POLARITY:
        return "by_polarity";
    case WSL_ABSTAIN_VOTES_ONLY:
        return "votes_only";
    default:
        return "informative";
    }
}

static const char *prior_name(wsl_lm_prior p)
{
    switch (p) {
    case WSL_PRIOR_FIXED:
        return "fixed";
    case WSL_PRIOR_UNIFORM:
        return "uniform";
    case WSL_PRIOR_GOLD:
        return "gold";
    default:
        return "learned";
    }
}

/* Doubles are written as strings of 17 significant digits ("%.17g"): exact round trips,
 * including values cJSON would print with fewer digits. */
static cJSON *number_array(const double *v, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    char buf[40];
    if (!arr)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        cJSON *item;
        snprintf(buf, sizeof buf, "%.17g", v[i]);
        item = cJSON_CreateString(buf);
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static int add_array(cJSON *root, const char *key, const double *v, size_t n)
{
    cJSON *arr = number_array(v, n);
    if (!arr)
        return 0;
    cJSON_AddItemToObject(root, key, arr);
    return 1;
}

/* A one-coin model is its sources' kinds (single_class: the class, or -1 for one coin) and
 * two numbers each, unused ones 0. */
static int add_one_coin(cJSON *root, const wsl_label_model *model)
{
    cJSON *single = cJSON_CreateIntArray(model->single, (int)model->m);
    if (!single)
        return 0;
    cJSON_AddItemToObject(root, "single_class", single);
    return add_array(root, "accuracy", model->acc, model->m) &&
           add_array(root, "vote_rate", model->rate, model->m) &&
           add_array(root, "fire_rate_class", model->fire_in, model->m) &&
           add_array(root, "fire_rate_other", model->fire_out, model->m);
}

/* "cliques": [{"members": [j, ...], "table": [P(outcome | c) row by class]}, ...] */
static int add_cliques(cJSON *root, const wsl_label_model *model)
{
    const wsl__cliques *cl = &model->cl;
    cJSON *arr = cJSON_AddArrayToObject(root, "cliques");
    if (!arr)
        return 0;
    for (size_t q = 0; q < cl->n; q++) {
        cJSON *obj = cJSON_CreateObject(), *mem = cJSON_CreateArray(), *tab;
        if (!obj || !mem || !cJSON_AddItemToArray(arr, obj)) {
            cJSON_Delete(obj);
            cJSON_Delete(mem);
            return 0;
        }
        cJSON_AddItemToObject(obj, "members", mem);
        for (size_t i = cl->start[q]; i < cl->start[q + 1]; i++) {
            cJSON *num = cJSON_CreateNumber((double)cl->members[i]);
            if (!num || !cJSON_AddItemToArray(mem, num)) {
                cJSON_Delete(num);
                return 0;
            }
        }
        tab = number_array(cl->table + cl->off[q], cl->off[q + 1] - cl->off[q]);
        if (!tab)
            return 0;
        cJSON_AddItemToObject(obj, "table", tab);
    }
    return 1;
}

static wsl_status bad(const char *what);
static wsl_status read_array(const cJSON *root, const char *key, double *out, size_t n,
                             int probabilities);

/* Read "cliques" (absent: none) into a model whose m and k are set. */
static wsl_status read_cliques(const cJSON *root, wsl_label_model *model)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "cliques"), *obj;
    size_t n, total = 0, *sizes = NULL, *members = NULL, q = 0;
    wsl_status st = WSL_OK;
    if (!arr)
        return WSL_OK;
    if (!cJSON_IsArray(arr))
        return bad("\"cliques\" is not an array");
    n = (size_t)cJSON_GetArraySize(arr);
    cJSON_ArrayForEach(obj, arr)
    {
        const cJSON *mem = cJSON_GetObjectItemCaseSensitive(obj, "members");
        if (!cJSON_IsArray(mem) || cJSON_GetArraySize(mem) < 2 || cJSON_GetArraySize(mem) > 64)
            return bad("a clique's \"members\" is missing or not an array of 2..64 sources");
        total += (size_t)cJSON_GetArraySize(mem);
    }
    sizes = wsl__mallocarray(&model->alloc, n ? n : 1, sizeof *sizes);
    members = wsl__mallocarray(&model->alloc, total ? total : 1, sizeof *members);
    if (!sizes || !members) {
        st = WSL_ENOMEM;
        goto done;
    }
    total = 0;
    cJSON_ArrayForEach(obj, arr)
    {
        const cJSON *mem = cJSON_GetObjectItemCaseSensitive(obj, "members"), *it;
        sizes[q++] = (size_t)cJSON_GetArraySize(mem);
        cJSON_ArrayForEach(it, mem)
        {
            double v = cJSON_GetNumberValue(it);
            if (!(v >= 0 && v < (double)model->m && v == floor(v))) {
                st = bad("a clique member is not a source index");
                goto done;
            }
            members[total++] = (size_t)v;
        }
    }
    if ((st = wsl__cliques_set(model, members, sizes, n, "wsl_label_model_load")) != WSL_OK) {
        if (st == WSL_EINVAL) {
            char why[256];
            snprintf(why, sizeof why, "%s", wsl_last_error());
            st = wsl__error(WSL_EFORMAT, "%s", why);
        }
        goto done;
    }
    q = 0;
    cJSON_ArrayForEach(obj, arr)
    {
        const wsl__cliques *cl = &model->cl;
        if ((st = read_array(obj, "table", cl->table + cl->off[q], cl->off[q + 1] - cl->off[q],
                             1)) != WSL_OK)
            goto done;
        for (int32_t c = 0; c < model->k; c++) {
            double sum = 0;
            for (size_t idx = 0; idx < cl->size[q]; idx++)
                sum += cl->table[cl->off[q] + (size_t)c * cl->size[q] + idx];
            if (!(fabs(sum - 1) <= SUM_TOL)) {
                st = wsl__error(WSL_EFORMAT, "wsl_label_model_load: the table of clique %zu, "
                                             "class %ld sums to %.17g, not 1", q, (long)c, sum);
                goto done;
            }
        }
        q++;
    }
done:
    wsl__free(&model->alloc, sizes);
    wsl__free(&model->alloc, members);
    return st;
}

wsl_status wsl_label_model_save_buf(const wsl_label_model *model, wsl_buf *out)
{
    cJSON *root = NULL, *report;
    char *text = NULL;
    wsl_status st = WSL_ENOMEM;
    size_t len;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(out != NULL);
    memset(out, 0, sizeof *out);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    root = cJSON_CreateObject();
    if (!root)
        goto oom;
    if (!cJSON_AddStringToObject(root, "format", FORMAT_NAME) ||
        !cJSON_AddNumberToObject(root, "format_version", FORMAT_VERSION) ||
        !cJSON_AddStringToObject(root, "library_version", wsl_version_string()) ||
        !cJSON_AddNumberToObject(root, "k", (double)model->k) ||
        !cJSON_AddNumberToObject(root, "m", (double)model->m) ||
        !cJSON_AddStringToObject(root, "tables", tables_name(model->report.tables)) ||
        !cJSON_AddStringToObject(root, "abstain", abstain_name(model->report.abstain)) ||
        !cJSON_AddStringToObject(root, "class_prior_mode", prior_name(model->report.prior)))
        goto oom;
    {
        cJSON *prior = number_array(model->prior, (size_t)model->k);
        cJSON *hist = number_array(model->history, model->n_history);
        int ok = prior && hist;
        cJSON_AddItemToObject(root, "class_prior", prior);
        cJSON_AddItemToObject(root, "history", hist);
        if (!ok || !(model->one_coin ? add_one_coin(root, model)
                                     : add_array(root, "tables_values", model->table,
                                                 model->m * (size_t)model->k *
                                                     ((size_t)model->k + 1))))
            goto oom;
    }
    if (model->cl.n && !add_cliques(root, model))
        goto oom;
    report = cJSON_AddObjectToObject(root, "report");
    if (!report || !cJSON_AddNumberToObject(report, "iterations", model->report.iterations) ||
        !cJSON_AddBoolToObject(report, "converged", model->report.converged) ||
        !cJSON_AddNumberToObject(report, "start", (double)model->report.start) ||
        !cJSON_AddNumberToObject(report, "log_likelihood", model->report.log_likelihood) ||
        !cJSON_AddNumberToObject(report, "penalized", model->report.penalized) ||
        !cJSON_AddNumberToObject(report, "n_patterns", (double)model->report.n_patterns) ||
        !cJSON_AddNumberToObject(report, "n_rows", (double)model->report.n_rows) ||
        !cJSON_AddBoolToObject(report, "fallback", model->report.fallback) ||
        !cJSON_AddBoolToObject(report, "relabeled", model->report.relabeled) ||
        !add_finite(report, "cofire_g", model->report.cofire_g) ||
        !add_finite(report, "cofire_limit", model->report.cofire_limit))
        goto oom;
    text = cJSON_Print(root);
    if (!text)
        goto oom;
    len = strlen(text);
    out->ptr = wsl__malloc(&model->alloc, len + 1);
    if (!out->ptr)
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

static wsl_status bad(const char *what)
{
    return wsl__error(WSL_EFORMAT, "wsl_label_model_load: %s", what);
}

static wsl_status read_array(const cJSON *root, const char *key, double *out, size_t n,
                             int probabilities)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key), *it;
    size_t i = 0;
    if (!cJSON_IsArray(arr))
        return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"%s\" is missing or not an array",
                          key);
    if ((size_t)cJSON_GetArraySize(arr) != n)
        return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"%s\" has %d values, expected %zu",
                          key, cJSON_GetArraySize(arr), n);
    cJSON_ArrayForEach(it, arr)
    {
        char *end = NULL;
        double v;
        if (cJSON_IsString(it)) {
            v = strtod(it->valuestring, &end);
            if (end == it->valuestring || *end)
                return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"%s\"[%zu] is not a "
                                               "number", key, i);
        } else if (cJSON_IsNumber(it)) {
            v = it->valuedouble;
        } else {
            return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"%s\"[%zu] is not a number",
                              key, i);
        }
        if (!isfinite(v) || (probabilities && (v < 0 || v > 1)))
            return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"%s\"[%zu] = %g is out of "
                                           "range", key, i, v);
        out[i++] = v;
    }
    return WSL_OK;
}

/* An optional count of "report": missing or null is 0, otherwise an integer in 0..max. */
static wsl_status report_int(const cJSON *report, const char *key, double max, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(report, key);
    *out = 0;
    if (!v || cJSON_IsNull(v))
        return WSL_OK;
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= max) ||
        v->valuedouble != floor(v->valuedouble))
        return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"report\".\"%s\" must be an "
                                       "integer in 0..%.0f", key, max);
    *out = v->valuedouble;
    return WSL_OK;
}

static wsl_status check_prior_sum(const wsl_label_model *model)
{
    double sum = 0;
    for (int32_t c = 0; c < model->k; c++)
        sum += model->prior[c];
    if (!(fabs(sum - 1) <= SUM_TOL))
        return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"class_prior\" sums to %.17g, "
                                       "not 1", sum);
    return WSL_OK;
}

/* The class prior and every table row (abstain and k classes) are distributions. */
static wsl_status check_sums(const wsl_label_model *model)
{
    const size_t k = (size_t)model->k;
    double sum;
    WSL_TRY(check_prior_sum(model));
    for (size_t j = 0; j < model->m; j++) {
        for (size_t c = 0; c < k; c++) {
            const double *row = model->table + (j * k + c) * (k + 1);
            sum = 0;
            for (size_t v = 0; v <= k; v++)
                sum += row[v];
            if (!(fabs(sum - 1) <= SUM_TOL))
                return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"tables_values\" of "
                                               "source %zu, class %zu sum to %.17g, not 1",
                                  j, c, sum);
        }
    }
    return WSL_OK;
}

/* A one-coin model: each source's kind, and its accuracy (in (0, 1)) and voting rate, or its
 * two firing rates (in (0, 1)). */
static wsl_status load_one_coin(const cJSON *root, int32_t k, double md,
                                const wsl_allocator *alloc, wsl_label_model **out)
{
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(root, "single_class");
    const cJSON *prior = cJSON_GetObjectItemCaseSensitive(root, "class_prior");
    wsl_label_model *model;
    /* The document's own arrays bound what is allocated, not the sizes it claims. */
    if (!cJSON_IsArray(kinds) || (double)cJSON_GetArraySize(kinds) != md)
        return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"single_class\" must be an "
                                       "array of m values (m = %.0f)", md);
    if (!cJSON_IsArray(prior) || cJSON_GetArraySize(prior) != k)
        return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"class_prior\" must be an "
                                       "array of k values (k = %ld)", (long)k);
    WSL_TRY(wsl_label_model_create(&model, k, alloc));
    *out = model;
    WSL_TRY(wsl__model_alloc_one_coin(model, (size_t)md));
    /* The kinds go through the accuracy array, read again below. */
    WSL_TRY(read_array(root, "single_class", model->acc, model->m, 0));
    for (size_t j = 0; j < model->m; j++) {
        double a = model->acc[j];
        if (!(a >= -1 && a < (double)k && a == floor(a)))
            return wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"single_class\"[%zu] = %g "
                                           "must be -1 or a class", j, a);
        model->single[j] = (int32_t)a;
    }
    WSL_TRY(read_array(root, "class_prior", model->prior, (size_t)k, 1));
    WSL_TRY(read_array(root, "accuracy", model->acc, model->m, 1));
    WSL_TRY(read_array(root, "vote_rate", model->rate, model->m, 1));
    WSL_TRY(read_array(root, "fire_rate_class", model->fire_in, model->m, 1));
    WSL_TRY(read_array(root, "fire_rate_other", model->fire_out, model->m, 1));
    for (size_t j = 0; j < model->m; j++) {
        int one = model->single[j] < 0;
        double p = one ? model->acc[j] : model->fire_in[j], q = one ? 0.5 : model->fire_out[j];
        if (!(p > 0 && p < 1 && q > 0 && q < 1))
            return wsl__error(WSL_EFORMAT, "wsl_label_model_load: %s of source %zu must be "
                                           "inside (0, 1)",
                              one ? "\"accuracy\"" : "\"fire_rate_class\" and "
                                                       "\"fire_rate_other\"", j);
        if (!one && p < q) /* a vote for the class must be evidence for it */
            return wsl__error(WSL_EFORMAT, "wsl_label_model_load: source %zu fires less for "
                                           "its class (\"fire_rate_class\" %g) than for the "
                                           "others (%g)", j, p, q);
    }
    WSL_TRY(check_prior_sum(model));
    if (cJSON_GetObjectItemCaseSensitive(root, "cliques"))
        return bad("a one_coin model has no \"cliques\"");
    return WSL_OK;
}

static int parse_enum(const cJSON *root, const char *key, const char *const *names, int n)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsString(s))
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(s->valuestring, names[i]) == 0)
            return i;
    return -1;
}

wsl_status wsl_label_model_load_buf(wsl_label_model **out, const char *json, size_t len,
                                    const wsl_allocator *alloc)
{
    static const char *const tnames[] = {"",         "full",     "class_accuracy",
                                         "accuracy", "polarity", "one_coin"};
    static const char *const anames[] = {"",      "informative", "random",
                                         "never", "by_polarity", "votes_only"};
    static const char *const pnames[] = {"", "learned", "fixed", "uniform", "gold"};
    cJSON *root = NULL;
    const cJSON *f, *report;
    wsl_label_model *model = NULL;
    wsl_status st = WSL_OK;
    double kd, md;
    int t, a, p;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(json != NULL);
    root = wsl__json_parse(json, len, NULL);
    if (!root)
        return bad("not a JSON document");
    f = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(f) || strcmp(f->valuestring, FORMAT_NAME) != 0) {
        st = bad("\"format\" is not \"" FORMAT_NAME "\"");
        goto done;
    }
    f = cJSON_GetObjectItemCaseSensitive(root, "format_version");
    if (!cJSON_IsNumber(f) || f->valuedouble != FORMAT_VERSION) {
        st = wsl__error(WSL_EFORMAT, "wsl_label_model_load: unknown format_version %g (this "
                                     "library reads %d)", cJSON_IsNumber(f) ? f->valuedouble : -1.0,
                        FORMAT_VERSION);
        goto done;
    }
    kd = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(root, "k"));
    md = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(root, "m"));
    if (!(kd >= 2 && kd <= WSL_MAX_CARDINALITY && kd == floor(kd)) ||
        !(md >= 1 && md <= 1e9 && md == floor(md))) {
        st = bad("\"k\" or \"m\" is missing or out of range");
        goto done;
    }
    t = parse_enum(root, "tables", tnames, 6);
    a = parse_enum(root, "abstain", anames, 6);
    p = parse_enum(root, "class_prior_mode", pnames, 5);
    if (t < 1 || a < 1 || p < 1) {
        st = bad("\"tables\", \"abstain\" or \"class_prior_mode\" is missing or unknown");
        goto done;
    }
    if (t == WSL_TABLES_ONE_COIN) {
        if ((st = load_one_coin(root, (int32_t)kd, md, alloc, &model)) != WSL_OK)
            goto done;
    } else {
        /* The document's own arrays bound what is allocated, not the sizes it claims. */
        const cJSON *tv = cJSON_GetObjectItemCaseSensitive(root, "tables_values");
        size_t want;
        if (!wsl__mul_size(&want, (size_t)md, (size_t)kd) ||
            !wsl__mul_size(&want, want, (size_t)kd + 1) || !cJSON_IsArray(tv) ||
            (size_t)cJSON_GetArraySize(tv) != want) {
            st = wsl__error(WSL_EFORMAT, "wsl_label_model_load: \"tables_values\" must be an "
                                         "array of m x k x (k + 1) values (m = %.0f, k = %.0f)",
                            md, kd);
            goto done;
        }
        if ((st = wsl_label_model_create(&model, (int32_t)kd, alloc)) != WSL_OK ||
            (st = wsl__model_alloc_params(model, (size_t)md)) != WSL_OK ||
            (st = read_array(root, "class_prior", model->prior, (size_t)kd, 1)) != WSL_OK ||
            (st = read_array(root, "tables_values", model->table,
                             model->m * (size_t)model->k * ((size_t)model->k + 1), 1)) != WSL_OK ||
            (st = check_sums(model)) != WSL_OK || (st = read_cliques(root, model)) != WSL_OK)
            goto done;
    }
    f = cJSON_GetObjectItemCaseSensitive(root, "history");
    if (cJSON_IsArray(f) && cJSON_GetArraySize(f) > 0) {
        size_t nh = (size_t)cJSON_GetArraySize(f);
        model->history = wsl__mallocarray(&model->alloc, nh, sizeof(double));
        if (!model->history) {
            st = WSL_ENOMEM;
            goto done;
        }
        model->n_history = nh;
        if ((st = read_array(root, "history", model->history, nh, 0)) != WSL_OK)
            goto done;
    }
    report = cJSON_GetObjectItemCaseSensitive(root, "report");
    if (cJSON_IsObject(report)) {
        /* Counts are checked before any conversion: a double outside the integer type's range
         * (or NaN, for a missing key) does not convert. */
        double it, start, np, nr;
        if ((st = report_int(report, "iterations", INT_MAX, &it)) != WSL_OK ||
            (st = report_int(report, "start", WSL_START_ALL, &start)) != WSL_OK ||
            (st = report_int(report, "n_patterns", COUNT_MAX, &np)) != WSL_OK ||
            (st = report_int(report, "n_rows", COUNT_MAX, &nr)) != WSL_OK)
            goto done;
        model->report.iterations = (int)it;
        model->report.converged =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(report, "converged"));
        model->report.start = (wsl_lm_start)(int)start;
        model->report.log_likelihood =
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(report, "log_likelihood"));
        model->report.penalized =
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(report, "penalized"));
        model->report.n_patterns = (size_t)np;
        model->report.n_rows = (uint64_t)nr;
        model->report.fallback = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(report, "fallback"));
        model->report.relabeled =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(report, "relabeled"));
        model->report.cofire_g = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(report, "cofire_g"));
        model->report.cofire_limit =
            cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(report, "cofire_limit"));
    }
    model->report.tables = (wsl_lm_tables)t;
    model->report.abstain = (wsl_lm_abstain)a;
    model->report.prior = (wsl_lm_prior)p;
    if (model->one_coin)
        (void)wsl__one_coin_refresh(model);
    else
        wsl__model_refresh_logs(model);
    model->fitted = 1;
done:
    cJSON_Delete(root);
    if (st != WSL_OK) {
        wsl_label_model_free(model);
        return st;
    }
    *out = model;
    return WSL_OK;
}
