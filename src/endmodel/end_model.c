/* The end model: lifecycle and the fit (row weights, compaction, validation, L-BFGS). */
#include "endmodel_impl.h"
#include "matrix/matrix.h"

#include <math.h>
#include <string.h>

wsl_status wsl_end_model_create(wsl_end_model **out, int32_t k, const wsl_allocator *alloc)
{
    wsl_allocator a = wsl__allocator(alloc);
    wsl_end_model *model;
    WSL_CHECK_ARG(out != NULL);
    *out = NULL;
    if (k < 2 || k > WSL_MAX_CARDINALITY)
        return wsl__error(WSL_EINVAL, "%s: k must be in 2..%d (got %ld)", __func__,
                          WSL_MAX_CARDINALITY, (long)k);
    if (!(model = wsl__calloc(&a, 1, sizeof *model)))
        return WSL_ENOMEM;
    model->alloc = a;
    model->k = k;
    *out = model;
    return WSL_OK;
}

void wsl_end_model_free(wsl_end_model *model)
{
    wsl_allocator a;
    if (!model)
        return;
    a = model->alloc;
    wsl_featurizer_free(model->fz);
    wsl__free(&a, model->theta);
    wsl__free(&a, model->rows);
    wsl__free(&a, model);
}

wsl_status wsl__end_model_alloc(wsl_end_model *model, size_t d, const char *fn)
{
    size_t dk, p;
    double *theta;
    if (!wsl__mul_size(&dk, d, (size_t)model->k) || dk > WSL_END_MAX_WEIGHTS)
        return wsl__error(WSL_EDIM, "%s: %zu features x %ld classes exceed the %zu weights an "
                                    "end model may have", fn, d, (long)model->k,
                          WSL_END_MAX_WEIGHTS);
    p = dk + (size_t)model->k;
    if (!(theta = wsl__calloc(&model->alloc, p, sizeof *theta)))
        return WSL_ENOMEM;
    wsl__free(&model->alloc, model->theta);
    wsl__free(&model->alloc, model->rows);
    model->theta = theta;
    model->rows = NULL;
    model->n_listed = 0;
    model->d = d;
    return WSL_OK;
}

/* ---------------------------------------------------------------- fitting */

typedef struct fit_ctx {
    wsl__end_problem P;
    const wsl_end_options *o;
    wsl__end_compact cp;    /* the compacted problem, if any */
    size_t d;               /* columns of the model */
    double *full;           /* full parameters (the model's), written when cp is used */
    double *vprobs;         /* validation probabilities, or NULL */
    double *best;           /* full parameters of the best validation score */
    double best_score;      /* higher is better (log loss negated) */
    int best_iter, since_best, stopped_early;
    wsl_status err;         /* a failure inside the iteration callback */
} fit_ctx;

static wsl_status fg(void *ctx, const double *x, double *f, double *g)
{
    return wsl__end_objective(&((fit_ctx *)ctx)->P, x, f, g);
}

/* Full parameters of the model from the optimizer's x. */
static const double *full_params(fit_ctx *c, const double *x)
{
    if (!c->cp.X)
        return x;
    wsl__end_compact_expand(&c->cp, c->d, c->P.k, x, c->full);
    return c->full;
}

/* The validation metric of full parameters theta, oriented so that higher is better. */
static wsl_status valid_score(fit_ctx *c, const double *theta, double *out)
{
    const wsl_end_options *o = c->o;
    const size_t k = c->P.k, nv = o->valid_X->n;
    wsl_metrics m;
    double per_class[6];
    WSL_TRY(wsl__end_scores(o->valid_X, k, theta, c->vprobs));
    WSL_TRY(wsl_metrics_compute(c->vprobs, nv, k, o->valid_gold, nv, NULL, 0, &m,
                                k == 2 ? per_class : NULL, k == 2 ? 6 : 0, NULL, 0));
    switch (o->valid_metric) {
    case WSL_END_METRIC_ACCURACY:
        *out = m.accuracy;
        break;
    case WSL_END_METRIC_F1:
        *out = isnan(per_class[5]) ? 0 : per_class[5];
        break;
    default:
        *out = -m.log_loss;
        break;
    }
    return WSL_OK;
}

static int on_iteration(void *ctx, int it, const double *x, double f, double gnorm)
{
    fit_ctx *c = ctx;
    const wsl_end_options *o = c->o;
    wsl__log(o->log_fn, o->log_payload, WSL_LOG_DEBUG,
             "wsl_end_model_fit: iteration %d: loss %.10g, gradient norm %.3g", it, f, gnorm);
    if (o->iter_fn && o->iter_fn(it, f, gnorm, o->iter_payload) != 0) {
        c->err = wsl__error(WSL_ECALLBACK, "wsl_end_model_fit: iter_fn stopped the fit at "
                                           "iteration %d", it);
        return -1;
    }
    if (c->vprobs) {
        const double *theta = full_params(c, x);
        double s;
        if ((c->err = valid_score(c, theta, &s)) != WSL_OK)
            return -1;
        if (s > c->best_score) {
            c->best_score = s;
            c->best_iter = it;
            c->since_best = 0;
            memcpy(c->best, theta, (c->d * c->P.k + c->P.k) * sizeof *theta);
        } else if (++c->since_best >= o->patience) {
            c->stopped_early = 1;
            return 1;
        }
    }
    return 0;
}

