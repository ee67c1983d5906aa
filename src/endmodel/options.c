/* End model training options: defaults, validation by field, version-safe copies. */
#include "endmodel_impl.h"

#include <math.h>
#include <string.h>

wsl_status wsl_end_options_init(wsl_end_options *opts)
{
    static const wsl_end_options init = WSL_END_OPTIONS_INIT;
    WSL_CHECK_ARG(opts != NULL);
    *opts = init;
    return WSL_OK;
}

#define BAD(...) wsl__error(WSL_EINVAL, "wsl_end_options: " __VA_ARGS__)

wsl_status wsl_end_options_validate(const wsl_end_options *o, int32_t k)
{
    if (!o)
        return WSL_OK;
    if (o->version < 1 || o->version > WSL_END_OPTIONS_VERSION)
        return BAD("opts->version must be 1..%d (got %u); initialize with WSL_END_OPTIONS_INIT",
                   WSL_END_OPTIONS_VERSION, o->version);
    if (!(o->l2 >= 0) || isinf(o->l2))
        return BAD("opts->l2 must be >= 0 and finite (got %g)", o->l2);
    if (o->max_iter < 1)
        return BAD("opts->max_iter must be >= 1 (got %d)", o->max_iter);
    if (!(o->tol > 0) || isinf(o->tol))
        return BAD("opts->tol must be > 0 and finite (got %g)", o->tol);
    if (o->memory < 1 || o->memory > 100)
        return BAD("opts->memory must be in 1..100 (got %d)", o->memory);
    if (o->keep_uncovered != 0 && o->keep_uncovered != 1)
        return BAD("opts->keep_uncovered must be 0 or 1 (got %d)", o->keep_uncovered);
    if (o->covered_len > 0 && !o->covered)
        return BAD("opts->covered must be given with opts->covered_len = %zu", o->covered_len);
    if (o->weights_len > 0 && !o->weights)
        return BAD("opts->weights must be given with opts->weights_len = %zu", o->weights_len);
    if (o->weights) {
        for (size_t i = 0; i < o->weights_len; i++)
            if (!(o->weights[i] >= 0) || isinf(o->weights[i]))
                return BAD("opts->weights[%zu] must be >= 0 and finite (got %g)", i,
                           o->weights[i]);
    }
    if ((unsigned)o->valid_metric > WSL_END_METRIC_F1)
        return BAD("opts->valid_metric must be a wsl_end_metric value (got %d)",
                   (int)o->valid_metric);
    if (o->valid_metric == WSL_END_METRIC_F1 && k != 2)
        return BAD("opts->valid_metric WSL_END_METRIC_F1 (F1 of class 1) needs k = 2 (got %ld)",
                   (long)k);
    if (o->valid_X && !o->valid_gold)
        return BAD("opts->valid_gold must be given with opts->valid_X");
    if (o->valid_gold && !o->valid_X)
        return BAD("opts->valid_X must be given with opts->valid_gold");
    if (o->patience < 1)
        return BAD("opts->patience must be >= 1 (got %d)", o->patience);
    if (o->valid_gold) {
        size_t known = 0;
        for (size_t i = 0; i < o->valid_gold_len; i++) {
            if (o->valid_gold[i] < WSL_ABSTAIN || o->valid_gold[i] >= k)
                return wsl__error(WSL_ERANGE, "wsl_end_options: opts->valid_gold[%zu] must be in "
                                              "-1..%ld (got %ld)", i, (long)k - 1,
                                  (long)o->valid_gold[i]);
            known += o->valid_gold[i] != WSL_ABSTAIN;
        }
        if (known == 0)
            return BAD("opts->valid_gold has no known label (all %zu are -1)", o->valid_gold_len);
    }
    return WSL_OK;
}

void wsl__end_options_resolve(const wsl_end_options *opts, wsl_end_options *out)
{
    wsl_end_options_init(out);
    /* Only version 1 exists; later versions copy only the fields the caller's version has. */
    if (opts)
        *out = *opts;
    out->version = WSL_END_OPTIONS_VERSION;
    if (out->valid_metric == WSL_END_METRIC_DEFAULT)
        out->valid_metric = WSL_END_METRIC_LOG_LOSS;
}
