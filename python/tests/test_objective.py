"""A custom objective in Python: least squares in NumPy, run by the C++ methods. GD on it is
GD computed in NumPy; MARINA (RandK) and VR-MARINA converge to the NumPy solution; Python
exceptions come back as they were raised; a malformed objective is an InvalidArgument."""
import math

import numpy as np
import pytest

import dcopt

WORKERS, ROWS, DIM, LAM = 4, 30, 10, 1e-2


class LeastSquares(dcopt.Objective):
    """f_i(x) = 1/(2m) ||A x - b||^2 + lam/2 ||x||^2 on this worker's rows (A, b)."""

    def __init__(self, A, b, lam):
        self.A, self.b, self.lam = A, b, lam
        self.dim = A.shape[1]
        self.num_samples = A.shape[0]
        eig = np.linalg.eigvalsh(A.T @ A / len(b))
        self.smoothness = eig[-1] + lam
        self.strong_convexity = eig[0] + lam
        row_L = np.sum(A * A, axis=1) + lam
        self.mean_sample_smoothness = math.sqrt(np.mean(row_L ** 2))
        self.calls = 0

    def value(self, x):
        r = self.A @ x - self.b
        return 0.5 * (r @ r) / len(self.b) + 0.5 * self.lam * (x @ x)

    def gradient(self, x, out):
        self.calls += 1
        out[:] = self.A.T @ (self.A @ x - self.b) / len(self.b) + self.lam * x

    def minibatch_gradient(self, x, idx, out):
        A, b = self.A[idx], self.b[idx]
        out[:] = A.T @ (A @ x - b) / len(idx) + self.lam * x


def make_workers(seed=3):
    rng = np.random.default_rng(seed)
    x_true = rng.standard_normal(DIM)
    workers = []
    for _ in range(WORKERS):
        A = rng.standard_normal((ROWS, DIM))
        b = A @ x_true + 0.1 * rng.standard_normal(ROWS)
        workers.append(LeastSquares(A, b, LAM))
    return workers


def f(workers, x):
    return np.mean([w.value(x) for w in workers])


def grad(workers, x):
    g = np.zeros(DIM)
    for w in workers:
        out = np.empty(DIM)
        w.gradient(x, out)
        g += out
    return g / len(workers)


def solution(workers):
    # sum_i (A_i^T A_i / m + lam I) x = sum_i A_i^T b_i / m
    H = sum(w.A.T @ w.A / ROWS + LAM * np.eye(DIM) for w in workers)
    return np.linalg.solve(H, sum(w.A.T @ w.b / ROWS for w in workers))


def config(methods, **stop):
    return {"name": "py", "seed": 1, "workers": WORKERS,
            "stop": {"max_rounds": 200, "eval_every": 1, **stop}, "method": methods}


def test_gd_on_a_python_objective_is_gd_in_numpy():
    workers = make_workers()
    gamma = 1.0 / max(w.smoothness for w in workers)
    r = dcopt.run(config([{"name": "gd", "precision": 64, "gamma": gamma}], max_rounds=100),
                  objective=workers)
    assert r.summary["problem"]["kind"] == "python"
    assert r.summary["config"]["problem"] == {"kind": "python"}
    assert r.summary["problem"]["description"].startswith("python objective LeastSquares d=10")
    consts = r.summary["problem"]["constants"]
    assert consts["L_max"] == pytest.approx(max(w.smoothness for w in workers), rel=1e-15)
    assert consts["mu"] == pytest.approx(min(w.strong_convexity for w in workers), rel=1e-12)
    x = np.zeros(DIM)
    expected_g, expected_f = [], []
    for k in range(101):
        g = grad(workers, x)
        expected_g.append(g @ g)
        expected_f.append(f(workers, x))
        x = x - gamma * g
    # the same iteration; only the order of the sums over workers differs (last bits)
    np.testing.assert_allclose(r.metrics["grad_norm_sq"], expected_g, rtol=1e-9)
    np.testing.assert_allclose(r.metrics["loss"], expected_f, rtol=1e-12)
    np.testing.assert_array_equal(r.metrics["round"], np.arange(101))
    assert r.metrics["bits_up"][-1] == 100 * dcopt.compressor("identity:precision=64").encode(
        np.zeros(DIM)).bits


