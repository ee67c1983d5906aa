#include "model_impl.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

wsl_status wsl_fit_options_init(wsl_fit_options *opts)
{
    static const wsl_fit_options init = WSL_FIT_OPTIONS_INIT;
    WSL_CHECK_ARG(opts != NULL);
    *opts = init;
    return WSL_OK;
}

#define BAD(...) wsl__error(WSL_EINVAL, "wsl_fit_options: " __VA_ARGS__)

wsl_status wsl_fit_options_validate(const wsl_fit_options *o, int32_t k)
{
    if (!o)
        return WSL_OK;
    if (o->version < 1 || o->version > WSL_FIT_OPTIONS_VERSION)
        return BAD("opts->version must be 1..%d (got %u); initialize with WSL_FIT_OPTIONS_INIT",
                   WSL_FIT_OPTIONS_VERSION, o->version);
    if ((unsigned)o->tables > WSL_TABLES_ONE_COIN)
        return BAD("opts->tables must be a wsl_lm_tables value (got %d)", (int)o->tables);
    if ((unsigned)o->abstain > WSL_ABSTAIN_AUTO)
        return BAD("opts->abstain must be a wsl_lm_abstain value (got %d)", (int)o->abstain);
    if ((unsigned)o->prior > WSL_PRIOR_GOLD)
        return BAD("opts->prior must be a wsl_lm_prior value (got %d)", (int)o->prior);
    if (o->prior == WSL_PRIOR_FIXED) {
        double sum = 0;
        if (!o->class_prior)
            return BAD("opts->class_prior must be given (k probabilities) with WSL_PRIOR_FIXED");
        for (int32_t c = 0; c < k; c++) {
            double p = o->class_prior[c];
            if (!(p > 0 && p < 1) && !(k == 1 && p == 1))
                return BAD("opts->class_prior[%ld] must be in (0, 1) (got %g)", (long)c, p);
            sum += p;
        }
        if (fabs(sum - 1) > 1e-6)
            return BAD("opts->class_prior must sum to 1 (got %.9g)", sum);
    }
    if (o->prior == WSL_PRIOR_GOLD && !o->gold)
        return BAD("opts->gold must be given with WSL_PRIOR_GOLD");
    if (isnan(o->pseudo_count))
        return BAD("opts->pseudo_count must be a number (got NaN)");
    if (isinf(o->pseudo_count))
        return BAD("opts->pseudo_count must be finite (got %g)", o->pseudo_count);
    if (o->max_iter < 1)
        return BAD("opts->max_iter must be >= 1 (got %d)", o->max_iter);
    if (!(o->tol > 0) || isinf(o->tol))
        return BAD("opts->tol must be > 0 and finite (got %g)", o->tol);
    if (o->starts == 0 || (o->starts & ~(unsigned)WSL_START_ALL))
        return BAD("opts->starts must be a non-empty set of WSL_START_* flags (got %u)", o->starts);
    if (o->n_threads < 1 || o->n_threads > WSL__MAX_THREADS)
        return BAD("opts->n_threads must be in 1..1024 (got %d)", o->n_threads);
    if (o->gold && o->gold_len == 0)
        return BAD("opts->gold_len must be the number of rows when opts->gold is given (got 0)");
    if (o->version >= 2 && o->source_priors) {
        if (isnan(o->source_prior_strength) || isinf(o->source_prior_strength))
            return BAD("opts->source_prior_strength must be finite (got %g)",
                       o->source_prior_strength);
        for (size_t j = 0; j < o->n_source_priors; j++) {
            const double *t = o->source_priors[j];
            if (!t)
                continue;
            for (int32_t c = 0; c < k; c++) {
                double sum = 0;
                for (int32_t v = -1; v < k; v++) {
                    double p = t[(size_t)c * ((size_t)k + 1) + (size_t)(v + 1)];
                    if (!(p >= 0 && p <= 1))
                        return BAD("opts->source_priors[%zu][%ld][%ld] must be in [0, 1] (got %g)",
                                   j, (long)c, (long)(v + 1), p);
                    sum += p;
                }
                if (fabs(sum - 1) > 1e-6)
                    return BAD("opts->source_priors[%zu] row %ld must sum to 1 (got %.9g)", j,
                               (long)c, sum);
            }
        }
    }
    if (o->version >= 2) {
        if ((unsigned)o->deps > WSL_DEPS_LEARN)
            return BAD("opts->deps must be a wsl_lm_deps value (got %d)", (int)o->deps);
        if (o->n_dep_groups > 0 && (!o->dep_members || !o->dep_sizes))
            return BAD("opts->dep_members and opts->dep_sizes must be given with "
                       "opts->n_dep_groups = %zu", o->n_dep_groups);
    }
    if (o->tables == WSL_TABLES_ONE_COIN) {
        /* One accuracy per source and nothing else: what needs tables is refused. */
        if (o->abstain == WSL_ABSTAIN_INFORMATIVE)
            return BAD("opts->abstain = WSL_ABSTAIN_INFORMATIVE is not allowed with "
                       "WSL_TABLES_ONE_COIN (a source voting several classes abstains at random "
                       "there; a single-class source's firing is modelled by its polarity)");
        if (o->version >= 2 && o->source_priors)
            return BAD("opts->source_priors are tables: not allowed with WSL_TABLES_ONE_COIN");
        if (o->version >= 2 && (o->n_dep_groups > 0 || o->deps == WSL_DEPS_LEARN))
            return BAD("dependencies (opts->deps = WSL_DEPS_LEARN, or opts->n_dep_groups > 0) "
                       "need joint tables: not allowed with WSL_TABLES_ONE_COIN");
    }
    if (o->gold) {
        for (size_t i = 0; i < o->gold_len; i++)
            if (o->gold[i] < WSL_ABSTAIN || o->gold[i] >= k)
                return BAD("opts->gold[%zu] must be in -1..%ld (got %ld)", i, (long)k - 1,
                           (long)o->gold[i]);
    }
    return WSL_OK;
}

void wsl__fit_options_resolve(const wsl_fit_options *opts, wsl_fit_options *out)
{
    wsl_fit_options_init(out);
    /* A version-1 caller's struct ends before the version-2 fields: copy only what it has. */
    if (opts)
        memcpy(out, opts, opts->version >= 2 ? sizeof *out
                                             : offsetof(wsl_fit_options, source_priors));
    out->version = WSL_FIT_OPTIONS_VERSION;
    if (out->tables == WSL_TABLES_DEFAULT)
        out->tables = WSL_TABLES_POLARITY;
    if (out->abstain == WSL_ABSTAIN_DEFAULT)
        out->abstain = WSL_ABSTAIN_AUTO;
    if (out->prior == WSL_PRIOR_DEFAULT)
        out->prior = WSL_PRIOR_LEARNED;
    if (out->pseudo_count < 0)
        out->pseudo_count = 2.0;
    if (out->deps == WSL_DEPS_DEFAULT)
        out->deps = WSL_DEPS_OFF;
    if (!(out->source_prior_strength > 0))
        out->source_prior_strength = 100.0;
}
