/* The end model: prediction (features or texts), evaluation, the featurizer, inspection. */
#include "endmodel_impl.h"
#include "matrix/matrix.h"

#include <string.h>

/* ---------------------------------------------------------------- prediction */

const double *wsl__end_model_row(const wsl_end_model *model, size_t j)
{
    size_t lo = 0, hi = model->n_listed;
    if (!model->rows)
        return model->theta + j * (size_t)model->k;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (model->rows[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < model->n_listed && model->rows[lo] == j ? model->theta + lo * (size_t)model->k
                                                         : NULL;
}

wsl_status wsl__end_model_scores(const wsl_end_model *model, const wsl_features *X,
                                 double *probs)
{
    const size_t k = (size_t)model->k;
    const double *b = model->theta + model->n_listed * k;
    double *full;
    wsl_status st;
    if (!model->rows)
        return wsl__end_scores(X, k, model->theta, probs);
    if (X->sparse) {
        /* wsl__end_scores' sums without the rows of zeros (adding v * 0 changes no bit). */
        for (size_t i = 0; i < X->n; i++) {
            double *z = probs + i * k;
            memcpy(z, b, k * sizeof *z);
            for (size_t t = X->row_ptr[i]; t < X->row_ptr[i + 1]; t++) {
                const double v = X->vals[t], *w = wsl__end_model_row(model, X->cols[t]);
                if (w)
                    for (size_t c = 0; c < k; c++)
                        z[c] += v * w[c];
            }
        }
        for (size_t i = 0; i < X->n; i++)
            wsl__end_softmax(probs + i * k, k);
        return WSL_OK;
    }
    /* Dense X (the caller's n x d values): the same BLAS products as the fitted model. */
    if (!(full = wsl__calloc(&model->alloc, model->d * k + k, sizeof *full)))
        return WSL_ENOMEM;
    for (size_t r = 0; r < model->n_listed; r++)
        memcpy(full + (size_t)model->rows[r] * k, model->theta + r * k, k * sizeof *full);
    memcpy(full + model->d * k, b, k * sizeof *full);
    st = wsl__end_scores(X, k, full, probs);
    wsl__free(&model->alloc, full);
    return st;
}

static wsl_status check_predict(const char *fn, const wsl_end_model *model, const wsl_features *X,
                                size_t len)
{
    size_t cells;
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", fn);
    if (X->d != model->d)
        return wsl__error(WSL_EDIM, "%s: X has %zu columns, the model was fitted with %zu", fn,
                          X->d, model->d);
    if (!wsl__mul_size(&cells, X->n, (size_t)model->k) || len < cells)
        return wsl__error(WSL_EBUFS, "%s: probs_len is %zu, %zu rows x %ld classes need more", fn,
                          len, X->n, (long)model->k);
    return WSL_OK;
}

wsl_status wsl_end_model_predict_proba(const wsl_end_model *model, const wsl_features *X,
                                       double *probs, size_t probs_len)
{
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(X != NULL);
    WSL_CHECK_ARG(probs != NULL || probs_len == 0);
    WSL_TRY(check_predict(__func__, model, X, probs_len));
    return wsl__end_model_scores(model, X, probs);
}

wsl_status wsl_end_model_predict(const wsl_end_model *model, const wsl_features *X,
                                 wsl_tie_policy policy, uint64_t seed, int32_t *labels,
                                 size_t labels_len)
{
    double *probs;
    size_t k;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(X != NULL);
    WSL_CHECK_ARG(labels != NULL || labels_len == 0);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    if (labels_len < X->n)
        return wsl__error(WSL_EBUFS, "%s: labels_len is %zu, X has %zu rows", __func__,
                          labels_len, X->n);
    if ((unsigned)policy > WSL_TIE_LOWEST)
        return wsl__error(WSL_EINVAL, "%s: policy must be a wsl_tie_policy value (got %d)",
                          __func__, (int)policy);
    k = (size_t)model->k;
    if (!(probs = wsl__mallocarray(&model->alloc, X->n ? X->n : 1, k * sizeof *probs)))
        return WSL_ENOMEM;
    st = wsl_end_model_predict_proba(model, X, probs, X->n * k);
    if (st == WSL_OK)
        st = wsl_probs_to_labels(probs, X->n, k, policy, seed, labels, labels_len);
    wsl__free(&model->alloc, probs);
    return st;
}

wsl_status wsl_end_model_predict_text(const wsl_end_model *model, const char *const *texts,
                                      size_t n, double *probs, size_t probs_len)
{
    const size_t block = 4096;
    size_t k, cells;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(texts != NULL || n == 0);
    WSL_CHECK_ARG(probs != NULL || probs_len == 0);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    if (!model->fz)
        return wsl__error(WSL_ESTATE, "%s: the model has no featurizer (it was trained on the "
                                      "caller's features; see wsl_end_model_set_featurizer)",
                          __func__);
    k = (size_t)model->k;
    if (!wsl__mul_size(&cells, n, k) || probs_len < cells)
        return wsl__error(WSL_EBUFS, "%s: probs_len is %zu, %zu texts x %zu classes need more",
                          __func__, probs_len, n, k);
    for (size_t i = 0; i < n; i++)
        if (!texts[i])
            return wsl__error(WSL_EINVAL, "%s: texts[%zu] is NULL", __func__, i);
    for (size_t i0 = 0; i0 < n; i0 += block) {
        const size_t rows = n - i0 < block ? n - i0 : block;
        wsl_features *X = NULL;
        wsl_status st = wsl_featurizer_transform(model->fz, texts + i0, rows, &X);
        if (st == WSL_OK)
            st = wsl__end_model_scores(model, X, probs + i0 * k);
        wsl_features_free(X);
        if (st != WSL_OK)
            return st;
    }
    return WSL_OK;
}

wsl_status wsl_end_model_evaluate(const wsl_end_model *model, const wsl_features *X,
                                  const int32_t *gold, size_t gold_len, wsl_metrics *out,
                                  double *per_class, size_t per_class_len, double *confusion,
                                  size_t confusion_len)
{
    double *probs;
    size_t k;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(X != NULL);
    WSL_CHECK_ARG(out != NULL);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    if (gold_len != X->n)
        return wsl__error(WSL_EDIM, "%s: gold has %zu labels, X has %zu rows", __func__,
                          gold_len, X->n);
    k = (size_t)model->k;
    if (!(probs = wsl__mallocarray(&model->alloc, X->n ? X->n : 1, k * sizeof *probs)))
        return WSL_ENOMEM;
    st = wsl_end_model_predict_proba(model, X, probs, X->n * k);
    if (st == WSL_OK)
        st = wsl_metrics_compute(probs, X->n, k, gold, gold_len, NULL, 0, out, per_class,
                                 per_class_len, confusion, confusion_len);
    wsl__free(&model->alloc, probs);
    return st;
}

/* ---------------------------------------------------------------- featurizer and inspection */

wsl_status wsl_end_model_set_featurizer(wsl_end_model *model, const wsl_featurizer *fz)
{
    wsl_featurizer *copy = NULL;
    WSL_CHECK_ARG(model != NULL);
    if (fz) {
        if (fz->opts.tfidf && !fz->fitted)
            return wsl__error(WSL_ESTATE, "%s: the featurizer uses TF-IDF and is not fitted",
                              __func__);
        if (model->fitted && fz->d != model->d)
            return wsl__error(WSL_EDIM, "%s: the featurizer makes %zu columns, the model was "
                                        "fitted with %zu", __func__, fz->d, model->d);
        WSL_TRY(wsl__featurizer_clone(fz, &model->alloc, &copy));
    }
    wsl_featurizer_free(model->fz);
    model->fz = copy;
    return WSL_OK;
}

const wsl_featurizer *wsl_end_model_featurizer(const wsl_end_model *model)
{
    return model ? model->fz : NULL;
}

int32_t wsl_end_model_cardinality(const wsl_end_model *model)
{
    return model ? model->k : 0;
}

size_t wsl_end_model_n_features(const wsl_end_model *model)
{
    return model && model->fitted ? model->d : 0;
}

int wsl_end_model_is_fitted(const wsl_end_model *model)
{
    return model ? model->fitted : 0;
}

wsl_status wsl_end_model_report(const wsl_end_model *model, wsl_end_report *out)
{
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(out != NULL);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    *out = model->report;
    return WSL_OK;
}

wsl_status wsl_end_model_weights(const wsl_end_model *model, double *W, size_t W_len,
                                 double *bias, size_t bias_len)
{
    size_t dk;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(W != NULL || W_len == 0);
    WSL_CHECK_ARG(bias != NULL || bias_len == 0);
    if (!model->fitted)
        return wsl__error(WSL_ESTATE, "%s: the model is not fitted", __func__);
    dk = model->d * (size_t)model->k;
    if ((W && W_len < dk) || (bias && bias_len < (size_t)model->k))
        return wsl__error(WSL_EBUFS, "%s: W needs %zu values (got %zu), bias %ld (got %zu)",
                          __func__, dk, W_len, (long)model->k, bias_len);
    if (W && !model->rows)
        memcpy(W, model->theta, dk * sizeof *W);
    if (W && model->rows) {
        const size_t k = (size_t)model->k;
        memset(W, 0, dk * sizeof *W);
        for (size_t r = 0; r < model->n_listed; r++)
            memcpy(W + (size_t)model->rows[r] * k, model->theta + r * k, k * sizeof *W);
    }
    if (bias)
        memcpy(bias, model->theta + (model->rows ? model->n_listed * (size_t)model->k : dk),
               (size_t)model->k * sizeof *bias);
    return WSL_OK;
}
