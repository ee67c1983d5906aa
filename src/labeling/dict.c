/*
 * Dictionary LFs: an Aho-Corasick automaton over bytes. Build: a trie of the (case-folded)
 * terms, then breadth-first failure links and output links. Each node keeps its edges sorted by
 * byte (binary search); the root has a direct 256-entry table, where most steps land.
 * Matching is one pass over the text: O(text length + matches).
 */
#include "labeling_impl.h"

#include "io/io_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct edge {
    unsigned char byte;
    uint32_t next;
} edge;

typedef struct node {
    uint32_t edge_start, n_edges; /* into the edge array (after the build) */
    uint32_t fail;                /* longest proper suffix that is a trie node */
    uint32_t out_link;            /* nearest node on the fail chain with a term, or 0 */
    int32_t term;                 /* term ending here (creation index), or -1 */
} node;

struct wsl_dict {
    wsl_allocator alloc;
    wsl_dict_options o;
    node *nodes;
    size_t n_nodes;
    edge *edges;
    uint32_t root_next[256];
    uint32_t *term_len;
    int32_t *term_class;
    uint32_t *term_rank;   /* rank of the term's class among the distinct classes, ascending */
    int32_t *rank_class;   /* the distinct classes, ascending: rank -> class */
    size_t n_terms;
};

/* Build-time trie: edges as per-node linked lists in one pool. */
typedef struct bedge {
    unsigned char byte;
    uint32_t next, sibling;
} bedge;

