"""Reference solution of the end model's objective with numpy, for tests/ref_end_model.c.

usage: end_model_ref.py PROBLEM.txt

PROBLEM.txt (written by ref_end_model.c):
  n d k l2 tol
  n lines: x_1..x_d q_1..q_k weight covered
  then one or more solutions, each: a name line, d lines of k weights W, one line of k biases

The objective is the one documented in include/wsl/end_model.h:
  sum_i w_i H(q_i, softmax(x_i W + b)) / sum_i w_i + l2/2 ||W||^2
over the covered rows with positive weight. It is minimized here by Newton's method (least
squares steps: the biases are defined up to a common constant, which the L2 term does not fix,
and a minimum-norm step keeps them summing to 0 as the C fit does from its zero start).

For every solution, the gradient norm at its weights (computed here, independently) must be
below tol, and the weights must equal the reference within 1e-6. Exit 0 when all hold.
"""
import sys

import numpy as np


def objective(theta, X1, Q, omega, l2, d, k):
    """Loss, gradient and Hessian at theta ((d + 1) x k: W then b)."""
    Z = X1 @ theta
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    s = Q.sum(axis=1)
    lse = np.log(np.exp(Z).sum(axis=1))
    loss = float(omega @ (s * lse - (Q * Z).sum(axis=1)))
    loss += 0.5 * l2 * float((theta[:d] ** 2).sum())
    R = omega[:, None] * (s[:, None] * P - Q)
    G = X1.T @ R
    G[:d] += l2 * theta[:d]
    m = (d + 1) * k
    H = np.zeros((m, m))
    for i in range(X1.shape[0]):
        if omega[i] == 0:
            continue
        p = P[i]
        A = omega[i] * s[i] * (np.diag(p) - np.outer(p, p))
        H += np.kron(np.outer(X1[i], X1[i]), A)
    H[: d * k, : d * k] += l2 * np.eye(d * k)
    return loss, G, H


def main():
    with open(sys.argv[1]) as f:
        head = f.readline().split()
        n, d, k = int(head[0]), int(head[1]), int(head[2])
        l2, tol = float(head[3]), float(head[4])
        rows = np.array([[float(v) for v in f.readline().split()] for _ in range(n)])
        solutions = []
        while True:
            name = f.readline().strip()
            if not name:
                break
            W = np.array([[float(v) for v in f.readline().split()] for _ in range(d)])
            b = np.array([float(v) for v in f.readline().split()])
            solutions.append((name, np.vstack([W, b])))
    X, Q = rows[:, :d], rows[:, d : d + k]
    w, covered = rows[:, d + k], rows[:, d + k + 1]
    omega = np.where(covered > 0, w, 0.0)
    omega /= omega.sum()
    X1 = np.hstack([X, np.ones((n, 1))])

    theta = np.zeros((d + 1, k))
    for _ in range(100):
        _, G, H = objective(theta, X1, Q, omega, l2, d, k)
        if np.linalg.norm(G) < 1e-14:
            break
        step = np.linalg.lstsq(H, G.reshape(-1), rcond=None)[0]
        theta -= step.reshape(d + 1, k)
    _, G, _ = objective(theta, X1, Q, omega, l2, d, k)
    print("reference: Newton, gradient norm %.3g" % np.linalg.norm(G))

    ok = True
    for name, sol in solutions:
        _, G, _ = objective(sol, X1, Q, omega, l2, d, k)
        gnorm = float(np.linalg.norm(G))
        diff = float(np.abs(sol - theta).max())
        good = gnorm <= tol and diff <= 1e-6
        ok = ok and good
        print("%s: gradient norm %.3g (tol %.3g), max |weight - reference| %.3g: %s"
              % (name, gnorm, tol, diff, "ok" if good else "FAILED"))
    sys.exit(0 if ok and solutions else 1)


if __name__ == "__main__":
    main()
