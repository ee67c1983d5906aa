/*
 * Text to hashed n-gram features. Tokens are hashed while they are scanned (no copy of the
 * text); an n-gram's hash chains its tokens' hashes, so every n-gram costs one mixing step.
 * The hash functions are part of the saved format: changing them silently changes what a saved
 * model sees, so tests pin their values.
 */
#include "endmodel_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* The 64-bit finalizer of splitmix64 / MurmurHash3: FNV alone mixes its last bytes poorly. */
static uint64_t fmix(uint64_t h)
{
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

uint64_t wsl__token_hash(const unsigned char *s, size_t len)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * FNV_PRIME;
    return fmix(h);
}

/* Hash of the n-gram (..., prev) extended by a token with hash t. */
static uint64_t chain(uint64_t prev, uint64_t t)
{
    return fmix((prev ^ 0x9e3779b97f4a7c15ULL) * 0xff51afd7ed558ccdULL + t);
}

static int is_token_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c >= 0x80;
}

/* ---------------------------------------------------------------- options and lifecycle */

wsl_status wsl_featurizer_options_init(wsl_featurizer_options *opts)
{
    static const wsl_featurizer_options init = WSL_FEATURIZER_OPTIONS_INIT;
    WSL_CHECK_ARG(opts != NULL);
    *opts = init;
    return WSL_OK;
}

#define BAD(...) wsl__error(WSL_EINVAL, "wsl_featurizer_options: " __VA_ARGS__)

wsl_status wsl_featurizer_options_validate(const wsl_featurizer_options *o)
{
    if (!o)
        return WSL_OK;
    if (o->version < 1 || o->version > WSL_FEATURIZER_OPTIONS_VERSION)
        return BAD("opts->version must be 1..%d (got %u); initialize with "
                   "WSL_FEATURIZER_OPTIONS_INIT", WSL_FEATURIZER_OPTIONS_VERSION, o->version);
    if (o->hash_bits < 1 || o->hash_bits > 24)
        return BAD("opts->hash_bits must be in 1..24 (got %d)", o->hash_bits);
    if (o->ngram_max < 1 || o->ngram_max > 4)
        return BAD("opts->ngram_max must be in 1..4 (got %d)", o->ngram_max);
    if (o->lowercase != 0 && o->lowercase != 1)
        return BAD("opts->lowercase must be 0 or 1 (got %d)", o->lowercase);
    if (o->tfidf != 0 && o->tfidf != 1)
        return BAD("opts->tfidf must be 0 or 1 (got %d)", o->tfidf);
    if (o->sublinear_tf != 0 && o->sublinear_tf != 1)
        return BAD("opts->sublinear_tf must be 0 or 1 (got %d)", o->sublinear_tf);
    if (o->normalize != 0 && o->normalize != 1)
        return BAD("opts->normalize must be 0 or 1 (got %d)", o->normalize);
    return WSL_OK;
}

wsl_status wsl_featurizer_create(wsl_featurizer **out, const wsl_featurizer_options *opts,
                                 const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_featurizer *fz;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_TRY(wsl_featurizer_options_validate(opts));
    if (!(fz = wsl__calloc(&a, 1, sizeof *fz)))
        return WSL_ENOMEM;
    fz->alloc = a;
    wsl_featurizer_options_init(&fz->opts);
    if (opts)
        fz->opts = *opts;
    fz->opts.version = WSL_FEATURIZER_OPTIONS_VERSION;
    fz->d = (size_t)1 << fz->opts.hash_bits;
    *out = fz;
    return WSL_OK;
}

void wsl_featurizer_free(wsl_featurizer *fz)
{
    wsl_allocator a;
    if (!fz)
        return;
    a = fz->alloc;
    wsl__free(&a, fz->df);
    wsl__free(&a, fz->idf);
    wsl__free(&a, fz->df_cols);
    wsl__free(&a, fz);
}

/* Replace the statistics by n zeroed ones, listed (with df_cols) or for every column. */
static wsl_status alloc_stats(wsl_featurizer *fz, size_t n, int listed)
{
    const size_t m = n ? n : 1;
    uint32_t *df = wsl__calloc(&fz->alloc, m, sizeof *df);
    double *idf = df ? wsl__calloc(&fz->alloc, m, sizeof *idf) : NULL;
    uint32_t *cols = idf && listed ? wsl__calloc(&fz->alloc, m, sizeof *cols) : NULL;
    if (!idf || (listed && !cols)) {
        wsl__free(&fz->alloc, df);
        wsl__free(&fz->alloc, idf);
        return WSL_ENOMEM;
    }
    wsl__free(&fz->alloc, fz->df);
    wsl__free(&fz->alloc, fz->idf);
    wsl__free(&fz->alloc, fz->df_cols);
    fz->df = df;
    fz->idf = idf;
    fz->df_cols = cols;
    fz->n_df = listed ? n : 0;
    return WSL_OK;
}

