/*
 * L-BFGS (Nocedal & Wright, algorithm 7.4/7.5) with a backtracking Armijo line search.
 *
 * Why this optimizer: the objective is smooth and convex, so a quasi-Newton method on full
 * passes reaches a tight gradient tolerance in tens to hundreds of passes, deterministically
 * and with no learning rate to tune; mini-batch methods need schedules and never certify
 * convergence. Backtracking is enough here: for a convex objective every accepted step gives
 * s.y >= 0, and pairs with too little curvature are skipped, which keeps the inverse-Hessian
 * approximation positive definite.
 */
#include "endmodel_impl.h"
#include "matrix/matrix.h"

#include <math.h>
#include <string.h>

#define ARMIJO_C1 1e-4
#define MAX_BACKTRACKS 40
#define APPROX_EPS 1e-12
#define WOLFE_SIGMA 0.9
#define WOLFE_DELTA 0.1

typedef struct lbfgs_mem {
    double *S, *Y, *rho, *alpha;  /* m pairs of length p, ring buffer */
    int m, count, head;           /* capacity, pairs stored, next slot */
} lbfgs_mem;

/*
 * dir = -H g by the two-loop recursion. H0 = gamma D, with D the diagonal preconditioner (the
 * identity when NULL) and gamma = s.y / y.D.y of the newest pair (Nocedal & Wright 7.20 with a
 * diagonal scaling).
 */
static void direction(const lbfgs_mem *M, size_t p, const double *D, const double *g,
                      double *dir)
{
    int idx;
    double gamma;
    const double *y;
    memcpy(dir, g, p * sizeof *dir);
    for (int i = 0; i < M->count; i++) {
        idx = (M->head - 1 - i + 2 * M->m) % M->m;
        M->alpha[idx] = M->rho[idx] * wsl__dot(p, M->S + (size_t)idx * p, dir);
        wsl__axpy(p, -M->alpha[idx], M->Y + (size_t)idx * p, dir);
    }
    idx = (M->head - 1 + M->m) % M->m;
    y = M->Y + (size_t)idx * p;
    if (D) {
        double yDy = 0;
        for (size_t j = 0; j < p; j++)
            yDy += y[j] * D[j] * y[j];
        gamma = 1.0 / (M->rho[idx] * yDy);
        for (size_t j = 0; j < p; j++)
            dir[j] *= gamma * D[j];
    } else {
        gamma = 1.0 / (M->rho[idx] * wsl__dot(p, y, y));
        wsl__scal(p, gamma, dir);
    }
    for (int i = M->count - 1; i >= 0; i--) {
        double beta;
        idx = (M->head - 1 - i + 2 * M->m) % M->m;
        beta = M->rho[idx] * wsl__dot(p, M->Y + (size_t)idx * p, dir);
        wsl__axpy(p, M->alpha[idx] - beta, M->S + (size_t)idx * p, dir);
    }
    wsl__scal(p, -1.0, dir);
}

