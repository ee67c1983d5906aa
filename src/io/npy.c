/* NumPy .npy files (format versions 1.0, 2.0, 3.0): integer votes and float probabilities. */
#include "io_internal.h"

#include <math.h>
#include <string.h>

/* Longest header dictionary accepted (numpy itself refuses more than 10000 bytes by default). */
#define NPY_MAX_HEADER ((size_t)1 << 20)

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

typedef struct npy_info {
    char descr[32];
    char order;      /* '<', '>', '|' or '=' */
    char kind;       /* 'i', 'u', 'f', 'O', ... */
    unsigned size;   /* bytes per item */
    bool big;        /* big-endian items */
    bool fortran;
    size_t ndim;
    size_t shape[2];
    size_t n, m;     /* rows, columns (1-D: m = 1) */
    uint64_t body;   /* n * m * size */
    size_t preamble; /* bytes before the header dictionary */
} npy_info;

typedef struct hdr_parser {
    const wsl__reader *r;
    const char *fn;
    const char *h;
    size_t len, p, base;
} hdr_parser;

static wsl_status hdr_error(const hdr_parser *hp, const char *what)
{
    return wsl__error(WSL_EFORMAT, "%s: %s: npy header (byte %zu): %s", hp->fn, hp->r->name,
                      hp->base + hp->p, what);
}

static void hdr_ws(hdr_parser *hp)
{
    while (hp->p < hp->len && (hp->h[hp->p] == ' ' || hp->h[hp->p] == '\t' ||
                               hp->h[hp->p] == '\n' || hp->h[hp->p] == '\r'))
        hp->p++;
}

static bool hdr_accept(hdr_parser *hp, char c)
{
    if (hp->p < hp->len && hp->h[hp->p] == c) {
        hp->p++;
        return true;
    }
    return false;
}

static bool hdr_word(hdr_parser *hp, const char *w)
{
    size_t wl = strlen(w);
    if (hp->len - hp->p >= wl && memcmp(hp->h + hp->p, w, wl) == 0) {
        hp->p += wl;
        return true;
    }
    return false;
}

/* A Python string literal without escapes, into out (NUL-terminated). */
static wsl_status hdr_string(hdr_parser *hp, char *out, size_t cap, const char *what)
{
    char q;
    size_t n = 0;
    if (hp->p >= hp->len || (hp->h[hp->p] != '\'' && hp->h[hp->p] != '"'))
        return hdr_error(hp, what);
    q = hp->h[hp->p++];
    while (hp->p < hp->len && hp->h[hp->p] != q) {
        char c = hp->h[hp->p];
        if (c == '\\' || c == '\n' || c == '\0')
            return hdr_error(hp, "unsupported character in a string");
        if (n + 1 >= cap)
            return hdr_error(hp, "string too long");
        out[n++] = c;
        hp->p++;
    }
    if (hp->p >= hp->len)
        return hdr_error(hp, "unterminated string");
    hp->p++;
    out[n] = '\0';
    return WSL_OK;
}

static wsl_status hdr_shape(hdr_parser *hp, npy_info *info)
{
    if (!hdr_accept(hp, '('))
        return hdr_error(hp, "'shape' must be a tuple");
    for (;;) {
        uint64_t v = 0;
        size_t d0;
        hdr_ws(hp);
        if (hdr_accept(hp, ')'))
            return WSL_OK;
        d0 = hp->p;
        while (hp->p < hp->len && hp->h[hp->p] >= '0' && hp->h[hp->p] <= '9') {
            unsigned d = (unsigned)(hp->h[hp->p] - '0');
            if (v > (SIZE_MAX - d) / 10)
                return hdr_error(hp, "shape overflows size_t");
            v = v * 10 + d;
            hp->p++;
        }
        if (hp->p == d0)
            return hdr_error(hp, "'shape' must hold non-negative integers");
        hdr_accept(hp, 'L'); /* Python 2 long */
        if (info->ndim < 2)
            info->shape[info->ndim] = (size_t)v;
        if (info->ndim < SIZE_MAX)
            info->ndim++;
        hdr_ws(hp);
        if (hdr_accept(hp, ','))
            continue;
        if (hdr_accept(hp, ')'))
            return WSL_OK;
        return hdr_error(hp, "expected ',' or ')' in 'shape'");
    }
}

