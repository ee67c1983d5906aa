/* Gold labels: one integer per line, -1 = unknown. */
#include "io_internal.h"

wsl_status wsl__gold_read(wsl__reader *r, const char *fn, int32_t k, int32_t **out,
                          size_t *n_out)
{
    wsl_allocator a = r->a;
    int32_t *g = NULL;
    size_t n = 0, cap = 0;
    wsl_status st;

    *out = NULL;
    *n_out = 0;
    if ((st = wsl__reader_skip_bom(r, fn)) != WSL_OK)
        goto done;
    for (;;) {
        const char *line;
        size_t len, pos = 0, start, end;
        int64_t v = 0;
        wsl__num_result res;
        bool got;
        if ((st = wsl__reader_line(r, fn, &line, &len, &got)) != WSL_OK)
            goto done;
        if (!got)
            break;
        res = wsl__parse_int_field(line, len, &pos, &v, &start, &end);
        if (res == WSL__NUM_OK && pos < len) {
            st = wsl__reader_error(r, fn, pos + 1, WSL_EFORMAT, "expected one label per line, "
                                   "got %zu fields", wsl__count_fields(line, len));
            goto done;
        }
        if (res == WSL__NUM_EMPTY && pos == len) {
            st = wsl__reader_error(r, fn, 1, WSL_EFORMAT, "empty line (expected one label)");
            goto done;
        }
        if (res != WSL__NUM_OK) {
            st = wsl__field_error(r, fn, res, line, start, end, 1, "one integer label");
            goto done;
        }
        if (v < WSL_ABSTAIN || v > INT32_MAX || (k > 0 && v >= k)) {
            if (k > 0)
                st = wsl__reader_error(r, fn, start + 1, WSL_ERANGE, "label %lld is outside "
                                       "-1..%ld (k = %ld)", (long long)v, (long)k - 1, (long)k);
            else
                st = wsl__reader_error(r, fn, start + 1, WSL_ERANGE, "label %lld is outside "
                                       "-1..%ld", (long long)v, (long)INT32_MAX);
            goto done;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            int32_t *p = wsl__reallocarray(&a, g, ncap, sizeof *g);
            if (!p) {
                st = WSL_ENOMEM;
                goto done;
            }
            g = p;
            cap = ncap;
        }
        g[n++] = (int32_t)v;
    }
    if (n == 0) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: no labels", fn, r->name);
        goto done;
    }
done:
    if (st != WSL_OK) {
        wsl__free(&a, g);
        return st;
    }
    *out = g;
    *n_out = n;
    return WSL_OK;
}

wsl_status wsl_gold_read(int32_t **out, size_t *n_out, const char *path, int32_t k,
                         const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    wsl_status st;

    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(n_out != NULL);
    *n_out = 0;
    WSL_CHECK_ARG(path != NULL);
    if (k < 0 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k must be in 0..%d (got %ld)", __func__,
                          WSL_MAX_CARDINALITY, (long)k);
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, &a));
    st = wsl__gold_read(&r, __func__, k, out, n_out);
    wsl__reader_close(&r);
    return st;
}

wsl_status wsl_gold_write(const int32_t *gold, size_t n, const char *path)
{
    wsl__out o;
    wsl_status st;
    WSL_CHECK_ARG(gold != NULL || n == 0);
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__out_open(&o, __func__, path, NULL));
    for (size_t i = 0; i < n && !wsl__out_failed(&o); i++) {
        if (gold[i] < WSL_ABSTAIN) {
            st = wsl__error(WSL_EINVAL, "%s: gold[%zu] = %ld is below -1", __func__, i,
                            (long)gold[i]);
            wsl__out_abort(&o);
            return st;
        }
        wsl__out_i64(&o, gold[i]);
        wsl__out_char(&o, '\n');
    }
    return wsl__out_commit(&o);
}

void wsl_array_free(void *array, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__free(&a, array);
}
