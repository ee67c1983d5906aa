/*
 * The EM loop and the race of the starts, shared by the table engine (em.c) and the one-coin
 * engine (one_coin.c): each gives its E-step, M-step, log prior, starts and a way to save and
 * restore its parameters.
 */
#include "model_impl.h"

#include <math.h>
#include <string.h>

wsl_status wsl__em_iterate(const wsl__em_driver *d, int start_id, int it0, int it_end, double prev,
                           int *iters, int *converged, double *pen, double *ll)
{
    const wsl_fit_options *o = d->o;
    *converged = 0;
    *iters = it0;
    for (int it = it0; it < it_end; it++) {
        *ll = d->ops->e_step(d->ctx, 1) / d->n_rows;
        *pen = *ll + d->ops->log_prior(d->ctx) / d->n_rows;
        d->hist[it] = *pen;
        *iters = it + 1;
        if (o->iter_fn && o->iter_fn(start_id, it, *pen, o->iter_payload) != 0)
            return wsl__error(WSL_ECALLBACK,
                              "wsl_label_model_fit: iteration callback stopped "
                              "the fit at iteration %d",
                              it);
        if (it > 0 && fabs(*pen - prev) < o->tol) {
            *converged = 1;
            break;
        }
        prev = *pen;
        d->ops->m_step(d->ctx);
    }
    return WSL_OK;
}

/* Run EM on from iteration iters (unless converged) to convergence or max_iter; log it and
 * record the history and report of the fit (what: words before the count in the log). */
static wsl_status run_to_end(const wsl__em_driver *d, wsl_label_model *model, wsl_lm_start id,
                             int iters, int converged, double pen, double ll, const char *what)
{
    if (!converged) {
        WSL_TRY(
            wsl__em_iterate(d, (int)id, iters, d->o->max_iter, pen, &iters, &converged, &pen, &ll));
        if (!converged) { /* the likelihood of the parameters the last M-step left */
            ll = d->ops->e_step(d->ctx, 0) / d->n_rows;
            pen = ll + d->ops->log_prior(d->ctx) / d->n_rows;
        }
    }
    wsl__log(d->o->log_fn, d->o->log_payload, WSL_LOG_INFO,
             "start %d: %s%d iterations, penalized log-likelihood %.6f per row%s", (int)id, what,
             iters, pen, converged ? "" : " (not converged)");
    memcpy(d->best_hist, d->hist, (size_t)iters * sizeof *d->hist);
    model->n_history = (size_t)iters;
    model->report.iterations = iters;
    model->report.converged = converged;
    model->report.start = id;
    model->report.log_likelihood = ll;
    model->report.penalized = pen;
    return WSL_OK;
}

/* A start's state after its first iterations. */
typedef struct race_start {
    wsl_lm_start id;
    int iters, converged;
    double pen, ll;
    double *state, *hist;
} race_start;

/*
 * Every requested start runs WSL__START_RACE iterations (one: the E-step that scores its own
 * parameters, and its first M-step); the one with the best penalized likelihood then runs to
 * convergence, alone. Starts that end in the same optimum (most of them, on most data) are not
 * each run to the end, and a start that is behind at the outset seldom ends ahead: on the
 * benchmark's real label matrices the race picks what a full run of every start picks, and its
 * other variants do better on balance than with 3 or 5 race iterations (bench/README.md).
 *
 * On a large table (ops->sample) the race, and the winner's run to convergence, use a sample
 * of the rows; the winner then runs to convergence again on all of them, from the sample's
 * optimum, which is near theirs: a few passes over all the votes instead of one per start and
 * per iteration. Its history and iterations are those on all rows.
 */
wsl_status wsl__em_race(const wsl__em_driver *d, wsl_label_model *model)
{
    static const wsl_lm_start ids[] = {WSL_START_MAJORITY, WSL_START_PRECISE, WSL_START_MOMENTS};
    enum { N_STARTS = sizeof ids / sizeof ids[0] };
    race_start sts[N_STARTS] = {{0}}; /* -O3 cannot see that some start is requested */
    size_t n = 0, best = 0, per = d->state_len + WSL__START_RACE, total;
    int race = d->o->max_iter < WSL__START_RACE ? d->o->max_iter : WSL__START_RACE;
    double *buf = NULL;
    wsl_status st = WSL_OK;
    int sampled;
    for (size_t i = 0; i < N_STARTS; i++)
        if (d->o->starts & (unsigned)ids[i])
            sts[n++].id = ids[i];
    if (!wsl__mul_size(&total, per, n) ||
        !(buf = wsl__mallocarray(&model->alloc, total, sizeof *buf)))
        return WSL_ENOMEM;
    sampled = d->ops->sample && d->ops->sample(d->ctx, 1);
    for (size_t i = 0; i < n; i++) {
        race_start *s = &sts[i];
        s->state = buf + i * per;
        s->hist = s->state + d->state_len;
        if ((st = d->ops->start(d->ctx, s->id)) != WSL_OK ||
            (st = wsl__em_iterate(d, (int)s->id, 0, race, -INFINITY, &s->iters, &s->converged,
                                  &s->pen, &s->ll)) != WSL_OK)
            goto done;
        wsl__log(d->o->log_fn, d->o->log_payload, WSL_LOG_INFO,
                 "start %d: penalized log-likelihood %.6f per row after %d iterations%s",
                 (int)s->id, s->pen, s->iters, s->converged ? " (converged)" : "");
        d->ops->save(d->ctx, s->state);
        memcpy(s->hist, d->hist, (size_t)s->iters * sizeof *s->hist);
        if (i == 0 || s->pen > sts[best].pen + 1e-12)
            best = i;
    }
    {
        race_start *s = &sts[best];
        d->ops->restore(d->ctx, s->state);
        memcpy(d->hist, s->hist, (size_t)s->iters * sizeof *s->hist);
        if (!sampled) {
            st = run_to_end(d, model, s->id, s->iters, s->converged, s->pen, s->ll, "");
            goto done;
        }
        if (!s->converged &&
            (st = wsl__em_iterate(d, (int)s->id, s->iters, d->o->max_iter, s->pen, &s->iters,
                                  &s->converged, &s->pen, &s->ll)) != WSL_OK)
            goto done;
        wsl__log(d->o->log_fn, d->o->log_payload, WSL_LOG_INFO,
                 "start %d: %d iterations on a sample of the rows, penalized log-likelihood "
                 "%.6f per row; on to all rows",
                 (int)s->id, s->iters, s->pen);
        d->ops->sample(d->ctx, 0);
        sampled = 0;
        st = run_to_end(d, model, s->id, 0, 0, -INFINITY, NAN, "");
    }
done:
    if (sampled)
        d->ops->sample(d->ctx, 0);
    wsl__free(&model->alloc, buf);
    return st;
}

wsl_status wsl__em_continue(const wsl__em_driver *d, wsl_label_model *model)
{
    int it0 = (int)model->n_history;
    if (!model->report.converged)
        return WSL_OK;           /* the iterations are spent */
    if (it0 >= d->o->max_iter) { /* converged at the looser tolerance on its last iteration */
        model->report.converged =
            it0 >= 2 && fabs(d->best_hist[it0 - 1] - d->best_hist[it0 - 2]) < d->o->tol;
        return WSL_OK;
    }
    d->ops->e_step(d->ctx, 1); /* the counts of the parameters in place */
    d->ops->m_step(d->ctx);
    memcpy(d->hist, d->best_hist, (size_t)it0 * sizeof *d->hist);
    return run_to_end(d, model, model->report.start, it0, 0, model->report.penalized, NAN,
                      "continued to ");
}