static wsl_status parse_dict(hdr_parser *hp, npy_info *info)
{
    bool have_descr = false, have_order = false, have_shape = false;
    hdr_ws(hp);
    if (!hdr_accept(hp, '{'))
        return hdr_error(hp, "expected '{'");
    for (;;) {
        char key[32];
        hdr_ws(hp);
        if (hdr_accept(hp, '}'))
            break;
        WSL_TRY(hdr_string(hp, key, sizeof key, "expected a quoted key"));
        hdr_ws(hp);
        if (!hdr_accept(hp, ':'))
            return hdr_error(hp, "expected ':'");
        hdr_ws(hp);
        if (strcmp(key, "descr") == 0) {
            if (have_descr)
                return hdr_error(hp, "'descr' given twice");
            if (hp->p < hp->len && hp->h[hp->p] == '[')
                return hdr_error(hp, "structured dtypes are not supported");
            WSL_TRY(hdr_string(hp, info->descr, sizeof info->descr, "'descr' must be a string"));
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_order)
                return hdr_error(hp, "'fortran_order' given twice");
            if (hdr_word(hp, "True"))
                info->fortran = true;
            else if (hdr_word(hp, "False"))
                info->fortran = false;
            else
                return hdr_error(hp, "'fortran_order' must be True or False");
            have_order = true;
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape)
                return hdr_error(hp, "'shape' given twice");
            WSL_TRY(hdr_shape(hp, info));
            have_shape = true;
        } else {
            return hdr_error(hp, "unknown key (expected 'descr', 'fortran_order', 'shape')");
        }
        hdr_ws(hp);
        if (hdr_accept(hp, ','))
            continue;
        if (hdr_accept(hp, '}'))
            break;
        return hdr_error(hp, "expected ',' or '}'");
    }
    hdr_ws(hp);
    while (hp->p < hp->len && (hp->h[hp->p] == '\0' || hp->h[hp->p] == ' '))
        hp->p++;
    if (hp->p != hp->len)
        return hdr_error(hp, "unexpected text after the dictionary");
    if (!have_descr)
        return hdr_error(hp, "missing 'descr'");
    if (!have_order)
        return hdr_error(hp, "missing 'fortran_order'");
    if (!have_shape)
        return hdr_error(hp, "missing 'shape'");
    return WSL_OK;
}

static bool host_big_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 0;
}

/* Split descr into byte order, kind and size. */
static bool parse_descr(npy_info *info)
{
    const char *d = info->descr;
    unsigned size = 0;
    info->order = '=';
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=')
        info->order = *d++;
    if (!*d)
        return false;
    info->kind = *d++;
    while (*d >= '0' && *d <= '9') {
        size = size * 10 + (unsigned)(*d - '0');
        if (size > 1024)
            return false;
        d++;
    }
    if (*d)
        return false;
    info->size = size;
    info->big = info->order == '>' || (info->order == '=' && host_big_endian());
    return true;
}

static wsl_status npy_error(const wsl__reader *r, const char *fn, wsl_status st, const char *fmt,
                            const char *a1)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, a1);
    return wsl__error(st, "%s: %s: %s", fn, r->name, msg);
}