wsl_status wsl__featurizer_alloc_stats(wsl_featurizer *fz)
{
    return alloc_stats(fz, fz->d, 0);
}

wsl_status wsl__featurizer_alloc_listed(wsl_featurizer *fz, size_t n)
{
    return alloc_stats(fz, n, 1);
}

void wsl__featurizer_refresh_idf(wsl_featurizer *fz)
{
    /* scikit-learn's smooth idf: as if one more document held every term. */
    const double n1 = 1.0 + (double)fz->n_docs;
    const size_t n = fz->df_cols ? fz->n_df : fz->d;
    const uint32_t zero = 0;
    for (size_t j = 0; j < n; j++)
        fz->idf[j] = log(n1 / (1.0 + (double)fz->df[j])) + 1.0;
    fz->idf0 = log(n1 / (1.0 + (double)zero)) + 1.0;
}

/* Index of column j in df_cols, or n_df. */
static size_t listed_index(const wsl_featurizer *fz, size_t j)
{
    size_t lo = 0, hi = fz->n_df;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fz->df_cols[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < fz->n_df && fz->df_cols[lo] == j ? lo : fz->n_df;
}

static double idf_of(const wsl_featurizer *fz, size_t j)
{
    size_t t;
    if (!fz->df_cols)
        return fz->idf[j];
    t = listed_index(fz, j);
    return t < fz->n_df ? fz->idf[t] : fz->idf0;
}

uint32_t wsl__featurizer_df(const wsl_featurizer *fz, size_t j)
{
    size_t t;
    if (!fz->df_cols)
        return fz->df[j];
    t = listed_index(fz, j);
    return t < fz->n_df ? fz->df[t] : 0;
}

wsl_status wsl__featurizer_clone(const wsl_featurizer *fz, const wsl_allocator *alloc,
                                 wsl_featurizer **out)
{
    wsl_featurizer *c;
    WSL_TRY(wsl_featurizer_create(&c, &fz->opts, alloc));
    c->fitted = fz->fitted;
    c->n_docs = fz->n_docs;
    c->idf0 = fz->idf0;
    if (fz->df) {
        const size_t n = fz->df_cols ? fz->n_df : fz->d;
        if (alloc_stats(c, n, fz->df_cols != NULL) != WSL_OK) {
            wsl_featurizer_free(c);
            return WSL_ENOMEM;
        }
        memcpy(c->df, fz->df, n * sizeof *c->df);
        memcpy(c->idf, fz->idf, n * sizeof *c->idf);
        if (fz->df_cols)
            memcpy(c->df_cols, fz->df_cols, n * sizeof *c->df_cols);
    }
    *out = c;
    return WSL_OK;
}

size_t wsl_featurizer_n_features(const wsl_featurizer *fz)
{
    return fz ? fz->d : 0;
}

int wsl_featurizer_is_fitted(const wsl_featurizer *fz)
{
    return fz ? fz->fitted : 0;
}

wsl_status wsl_featurizer_get_options(const wsl_featurizer *fz, wsl_featurizer_options *out)
{
    WSL_CHECK_ARG(fz != NULL);
    WSL_CHECK_ARG(out != NULL);
    *out = fz->opts;
    return WSL_OK;
}

/* ---------------------------------------------------------------- one text */

/* A growable list of column indices: the n-gram buckets of one text. */
typedef struct bucket_list {
    uint32_t *v;
    size_t n, cap;
} bucket_list;

static wsl_status push(const wsl_allocator *a, bucket_list *b, uint32_t col)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        uint32_t *p = wsl__reallocarray(a, b->v, cap, sizeof *p);
        if (!p)
            return WSL_ENOMEM;
        b->v = p;
        b->cap = cap;
    }
    b->v[b->n++] = col;
    return WSL_OK;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* The buckets of every n-gram of text, sorted (repeats kept: they are the counts). */