/* Row weights omega (summing to 1) from coverage and sample weights. */
static wsl_status row_weights(const char *fn, const wsl_end_options *o, size_t n, double *omega,
                              wsl_end_report *rep)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        int uncovered = o->covered && !o->covered[i];
        double w = o->weights ? o->weights[i] : 1.0;
        if (uncovered && !o->keep_uncovered) {
            rep->n_uncovered++;
            w = 0;
        }
        omega[i] = w;
        sum += w;
        rep->n_rows += w > 0;
    }
    if (!(sum > 0))
        return wsl__error(WSL_EINVAL, "%s: no row to train on (%zu rows, %zu left out as "
                                      "uncovered, the others weigh 0)", fn, n, rep->n_uncovered);
    for (size_t i = 0; i < n; i++)
        omega[i] /= sum;
    return WSL_OK;
}

static wsl_status check_fit(const char *fn, const wsl_end_model *model, const wsl_features *X,
                            const double *probs, size_t probs_len, const wsl_end_options *o)
{
    const size_t n = X->n, k = (size_t)model->k;
    size_t cells;
    if (!wsl__mul_size(&cells, n, k) || probs_len != cells)
        return wsl__error(WSL_EDIM, "%s: probs_len is %zu, X has %zu rows x %zu classes", fn,
                          probs_len, n, k);
    if (o->covered && o->covered_len != n)
        return wsl__error(WSL_EDIM, "%s: opts->covered_len is %zu, X has %zu rows", fn,
                          o->covered_len, n);
    if (o->weights && o->weights_len != n)
        return wsl__error(WSL_EDIM, "%s: opts->weights_len is %zu, X has %zu rows", fn,
                          o->weights_len, n);
    if (o->valid_X && o->valid_X->d != X->d)
        return wsl__error(WSL_EDIM, "%s: opts->valid_X has %zu columns, X has %zu", fn,
                          o->valid_X->d, X->d);
    if (o->valid_X && o->valid_gold_len != o->valid_X->n)
        return wsl__error(WSL_EDIM, "%s: opts->valid_gold_len is %zu, opts->valid_X has %zu rows",
                          fn, o->valid_gold_len, o->valid_X->n);
    if (model->fz && model->fz->d != X->d)
        return wsl__error(WSL_EDIM, "%s: the model's featurizer makes %zu columns, X has %zu", fn,
                          model->fz->d, X->d);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t c = 0; c < k; c++) {
            double q = probs[i * k + c];
            if (!(q >= 0) || isinf(q))
                return wsl__error(WSL_EINVAL, "%s: probs[%zu][%zu] is %g, not a probability", fn,
                                  i, c, q);
            s += q;
        }
        if (fabs(s - 1) > 1e-6)
            return wsl__error(WSL_EINVAL, "%s: probability row %zu sums to %.9g, not 1", fn, i, s);
    }
    return WSL_OK;
}

/* The report's loss and gradient norm at the model's (full) parameters. */
static wsl_status final_loss(wsl_end_model *model, const wsl_features *X, const double *probs,
                             const double *omega, double l2, wsl_end_report *rep)
{
    const size_t k = (size_t)model->k, p = model->d * k + k;
    wsl__end_problem P;
    double *g = wsl__mallocarray(&model->alloc, p, sizeof *g);
    wsl_status st;
    if (!g)
        return WSL_ENOMEM;
    memset(&P, 0, sizeof P);
    P.X = X;
    P.Q = probs;
    P.omega = omega;
    P.k = k;
    P.l2 = l2;
    if (wsl__end_problem_scratch(&P, &model->alloc) != WSL_OK) {
        wsl__free(&model->alloc, g);
        return WSL_ENOMEM;
    }
    st = wsl__end_objective(&P, model->theta, &rep->loss, g);
    if (st == WSL_OK)
        rep->grad_norm = wsl__nrm2(p, g);
    rep->evaluations++;
    wsl__end_problem_release(&P, &model->alloc);
    wsl__free(&model->alloc, g);
    return st;
}