/* Read the preamble and header; check that exactly the body follows. */
static wsl_status npy_open(wsl__reader *r, const char *fn, npy_info *info)
{
    unsigned char pre[12];
    size_t got, hlen, item_bytes;
    char *hdr = NULL;
    uint64_t rem = 0;
    hdr_parser hp;
    wsl_status st = WSL_OK;

    memset(info, 0, sizeof *info);
    if ((st = wsl__reader_read(r, fn, pre, 8, &got)) != WSL_OK)
        return st;
    if (got < 6 || memcmp(pre, npy_magic, 6) != 0)
        return wsl__error(WSL_EFORMAT, "%s: %s: not a .npy file (bad magic)", fn, r->name);
    if (got < 8)
        return wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy preamble", fn, r->name);
    if ((pre[6] != 1 && pre[6] != 2 && pre[6] != 3) || pre[7] != 0)
        return wsl__error(WSL_EFORMAT, "%s: %s: unsupported .npy format version %u.%u (1.0, 2.0 "
                          "and 3.0 are read)", fn, r->name, pre[6], pre[7]);
    if (pre[6] == 1) {
        if ((st = wsl__reader_read(r, fn, pre + 8, 2, &got)) != WSL_OK)
            return st;
        if (got < 2)
            return wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy header", fn, r->name);
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        info->preamble = 10;
    } else {
        if ((st = wsl__reader_read(r, fn, pre + 8, 4, &got)) != WSL_OK)
            return st;
        if (got < 4)
            return wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy header", fn, r->name);
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
               (size_t)pre[11] << 24;
        info->preamble = 12;
    }
    if (hlen > NPY_MAX_HEADER)
        return wsl__error(WSL_EFORMAT, "%s: %s: npy header of %zu bytes is too long (at most %zu)",
                          fn, r->name, hlen, NPY_MAX_HEADER);
    if (wsl__reader_remaining(r, &rem) && rem < hlen)
        return wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy header (%zu bytes claimed, %llu "
                          "present)", fn, r->name, hlen, (unsigned long long)rem);
    hdr = wsl__malloc(&r->a, hlen + 1);
    if (!hdr)
        return WSL_ENOMEM;
    if ((st = wsl__reader_read(r, fn, hdr, hlen, &got)) != WSL_OK)
        goto done;
    if (got < hlen) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy header", fn, r->name);
        goto done;
    }
    hdr[hlen] = '\0';
    hp = (hdr_parser){r, fn, hdr, hlen, 0, info->preamble};
    if ((st = parse_dict(&hp, info)) != WSL_OK)
        goto done;
    if (!parse_descr(info)) {
        st = npy_error(r, fn, WSL_EFORMAT, "unsupported dtype '%s'", info->descr);
        goto done;
    }
    if (info->ndim == 0 || info->ndim > 2) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: expected a 1-D or 2-D array, got %zu dimensions", fn,
                        r->name, info->ndim);
        goto done;
    }
    info->n = info->shape[0];
    info->m = info->ndim == 2 ? info->shape[1] : 1;
    if (info->m == 0) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: shape (%zu, 0) has no columns", fn, r->name,
                        info->n);
        goto done;
    }
    if (!wsl__mul_size(&item_bytes, info->n, info->m) ||
        !wsl__mul_size(&item_bytes, item_bytes, info->size ? info->size : 1)) {
        st = wsl__error(WSL_EFORMAT, "%s: %s: shape (%zu, %zu) of '%s' overflows", fn, r->name,
                        info->n, info->m, info->descr);
        goto done;
    }
    info->body = item_bytes;
done:
    wsl__free(&r->a, hdr);
    return st;
}

/* Compare the claimed body size with what the input holds, before anything is allocated. */
static wsl_status check_body(const wsl__reader *r, const char *fn, const npy_info *info)
{
    uint64_t rem = 0;
    if (!wsl__reader_remaining(r, &rem))
        return WSL_OK; /* callers materialize unknown-size input first */
    if (rem < info->body)
        return wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy data: shape (%zu, %zu) of '%s' "
                          "needs %llu bytes, %llu present", fn, r->name, info->n, info->m,
                          info->descr, (unsigned long long)info->body, (unsigned long long)rem);
    if (rem > info->body)
        return wsl__error(WSL_EFORMAT, "%s: %s: %llu unexpected bytes after the .npy data", fn,
                          r->name, (unsigned long long)(rem - info->body));
    return WSL_OK;
}

static uint64_t load_bits(const unsigned char *p, unsigned size, bool big)
{
    uint64_t u = 0;
    if (big)
        for (unsigned b = 0; b < size; b++)
            u = u << 8 | p[b];
    else
        for (unsigned b = size; b-- > 0;)
            u = u << 8 | p[b];
    return u;
}

