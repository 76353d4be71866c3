"""dcopt: distributed optimization with compressed communication, from Python.

The C++ core (codecs with real wire formats, the MARINA/DIANA/EF21/... methods, the experiment
runner) as a Python module. Build it with scripts/setup (or cmake with -DDCOPT_BUILD_PYTHON=ON,
the default) and put <build>/python on the path:

    PYTHONPATH=build/python /usr/bin/python3 -c "import dcopt; print(dcopt.compressors()[0])"

Codecs (on NumPy arrays, fp32 or fp64):
    c = dcopt.compressor("topk:ratio=0.01")
    msg = c.encode(x, seed=1, round=0)      # msg.bytes (the real wire bytes), msg.bits
    y = c.decode(msg, x.size, seed=1, round=0)
    c.properties(d)                         # unbiased, omega, delta, density, deterministic
    dcopt.compressors()                     # the catalog
    dcopt.compressor_stats("qsgd:s=4", dim=100, trials=500)

Experiments (in-process, as `dcopt run` with the threads backend):
    r = dcopt.run("examples/quadratic_marina.toml", set=["stop.max_rounds=100"])
    r.metrics["grad_norm_sq"], r.summary["methods"][0]["status"], r.dataframe()

A custom objective in Python: dcopt.run(config, objective=[f_0, ..., f_{n-1}]) with each f_i a
dcopt.Objective (see its help). docs/PYTHON.md has a worked example.

Errors are dcopt.Error and its subclasses (InvalidArgument, DecodeError, DataError, CommError)
with the messages `dcopt` prints after "dcopt: error: ".
"""

import os as _os

import numpy as _np

try:
    from . import _dcopt
except ImportError as _e:  # pragma: no cover - a setup mistake
    raise ImportError(
        f"dcopt: the compiled extension _dcopt is not next to {__file__}: this is the source "
        "package python/dcopt (Python puts the script's directory first on sys.path), or the "
        "module was built for another interpreter. Put <build>/python first on PYTHONPATH "
        "(docs/PYTHON.md)") from _e
from ._dcopt import (  # noqa: F401  (re-exported)
    CommError,
    Compressor,
    DataError,
    DecodeError,
    Error,
    InvalidArgument,
    Message,
    __version__,
    compressor,
    compressor_stats,
    compressors,
)

__all__ = [
    "CommError", "Compressor", "DataError", "DecodeError", "Error", "InvalidArgument", "Message",
    "Objective", "RunResult", "compressor", "compressor_stats", "compressors", "run",
    "__version__",
]

# The data directory relative dataset paths resolve against (as for `dcopt run`): the
# environment variable DCOPT_DATA_DIR, else the repository's ../shared/data at build time.
default_data_root = _dcopt._default_data_root


class Objective:
    """The protocol of a worker's objective f_i for dcopt.run(config, objective=...).

    Subclass it (or write any object with the same attributes). Required:
      dim          int, the length of x (the same on every worker)
      smoothness   float > 0, L_i: an upper bound on the Lipschitz constant of grad f_i
                   (the methods' theory stepsizes are computed from it)
      value(x)     f_i(x), a float
      gradient(x, out)
                   writes grad f_i(x) into `out` (a float64 array of length dim) and returns
                   None, or returns the gradient (an array of length dim; then copied)
    Optional:
      num_samples  m, the number of terms f_ij if f_i is a finite sum (default 1)
      minibatch_gradient(x, idx, out)
                   (1/|idx|) sum_{j in idx} grad f_ij(x) into out (idx: uint32 array, may
                   repeat); needed by the stochastic methods when num_samples > 1
      mean_sample_smoothness
                   sqrt((1/m) sum_j L_ij^2) (default: smoothness)
      strong_convexity
                   mu_i >= 0 if f_i is known to be mu_i-strongly convex, else None (default)
      value_and_gradient(x, out)
                   both in one pass (returns the value); used for the metrics if present

    x and out are NumPy views of the C++ buffers (no copy), valid only during the call: copy
    them (x.copy()) to keep them. x is read-only. The constants are read once when the run
    starts. Every call takes the GIL, so the worker threads take turns in Python; the cost is
    about a few microseconds per call plus the NumPy work (docs/PYTHON.md).
    """

    dim = None
    smoothness = None
    num_samples = 1
    mean_sample_smoothness = None
    strong_convexity = None
    minibatch_gradient = None
    value_and_gradient = None

    def value(self, x):
        raise NotImplementedError("Objective.value(x)")

    def gradient(self, x, out):
        raise NotImplementedError("Objective.gradient(x, out)")


_ROW_COLUMNS = ("bits_up", "bits_down", "oracle_calls", "sample_grads", "wall_s")