wsl_status wsl_end_model_fit(wsl_end_model *model, const wsl_features *X, const double *probs,
                             size_t probs_len, const wsl_end_options *opts)
{
    wsl_end_options o;
    fit_ctx c;
    wsl__lbfgs_result res;
    wsl_end_report rep;
    double *omega = NULL, *x = NULL, *precond = NULL;
    size_t k, p;
    wsl_status st;
    WSL_CHECK_ARG(model != NULL);
    WSL_CHECK_ARG(X != NULL);
    WSL_CHECK_ARG(probs != NULL || probs_len == 0);
    WSL_TRY(wsl_end_options_validate(opts, model->k));
    wsl__end_options_resolve(opts, &o);
    model->fitted = 0;
    k = (size_t)model->k;
    WSL_TRY(check_fit(__func__, model, X, probs, probs_len, &o));
    WSL_TRY(wsl__end_model_alloc(model, X->d, __func__));
    memset(&c, 0, sizeof c);
    memset(&rep, 0, sizeof rep);
    if (!(omega = wsl__mallocarray(&model->alloc, X->n ? X->n : 1, sizeof *omega))) {
        st = WSL_ENOMEM;
        goto done;
    }
    if ((st = row_weights(__func__, &o, X->n, omega, &rep)) != WSL_OK ||
        (st = wsl__end_compact_build(&c.cp, X, probs, omega, k, &model->alloc)) != WSL_OK)
        goto done;
    c.P.X = c.cp.X ? c.cp.X : X;
    c.P.Q = c.cp.X ? c.cp.Q : probs;
    c.P.omega = c.cp.X ? c.cp.omega : omega;
    c.P.k = k;
    c.P.l2 = o.l2;
    c.o = &o;
    c.d = X->d;
    c.full = model->theta;
    c.best_score = -INFINITY;
    p = c.P.X->d * k + k;
    if ((st = wsl__end_problem_scratch(&c.P, &model->alloc)) != WSL_OK)
        goto done;
    /* The optimizer works on the compact parameters, or on the model's directly. */
    x = c.cp.X ? wsl__calloc(&model->alloc, p, sizeof *x) : model->theta;
    if (!x) {
        st = WSL_ENOMEM;
        goto done;
    }
    if (o.valid_X &&
        (!(c.vprobs = wsl__mallocarray(&model->alloc, o.valid_X->n ? o.valid_X->n : 1,
                                       k * sizeof(double))) ||
         !(c.best = wsl__mallocarray(&model->alloc, X->d * k + k, sizeof(double))))) {
        st = WSL_ENOMEM;
        goto done;
    }
    if (!(precond = wsl__mallocarray(&model->alloc, p, sizeof *precond))) {
        st = WSL_ENOMEM;
        goto done;
    }
    wsl__end_preconditioner(&c.P, precond);
    st = wsl__lbfgs(p, x, precond, o.memory, o.max_iter, o.tol, fg, &c, on_iteration, &c,
                    &model->alloc, &res);
    if (st == WSL_ECALLBACK && c.err != WSL_OK)
        st = c.err;
    if (st != WSL_OK)
        goto done;
    full_params(&c, x); /* into model->theta when compacted */
    rep.iterations = res.iterations;
    rep.evaluations = res.evaluations;
    rep.best_iteration = res.iterations;
    rep.loss = res.f;
    rep.grad_norm = res.gnorm;
    rep.valid_score = NAN;
    if (o.valid_X && c.best_iter > 0) {
        rep.stopped_early = c.stopped_early;
        rep.best_iteration = c.best_iter;
        rep.valid_score = o.valid_metric == WSL_END_METRIC_LOG_LOSS ? -c.best_score
                                                                    : c.best_score;
        if (c.best_iter != res.iterations) {
            memcpy(model->theta, c.best, (X->d * k + k) * sizeof *c.best);
            if ((st = final_loss(model, X, probs, omega, o.l2, &rep)) != WSL_OK)
                goto done;
        }
    }
    rep.converged = rep.grad_norm <= o.tol;
    model->report = rep;
    model->l2 = o.l2;
    model->fitted = 1;
    wsl__log(o.log_fn, o.log_payload, WSL_LOG_INFO,
             "wsl_end_model_fit: %zu rows (%zu uncovered left out), %d iterations, loss %.6g, "
             "gradient norm %.3g (%s)%s", rep.n_rows, rep.n_uncovered, rep.iterations, rep.loss,
             rep.grad_norm, rep.converged ? "converged" : "not converged",
             rep.stopped_early ? ", stopped early on the validation split" : "");
done:
    if (x != model->theta)
        wsl__free(&model->alloc, x);
    wsl__free(&model->alloc, precond);
    wsl__end_compact_release(&c.cp, &model->alloc);
    wsl__free(&model->alloc, omega);
    wsl__end_problem_release(&c.P, &model->alloc);
    wsl__free(&model->alloc, c.vprobs);
    wsl__free(&model->alloc, c.best);
    if (st != WSL_OK) {
        wsl__free(&model->alloc, model->theta);
        model->theta = NULL;
        model->d = 0;
    }
    return st;
}