static int64_t as_signed(uint64_t u, unsigned size)
{
    if (size < 8 && (u >> (8 * size - 1)) & 1)
        u |= ~(uint64_t)0 << (8 * size);
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

/* Input of unknown size (a pipe): read it all, so sizes can be checked. */
static wsl_status materialize(wsl__reader *r, const char *fn, wsl__reader *mem, char **buf,
                              wsl__reader **use)
{
    uint64_t rem;
    size_t len;
    *buf = NULL;
    *use = r;
    if (wsl__reader_remaining(r, &rem))
        return WSL_OK;
    WSL_TRY(wsl__reader_slurp(r, fn, buf, &len));
    wsl__reader_open_mem(mem, *buf, len, r->name, &r->a);
    *use = mem;
    return WSL_OK;
}

/* Visit every item: (i, j) of item idx in file order. */
static void item_cell(const npy_info *info, size_t idx, size_t *i, size_t *j)
{
    if (info->fortran) {
        *j = idx / info->n;
        *i = idx % info->n;
    } else {
        *i = idx / info->m;
        *j = idx % info->m;
    }
}

static wsl_status read_votes(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                             size_t shard, size_t n_shards, wsl_label_matrix **out)
{
    npy_info info;
    wsl__vote_sink s;
    unsigned char chunk[4096];
    size_t total = 0, idx = 0, lo, hi;
    int32_t limit = opts->cardinality ? opts->cardinality : WSL_MAX_CARDINALITY;
    wsl_status st;

    wsl__sink_init(&s, 1, opts->cardinality, opts->alloc);
    if ((st = npy_open(r, fn, &info)) != WSL_OK)
        goto done;
    if (info.kind == 'f' || info.kind == 'c') {
        st = npy_error(r, fn, WSL_EFORMAT, "dtype '%s' is floating point; votes must be "
                       "integers (int8/16/32/64)", info.descr);
        goto done;
    }
    if (info.kind == 'O') {
        st = npy_error(r, fn, WSL_EFORMAT, "object dtype '%s' is not supported; save votes as "
                       "integers", info.descr);
        goto done;
    }
    if ((info.kind != 'i' && info.kind != 'u') ||
        (info.size != 1 && info.size != 2 && info.size != 4 && info.size != 8)) {
        st = npy_error(r, fn, WSL_EFORMAT, "unsupported dtype '%s' for votes (int8/16/32/64 or "
                       "uint8/16/32/64)", info.descr);
        goto done;
    }
    if (info.size > 1 && info.order == '|') {
        st = npy_error(r, fn, WSL_EFORMAT, "dtype '%s' has no byte order", info.descr);
        goto done;
    }
    if ((st = check_body(r, fn, &info)) != WSL_OK)
        goto done;
    /* this shard's rows (all of them for shard 0 of 1) */
    lo = info.n / n_shards * shard + info.n % n_shards * shard / n_shards;
    hi = info.n / n_shards * (shard + 1) + info.n % n_shards * (shard + 1) / n_shards;
    s.m = info.m;
    if ((st = wsl__sink_reserve(&s, hi - lo)) != WSL_OK)
        goto done;
    total = info.n * info.m;
    if (!info.fortran && lo > 0) { /* C order: the shard's bytes only */
        uint64_t skipped;
        if ((st = wsl__reader_skip(r, fn, (uint64_t)lo * info.m * info.size, &skipped)) != WSL_OK)
            goto done;
        idx = lo * info.m;
    }
    if (!info.fortran)
        total = hi * info.m;
    while (idx < total) {
        size_t want = total - idx, got;
        if (want > sizeof chunk / info.size)
            want = sizeof chunk / info.size;
        if ((st = wsl__reader_read(r, fn, chunk, want * info.size, &got)) != WSL_OK)
            goto done;
        if (got < want * info.size) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy data", fn, r->name);
            goto done;
        }
        for (size_t q = 0; q < want; q++, idx++) {
            uint64_t u = load_bits(chunk + q * info.size, info.size, info.big);
            bool huge = info.kind == 'u' && u > (uint64_t)INT64_MAX;
            int64_t v = info.kind == 'u' ? (int64_t)(huge ? 0 : u) : as_signed(u, info.size);
            size_t i, j;
            item_cell(&info, idx, &i, &j);
            if (huge) {
                st = wsl__error(WSL_ERANGE, "%s: %s: row %zu, column %zu: vote %llu is outside "
                                "-1..%ld", fn, r->name, i, j, (unsigned long long)u,
                                (long)limit - 1);
                goto done;
            }
            if (v < WSL_ABSTAIN || v >= limit) {
                st = wsl__error(WSL_ERANGE, "%s: %s: row %zu, column %zu: vote %lld is outside "
                                "-1..%ld", fn, r->name, i, j, (long long)v, (long)limit - 1);
                goto done;
            }
            if (i < lo || i >= hi) /* Fortran order: another shard's row */
                continue;
            if ((st = wsl__sink_set(&s, i - lo, j, (int32_t)v)) != WSL_OK)
                goto done;
        }
    }
    s.n = hi - lo;
    st = wsl__sink_finish(&s, opts->storage, out);
done:
    wsl__sink_free(&s);
    return st;
}