class RunResult:
    """What dcopt.run returns.

    metrics       dict of NumPy arrays, one entry per column of metrics.csv, in its order:
                  method (labels, dtype object), codec, round (int64), the metric columns
                  (grad_norm_sq, mean_local_grad_norm_sq, loss; VI: dist_sq, gap; NaN where
                  undefined), bits_up, bits_down, oracle_calls, sample_grads (cumulative per
                  worker, mean over workers, initialization excluded), wall_s (seconds)
    method_index  int64 array: the method's index in the config, per row
    metric_names  the metric columns, the primary one (stopping target) first
    labels        the methods' labels, in config order; codecs likewise
    summary       summary.json as a dict (configuration, problem constants, per method status,
                  rounds, final metrics and costs)
    out           the output directory if run(..., out=...) wrote one, else None
    warnings      plots that could not be drawn (with out=)
    """

    def __init__(self, raw):
        import json

        cols = raw["columns"]
        self.method_index = cols["method_index"]
        self.labels = list(raw["labels"])
        self.codecs = list(raw["codecs"])
        self.metric_names = list(raw["metric_names"])
        labels = _np.array(self.labels, dtype=object)
        codecs = _np.array(self.codecs, dtype=object)
        self.metrics = {
            "method": labels[self.method_index] if len(labels) else labels,
            "codec": codecs[self.method_index] if len(codecs) else codecs,
            "round": cols["round"],
        }
        for name in self.metric_names:
            self.metrics[name] = cols[name]
        for name in _ROW_COLUMNS:
            self.metrics[name] = cols[name]
        self.summary = json.loads(raw["summary_json"])
        self.out = raw["out"]
        self.warnings = list(raw["warnings"])

    def method(self, label):
        """The rows of one method (by label or index) as a dict of NumPy arrays."""
        index = self.labels.index(label) if isinstance(label, str) else int(label)
        mask = self.method_index == index
        return {k: v[mask] for k, v in self.metrics.items()}

    def dataframe(self):
        """The metrics as a pandas DataFrame (the columns of metrics.csv); needs pandas
        (Debian: python3-pandas)."""
        try:
            import pandas
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("RunResult.dataframe() needs pandas (apt-get install "
                              "python3-pandas); the metrics are in RunResult.metrics") from e
        return pandas.DataFrame(self.metrics)

    def __repr__(self):
        parts = []
        for m in self.summary.get("methods", []):
            parts.append(f"{m['label']}: {m['status']} after {m['rounds']} rounds")
        return "<dcopt.RunResult " + "; ".join(parts) + ">"


def run(config, *, objective=None, set=(), out=None, progress=False, data_root=None):
    """Runs an experiment in this process, as `dcopt run CONFIG --backend threads` does.

    config     a path (str or os.PathLike) to an experiment file (TOML, docs/CONFIG.md), or a
               dict in the same format, e.g.
               {"name": "q", "seed": 1, "workers": 4,
                "problem": {"kind": "quadratic", "dim": 50},
                "stop": {"max_rounds": 200},
                "method": [{"name": "gd"}, {"name": "marina", "codec": "randk:k=5"}]}
    objective  None, or the problem as Python objects: a sequence of `workers` dcopt.Objective
               (f_i of worker i), or a callable rank -> Objective. The config then has no
               [problem] table (or only kind = "python"). Slow (each gradient is a Python
               call under the GIL) but exact; for prototyping.
    set        overrides like `dcopt run --set`, e.g. ["stop.max_rounds=100",
               "method.0.gamma=0.5"] (dotted path = TOML value; bare words are strings)
    out        None (nothing written), or a directory to write metrics.csv, summary.json and
               the plots into, as `dcopt run --out` does (replaced atomically)
    progress   with out: the progress line on stderr
    data_root  where relative dataset paths resolve (default: dcopt.default_data_root)

    Returns a dcopt.RunResult: the metrics as NumPy arrays (and .dataframe() with pandas), the
    summary as a dict. The metrics equal those of `dcopt run` on the same configuration (same
    runner, seeds and threads; only wall_s differs). The GIL is released while the workers
    compute. Errors: the exceptions of dcopt.Error with the command line's messages (invalid
    configuration: InvalidArgument; unreadable data: DataError); an exception raised by a
    Python objective is re-raised as it is.
    """
    if isinstance(set, str):
        set = [set]
    if not isinstance(config, dict):
        config = _os.fspath(config)
    if out is not None:
        out = _os.fspath(out)
    if data_root is not None:
        data_root = _os.fspath(data_root)
    raw = _dcopt._run(config, list(set), objective, out, bool(progress), data_root)
    return RunResult(raw)
