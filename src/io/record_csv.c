/*
 * CSV records (RFC 4180) for record streams: fields split on commas, quoted fields with ""
 * for a quote and line breaks inside, cells copied unquoted into the batch's arena.
 */
#include "record_stream.h"

#include <string.h>

static const char *const FN = "wsl_record_stream_next";

static wsl_status arena_put(wsl_record_stream *s, const char *src, size_t n)
{
    size_t need;
    if (n == 0)
        return WSL_OK; /* the arena may not exist yet */
    if (!wsl__add_size(&need, s->arena_len, n))
        return wsl__error(WSL_ENOMEM, "%s: record too large", FN);
    if (need > s->arena_cap) {
        size_t cap = s->arena_cap ? s->arena_cap : 4096;
        char *p;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (!(p = wsl__realloc(&s->a, s->arena, cap)))
            return WSL_ENOMEM;
        s->arena = p;
        s->arena_cap = cap;
    }
    memcpy(s->arena + s->arena_len, src, n);
    s->arena_len = need;
    return WSL_OK;
}

static wsl_status offs_push(wsl_record_stream *s, size_t off)
{
    if (s->offs_len == s->offs_cap) {
        size_t cap = s->offs_cap ? s->offs_cap * 2 : 64;
        size_t *p = wsl__reallocarray(&s->a, s->offs, cap, sizeof *p);
        if (!p)
            return WSL_ENOMEM;
        s->offs = p;
        s->offs_cap = cap;
    }
    s->offs[s->offs_len++] = off;
    return WSL_OK;
}

/* End the current cell (a NUL) and start the next one. */
static wsl_status next_cell(wsl_record_stream *s)
{
    WSL_TRY(arena_put(s, "", 1));
    return offs_push(s, s->arena_len);
}

typedef struct csv_state {
    bool quoted;      /* inside a quoted field */
    bool closed;      /* a quoted field's closing quote was just read */
    bool cell_empty;  /* nothing of the current cell read yet */
    size_t bytes;     /* bytes of the record so far (line breaks included) */
    /* The first fault of a malformed record: the scan goes on to the record's true end (the
     * quotes decide where that is), then the whole record is reported and skipped. */
    const char *bad;  /* what is wrong, NULL while nothing is */
    size_t bad_line, bad_col;
} csv_state;

static void mark_bad(csv_state *cs, const char *what, size_t line, size_t col)
{
    if (cs->bad)
        return;
    cs->bad = what;
    cs->bad_line = line;
    cs->bad_col = col;
}

/* Scan one physical line (line_no) of a record into the arena. */
static wsl_status scan_line(wsl_record_stream *s, csv_state *cs, const char *line, size_t len,
                            size_t line_no)
{
    size_t i = 0, run;
    const char *nul = memchr(line, '\0', len);
    if (nul) /* a cell would end at it without a word: refuse it, like JSON Lines */
        mark_bad(cs, "a NUL byte", line_no, (size_t)(nul - line) + 1);
    while (i < len) {
        char c = line[i];
        if (cs->quoted) {
            /* Copy the run up to the next quote at once. */
            const char *q = memchr(line + i, '"', len - i);
            run = q ? (size_t)(q - (line + i)) : len - i;
            WSL_TRY(arena_put(s, line + i, run));
            i += run;
            if (!q)
                break;
            if (i + 1 < len && line[i + 1] == '"') {
                WSL_TRY(arena_put(s, "\"", 1));
                i += 2;
            } else {
                cs->quoted = false;
                cs->closed = true;
                i++;
            }
            continue;
        }
        if (c == ',') {
            WSL_TRY(next_cell(s));
            cs->closed = false;
            cs->cell_empty = true;
            i++;
            continue;
        }
        if (cs->closed) {
            /* Text after a closing quote: the record is bad; read on as unquoted text. */
            mark_bad(cs, "text after the closing quote of a field", line_no, i + 1);
            cs->closed = false;
        }
        if (c == '"' && cs->cell_empty) {
            cs->quoted = true;
            cs->cell_empty = false;
            i++;
            continue;
        }
        /* Unquoted text up to the next comma (a quote inside it is a character). */
        {
            const char *comma = memchr(line + i, ',', len - i);
            run = comma ? (size_t)(comma - (line + i)) : len - i;
            WSL_TRY(arena_put(s, line + i, run));
            cs->cell_empty = false;
            i += run;
        }
    }
    return WSL_OK;
}

wsl_status wsl__csv_record(wsl_record_stream *s, size_t *n_cells, size_t *line,
                           wsl__rec_result *res)
{
    const char *text;
    size_t len, offs0 = s->offs_len, arena0 = s->arena_len;
    bool got;
    csv_state cs = {false, false, true, 0, NULL, 0, 0};
    wsl_status st;

    *res = WSL__REC_OK;
    *n_cells = 0;
    do { /* empty lines are not records */
        WSL_TRY(wsl__reader_line(&s->rd, FN, &text, &len, &got));
        if (!got) {
            *res = WSL__REC_END;
            return WSL_OK;
        }
    } while (len == 0);
    *line = s->rd.line_no;
    WSL_TRY(offs_push(s, s->arena_len));
    for (;;) {
        cs.bytes += len;
        if (cs.bytes > s->rd.max_line)
            return wsl__error(WSL_EFORMAT,
                              "%s: %s:%zu: a quoted field runs over more than %zu bytes", FN,
                              s->name, *line, s->rd.max_line);
        WSL_TRY(scan_line(s, &cs, text, len, s->rd.line_no));
        if (!cs.quoted)
            break;
        /* The quoted field goes on: its line break is part of it. */
        cs.bytes++;
        WSL_TRY(arena_put(s, "\n", 1));
        WSL_TRY(wsl__reader_line(&s->rd, FN, &text, &len, &got));
        if (!got) /* nothing after an unclosed quote can be trusted to start a record */
            return wsl__error(WSL_EFORMAT,
                              "%s: %s:%zu: a quoted field opened in this record is not closed "
                              "before the end of the input", FN, s->name, *line);
    }
    if (cs.bad) {
        st = wsl__rec_bad(s, *line, cs.bad_line, cs.bad_col, res, "%s", cs.bad);
        s->offs_len = offs0;
        s->arena_len = arena0;
        return st;
    }
    WSL_TRY(arena_put(s, "", 1));
    *n_cells = s->offs_len - offs0;
    return WSL_OK;
}