wsl_status wsl__npy_read_votes(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                               wsl_label_matrix **out)
{
    return wsl__npy_read_votes_shard(r, fn, opts, 0, 1, out);
}

wsl_status wsl__npy_read_votes_shard(wsl__reader *r, const char *fn, const wsl_read_options *opts,
                                     size_t shard, size_t n_shards, wsl_label_matrix **out)
{
    wsl__reader mem;
    wsl__reader *use;
    char *buf = NULL;
    wsl_status st;
    *out = NULL;
    memset(&mem, 0, sizeof mem);
    if ((st = materialize(r, fn, &mem, &buf, &use)) != WSL_OK)
        return st;
    st = read_votes(use, fn, opts, shard, n_shards, out);
    wsl__free(&r->a, buf);
    return st;
}

static wsl_status read_probs(wsl__reader *r, const char *fn, const wsl_allocator *alloc,
                             double **out, size_t *n_out, size_t *k_out)
{
    wsl_allocator a = wsl__allocator(alloc);
    npy_info info;
    unsigned char chunk[4096];
    double *p = NULL;
    size_t total, idx = 0;
    wsl_status st;

    if ((st = npy_open(r, fn, &info)) != WSL_OK)
        goto done;
    if (info.kind != 'f' || (info.size != 4 && info.size != 8)) {
        st = npy_error(r, fn, WSL_EFORMAT, "unsupported dtype '%s' for probabilities (float32 or "
                       "float64)", info.descr);
        goto done;
    }
    if (info.order == '|') {
        st = npy_error(r, fn, WSL_EFORMAT, "dtype '%s' has no byte order", info.descr);
        goto done;
    }
    if ((st = check_body(r, fn, &info)) != WSL_OK)
        goto done;
    total = info.n * info.m;
    p = wsl__mallocarray(&a, total, sizeof *p);
    if (!p) {
        st = WSL_ENOMEM;
        goto done;
    }
    while (idx < total) {
        size_t want = total - idx, got;
        if (want > sizeof chunk / info.size)
            want = sizeof chunk / info.size;
        if ((st = wsl__reader_read(r, fn, chunk, want * info.size, &got)) != WSL_OK)
            goto done;
        if (got < want * info.size) {
            st = wsl__error(WSL_EFORMAT, "%s: %s: truncated .npy data", fn, r->name);
            goto done;
        }
        for (size_t q = 0; q < want; q++, idx++) {
            uint64_t u = load_bits(chunk + q * info.size, info.size, info.big);
            double v;
            size_t i, j;
            if (info.size == 8) {
                memcpy(&v, &u, sizeof v);
            } else {
                uint32_t u32 = (uint32_t)u;
                float f;
                memcpy(&f, &u32, sizeof f);
                v = f;
            }
            item_cell(&info, idx, &i, &j);
            if (!isfinite(v)) {
                st = wsl__error(WSL_EFORMAT, "%s: %s: row %zu, column %zu: value is not finite",
                                fn, r->name, i, j);
                goto done;
            }
            p[i * info.m + j] = v;
        }
    }
done:
    if (st != WSL_OK) {
        wsl__free(&a, p);
        return st;
    }
    *out = p;
    *n_out = info.n;
    *k_out = info.m;
    return WSL_OK;
}

