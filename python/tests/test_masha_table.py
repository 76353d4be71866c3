"""scripts/masha_table.py: the alpha-beta round model on hand-computed cases, and the script on
the hand-made output directory fixtures/masha_experiment/ (two set-ups, see its README): the
three CSVs, the markdown tables, the notes for the set-ups not run, the PNGs, and bad input as a
clear error. Needs no build (the tables read files only); the PNGs need gnuplot (scripts/setup)."""
import csv
import importlib.util
import shutil
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR

SCRIPT = SOURCE_DIR / "scripts" / "masha_table.py"
FIXTURE = SOURCE_DIR / "python" / "tests" / "fixtures" / "masha_experiment"
MB = 2.0**20
GBIT = (50e-6, 1e9 / 8)  # (alpha s, beta bytes/s) of the 1 Gbit/s link
MBIT100 = (500e-6, 100e6 / 8)


@pytest.fixture(scope="module")
def mt():
    spec = importlib.util.spec_from_file_location("masha_table", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def out(tmp_path):
    d = tmp_path / "out"
    shutil.copytree(FIXTURE, d)
    return d


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True, timeout=60)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---- the model ---------------------------------------------------------------------------------


def test_ring_allreduce_on_a_hand_computed_case(mt):
    # 4 MB over 1 Gbit/s, 4 ranks: 2*3 steps of (50 us + 1 MB / 125 MB/s = 8 ms) = 48.3 ms
    assert mt.allreduce_s(4, 4e6, *GBIT) == pytest.approx(0.0483, rel=1e-12)
    # 16 ranks: 2*15 steps of (50 us + 0.25 MB / 125 MB/s = 2 ms) = 61.5 ms
    assert mt.allreduce_s(16, 4e6, *GBIT) == pytest.approx(0.0615, rel=1e-12)
    # 100 Mbit/s, 4 ranks: 6 * (500 us + 80 ms) = 483 ms
    assert mt.allreduce_s(4, 4e6, *MBIT100) == pytest.approx(0.483, rel=1e-12)
    assert mt.allreduce_s(1, 4e6, *GBIT) == 0


def test_allgather_and_binomial_broadcast(mt):
    # 3 steps of (50 us + 1e6 B / 125e6 B/s = 8 ms)
    assert mt.allgather_s(4, 1e6, *GBIT) == pytest.approx(0.02415, rel=1e-12)
    assert mt.broadcast_s(16, 1e6, *GBIT) == pytest.approx(4 * 0.00805, rel=1e-12)
    assert mt.broadcast_s(5, 1e6, *GBIT) == pytest.approx(3 * 0.00805, rel=1e-12)  # ceil(log2 5)
    assert mt.broadcast_s(4, 1e6, *GBIT) == pytest.approx(2 * 0.00805, rel=1e-12)
    assert mt.broadcast_s(1, 1e6, *GBIT) == 0


def test_a_round_is_the_sum_of_its_collectives(mt):
    calls = [("allreduce_sum_f32", 1e5), ("allreduce_sum_f32", 5e4), ("allgather", 1e3),
             ("broadcast", 2e3)]
    # 6 (50e-6 + 2e-4) + 6 (50e-6 + 1e-4) + 3 (50e-6 + 8e-6) + 2 (50e-6 + 1.6e-5)
    assert mt.round_model_s(calls, 4, *GBIT) == pytest.approx(2.706e-3, rel=1e-12)
    assert mt.naive_s(153000, GBIT[1]) == pytest.approx(1.224e-3, rel=1e-12)


def test_an_unknown_kind_counts_as_allgather_with_one_warning(mt, capsys):
    warned = set()
    t = mt.round_model_s([("reduce_scatter", 1e6), ("reduce_scatter", 1e6)], 4, *GBIT, warned)
    assert t == pytest.approx(2 * mt.allgather_s(4, 1e6, *GBIT), rel=1e-12)
    err = capsys.readouterr().err
    assert err.count("'reduce_scatter' is not modelled") == 1


# ---- the script on the fixture -----------------------------------------------------------------


