"""dcopt.run: the metrics equal those of `dcopt run` on the same configuration, from a file or
a dict, with the summary as a dict; configuration and data errors are Python exceptions with
the program's messages; the GIL is released while the workers compute."""
import csv
import json
import math
import threading
import time
import tomllib

import numpy as np
import pytest

import dcopt
from conftest import cli_error

QUADRATIC = "examples/quadratic_marina.toml"
SHORT = ["stop.max_rounds=300"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def assert_metrics_equal_csv(result, rows):
    """Every column but wall_s, exactly: the CSV holds the shortest text that reads back to the
    same double, so equal doubles give equal fields."""
    m = result.metrics
    assert list(m) == list(rows[0].keys())
    assert len(m["round"]) == len(rows)
    for i, row in enumerate(rows):
        assert m["method"][i] == row["method"]
        assert m["codec"][i] == row["codec"]
        assert m["round"][i] == int(row["round"])
        for name in result.metric_names + ["bits_up", "bits_down", "oracle_calls",
                                           "sample_grads"]:
            want = float(row[name]) if row[name] != "" else math.nan
            got = m[name][i]
            assert got == want or (math.isnan(got) and math.isnan(want)), (i, name, got, want)


def strip_wall(summary):
    """summary.json without the wall-clock times (and the config file name, which differs for
    a dict)."""
    s = json.loads(json.dumps(summary))
    s.pop("config_file", None)
    for m in s["methods"]:
        m.pop("wall_s", None)
        m.pop("eval_wall_s", None)
        m["init_cost"].pop("wall_s", None)
        m["final_metrics"].pop("wall_s", None)
    return s


@pytest.fixture(scope="module")
def quadratic_cli(cli, source_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "run"
    cli("run", source_dir / QUADRATIC, "--out", out, "--quiet", *sum((["--set", s] for s in SHORT), []),
        check=True)
    return out


def test_run_from_file_equals_the_command_line(quadratic_cli, source_dir):
    r = dcopt.run(source_dir / QUADRATIC, set=SHORT)
    assert r.labels == ["gd", "marina randk:k=5", "marina randk:k=10 x2 stepsize"]
    assert r.metric_names == ["grad_norm_sq", "mean_local_grad_norm_sq", "loss"]
    assert r.out is None
    assert_metrics_equal_csv(r, read_csv(quadratic_cli / "metrics.csv"))
    with open(quadratic_cli / "summary.json") as f:
        cli_summary = json.load(f)
    assert strip_wall(r.summary) == strip_wall(cli_summary)
    assert r.summary["methods"][0]["status"] == "converged"
    # the per-method view
    gd = r.method("gd")
    assert set(gd["method"]) == {"gd"}
    assert gd["round"][0] == 0 and np.all(np.diff(gd["round"]) > 0)
    assert r.metrics["grad_norm_sq"].dtype == np.float64


def test_run_from_dict_equals_the_file(source_dir):
    with open(source_dir / QUADRATIC, "rb") as f:
        config = tomllib.load(f)
    config["stop"]["max_rounds"] = 300
    a = dcopt.run(config)
    b = dcopt.run(str(source_dir / QUADRATIC), set=SHORT)
    for k in a.metrics:
        if k != "wall_s":
            np.testing.assert_array_equal(a.metrics[k], b.metrics[k])
    assert strip_wall(a.summary) == strip_wall(b.summary)


def test_run_writes_the_programs_outputs(quadratic_cli, source_dir, tmp_path):
    r = dcopt.run(source_dir / QUADRATIC, set=SHORT, out=tmp_path / "py")
    assert r.out == str(tmp_path / "py")
    ours, theirs = read_csv(tmp_path / "py/metrics.csv"), read_csv(quadratic_cli / "metrics.csv")
    assert [{k: v for k, v in row.items() if k != "wall_s"} for row in ours] == \
           [{k: v for k, v in row.items() if k != "wall_s"} for row in theirs]
    assert (tmp_path / "py/summary.json").is_file()


def test_dataset_run_equals_the_command_line(cli, source_dir, tmp_path):
    config = source_dir / "examples/marina_vs_diana_mushrooms.toml"
    sets = ["stop.max_rounds=200"]
    cli("run", config, "--out", tmp_path / "cli", "--quiet", "--set", sets[0], check=True)
    r = dcopt.run(config, set=sets)
    assert_metrics_equal_csv(r, read_csv(tmp_path / "cli/metrics.csv"))
    assert r.summary["problem"]["description"].startswith("nonconvex_binary on mushrooms")


def test_dataframe(source_dir):
    r = dcopt.run(source_dir / QUADRATIC, set=["stop.max_rounds=20"])
    try:
        import pandas  # noqa: F401  (scripts/setup installs python3-pandas)
    except ImportError:
        with pytest.raises(ImportError, match="python3-pandas"):
            r.dataframe()
        return
    df = r.dataframe()
    assert list(df.columns) == list(r.metrics)
    assert len(df) == len(r.metrics["round"])
    np.testing.assert_array_equal(df["loss"].to_numpy(), r.metrics["loss"])


BAD_CONFIGS = [
    # (what, TOML text, the exception)
    ("unknown top-level key", 'name = "x"\nworkers = 2\nbogus = 1\n[problem]\nkind = "quadratic"\n'
     '[[method]]\nname = "gd"\n', dcopt.InvalidArgument),
    ("unknown problem kind", 'name = "x"\nworkers = 2\n[problem]\nkind = "nope"\n[[method]]\n'
     'name = "gd"\n', dcopt.InvalidArgument),
    ("bad method setting", 'name = "x"\nworkers = 2\n[problem]\nkind = "quadratic"\n[[method]]\n'
     'name = "marina"\ncodec = "topk:k=0"\n', dcopt.InvalidArgument),
    ("syntax error", 'name = "x\n', dcopt.InvalidArgument),
    ("missing data file", 'name = "x"\nworkers = 2\n[problem]\nkind = "logistic"\n'
     'data = "libsvm/no-such-file"\n[[method]]\nname = "gd"\n', dcopt.InvalidArgument),
    ("malformed data file", 'name = "x"\nworkers = 2\n[problem]\nkind = "logistic"\n'
     'data = "{dir}/bad.svm"\n[[method]]\nname = "gd"\n', dcopt.DataError),
]


@pytest.mark.parametrize("what,text,error", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_errors_are_the_programs(cli, tmp_path, what, text, error):
    (tmp_path / "bad.svm").write_text("+1 1:0.5 2:1\n-1 3:x\n")
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("{dir}", str(tmp_path)))
    with pytest.raises(error) as e:
        dcopt.run(path)
    assert isinstance(e.value, dcopt.Error)
    p = cli("run", path, "--out", tmp_path / "out", "--quiet")
    assert p.returncode == 2
    assert str(e.value) == cli_error(p)
    assert not (tmp_path / "out").exists()


def test_dict_errors():
    with pytest.raises(dcopt.InvalidArgument, match=r"workers.*None is not a TOML value|not a TOML"):
        dcopt.run({"name": "x", "workers": None})
    with pytest.raises(dcopt.InvalidArgument, match="unknown problem kind"):
        dcopt.run({"name": "x", "workers": 2, "problem": {"kind": "nope"},
                   "method": [{"name": "gd"}]})
    with pytest.raises(TypeError, match="PathLike"):
        dcopt.run(12)


def test_the_gil_is_released_during_a_run(source_dir):
    """Another Python thread keeps running while dcopt.run computes: with the GIL held for the
    whole call, the main thread could not execute a single iteration between the start and the
    end of the run."""
    span = {}

    def work():
        span["t0"] = time.perf_counter()
        dcopt.run(source_dir / QUADRATIC, set=["stop.max_rounds=4000", "stop.eval_every=1",
                                                "stop.target_grad_norm_sq=0"])
        span["t1"] = time.perf_counter()

    t = threading.Thread(target=work)
    ticks = []
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    t.join()
    t0, t1 = span["t0"], span["t1"]
    assert t1 - t0 > 0.05, "the run is too short to tell"
    inside = [x for x in ticks if t0 + 0.1 * (t1 - t0) < x < t1 - 0.1 * (t1 - t0)]
    assert len(inside) >= 5, (len(inside), t1 - t0)