wsl_status wsl__npy_read_probs(wsl__reader *r, const char *fn, const wsl_allocator *alloc,
                               double **out, size_t *n_out, size_t *k_out)
{
    wsl__reader mem;
    wsl__reader *use;
    char *buf = NULL;
    wsl_status st;
    memset(&mem, 0, sizeof mem);
    if ((st = materialize(r, fn, &mem, &buf, &use)) != WSL_OK)
        return st;
    st = read_probs(use, fn, alloc, out, n_out, k_out);
    wsl__free(&r->a, buf);
    return st;
}

/* ---------------------------------------------------------------- Writing */

static void write_header(wsl__out *o, const char *descr, size_t n, size_t m)
{
    char dict[200];
    unsigned char pre[10];
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, "
                       "'shape': (%zu, %zu), }", descr, n, m);
    size_t total = 10 + (size_t)len + 1, pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)len + pad + 1;
    memcpy(pre, npy_magic, 6);
    pre[6] = 1;
    pre[7] = 0;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    wsl__out_bytes(o, pre, sizeof pre);
    wsl__out_bytes(o, dict, (size_t)len);
    for (size_t i = 0; i < pad; i++)
        wsl__out_char(o, ' ');
    wsl__out_char(o, '\n');
}

static void store_le(unsigned char *p, uint64_t u, unsigned size)
{
    for (unsigned b = 0; b < size; b++, u >>= 8)
        p[b] = (unsigned char)(u & 0xff);
}

wsl_status wsl__npy_write_votes(wsl__out *o, const wsl_label_matrix *L)
{
    size_t n = wsl_label_matrix_n_points(L), m = wsl_label_matrix_n_sources(L);
    int32_t k = wsl_label_matrix_cardinality(L);
    unsigned elem = k <= INT8_MAX ? 1 : k <= INT16_MAX ? 2 : 4;
    const char *descr = elem == 1 ? "|i1" : elem == 2 ? "<i2" : "<i4";
    int32_t *row = wsl__mallocarray(&o->a, m, sizeof *row);
    unsigned char *bytes = wsl__mallocarray(&o->a, m, elem);
    wsl_status st = WSL_OK;
    if (!row || !bytes) {
        st = WSL_ENOMEM;
        goto done;
    }
    write_header(o, descr, n, m);
    for (size_t i = 0; i < n && !wsl__out_failed(o); i++) {
        if ((st = wsl_label_matrix_row(L, i, row, m)) != WSL_OK)
            goto done;
        for (size_t j = 0; j < m; j++)
            store_le(bytes + j * elem, (uint64_t)(int64_t)row[j], elem);
        wsl__out_bytes(o, bytes, m * elem);
    }
done:
    wsl__free(&o->a, row);
    wsl__free(&o->a, bytes);
    return st;
}

wsl_status wsl__npy_write_probs(wsl__out *o, const double *probs, size_t n, size_t k)
{
    write_header(o, "<f8", n, k);
    for (size_t i = 0; i < n && !wsl__out_failed(o); i++) {
        for (size_t j = 0; j < k; j++) {
            unsigned char b[8];
            uint64_t u;
            double v = probs[i * k + j];
            if (!isfinite(v))
                return wsl__error(WSL_EINVAL, "%s: probs[%zu] (row %zu, column %zu) is not "
                                  "finite", o->fn, i * k + j, i, j);
            memcpy(&u, &v, sizeof u);
            store_le(b, u, 8);
            wsl__out_bytes(o, b, 8);
        }
    }
    return WSL_OK;
}