wsl_status wsl__lbfgs(size_t p, double *x, const double *D, int memory, int max_iter, double tol,
                      wsl__fg_fn fg, void *fg_ctx, wsl__iter_fn iter, void *iter_ctx,
                      const wsl_allocator *alloc, wsl__lbfgs_result *res)
{
    lbfgs_mem M;
    double *g, *xn, *gn, *dir, *buf = NULL, f, fn = 0, gnorm;
    size_t vecs = 4 + 2 * (size_t)memory, cells;
    wsl_status st = WSL_OK;
    memset(res, 0, sizeof *res);
    memset(&M, 0, sizeof M);
    if (!wsl__mul_size(&cells, vecs, p) || !wsl__add_size(&cells, cells, 2 * (size_t)memory))
        return wsl__error(WSL_ENOMEM, "L-BFGS with %zu parameters overflows", p);
    if (!(buf = wsl__mallocarray(alloc, cells, sizeof *buf)))
        return WSL_ENOMEM;
    g = buf;
    xn = g + p;
    gn = xn + p;
    dir = gn + p;
    M.S = dir + p;
    M.Y = M.S + (size_t)memory * p;
    M.rho = M.Y + (size_t)memory * p;
    M.alpha = M.rho + memory;
    M.m = memory;

    if ((st = fg(fg_ctx, x, &f, g)) != WSL_OK)
        goto done;
    res->evaluations = 1;
    gnorm = wsl__nrm2(p, g);
    res->converged = gnorm <= tol;
    for (int it = 1; it <= max_iter && !res->converged; it++) {
        double dg = 0, step, sy;
        int accepted = 0, cb;
        if (M.count > 0) {
            direction(&M, p, D, g, dir);
            dg = wsl__dot(p, dir, g);
        }
        if (M.count == 0 || !(dg < 0)) {
            /* (Preconditioned) steepest descent on the first iteration, or if rounding broke
             * the direction. D is built to over-estimate the curvature, so its step 1 is safe;
             * without it, a step of length 1 at most. */
            M.count = 0;
            for (size_t j = 0; j < p; j++)
                dir[j] = -(D ? D[j] : 1.0) * g[j];
            dg = wsl__dot(p, dir, g);
            step = D || gnorm <= 1 ? 1.0 : 1.0 / gnorm;
        } else {
            step = 1.0;
        }
        for (int ls = 0; ls < MAX_BACKTRACKS; ls++) {
            memcpy(xn, x, p * sizeof *xn);
            wsl__axpy(p, step, dir, xn);
            if ((st = fg(fg_ctx, xn, &fn, gn)) != WSL_OK)
                goto done;
            res->evaluations++;
            if (fn <= f + ARMIJO_C1 * step * dg) {
                accepted = 1;
                break;
            }
            /* Near the minimum the decrease falls below the rounding of f and Armijo's test
             * fails for every step: accept a step that f cannot tell from the start if the
             * slope along the direction shows it went neither too short nor too far (the
             * approximate Wolfe conditions of Hager and Zhang). */
            if (fn <= f + APPROX_EPS * fabs(f)) {
                double dgn = wsl__dot(p, gn, dir);
                if (dgn >= WOLFE_SIGMA * dg && dgn <= (2 * WOLFE_DELTA - 1) * dg) {
                    accepted = 1;
                    break;
                }
            }
            /* Minimizer of the quadratic through f, the slope dg and fn, kept in [0.1, 0.5]
             * of the step (halving when fn is not even finite). */
            {
                double denom = 2 * (fn - f - dg * step), ns = 0.5 * step;
                if (isfinite(fn) && denom > 0)
                    ns = -dg * step * step / denom;
                if (!(ns >= 0.1 * step))
                    ns = 0.1 * step;
                if (ns > 0.5 * step)
                    ns = 0.5 * step;
                step = ns;
            }
        }
        if (!accepted)
            break; /* no step decreases f: converged as far as rounding allows */
        /* s = xn - x into the ring, y = gn - g. */
        {
            double *s = M.S + (size_t)M.head * p, *y = M.Y + (size_t)M.head * p;
            double yy;
            for (size_t j = 0; j < p; j++) {
                s[j] = xn[j] - x[j];
                y[j] = gn[j] - g[j];
            }
            sy = wsl__dot(p, s, y);
            yy = wsl__dot(p, y, y);
            if (sy > 1e-10 * yy && sy > 0) {
                M.rho[M.head] = 1.0 / sy;
                M.head = (M.head + 1) % M.m;
                if (M.count < M.m)
                    M.count++;
            }
        }
        memcpy(x, xn, p * sizeof *x);
        memcpy(g, gn, p * sizeof *g);
        f = fn;
        gnorm = wsl__nrm2(p, g);
        res->iterations = it;
        res->converged = gnorm <= tol;
        if (iter && (cb = iter(iter_ctx, it, x, f, gnorm)) != 0) {
            if (cb < 0)
                st = WSL_ECALLBACK;
            break;
        }
    }
    res->f = f;
    res->gnorm = gnorm;
done:
    wsl__free(alloc, buf);
    return st;
}