static unsigned char fold(const wsl_dict *d, unsigned char c)
{
    return d->o.ignore_case && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void wsl_dict_free(wsl_dict *d)
{
    if (!d)
        return;
    wsl_allocator a = d->alloc;
    wsl__free(&a, d->nodes);
    wsl__free(&a, d->edges);
    wsl__free(&a, d->term_len);
    wsl__free(&a, d->term_class);
    wsl__free(&a, d->term_rank);
    wsl__free(&a, d->rank_class);
    wsl__free(&a, d);
}

size_t wsl_dict_size(const wsl_dict *d)
{
    return d ? d->n_terms : 0;
}

static wsl_status check_options(const char *fn, const wsl_dict_options *o)
{
    if (!o)
        return WSL_OK;
    if (o->version < 1 || o->version > WSL_DICT_OPTIONS_VERSION)
        return wsl__error(WSL_EINVAL, "%s: opts->version must be 1..%d (got %u); initialize "
                                      "with WSL_DICT_OPTIONS_INIT",
                          fn, WSL_DICT_OPTIONS_VERSION, o->version);
    if (o->whole_word != 0 && o->whole_word != 1)
        return wsl__error(WSL_EINVAL, "%s: opts->whole_word must be 0 or 1 (got %d)", fn,
                          o->whole_word);
    if (o->ignore_case != 0 && o->ignore_case != 1)
        return wsl__error(WSL_EINVAL, "%s: opts->ignore_case must be 0 or 1 (got %d)", fn,
                          o->ignore_case);
    return WSL_OK;
}

static int cmp_int32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

static uint32_t step(const wsl_dict *d, uint32_t s, unsigned char c)
{
    for (;;) {
        if (s == 0)
            return d->root_next[c];
        {
            const node *nd = &d->nodes[s];
            const edge *e = d->edges + nd->edge_start;
            uint32_t lo = 0, hi = nd->n_edges;
            while (lo < hi) {
                uint32_t mid = (lo + hi) / 2;
                if (e[mid].byte < c)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < nd->n_edges && e[lo].byte == c)
                return e[lo].next;
        }
        s = d->nodes[s].fail;
    }
}

wsl_status wsl_dict_create(wsl_dict **out, const char *const *terms, const int32_t *classes,
                           size_t n, const wsl_dict_options *opts, const wsl_allocator *alloc)
{
    static const wsl_dict_options defaults = WSL_DICT_OPTIONS_INIT;
    wsl_allocator a = wsl__allocator(alloc);
    wsl_dict *d = NULL;
    bedge *pool = NULL;
    uint32_t *head = NULL, *queue = NULL;
    int32_t *sorted;
    size_t n_distinct = 0;
    size_t total = 1, n_pool = 0, n_edges = 0;
    wsl_status st = WSL_OK;

    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(terms != NULL || n == 0);
    WSL_TRY(check_options(__func__, opts));
    for (size_t t = 0; t < n; t++) {
        size_t len;
        if (!terms[t] || !terms[t][0])
            return wsl__error(WSL_EINVAL, "%s: term %zu is empty", __func__, t);
        if (classes && classes[t] < 0)
            return wsl__error(WSL_EINVAL, "%s: classes[%zu] must be >= 0 (got %ld)", __func__, t,
                              (long)classes[t]);
        len = strlen(terms[t]);
        if (len > UINT32_MAX || !wsl__add_size(&total, total, len) || total > UINT32_MAX)
            return wsl__error(WSL_EINVAL, "%s: the terms hold more than 2^32 bytes", __func__);
    }
    d = wsl__calloc(&a, 1, sizeof *d);
    if (!d)
        return WSL_ENOMEM;
    d->alloc = a;
    d->o = opts ? *opts : defaults;
    d->nodes = wsl__mallocarray(&a, total, sizeof *d->nodes);
    d->term_len = wsl__mallocarray(&a, n ? n : 1, sizeof *d->term_len);
    d->term_class = wsl__mallocarray(&a, n ? n : 1, sizeof *d->term_class);
    d->term_rank = wsl__mallocarray(&a, n ? n : 1, sizeof *d->term_rank);
    sorted = d->rank_class = wsl__mallocarray(&a, n ? n : 1, sizeof *sorted);
    pool = wsl__mallocarray(&a, total, sizeof *pool);
    head = wsl__mallocarray(&a, total, sizeof *head);
    queue = wsl__mallocarray(&a, total, sizeof *queue);
    if (!d->nodes || !d->term_len || !d->term_class || !d->term_rank || !sorted || !pool ||
        !head || !queue) {
        st = WSL_ENOMEM;
        goto done;
    }
    /* The trie. */
    d->n_nodes = 1;
    head[0] = UINT32_MAX;
    d->nodes[0].term = -1;
    for (size_t t = 0; t < n; t++) {
        uint32_t s = 0;
        for (const unsigned char *p = (const unsigned char *)terms[t]; *p; p++) {
            unsigned char c = fold(d, *p);
            uint32_t e = head[s];
            while (e != UINT32_MAX && pool[e].byte != c)
                e = pool[e].sibling;
            if (e == UINT32_MAX) {
                uint32_t nn = (uint32_t)d->n_nodes++;
                d->nodes[nn].term = -1;
                head[nn] = UINT32_MAX;
                pool[n_pool].byte = c;
                pool[n_pool].next = nn;
                pool[n_pool].sibling = head[s];
                head[s] = (uint32_t)n_pool++;
                e = head[s];
            }
            s = pool[e].next;
        }
        d->term_len[t] = (uint32_t)strlen(terms[t]);
        d->term_class[t] = classes ? classes[t] : 0;
        if (d->nodes[s].term < 0) {
            d->nodes[s].term = (int32_t)t;
            d->n_terms++;
        }
    }
    /* Classes ranked: majority counting indexes a small table by rank, not by class value. */
    if (n > 0) {
        memcpy(sorted, d->term_class, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_int32);
        for (size_t t = 0; t < n; t++)
            if (n_distinct == 0 || sorted[n_distinct - 1] != sorted[t])
                sorted[n_distinct++] = sorted[t];
        for (size_t t = 0; t < n; t++) {
            size_t lo = 0, hi = n_distinct;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (sorted[mid] < d->term_class[t])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            d->term_rank[t] = (uint32_t)lo;
        }
    }
    /* Sorted edge arrays. */
    d->edges = wsl__mallocarray(&a, n_pool ? n_pool : 1, sizeof *d->edges);
    if (!d->edges) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t s = 0; s < d->n_nodes; s++) {
        size_t start = n_edges;
        for (uint32_t e = head[s]; e != UINT32_MAX; e = pool[e].sibling) {
            size_t i = n_edges++;
            /* insertion sort by byte: nodes have few edges */
            while (i > start && d->edges[i - 1].byte > pool[e].byte) {
                d->edges[i] = d->edges[i - 1];
                i--;
            }
            d->edges[i].byte = pool[e].byte;
            d->edges[i].next = pool[e].next;
        }
        d->nodes[s].edge_start = (uint32_t)start;
        d->nodes[s].n_edges = (uint32_t)(n_edges - start);
    }
    memset(d->root_next, 0, sizeof d->root_next);
    for (uint32_t e = 0; e < d->nodes[0].n_edges; e++)
        d->root_next[d->edges[e].byte] = d->edges[e].next;
    /* Failure and output links, breadth first. */
    {
        size_t qh = 0, qt = 0;
        d->nodes[0].fail = 0;
        d->nodes[0].out_link = 0;
        for (uint32_t e = 0; e < d->nodes[0].n_edges; e++) {
            uint32_t c = d->edges[e].next;
            d->nodes[c].fail = 0;
            d->nodes[c].out_link = 0;
            queue[qt++] = c;
        }
        while (qh < qt) {
            uint32_t s = queue[qh++];
            const node *ns = &d->nodes[s];
            for (uint32_t e = ns->edge_start; e < ns->edge_start + ns->n_edges; e++) {
                uint32_t c = d->edges[e].next, f = step(d, d->nodes[s].fail, d->edges[e].byte);
                d->nodes[c].fail = f;
                d->nodes[c].out_link = d->nodes[f].term >= 0 ? f : d->nodes[f].out_link;
                queue[qt++] = c;
            }
        }
    }
done:
    wsl__free(&a, pool);
    wsl__free(&a, head);
    wsl__free(&a, queue);
    if (st != WSL_OK) {
        wsl_dict_free(d);
        return st;
    }
    *out = d;
    return WSL_OK;
}

