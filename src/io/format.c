/* Formats, read options, and the entry points that dispatch to each format. */
#include "io_internal.h"
#include "votes/label_matrix_impl.h"

#include <string.h>

const char *wsl_format_name(wsl_format format)
{
    switch (format) {
    case WSL_FORMAT_AUTO:
        return "auto";
    case WSL_FORMAT_CSV:
        return "csv";
    case WSL_FORMAT_TRIPLES:
        return "triples";
    case WSL_FORMAT_NPY:
        return "npy";
    case WSL_FORMAT_WRENCH:
        return "wrench";
    }
    return "unknown";
}

static bool equal_ci(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

wsl_status wsl_format_parse(const char *name, wsl_format *out)
{
    static const wsl_format all[] = {WSL_FORMAT_AUTO, WSL_FORMAT_CSV, WSL_FORMAT_TRIPLES,
                                     WSL_FORMAT_NPY, WSL_FORMAT_WRENCH};
    WSL_CHECK_ARG(out != NULL);
    WSL_CHECK_ARG(name != NULL);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (equal_ci(name, wsl_format_name(all[i]))) {
            *out = all[i];
            return WSL_OK;
        }
    }
    return wsl__error(WSL_EINVAL, "%s: unknown format '%.64s' (expected csv, triples, npy, "
                      "wrench or auto)", __func__, name);
}

wsl_format wsl_format_from_path(const char *path)
{
    const char *slash, *dot;
    if (!path)
        return WSL_FORMAT_AUTO;
    slash = strrchr(path, '/');
    dot = strrchr(slash ? slash + 1 : path, '.');
    if (!dot)
        return WSL_FORMAT_AUTO;
    if (equal_ci(dot, ".csv"))
        return WSL_FORMAT_CSV;
    if (equal_ci(dot, ".npy"))
        return WSL_FORMAT_NPY;
    if (equal_ci(dot, ".json"))
        return WSL_FORMAT_WRENCH;
    return WSL_FORMAT_AUTO;
}

static wsl_status validate(const char *fn, const wsl_read_options *o)
{
    if (o->version != WSL_READ_OPTIONS_VERSION)
        return wsl__error(WSL_EINVAL, "%s: opts->version must be %d (got %u); initialize with "
                          "WSL_READ_OPTIONS_INIT", fn, WSL_READ_OPTIONS_VERSION, o->version);
    if ((int)o->format < WSL_FORMAT_AUTO || (int)o->format > WSL_FORMAT_WRENCH)
        return wsl__error(WSL_EINVAL, "%s: opts->format must be a wsl_format (got %d)", fn,
                          (int)o->format);
    if (o->cardinality < 0 || o->cardinality > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: opts->cardinality must be in 0..%d (got %ld)", fn,
                          WSL_MAX_CARDINALITY, (long)o->cardinality);
    if ((int)o->storage < WSL_STORAGE_AUTO || (int)o->storage > WSL_STORAGE_SPARSE)
        return wsl__error(WSL_EINVAL, "%s: opts->storage must be WSL_STORAGE_AUTO, _DENSE or "
                          "_SPARSE (got %d)", fn, (int)o->storage);
    if (o->n_sources >= UINT32_MAX)
        return wsl__error(WSL_EINVAL, "%s: opts->n_sources must be < %lu (got %zu)", fn,
                          (unsigned long)UINT32_MAX, o->n_sources);
    if (o->n_points >= SIZE_MAX / 2)
        return wsl__error(WSL_EINVAL, "%s: opts->n_points is too large (got %zu)", fn,
                          o->n_points);
    return WSL_OK;
}

wsl_status wsl_read_options_validate(const wsl_read_options *opts)
{
    WSL_CHECK_ARG(opts != NULL);
    return validate(__func__, opts);
}

wsl_status wsl__read_options_resolve(const char *fn, const wsl_read_options *opts,
                                     wsl_read_options *out)
{
    static const wsl_read_options defaults = WSL_READ_OPTIONS_INIT;
    *out = opts ? *opts : defaults;
    return validate(fn, out);
}

