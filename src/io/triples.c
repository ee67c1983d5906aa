/* Long-form votes: one item,source,label per line, an optional header line. */
#include "io_internal.h"
#include "votes/label_matrix_impl.h"

#include <string.h>

/* Inferred shapes larger than this (plus 64 per line) are refused: memory must follow the data. */
#define WSL__TRIPLES_SLACK ((size_t)1 << 20)
/* Dense cells an inferred shape may have: this plus 1024 per line. */
#define WSL__TRIPLES_DENSE_CELLS ((size_t)1 << 24)

/* A header is a first line that does not start like a number. */
static bool is_header(const char *line, size_t len)
{
    size_t p = 0;
    while (p < len && wsl__is_blank(line[p]))
        p++;
    if (p < len && (line[p] == '-' || line[p] == '+'))
        p++;
    return !(p < len && line[p] >= '0' && line[p] <= '9');
}

typedef struct index_pos {
    size_t value, line, col; /* largest index seen and where */
} index_pos;

static wsl_status parse_index(const wsl__reader *r, const char *fn, const char *line, size_t len,
                              size_t *pos, size_t field, const char *what, size_t limit,
                              const char *limit_name, size_t *out, size_t *col)
{
    int64_t v = 0;
    size_t start, end;
    wsl__num_result res = wsl__parse_int_field(line, len, pos, &v, &start, &end);
    if (res != WSL__NUM_OK)
        return wsl__field_error(r, fn, res, line, start, end, field,
                                field == 1 ? "an item index" : "a source index");
    *col = start + 1;
    if (v < 0)
        return wsl__reader_error(r, fn, start + 1, WSL_EFORMAT, "negative %s %lld", what,
                                 (long long)v);
    if (limit && (uint64_t)v >= limit)
        return wsl__reader_error(r, fn, start + 1, WSL_ERANGE, "%s %lld is outside 0..%zu "
                                 "(opts->%s = %zu)", what, (long long)v, limit - 1, limit_name,
                                 limit);
    if ((uint64_t)v >= UINT32_MAX && field == 2)
        return wsl__reader_error(r, fn, start + 1, WSL_ERANGE, "source %lld is too large",
                                 (long long)v);
    if ((uint64_t)v >= SIZE_MAX / 2)
        return wsl__reader_error(r, fn, start + 1, WSL_ERANGE, "%s %lld is too large", what,
                                 (long long)v);
    *out = (size_t)v;
    return WSL_OK;
}

static wsl_status check_inferred(const wsl__reader *r, const char *fn, const index_pos *ip,
                                 size_t lines, const char *what, const char *opt)
{
    size_t limit = WSL__TRIPLES_SLACK + (lines < SIZE_MAX / 128 ? lines * 64 : SIZE_MAX / 2);
    if (ip->value < limit)
        return WSL_OK;
    return wsl__error(WSL_EFORMAT, "%s: %s:%zu:%zu: %s %zu would make %zu %ss for %zu lines; set "
                      "opts->%s to read such a file", fn, r->name, ip->line, ip->col, what,
                      ip->value, ip->value + 1, what, lines, opt);
}