/* The class field of a "term<TAB>class" line: decimal digits, 0..WSL_MAX_CARDINALITY - 1. */
static bool parse_class(const char *f, size_t len, int32_t *out)
{
    int32_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (f[i] < '0' || f[i] > '9' || v > (WSL_MAX_CARDINALITY - 1 - (f[i] - '0')) / 10)
            return false;
        v = v * 10 + (f[i] - '0');
    }
    *out = v;
    return true;
}

wsl_status wsl_dict_load(wsl_dict **out, const char *path, int32_t cls,
                         const wsl_dict_options *opts, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl__reader r;
    char **terms = NULL, *buf = NULL;
    size_t n = 0, cap = 0, used = 0, buf_cap = 0;
    size_t *offsets = NULL;
    int32_t *classes = NULL;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(path != NULL);
    if (cls < 0 && cls != WSL_DICT_CLASS_IN_FILE)
        return wsl__error(WSL_EINVAL, "%s: cls must be >= 0 or WSL_DICT_CLASS_IN_FILE (got %ld)",
                          __func__, (long)cls);
    WSL_TRY(check_options(__func__, opts));
    memset(&r, 0, sizeof r);
    WSL_TRY(wsl__reader_open_file(&r, __func__, path, &a));
    if ((st = wsl__reader_skip_bom(&r, __func__)) != WSL_OK)
        goto done;
    for (;;) {
        const char *line;
        size_t len;
        int32_t c = cls;
        bool got;
        if ((st = wsl__reader_line(&r, __func__, &line, &len, &got)) != WSL_OK)
            goto done;
        if (!got)
            break;
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
            len--;
        if (len == 0)
            continue;
        {
            /* Terms are C strings: a NUL would cut the term short, silently. */
            const char *nul = memchr(line, '\0', len);
            if (nul) {
                st = wsl__reader_error(&r, __func__, (size_t)(nul - line) + 1, WSL_EFORMAT,
                                       "NUL byte in a term");
                goto done;
            }
        }
        if (cls == WSL_DICT_CLASS_IN_FILE) {
            const char *tab = memchr(line, '\t', len);
            size_t f = tab ? (size_t)(tab - line) + 1 : len;
            while (f < len && line[f] == ' ')
                f++;
            if (!tab || !parse_class(line + f, len - f, &c)) {
                st = wsl__reader_error(&r, __func__, tab ? f + 1 : 0, WSL_EFORMAT,
                                       "expected term<TAB>class with a class in 0..%d",
                                       WSL_MAX_CARDINALITY - 1);
                goto done;
            }
            len = (size_t)(tab - line);
            while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
                len--;
            if (len == 0) {
                st = wsl__reader_error(&r, __func__, 0, WSL_EFORMAT, "empty term");
                goto done;
            }
        }
        if (used + len + 1 > buf_cap) {
            size_t nc = buf_cap ? buf_cap * 2 : 4096;
            char *nb;
            while (nc < used + len + 1)
                nc *= 2;
            if (!(nb = wsl__realloc(&a, buf, nc))) {
                st = WSL_ENOMEM;
                goto done;
            }
            buf = nb;
            buf_cap = nc;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 256;
            size_t *no = wsl__reallocarray(&a, offsets, nc, sizeof *no);
            int32_t *ncl;
            if (!no) {
                st = WSL_ENOMEM;
                goto done;
            }
            offsets = no;
            ncl = wsl__reallocarray(&a, classes, nc, sizeof *ncl);
            if (!ncl) {
                st = WSL_ENOMEM;
                goto done;
            }
            classes = ncl;
            cap = nc;
        }
        memcpy(buf + used, line, len);
        buf[used + len] = '\0';
        offsets[n] = used;
        classes[n++] = c;
        used += len + 1;
    }
    terms = wsl__mallocarray(&a, n ? n : 1, sizeof *terms);
    if (!terms) {
        st = WSL_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        terms[t] = buf + offsets[t];
    st = wsl_dict_create(out, (const char *const *)terms, classes, n, opts, &a);
done:
    wsl__reader_close(&r);
    wsl__free(&a, terms);
    wsl__free(&a, buf);
    wsl__free(&a, offsets);
    wsl__free(&a, classes);
    return st;
}

/* Counting window of the majority: class ranks [lo, lo + RANK_WINDOW) are counted per pass. */
#define RANK_WINDOW 64

/*
 * One pass of the automaton over the text. Counts the matches whose class rank lies in
 * [lo, lo + RANK_WINDOW) into counts[]; with out != NULL (the first pass) also fills the match
 * count and the first match, and *max_rank receives the largest class rank matched.
 */
static void scan(const wsl_dict *d, const unsigned char *t, size_t len, uint32_t lo,
                 size_t *counts, wsl_dict_match *out, uint32_t *max_rank)
{
    const int whole_word = d->o.whole_word;
    uint32_t s = 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t o;
        s = step(d, s, fold(d, t[i]));
        for (o = d->nodes[s].term >= 0 ? s : d->nodes[s].out_link; o != 0;
             o = d->nodes[o].out_link) {
            const size_t term = (size_t)d->nodes[o].term, start = i + 1 - d->term_len[term];
            const uint32_t rank = d->term_rank[term];
            /* whole word: no word character may continue the match on either side */
            if (whole_word && ((start > 0 && is_word(t[start - 1]) && is_word(t[start])) ||
                               (i + 1 < len && is_word(t[i + 1]) && is_word(t[i]))))
                continue;
            if (out) {
                if (out->n_matches++ == 0) {
                    out->first_term = term;
                    out->first_offset = start;
                    out->first_class = d->term_class[term];
                }
                if (rank > *max_rank)
                    *max_rank = rank;
            }
            if (rank - lo < RANK_WINDOW)
                counts[rank - lo]++;
        }
    }
}

