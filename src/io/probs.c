/* Probability matrices: CSV (printed to round-trip exactly) or NPY float64. */
#include "io_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wsl_status probs_format(const char *fn, const char *path, wsl_format format,
                               wsl_format *out)
{
    if (format == WSL_FORMAT_AUTO)
        format = wsl_format_from_path(path);
    if (format != WSL_FORMAT_CSV && format != WSL_FORMAT_NPY) {
        if (format == WSL_FORMAT_AUTO)
            return wsl__error(WSL_EINVAL, "%s: cannot tell the format of '%s' from its extension "
                              "(.csv or .npy); pass WSL_FORMAT_CSV or WSL_FORMAT_NPY", fn, path);
        return wsl__error(WSL_EINVAL, "%s: probabilities are CSV or NPY, not %s", fn,
                          wsl_format_name(format));
    }
    *out = format;
    return WSL_OK;
}

static wsl_status write_csv(wsl__out *o, const double *probs, size_t n, size_t k)
{
    for (size_t i = 0; i < n && !wsl__out_failed(o); i++) {
        for (size_t j = 0; j < k; j++) {
            double v = probs[i * k + j];
            if (!isfinite(v))
                return wsl__error(WSL_EINVAL, "%s: probs[%zu] (row %zu, column %zu) is not "
                                  "finite", o->fn, i * k + j, i, j);
            if (j)
                wsl__out_char(o, ',');
            wsl__out_double(o, v);
        }
        wsl__out_char(o, '\n');
    }
    return WSL_OK;
}

wsl_status wsl_probs_write(const double *probs, size_t n, size_t k, const char *path,
                           wsl_format format)
{
    wsl__out o;
    wsl_status st;
    size_t cells;
    WSL_CHECK_ARG(probs != NULL || n == 0);
    WSL_CHECK_ARG(path != NULL);
    if (k == 0)
        return wsl__error(WSL_EINVAL, "%s: k must be >= 1 (got 0)", __func__);
    if (!wsl__mul_size(&cells, n, k))
        return wsl__error(WSL_EINVAL, "%s: n * k overflows (n %zu, k %zu)", __func__, n, k);
    WSL_TRY(probs_format(__func__, path, format, &format));
    WSL_TRY(wsl__out_open(&o, __func__, path, NULL));
    if (format == WSL_FORMAT_CSV)
        st = write_csv(&o, probs, n, k);
    else
        st = wsl__npy_write_probs(&o, probs, n, k);
    if (st != WSL_OK) {
        wsl__out_abort(&o);
        return st;
    }
    return wsl__out_commit(&o);
}

wsl_status wsl_probs_write_buf(const double *probs, size_t n, size_t k, wsl_format format,
                               wsl_buf *out)
{
    wsl__out o;
    wsl_status st;
    size_t cells;
    char *mem = NULL;
    size_t size = 0;
    WSL_CHECK_ARG(out != NULL);
    out->ptr = NULL;
    out->size = 0;
    memset(&out->alloc_, 0, sizeof out->alloc_);
    WSL_CHECK_ARG(probs != NULL || n == 0);
    if (k == 0)
        return wsl__error(WSL_EINVAL, "%s: k must be >= 1 (got 0)", __func__);
    if (!wsl__mul_size(&cells, n, k))
        return wsl__error(WSL_EINVAL, "%s: n * k overflows (n %zu, k %zu)", __func__, n, k);
    if (format != WSL_FORMAT_CSV && format != WSL_FORMAT_NPY)
        return wsl__error(WSL_EINVAL, "%s: format must be WSL_FORMAT_CSV or WSL_FORMAT_NPY (got "
                                      "%s)", __func__, wsl_format_name(format));
    /* The writers of wsl_probs_write() into a memory stream (malloc'ed by the C library, which
     * is what an empty wsl_buf allocator frees with). */
    memset(&o, 0, sizeof o);
    o.a = wsl__allocator(NULL);
    o.fn = __func__;
    o.path = "<memory>";
    o.fp = open_memstream(&mem, &size);
    if (!o.fp)
        return wsl__error(WSL_ENOMEM, "%s: no memory for %zu x %zu probabilities", __func__, n, k);
    st = format == WSL_FORMAT_CSV ? write_csv(&o, probs, n, k) :
                                    wsl__npy_write_probs(&o, probs, n, k);
    if (fclose(o.fp) != 0 && st == WSL_OK)
        st = wsl__error(WSL_ENOMEM, "%s: no memory for %zu x %zu probabilities", __func__, n, k);
    if (st == WSL_OK && o.err)
        st = wsl__error(WSL_ENOMEM, "%s: no memory for %zu x %zu probabilities", __func__, n, k);
    if (st != WSL_OK) {
        free(mem);
        return st;
    }
    out->ptr = mem;
    out->size = size;
    return WSL_OK;
}