def test_the_tables_of_the_fixture(out, tmp_path):
    png_dir = tmp_path / "png"
    p = run(out, "--png-dir", png_dir)
    assert p.returncode == 0, p.stderr

    pre = {r["setup"]: r for r in read_csv(out / "pretrain.csv")}
    assert list(pre) == ["fp32", "powersgd"]
    f = pre["fp32"]
    assert int(f["steps"]) == 300
    assert float(f["train_objective_last"]) == 5.5
    assert float(f["train_objective_mean_last3"]) == pytest.approx((7 + 6 + 5.5) / 3, rel=1e-9)
    assert float(f["heldout_mlm_loss"]) == 5.4 and float(f["masked_acc"]) == 0.15
    # 9.6e9 bits over 300 steps = 4e6 bytes per step
    assert float(f["mb_up_per_worker_per_step"]) == pytest.approx(4e6 / MB, rel=1e-9)
    assert float(f["mb_up_per_worker_total"]) == pytest.approx(1.2e9 / MB, rel=1e-9)
    assert float(f["wall_s"]) == 31 and float(f["step_ms_median"]) == 100
    assert float(pre["powersgd"]["mb_up_per_worker_per_step"]) == pytest.approx(153000 / MB,
                                                                                 rel=1e-9)

    fine = read_csv(out / "finetune.csv")
    assert [(r["setup"], r["task"]) for r in fine] == [("fp32", "sst2"), ("powersgd", "mrpc")]
    assert fine[0]["dev_f1"] == "" and float(fine[0]["dev_acc"]) == 0.8
    assert float(fine[1]["dev_f1"]) == 0.81 and int(fine[1]["steps"]) == 40

    rounds = {(r["setup"], r["backend"]): r for r in read_csv(out / "rounds.csv")}
    assert list(rounds) == [("fp32", "threads"), ("fp32", "mpi"), ("powersgd", "threads")]
    r = rounds[("fp32", "mpi")]
    assert float(r["bytes_up_per_worker_per_round"]) == 4e6
    assert float(r["round_ms_mean"]) == 20 and float(r["round_ms_std"]) == 0.5
    expected = {"model_ms_1g_n4": 48.3, "model_ms_1g_n16": 61.5, "naive_ms_1g": 32,
                "model_ms_100m_n4": 483, "model_ms_100m_n16": 615, "naive_ms_100m": 320}
    for col, ms in expected.items():
        assert float(r[col]) == pytest.approx(ms, rel=1e-9), col
    ps = rounds[("powersgd", "threads")]
    assert int(ps["collectives"]) == 4
    assert float(ps["model_ms_1g_n4"]) == pytest.approx(2.706, rel=1e-9)

    # the markdown tables and the stated model
    row = "| fp32 | 300 | 5.5000 | 6.1667 | 5.4000 | 0.1500 | 3.815 | 1144 | 31 | 100 |"
    assert row in p.stdout
    assert "| PowerSGD r=8 + EF | mrpc | 0.7000 | 0.8100 | 40 |" in p.stdout
    assert "2 (n-1) (alpha + B / (n beta))" in p.stdout
    assert "| fp32 | 16 | 3.815 | 61.5 | 32 | 615 | 320 | 1.00x |" in p.stdout
    # the set-ups not run are notes, not errors
    assert "set-up int8 not pre-trained yet, skipped" in p.stderr
    assert "set-up mixed8 not timed yet" in p.stderr
    assert "set-up powersgd: only the threads round time exists" in p.stderr

    for name in ("objective_vs_steps", "objective_vs_mbytes", "eval_loss_vs_steps"):
        png = png_dir / f"masha_albert_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    gp = (out / "plots" / "masha_albert.gp").read_text()
    assert "title 'PowerSGD r=8 + EF'" in gp and "set logscale x" in gp


def test_a_value_that_is_not_a_number_is_an_error(out):
    m = out / "pretrain-fp32" / "metrics.csv"
    m.write_text(m.read_text().replace("0.2,200,6,", "0.2,200,six,"))
    p = run(out, "--no-png")
    assert p.returncode == 1
    assert f"{m}:4: column train_loss: not a number: 'six'" in p.stderr
    assert not (out / "pretrain.csv").exists()


def test_a_missing_column_or_key_is_an_error(out):
    m = out / "pretrain-powersgd" / "metrics.csv"
    m.write_text(m.read_text().replace("bits_up,", "bits,", 1))
    p = run(out, "--no-png")
    assert p.returncode == 1 and "no column(s) bits_up in the header" in p.stderr
    shutil.copy(FIXTURE / "pretrain-powersgd" / "metrics.csv", m)
    (out / "round-fp32-mpi.json").write_text('{"workers": 4, "collectives": []}')
    p = run(out, "--no-png")
    assert p.returncode == 1 and "'collectives' must be a non-empty list" in p.stderr


def test_no_runs_or_no_directory_is_an_error(tmp_path):
    p = run(tmp_path)
    assert p.returncode == 1 and "no runs" in p.stderr
    p = run(tmp_path / "absent")
    assert p.returncode == 1 and "no such directory" in p.stderr