wsl_status wsl_dict_find(const wsl_dict *d, const char *text, size_t len, wsl_dict_match *out)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t counts[RANK_WINDOW], best_count = 0;
    uint32_t max_rank = 0, best_rank = 0;
    WSL_CHECK_ARG(d != NULL);
    WSL_CHECK_ARG(out != NULL);
    WSL_CHECK_ARG(text != NULL || len == 0);
    memset(out, 0, sizeof *out);
    out->first_class = WSL_ABSTAIN;
    out->majority_class = WSL_ABSTAIN;
    /* Pass 1 counts the classes of rank < 64 (all of them, for dictionaries of <= 64 classes);
     * dictionaries of more classes rescan once per further window of 64 ranks matched. Ranks
     * ascend with class values and a later window must beat the best strictly, so ties go to
     * the lowest class. */
    for (uint32_t lo = 0;; lo += RANK_WINDOW) {
        memset(counts, 0, sizeof counts);
        scan(d, t, len, lo, counts, lo == 0 ? out : NULL, &max_rank);
        if (out->n_matches == 0)
            return WSL_OK;
        for (uint32_t r = 0; r < RANK_WINDOW; r++)
            if (counts[r] > best_count) {
                best_count = counts[r];
                best_rank = lo + r;
            }
        if (max_rank - lo < RANK_WINDOW)
            break;
    }
    out->majority_class = d->rank_class[best_rank];
    return WSL_OK;
}

typedef struct dict_lf {
    const wsl_dict *dict;
    wsl_text_fn text_fn;
    void *payload;
} dict_lf;

static int32_t run_dict_lf(const wsl_lf_input *in, void *payload)
{
    const dict_lf *x = payload;
    wsl_dict_match m;
    size_t len = 0;
    const char *text = x->text_fn(in, &len, x->payload);
    if (!text)
        return WSL_ABSTAIN;
    if (wsl_dict_find(x->dict, text, len, &m) != WSL_OK)
        return WSL_LF_ERROR;
    return m.majority_class;
}

wsl_status wsl_lf_set_add_dict(wsl_lf_set *set, const char *name, const wsl_dict *dict,
                               wsl_text_fn text_fn, void *payload)
{
    dict_lf *x;
    WSL_CHECK_ARG(set != NULL);
    WSL_CHECK_ARG(dict != NULL);
    WSL_CHECK_ARG(text_fn != NULL);
    x = wsl__malloc(&set->alloc, sizeof *x);
    if (!x)
        return WSL_ENOMEM;
    x->dict = dict;
    x->text_fn = text_fn;
    x->payload = payload;
    return wsl__lf_set_add_owned(set, __func__, name, run_dict_lf, x);
}