wsl_status wsl_bytes_write(const void *data, size_t len, const char *path)
{
    wsl__out o;
    WSL_CHECK_ARG(data != NULL || len == 0);
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__out_open(&o, __func__, path, NULL));
    wsl__out_bytes(&o, data, len);
    return wsl__out_commit(&o);
}

wsl_status wsl__probs_read_csv(wsl__reader *r, const char *fn, const wsl_allocator *a,
                               double **out, size_t *n_out, size_t *k_out)
{
    double *p = NULL;
    size_t n = 0, k = 0, cap = 0, used = 0;
    wsl_status st;

    if ((st = wsl__reader_skip_bom(r, fn)) != WSL_OK)
        goto done;
    for (;;) {
        const char *line;
        size_t len, pos = 0, count;
        bool got;
        if ((st = wsl__reader_line(r, fn, &line, &len, &got)) != WSL_OK)
            goto done;
        if (!got)
            break;
        if (wsl__line_blank(line, len)) {
            st = wsl__reader_error(r, fn, 1, WSL_EFORMAT, "empty line");
            goto done;
        }
        count = wsl__count_fields(line, len);
        if (k == 0)
            k = count;
        else if (count != k) {
            st = wsl__reader_error(r, fn, 1, WSL_EFORMAT, "expected %zu fields (as on line 1), "
                                   "got %zu", k, count);
            goto done;
        }
        if (cap - used < k) {
            size_t ncap = cap ? cap : 1024;
            double *q;
            while (ncap - used < k)
                ncap *= 2;
            q = wsl__reallocarray(a, p, ncap, sizeof *p);
            if (!q) {
                st = WSL_ENOMEM;
                goto done;
            }
            p = q;
            cap = ncap;
        }
        for (size_t j = 0; j < k; j++) {
            size_t start, end;
            wsl__num_result res = wsl__parse_double_field(line, len, &pos, &p[used], &start,
                                                          &end);
            if (res != WSL__NUM_OK) {
                st = wsl__field_error(r, fn, res, line, start, end, j + 1, "a number");
                goto done;
            }
            used++;
            if (pos < len)
                pos++;
        }
        n++;
    }
    if (n == 0) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: no rows", fn, r->name);
        goto done;
    }
done:
    if (st != WSL_OK) {
        wsl__free(a, p);
        return st;
    }
    *out = p;
    *n_out = n;
    *k_out = k;
    return WSL_OK;
}

wsl_status wsl_probs_read(double **out, size_t *n_out, size_t *k_out, const char *path,
                          wsl_format format, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(n_out != NULL);
    WSL_CHECK_ARG(k_out != NULL);
    *n_out = *k_out = 0;
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(probs_format(__func__, path, format, &format));
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, &a));
    if (format == WSL_FORMAT_CSV)
        st = wsl__probs_read_csv(&r, __func__, &a, out, n_out, k_out);
    else
        st = wsl__npy_read_probs(&r, __func__, &a, out, n_out, k_out);
    wsl__reader_close(&r);
    return st;
}