def test_marina_with_randk_converges_to_the_numpy_solution():
    workers = make_workers()
    x_star = solution(workers)
    r = dcopt.run(config([{"name": "marina", "codec": "randk:k=2,precision=64"}],
                         max_rounds=40000, eval_every=20, target_grad_norm_sq=1e-16),
                  objective=workers)
    m = r.summary["methods"][0]
    assert m["status"] == "converged", m
    # strongly convex: ||grad f||^2 <= 1e-16 puts f within 1e-16 / (2 mu) of f(x*), mu > 0.1
    assert r.metrics["loss"][-1] == pytest.approx(f(workers, x_star), rel=1e-10)
    assert r.metrics["grad_norm_sq"][-1] <= 1e-16
    # the compressed rounds send 2 of 10 values: far fewer bits than GD's 10 per round
    assert m["cumulative"]["bits_up"] < m["rounds"] * (8 + 8 + 64 * DIM)
    assert sum(w.calls for w in workers) > 0


def test_vr_marina_uses_the_minibatch_gradient():
    workers = make_workers()
    r = dcopt.run(config([{"name": "vr_marina", "codec": "randk:k=5,precision=64", "batch": 3}],
                         max_rounds=60000, eval_every=50, target_grad_norm_sq=1e-14),
                  objective=workers)
    assert r.summary["methods"][0]["status"] == "converged", r.summary["methods"][0]
    assert r.metrics["sample_grads"][-1] > 0


def test_a_callable_and_returned_gradients_give_the_same_run():
    workers = make_workers()

    class Returning(LeastSquares):
        def gradient(self, x, out):
            return self.A.T @ (self.A @ x - self.b) / len(self.b) + self.lam * x

    returning = [Returning(w.A, w.b, w.lam) for w in workers]
    methods = [{"name": "marina", "codec": "randk:k=3"}, {"name": "diana", "codec": "randk:k=3"}]
    a = dcopt.run(config(methods), objective=workers)
    b = dcopt.run(config(methods), objective=lambda rank: returning[rank])
    for k in a.metrics:
        if k != "wall_s":
            np.testing.assert_array_equal(a.metrics[k], b.metrics[k])


class Failing(LeastSquares):
    def gradient(self, x, out):
        if self.calls >= 3:
            raise ZeroDivisionError("boom in gradient")
        LeastSquares.gradient(self, x, out)


def test_a_python_exception_comes_back_as_raised():
    workers = make_workers()
    failing = [Failing(w.A, w.b, w.lam) for w in workers]
    with pytest.raises(ZeroDivisionError, match="boom in gradient") as e:
        dcopt.run(config([{"name": "gd"}]), objective=failing)
    assert any(t.name == "gradient" for t in e.traceback)
    # the module still works afterwards
    assert dcopt.run(config([{"name": "gd"}], max_rounds=5), objective=workers).labels == ["gd"]


def test_malformed_objectives_are_invalid_arguments():
    workers = make_workers()

    class NoSmoothness:
        dim = DIM

        def value(self, x):
            return 0.0

        def gradient(self, x, out):
            pass

    with pytest.raises(dcopt.InvalidArgument, match="missing attribute 'smoothness'"):
        dcopt.run(config([{"name": "gd"}]), objective=[NoSmoothness()] * WORKERS)
    with pytest.raises(dcopt.InvalidArgument, match="sequence of workers = 4"):
        dcopt.run(config([{"name": "gd"}]), objective=workers[:3])

    class WrongShape(LeastSquares):
        def gradient(self, x, out):
            return np.zeros(DIM + 1)

    wrong = [WrongShape(w.A, w.b, w.lam) for w in workers]
    with pytest.raises(dcopt.InvalidArgument, match="not a vector of length dim = 10"):
        dcopt.run(config([{"name": "gd"}]), objective=wrong)
    with pytest.raises(dcopt.InvalidArgument, match=r"omit \[problem\]"):
        dcopt.run({**config([{"name": "gd"}]), "problem": {"kind": "quadratic"}},
                  objective=workers)
    bad_L = make_workers()
    bad_L[2].smoothness = -1.0
    with pytest.raises(dcopt.InvalidArgument, match=r"objective \(worker 2\): smoothness"):
        dcopt.run(config([{"name": "gd"}]), objective=bad_L)


def test_x_is_read_only():
    workers = make_workers()

    class Writer(LeastSquares):
        def gradient(self, x, out):
            x[0] = 1.0

    with pytest.raises(ValueError, match="read-only"):
        dcopt.run(config([{"name": "gd"}]), objective=[Writer(w.A, w.b, w.lam) for w in workers])
