#include "source_priors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    if (!f)
        return NULL;
    do {
        if (n == cap) {
            char *b = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

#define BAD(...) (wsl_cli_errorf("fit", __VA_ARGS__), WSL_EXIT_INPUT)

/* One source's table: k rows of k + 1 numbers. */
static int read_table(const char *path, const char *key, const cJSON *tab, int32_t k, double *out)
{
    int32_t c = 0;
    const cJSON *row;
    if (!cJSON_IsArray(tab) || cJSON_GetArraySize(tab) != k)
        return BAD("%s: source \"%s\": expected %ld rows (one per class)", path, key, (long)k);
    cJSON_ArrayForEach(row, tab)
    {
        int32_t v = 0;
        double sum = 0;
        const cJSON *x;
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != k + 1)
            return BAD("%s: source \"%s\" row %ld: expected %ld numbers (abstain, then each class)",
                       path, key, (long)c, (long)k + 1);
        cJSON_ArrayForEach(x, row)
        {
            if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0 && x->valuedouble <= 1))
                return BAD("%s: source \"%s\" row %ld: entry %ld must be a probability", path, key,
                           (long)c, (long)v);
            out[(size_t)c * ((size_t)k + 1) + (size_t)v++] = x->valuedouble;
            sum += x->valuedouble;
        }
        if (fabs(sum - 1) > 1e-6)
            return BAD("%s: source \"%s\" row %ld sums to %.9g, not 1", path, key, (long)c, sum);
        c++;
    }
    return WSL_EXIT_OK;
}

int wsl_cli_source_priors_read(const char *path, size_t m, int32_t k, wsl_cli_source_priors *out)
{
    size_t len = 0, per = (size_t)k * ((size_t)k + 1);
    char *text = slurp(path, &len);
    cJSON *root = NULL;
    const cJSON *item;
    int rc = WSL_EXIT_OK;
    memset(out, 0, sizeof *out);
    if (!text) {
        wsl_cli_errorf("fit", "cannot read %s", path);
        return WSL_EXIT_IO;
    }
    root = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return BAD("%s: not a JSON object of source tables", path);
    }
    out->values = calloc(m * per, sizeof *out->values);
    out->rows = calloc(m, sizeof *out->rows);
    if (!out->values || !out->rows) {
        rc = BAD("out of memory reading %s", path);
        goto done;
    }
    cJSON_ArrayForEach(item, root)
    {
        char *end = NULL;
        unsigned long long j = strtoull(item->string, &end, 10);
        if (!item->string[0] || *end || item->string[0] == '-' || j >= m) {
            rc = BAD("%s: \"%s\" is not a source index in 0..%zu", path, item->string, m - 1);
            goto done;
        }
        if (out->rows[j]) {
            rc = BAD("%s: source %llu is given twice", path, j);
            goto done;
        }
        if ((rc = read_table(path, item->string, item, k, out->values + j * per)) != WSL_EXIT_OK)
            goto done;
        out->rows[j] = out->values + j * per;
    }
done:
    cJSON_Delete(root);
    if (rc != WSL_EXIT_OK)
        wsl_cli_source_priors_free(out);
    return rc;
}

void wsl_cli_source_priors_free(wsl_cli_source_priors *sp)
{
    free(sp->values);
    free(sp->rows);
    sp->values = NULL;
    sp->rows = NULL;
}