static wsl_status read_any(wsl__reader *r, const char *fn, const wsl_read_options *o,
                           wsl_label_matrix **out)
{
    switch (o->format) {
    case WSL_FORMAT_CSV:
        return wsl__csv_read(r, fn, o, out);
    case WSL_FORMAT_TRIPLES:
        return wsl__triples_read(r, fn, o, out);
    case WSL_FORMAT_NPY:
        return wsl__npy_read_votes(r, fn, o, out);
    case WSL_FORMAT_WRENCH:
        return wsl__wrench_read(r, fn, o, out, NULL);
    case WSL_FORMAT_AUTO:
        break;
    }
    return wsl__error(WSL_EINTERNAL, "%s: no format to read", fn);
}

static wsl_status unknown_extension(const char *fn, const char *path)
{
    return wsl__error(WSL_EINVAL, "%s: cannot tell the format of '%s' from its extension (.csv, "
                      ".npy, .json); set it explicitly (--format csv|triples|npy|wrench)", fn,
                      path);
}

wsl_status wsl_votes_read(wsl_label_matrix **out, const char *path, const wsl_read_options *opts)
{
    wsl_read_options o;
    wsl__reader r;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__read_options_resolve(__func__, opts, &o));
    if (o.format == WSL_FORMAT_AUTO)
        o.format = wsl_format_from_path(path);
    if (o.format == WSL_FORMAT_AUTO)
        return unknown_extension(__func__, path);
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, o.alloc));
    st = read_any(&r, __func__, &o, out);
    wsl__reader_close(&r);
    return st;
}

wsl_status wsl_votes_read_mem(wsl_label_matrix **out, const char *data, size_t len,
                              const char *name, const wsl_read_options *opts)
{
    wsl_read_options o;
    wsl__reader r;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(data != NULL || len == 0);
    WSL_TRY(wsl__read_options_resolve(__func__, opts, &o));
    if (o.format == WSL_FORMAT_AUTO)
        return wsl__error(WSL_EINVAL, "%s: opts->format must be set for memory input (csv, "
                          "triples, npy or wrench)", __func__);
    wsl__reader_open_mem(&r, data, len, name, o.alloc);
    st = read_any(&r, __func__, &o, out);
    wsl__reader_close(&r);
    return st;
}

wsl_status wsl_votes_write(const wsl_label_matrix *L, const char *path, wsl_format format)
{
    wsl__out o;
    wsl_status st;
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(path != NULL);
    if ((int)format < WSL_FORMAT_AUTO || (int)format > WSL_FORMAT_WRENCH)
        return wsl__error(WSL_EINVAL, "%s: format must be a wsl_format (got %d)", __func__,
                          (int)format);
    if (format == WSL_FORMAT_AUTO)
        format = wsl_format_from_path(path);
    if (format == WSL_FORMAT_AUTO)
        return unknown_extension(__func__, path);
    WSL_TRY(wsl__out_open(&o, __func__, path, &L->alloc));
    switch (format) {
    case WSL_FORMAT_CSV:
        st = wsl__csv_write(&o, L);
        break;
    case WSL_FORMAT_TRIPLES:
        st = wsl__triples_write(&o, L);
        break;
    case WSL_FORMAT_NPY:
        st = wsl__npy_write_votes(&o, L);
        break;
    default:
        st = wsl__wrench_write(&o, L, NULL);
        break;
    }
    if (st != WSL_OK) {
        wsl__out_abort(&o);
        return st;
    }
    return wsl__out_commit(&o);
}

wsl_status wsl_wrench_read(wsl_label_matrix **votes_out, int32_t **gold_out, const char *path,
                           const wsl_read_options *opts)
{
    wsl_read_options o;
    wsl__reader r;
    wsl_status st;
    WSL_CHECK_ARG(votes_out != NULL);
    *votes_out = NULL;
    if (gold_out)
        *gold_out = NULL;
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__read_options_resolve(__func__, opts, &o));
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, o.alloc));
    st = wsl__wrench_read(&r, __func__, &o, votes_out, gold_out);
    wsl__reader_close(&r);
    return st;
}

wsl_status wsl_wrench_write(const wsl_label_matrix *L, const int32_t *gold, const char *path)
{
    wsl__out o;
    wsl_status st;
    WSL_CHECK_ARG(L != NULL);
    WSL_CHECK_ARG(path != NULL);
    WSL_TRY(wsl__out_open(&o, __func__, path, &L->alloc));
    if ((st = wsl__wrench_write(&o, L, gold)) != WSL_OK) {
        wsl__out_abort(&o);
        return st;
    }
    return wsl__out_commit(&o);
}
