"""MARINA vs DIANA on mushrooms from Python (docs/PYTHON.md): uplink bits per worker to reach
||grad f||^2 <= 1e-2, then a plot if matplotlib is installed.

    PYTHONPATH=build/python /usr/bin/python3 examples/python_marina_vs_diana.py [out.png]
"""
import pathlib
import sys

import numpy as np

import dcopt

here = pathlib.Path(__file__).resolve().parent
target = 1e-2
r = dcopt.run(here / "marina_vs_diana_mushrooms.toml",
              set=["stop.max_rounds=5000", f"stop.target_grad_norm_sq={target}",
                   "stop.eval_every=10"])

print(f"{'method':<14} {'status':<10} {'rounds':>7} {'bits/worker to target':>22}")
for label in r.labels:
    m = r.method(label)
    hit = np.nonzero(m["grad_norm_sq"] <= target)[0]
    bits = f"{m['bits_up'][hit[0]]:.3g}" if hit.size else "not reached"
    s = next(x for x in r.summary["methods"] if x["label"] == label)
    print(f"{label:<14} {s['status']:<10} {s['rounds']:>7} {bits:>22}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed (apt-get install python3-matplotlib): no plot")
    sys.exit(0)
fig, ax = plt.subplots(figsize=(6, 4))
for label in r.labels:
    m = r.method(label)
    ax.semilogy(m["bits_up"], m["grad_norm_sq"], label=label)
ax.set_xlabel("uplink bits per worker")
ax.set_ylabel(r"$\|\nabla f(x)\|^2$")
ax.set_title("mushrooms, nonconvex binary loss, 5 workers")
ax.legend()
png = sys.argv[1] if len(sys.argv) > 1 else "marina_vs_diana_mushrooms.png"
fig.savefig(png, dpi=120, bbox_inches="tight")
print("wrote", png)