static wsl_status text_buckets(const wsl_featurizer *fz, const char *text, bucket_list *out)
{
    const unsigned char *s = (const unsigned char *)text;
    const int shift = 64 - fz->opts.hash_bits, nmax = fz->opts.ngram_max;
    uint64_t window[4] = {0, 0, 0, 0}; /* hashes of the last nmax tokens, newest first */
    int have = 0;
    out->n = 0;
    for (size_t i = 0; s[i];) {
        uint64_t h = FNV_OFFSET;
        if (!is_token_byte(s[i])) {
            i++;
            continue;
        }
        for (; s[i] && is_token_byte(s[i]); i++) {
            unsigned char c = s[i];
            if (fz->opts.lowercase && c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            h = (h ^ c) * FNV_PRIME;
        }
        memmove(window + 1, window, 3 * sizeof window[0]);
        window[0] = fmix(h);
        if (have < nmax)
            have++;
        /* The n-grams ending at this token: oldest token first in the chain. */
        for (int n = 1; n <= have; n++) {
            uint64_t g = window[n - 1];
            for (int t = n - 2; t >= 0; t--)
                g = chain(g, window[t]);
            WSL_TRY(push(&fz->alloc, out, (uint32_t)(g >> shift)));
        }
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_u32);
    return WSL_OK;
}

static wsl_status check_texts(const char *fn, const char *const *texts, size_t n)
{
    WSL_CHECK_ARG(texts != NULL || n == 0);
    for (size_t i = 0; i < n; i++)
        if (!texts[i])
            return wsl__error(WSL_EINVAL, "%s: texts[%zu] is NULL", fn, i);
    return WSL_OK;
}

wsl_status wsl_featurizer_fit(wsl_featurizer *fz, const char *const *texts, size_t n)
{
    bucket_list b = {NULL, 0, 0};
    wsl_status st;
    WSL_CHECK_ARG(fz != NULL);
    WSL_TRY(check_texts(__func__, texts, n));
    fz->fitted = 0;
    fz->n_docs = 0;
    if (!fz->opts.tfidf) {
        /* Nothing to learn: the frequencies would only cost 12 bytes per column. */
        fz->n_docs = n;
        fz->fitted = 1;
        return WSL_OK;
    }
    WSL_TRY(wsl__featurizer_alloc_stats(fz));
    for (size_t i = 0; i < n; i++) {
        if ((st = text_buckets(fz, texts[i], &b)) != WSL_OK) {
            wsl__free(&fz->alloc, b.v);
            return st;
        }
        for (size_t t = 0; t < b.n; t++)
            if ((t == 0 || b.v[t] != b.v[t - 1]) && fz->df[b.v[t]] < UINT32_MAX)
                fz->df[b.v[t]]++;
    }
    wsl__free(&fz->alloc, b.v);
    fz->n_docs = n;
    wsl__featurizer_refresh_idf(fz);
    fz->fitted = 1;
    return WSL_OK;
}

/* ---------------------------------------------------------------- transform */

/* Room for `more` entries in X's cols/vals (grown geometrically). */
static wsl_status reserve(wsl_features *X, size_t *cap, size_t used, size_t more)
{
    size_t need;
    if (!wsl__add_size(&need, used, more))
        return wsl__error(WSL_ENOMEM, "wsl_featurizer_transform: too many features");
    if (need > *cap) {
        size_t c = *cap ? *cap : 1024;
        uint32_t *cols;
        double *vals;
        while (c < need)
            c = c > SIZE_MAX / 4 ? need : 2 * c;
        if (!(cols = wsl__reallocarray(&X->alloc, X->cols, c, sizeof *cols)))
            return WSL_ENOMEM;
        X->cols = cols;
        if (!(vals = wsl__reallocarray(&X->alloc, X->vals, c, sizeof *vals)))
            return WSL_ENOMEM;
        X->vals = vals;
        *cap = c;
    }
    return WSL_OK;
}

wsl_status wsl_featurizer_transform(const wsl_featurizer *fz, const char *const *texts, size_t n,
                                    wsl_features **out)
{
    bucket_list b = {NULL, 0, 0};
    wsl_features *X = NULL;
    size_t cap = 0, nnz = 0;
    wsl_status st;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    WSL_CHECK_ARG(fz != NULL);
    WSL_TRY(check_texts(__func__, texts, n));
    if (fz->opts.tfidf && !fz->fitted)
        return wsl__error(WSL_ESTATE, "%s: the featurizer uses TF-IDF and is not fitted "
                                      "(call wsl_featurizer_fit first)", __func__);
    if ((st = wsl__features_alloc_sparse(&X, n, fz->d, 0, &fz->alloc)) != WSL_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        size_t start = nnz;
        double norm2 = 0;
        if ((st = text_buckets(fz, texts[i], &b)) != WSL_OK ||
            (st = reserve(X, &cap, nnz, b.n)) != WSL_OK)
            goto done;
        for (size_t t = 0; t < b.n;) {
            size_t u = t;
            double v;
            while (u < b.n && b.v[u] == b.v[t])
                u++;
            v = (double)(u - t);
            if (fz->opts.sublinear_tf)
                v = 1.0 + log(v);
            if (fz->opts.tfidf)
                v *= idf_of(fz, b.v[t]);
            X->cols[nnz] = b.v[t];
            X->vals[nnz++] = v;
            norm2 += v * v;
            t = u;
        }
        if (fz->opts.normalize && norm2 > 0) {
            double inv = 1.0 / sqrt(norm2);
            for (size_t t = start; t < nnz; t++)
                X->vals[t] *= inv;
        }
        X->row_ptr[i + 1] = nnz;
    }
    st = WSL_OK;
done:
    wsl__free(&fz->alloc, b.v);
    if (st != WSL_OK) {
        wsl_features_free(X);
        return st;
    }
    *out = X;
    return WSL_OK;
}
