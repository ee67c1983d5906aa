/* Dense CSV label matrices: m comma-separated votes per line, no header. */
#include "io_internal.h"

#include <string.h>

/* Column (1-based) where field number `field` (0-based) starts, or the end of the line. */
static size_t field_column(const char *line, size_t len, size_t field)
{
    size_t p = 0;
    for (size_t f = 0; f < field; f++) {
        const char *c = memchr(line + p, ',', len - p);
        if (!c)
            return len + 1;
        p = (size_t)(c - line) + 1;
    }
    return p + 1;
}

wsl_status wsl__csv_read(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                         wsl_label_matrix **out)
{
    return wsl__csv_read_m(r, fn, opts, 0, out);
}

wsl_status wsl__csv_read_m(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                           size_t m_first, wsl_label_matrix **out)
{
    wsl__vote_sink s;
    int32_t *row = NULL;
    size_t m = 0;
    wsl_status st;

    *out = NULL;
    wsl__sink_init(&s, 0, opts->cardinality, opts->alloc);
    /* A byte order mark only at the start of the file, not of a shard further on. */
    if (m_first == 0 && (st = wsl__reader_skip_bom(r, fn)) != WSL_OK)
        goto done;
    if (m_first > 0) { /* a shard: every line has the fields of the file's line 1 */
        m = m_first;
        row = wsl__mallocarray(&s.a, m, sizeof *row);
        if (!row) {
            st = WSL_ENOMEM;
            goto done;
        }
        s.m = m;
    }
    for (;;) {
        const char *line;
        size_t len, pos = 0, count;
        bool got;
        if ((st = wsl__reader_line(r, fn, &line, &len, &got)) != WSL_OK)
            goto done;
        if (!got)
            break;
        if (wsl__line_blank(line, len)) {
            st = wsl__reader_error(r, fn, 1, WSL_EFORMAT, "empty line (expected %zu "
                                   "comma-separated votes)", m ? m : (size_t)1);
            goto done;
        }
        count = wsl__count_fields(line, len);
        if (m == 0) {
            m = count;
            row = wsl__mallocarray(&s.a, m, sizeof *row);
            if (!row) {
                st = WSL_ENOMEM;
                goto done;
            }
            s.m = m;
        } else if (count != m) {
            st = wsl__reader_error(r, fn, field_column(line, len, count < m ? count : m),
                                   WSL_EFORMAT, "expected %zu fields (as on line 1), got %zu", m,
                                   count);
            goto done;
        }
        for (size_t j = 0; j < m; j++) {
            int64_t v = 0;
            size_t start, end;
            wsl__num_result res = wsl__parse_int_field(line, len, &pos, &v, &start, &end);
            if (res != WSL__NUM_OK) {
                st = wsl__field_error(r, fn, res, line, start, end, j + 1, "an integer vote");
                goto done;
            }
            if ((st = wsl__check_text_vote(r, fn, start + 1, v, opts->cardinality, "vote")) !=
                WSL_OK)
                goto done;
            row[j] = (int32_t)v;
            if (pos < len)
                pos++; /* the ',' */
        }
        if ((st = wsl__sink_push_row(&s, row)) != WSL_OK)
            goto done;
    }
    if (s.n == 0) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: no rows", fn, r->name);
        goto done;
    }
    st = wsl__sink_finish(&s, opts->storage, out);
done:
    wsl__free(&s.a, row);
    wsl__sink_free(&s);
    return st;
}

wsl_status wsl__csv_write(wsl__out *o, const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), m = wsl_label_matrix_n_sources(L);
    int32_t *row = wsl__mallocarray(&o->a, m, sizeof *row);
    wsl_status st = WSL_OK;
    if (!row)
        return WSL_ENOMEM;
    for (size_t i = 0; i < n && !wsl__out_failed(o); i++) {
        if ((st = wsl_label_matrix_row(L, i, row, m)) != WSL_OK)
            goto done;
        for (size_t j = 0; j < m; j++) {
            if (j)
                wsl__out_char(o, ',');
            wsl__out_i64(o, row[j]);
        }
        wsl__out_char(o, '\n');
    }
done:
    wsl__free(&o->a, row);
    return st;
}
