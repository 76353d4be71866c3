"""The cost of a Python objective per gradient call (docs/PYTHON.md's table): gd on d = 10 with
a C++ quadratic, then with Python objectives of growing work; wall_s per round from summary.

    PYTHONPATH=build/python /usr/bin/python3 python/tests/measure_objective_cost.py [WORKERS]
"""
import sys
import time

import numpy as np

import dcopt

from test_objective import make_workers  # noqa: E402  (the least squares of the tests)

R = 5000
WORKERS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
def cfg(problem=None):
    c = {"name":"m","seed":1,"workers":WORKERS,"stop":{"max_rounds":R,"eval_every":R},
         "method":[{"name":"gd","gamma":0.01}]}
    if problem: c["problem"] = problem
    return c
def per_round(r):
    m = r.summary["methods"][0]; return m["wall_s"] / m["rounds"], m["cumulative"]["oracle_calls"]
class Trivial(dcopt.Objective):
    dim = 10; smoothness = 1.0
    def value(self, x): return 0.0
    def gradient(self, x, out): out[:] = x - 1
class Noop(dcopt.Objective):
    dim = 10; smoothness = 1.0
    def value(self, x): return 0.0
    def gradient(self, x, out): pass
for name, run in [
    ("cpp quadratic d=10 rows=30", lambda: dcopt.run(cfg({"kind":"quadratic","dim":10,"rows":30}))),
    ("python noop", lambda: dcopt.run(cfg(), objective=[Noop() for _ in range(WORKERS)])),
    ("python out[:] = x - 1", lambda: dcopt.run(cfg(), objective=[Trivial() for _ in range(WORKERS)])),
    ("python least squares", lambda: dcopt.run(cfg(), objective=make_workers()[:WORKERS])),
]:
    best = min(per_round(run())[0] for _ in range(3))
    print(f"{name:30s} {best*1e6:8.1f} us/round  {best*1e6/WORKERS:7.1f} us/gradient call")
# the bare numpy cost of the least-squares gradient, outside dcopt
w = make_workers()[0]; x = np.zeros(10); out = np.empty(10)
t = time.perf_counter(); n = 20000
for _ in range(n): w.gradient(x, out)
print(f"{'numpy LS gradient alone':30s} {(time.perf_counter()-t)/n*1e6:8.1f} us/call")