wsl_status wsl__triples_read(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                             wsl_label_matrix **out)
{
    wsl_allocator a = wsl__allocator(opts->alloc);
    wsl_triple *t = NULL;
    size_t nt = 0, cap = 0, data_lines = 0;
    int32_t max_label = WSL_ABSTAIN, k;
    index_pos max_item = {0, 0, 0}, max_source = {0, 0, 0};
    wsl_status st;

    *out = NULL;
    if ((st = wsl__reader_skip_bom(r, fn)) != WSL_OK)
        goto done;
    for (;;) {
        const char *line;
        size_t len, pos = 0, count, item, source, icol, scol, lstart, lend;
        int64_t label = 0;
        wsl__num_result res;
        bool got;
        if ((st = wsl__reader_line(r, fn, &line, &len, &got)) != WSL_OK)
            goto done;
        if (!got)
            break;
        if (r->line_no == 1 && !wsl__line_blank(line, len) && is_header(line, len))
            continue;
        if (wsl__line_blank(line, len)) {
            st = wsl__reader_error(r, fn, 1, WSL_EFORMAT, "empty line (expected item,source,"
                                   "label)");
            goto done;
        }
        count = wsl__count_fields(line, len);
        if (count != 3) {
            st = wsl__reader_error(r, fn, 1, WSL_EFORMAT, "expected 3 fields (item,source,label), "
                                   "got %zu", count);
            goto done;
        }
        if ((st = parse_index(r, fn, line, len, &pos, 1, "item", opts->n_points, "n_points",
                              &item, &icol)) != WSL_OK)
            goto done;
        pos++;
        if ((st = parse_index(r, fn, line, len, &pos, 2, "source", opts->n_sources, "n_sources",
                              &source, &scol)) != WSL_OK)
            goto done;
        pos++;
        res = wsl__parse_int_field(line, len, &pos, &label, &lstart, &lend);
        if (res != WSL__NUM_OK) {
            st = wsl__field_error(r, fn, res, line, lstart, lend, 3, "an integer label");
            goto done;
        }
        if ((st = wsl__check_text_vote(r, fn, lstart + 1, label, opts->cardinality, "label")) !=
            WSL_OK)
            goto done;
        if (nt == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            wsl_triple *p = wsl__reallocarray(&a, t, ncap, sizeof *t);
            if (!p) {
                st = WSL_ENOMEM;
                goto done;
            }
            t = p;
            cap = ncap;
        }
        t[nt].item = item;
        t[nt].source = source;
        t[nt].label = (int32_t)label;
        nt++;
        data_lines++;
        if (label > max_label)
            max_label = (int32_t)label;
        if (item >= max_item.value) {
            max_item = (index_pos){item, r->line_no, icol};
        }
        if (source >= max_source.value) {
            max_source = (index_pos){source, r->line_no, scol};
        }
    }
    if (data_lines == 0) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: no rows", fn, r->name);
        goto done;
    }
    if (!opts->n_points &&
        (st = check_inferred(r, fn, &max_item, data_lines, "item", "n_points")) != WSL_OK)
        goto done;
    if (!opts->n_sources &&
        (st = check_inferred(r, fn, &max_source, data_lines, "source", "n_sources")) != WSL_OK)
        goto done;
    if (opts->storage == WSL_STORAGE_DENSE && (!opts->n_points || !opts->n_sources)) {
        /* Each dimension is bounded above, but their product for dense storage must be too: one
         * line "1048575,1048575,1" would otherwise ask for a 1 TB matrix. */
        size_t n = opts->n_points ? opts->n_points : max_item.value + 1;
        size_t m = opts->n_sources ? opts->n_sources : max_source.value + 1, cells;
        size_t limit = WSL__TRIPLES_DENSE_CELLS +
                       (data_lines < SIZE_MAX / 2048 ? data_lines * 1024 : SIZE_MAX / 2);
        if (!wsl__mul_size(&cells, n, m) || cells >= limit) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: %zu lines would make a dense %zu x %zu matrix; "
                            "set opts->n_points and opts->n_sources to read such a file densely, "
                            "or use sparse storage", fn, r->name, data_lines, n, m);
            goto done;
        }
    }
    k = opts->cardinality ? opts->cardinality : (max_label + 1 > 2 ? max_label + 1 : 2);
    st = wsl_label_matrix_from_triples(out, t, nt, opts->n_points, opts->n_sources, k,
                                       opts->storage, &a, NULL);
done:
    wsl__free(&a, t);
    return st;
}

wsl_status wsl__triples_write(wsl__out *o, const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), m = wsl_label_matrix_n_sources(L);
    uint32_t *cols = wsl__mallocarray(&o->a, m, sizeof *cols);
    int32_t *vals = wsl__mallocarray(&o->a, m, sizeof *vals);
    wsl_status st = WSL_OK;
    if (!cols || !vals) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n && !wsl__out_failed(o); i++) {
        size_t c = wsl__lm_row_votes(L, i, cols, vals);
        for (size_t p = 0; p < c; p++) {
            wsl__out_u64(o, i);
            wsl__out_char(o, ',');
            wsl__out_u64(o, cols[p]);
            wsl__out_char(o, ',');
            wsl__out_i64(o, vals[p]);
            wsl__out_char(o, '\n');
        }
    }
done:
    wsl__free(&o->a, cols);
    wsl__free(&o->a, vals);
    return st;
}
