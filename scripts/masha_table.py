#!/usr/bin/env python3
"""The tables and plots of docs/RESULTS.md's MASHA transformer section (MASHA paper section 5.2,
ALGORITHMS.md 10.2) from the output directory of scripts/masha-experiment.

usage: /usr/bin/python3 scripts/masha_table.py OUT [--png-dir DIR] [--no-png]
       (DIR defaults to OUT; e.g. --png-dir docs/results)

Reads, per set-up S of fp32 int8 mixed8 powersgd (and any other OUT/pretrain-* found):
  OUT/pretrain-S/{metrics.csv,summary.json}   adversarial (FreeLB) MLM pre-training
  OUT/T-S/summary.json for T in sst2 mrpc     fine-tuning from that model
  OUT/round-S-B.json for B in threads mpi     `dcopt-train round-time`: one round's collectives
A set-up, task or backend not run yet is skipped with a note on stderr; unreadable or malformed
input is an error (exit 1). OUT/check-* (the backend check) is not tabulated.

Writes OUT/pretrain.csv, OUT/finetune.csv, OUT/rounds.csv, prints them as markdown tables, and
draws with gnuplot (not matplotlib) into DIR: masha_albert_objective_vs_steps.png,
masha_albert_objective_vs_mbytes.png, masha_albert_eval_loss_vs_steps.png (the data and the
gnuplot script stay in OUT/plots/; $DCOPT_GNUPLOT names another gnuplot). MB = 2^20 bytes
throughout.

In pretrain runs train_loss is the training objective (FreeLB's mean MLM loss over its K ascent
steps, minus beta/2 ||rho||^2), test_loss the clean held-out MLM loss, test_acc the masked-token
accuracy; bits_up is the cumulative uplink bits per worker.

The round-time model (rounds.csv, the "modelled" table): alpha-beta cost per collective with ring
algorithms, for a link of bandwidth beta (bytes/s) and per-message latency alpha, n workers,
B = this rank's payload bytes of the call as recorded by round-time:
  allreduce of B bytes:   2 (n-1) (alpha + B / (n beta))   (ring reduce-scatter + all-gather)
  allgather, B per rank:  (n-1) (alpha + B / beta)
  broadcast of B bytes:   ceil(log2 n) (alpha + B / beta)   (binomial tree)
  any other kind:         as allgather, with a warning
(kinds are matched by prefix: allreduce_*, allgather*, broadcast*). One round = the sum over its
collectives, in the recorded order, none overlapped. Links: 1 Gbit/s with alpha = 50 us and
100 Mbit/s with alpha = 500 us; n = 4 (the measured runs) and n = 16 (the paper's worker count,
with the same per-call payloads, i.e. every rank's payload as the recorded rank's). The naive
figure is bytes / bandwidth alone: (bits_up_per_worker / 8) / beta, independent of n.
"""
import argparse
import csv
import glob
import json
import math
import os
import shutil
import subprocess
import sys

PROG = "masha_table.py"
MB = float(2**20)
# name in the file names -> label in tables and legends (docs/RESULTS.md's set-ups)
SETUPS = [("fp32", "fp32"), ("int8", "full int8"), ("mixed8", "mixed int8"),
          ("powersgd", "PowerSGD r=8 + EF")]
TASKS = ["sst2", "mrpc"]
BACKENDS = ["threads", "mpi"]
# (label, short name for CSV columns, beta in bytes/s, alpha in s)
LINKS = [("1 Gbit/s", "1g", 1e9 / 8, 50e-6), ("100 Mbit/s", "100m", 100e6 / 8, 500e-6)]
MODEL_WORKERS = [4, 16]
METRIC_COLUMNS = ["step", "train_loss", "test_loss", "test_acc", "bits_up", "wall_s"]

MODEL_TEXT = """Round model (alpha-beta, ring algorithms; B = this rank's payload bytes of a call):
  allreduce of B:        2 (n-1) (alpha + B / (n beta))   (ring reduce-scatter + all-gather)
  allgather, B per rank: (n-1) (alpha + B / beta)
  broadcast of B:        ceil(log2 n) (alpha + B / beta)   (binomial tree)
  other kinds:           as allgather (warned)
  round = sum over the round's collectives; naive = uplink bytes per worker / beta
  links: 1 Gbit/s (beta = 125e6 B/s, alpha = 50 us), 100 Mbit/s (beta = 12.5e6 B/s, alpha = 500 us)
  n = 4 (measured) and n = 16 (the paper's workers, same per-call payloads)"""


class InputError(Exception):
    """Malformed or unreadable input: reported with the file's path, exit status 1."""


def note(msg):
    print(f"{PROG}: note: {msg}", file=sys.stderr)


def warn(msg):
    print(f"{PROG}: warning: {msg}", file=sys.stderr)


# ---- the communication model ------------------------------------------------------------------


def allreduce_s(n, nbytes, alpha, beta):
    """Ring allreduce of nbytes: reduce-scatter then all-gather, 2 (n-1) steps of nbytes/n."""
    return 2 * (n - 1) * (alpha + nbytes / (n * beta))


def allgather_s(n, nbytes, alpha, beta):
    """Ring allgather, nbytes from every rank: n-1 steps, each forwarding one rank's block."""
    return (n - 1) * (alpha + nbytes / beta)


def broadcast_s(n, nbytes, alpha, beta):
    """Binomial-tree broadcast of nbytes: ceil(log2 n) rounds of one full message."""
    return math.ceil(math.log2(n)) * (alpha + nbytes / beta) if n > 1 else 0.0


def collective_s(kind, n, nbytes, alpha, beta, warned=None):
    """Modelled seconds of one call; unknown kinds count as allgather (warned once per kind)."""
    if kind.startswith("allreduce"):
        return allreduce_s(n, nbytes, alpha, beta)
    if kind.startswith("allgather"):
        return allgather_s(n, nbytes, alpha, beta)
    if kind.startswith("broadcast"):
        return broadcast_s(n, nbytes, alpha, beta)
    if warned is not None and kind not in warned:
        warned.add(kind)
        warn(f"collective kind '{kind}' is not modelled: counted as an allgather")
    return allgather_s(n, nbytes, alpha, beta)


def round_model_s(collectives, n, alpha, beta, warned=None):
    """Modelled seconds of one round: the sum over its collectives [(kind, bytes), ...]."""
    return sum(collective_s(k, n, b, alpha, beta, warned) for k, b in collectives)


def naive_s(nbytes, beta):
    """Bytes over bandwidth alone: no latency, no algorithm."""
    return nbytes / beta


# ---- reading ----------------------------------------------------------------------------------


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: {e}")


def get(obj, path, keys, kind=(int, float)):
    """obj[k0][k1]..., required and of the given type(s)."""
    v = obj
    for k in keys:
        if not isinstance(v, dict) or k not in v:
            raise InputError(f"{path}: missing key {'.'.join(keys)}")
        v = v[k]
    if not isinstance(v, kind) or isinstance(v, bool):
        raise InputError(f"{path}: {'.'.join(keys)} has the wrong type ({type(v).__name__})")
    return v


def to_float(path, line, col, text):
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{path}:{line}: column {col}: not a number: '{text}'")


def read_metrics(path):
    """metrics.csv as a list of dicts of floats (None where empty); at least one row."""
    try:
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file")
            missing = [c for c in METRIC_COLUMNS if c not in header]
            if missing:
                raise InputError(f"{path}: no column(s) {', '.join(missing)} in the header")
            rows = []
            for line, rec in enumerate(reader, start=2):
                if not rec:
                    continue
                if len(rec) != len(header):
                    raise InputError(
                        f"{path}:{line}: {len(rec)} fields, the header has {len(header)}")
                rows.append({c: to_float(path, line, c, v) for c, v in zip(header, rec)})
    except OSError as e:
        raise InputError(f"{path}: {e}")
    if not rows:
        raise InputError(f"{path}: no rows")
    for c in ("step", "bits_up"):
        if any(r[c] is None for r in rows):
            raise InputError(f"{path}: empty {c} in a row")
    return rows


def setup_names(out):
    """The known set-ups in order, then any other pretrain-*/round-* names found, sorted."""
    known = [s for s, _ in SETUPS]
    extra = set()
    for p in glob.glob(os.path.join(out, "pretrain-*")):
        if os.path.isdir(p):  # run directories only, not logs or checkpoints beside them
            if not p.endswith(".checkpoint"):
                extra.add(os.path.basename(p)[len("pretrain-"):])
    for p in glob.glob(os.path.join(out, "round-*-*.json")):
        name = os.path.basename(p)[len("round-"):-len(".json")]
        extra.add(name.rsplit("-", 1)[0])
    return known + sorted(extra - set(known))


def label(setup):
    return dict(SETUPS).get(setup, setup)


def read_pretrain(out, setup):
    d = os.path.join(out, f"pretrain-{setup}")
    if not os.path.isdir(d):
        note(f"no {d}: set-up {setup} not pre-trained yet, skipped")
        return None
    spath = os.path.join(d, "summary.json")
    s = load_json(spath)
    rows = read_metrics(os.path.join(d, "metrics.csv"))
    steps = get(s, spath, ["steps"])
    if steps <= 0:
        raise InputError(f"{spath}: steps = {steps}")
    logged = [r for r in rows if r["train_loss"] is not None]
    if not logged:
        raise InputError(f"{d}/metrics.csv: no row with a train_loss")
    last = rows[-1]
    for c in ("test_loss", "test_acc"):
        if last[c] is None:
            raise InputError(f"{d}/metrics.csv: the last row has no {c}")
    split = s.get("step_split_ms", {}) if isinstance(s.get("step_split_ms"), dict) else {}
    bits = last["bits_up"]
    return {
        "setup": setup,
        "steps": int(steps),
        "train_obj_last": logged[-1]["train_loss"],
        "train_obj_last3": sum(r["train_loss"] for r in logged[-3:]) / len(logged[-3:]),
        "test_loss": last["test_loss"],
        "test_acc": last["test_acc"],
        "mb_up_per_step": bits / steps / 8 / MB,
        "mb_up_total": bits / 8 / MB,
        "wall_s": get(s, spath, ["wall_s"]),
        "step_ms_median": get(s, spath, ["step_ms", "median"]),
        "communication_ms": split.get("communication"),
        "compression_ms": split.get("compression"),
        "rows": rows,
    }


def read_finetune(out, setup, task):
    d = os.path.join(out, f"{task}-{setup}")
    spath = os.path.join(d, "summary.json")
    if not os.path.isfile(spath):
        note(f"no {spath}: {task} from set-up {setup} not fine-tuned yet, skipped")
        return None
    s = load_json(spath)
    f1 = s.get("final", {}).get("f1") if isinstance(s.get("final"), dict) else None
    if task == "mrpc" and f1 is None:
        raise InputError(f"{spath}: an mrpc run without final.f1")
    return {
        "setup": setup,
        "task": task,
        "dev_acc": get(s, spath, ["final", "test_acc"]),
        "dev_f1": f1,
        "steps": int(get(s, spath, ["steps"])),
        "wall_s": get(s, spath, ["wall_s"]),
    }


def read_round(out, setup, backend):
    path = os.path.join(out, f"round-{setup}-{backend}.json")
    if not os.path.isfile(path):
        return None
    j = load_json(path)
    colls = j.get("collectives")
    if not isinstance(colls, list) or not colls:
        raise InputError(f"{path}: 'collectives' must be a non-empty list")
    calls = []
    for i, c in enumerate(colls):
        if not isinstance(c, dict) or not isinstance(c.get("kind"), str):
            raise InputError(f"{path}: collectives[{i}] has no string 'kind'")
        b = c.get("bytes")
        if not isinstance(b, (int, float)) or isinstance(b, bool) or b < 0:
            raise InputError(f"{path}: collectives[{i}].bytes must be a number >= 0")
        calls.append((c["kind"], float(b)))
    return {
        "setup": setup,
        "backend": backend,
        "workers": int(get(j, path, ["workers"])),
        "bytes_up": get(j, path, ["bits_up_per_worker"]) / 8,
        "collective_bytes": sum(b for _, b in calls),
        "calls": calls,
        "round_ms_mean": get(j, path, ["round_ms", "mean"]),
        "round_ms_std": get(j, path, ["round_ms", "std"]),
        "repeats": int(get(j, path, ["repeats"])),
    }


# ---- writing ----------------------------------------------------------------------------------


def num(v, digits=10):
    return "" if v is None else f"{v:.{digits}g}"


def write_csv(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    os.replace(tmp, path)


def md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def model_rows(rounds):
    """Per set-up (first backend found): modelled ms per link and n, and the naive figure."""
    warned = set()
    by_setup = {}
    for r in rounds:
        prev = by_setup.get(r["setup"])
        if prev is None:
            by_setup[r["setup"]] = r
        elif prev["calls"] != r["calls"]:
            warn(f"set-up {r['setup']}: the {prev['backend']} and {r['backend']} runs recorded "
                 f"different collectives; the model uses {prev['backend']}'s")
    out = []
    for setup, r in by_setup.items():
        for n in MODEL_WORKERS:
            m = {"setup": setup, "n": n, "bytes_up": r["bytes_up"], "calls": r["calls"]}
            for _, short, beta, alpha in LINKS:
                m[f"model_{short}"] = 1e3 * round_model_s(r["calls"], n, alpha, beta, warned)
                m[f"naive_{short}"] = 1e3 * naive_s(r["bytes_up"], beta)
            out.append(m)
    return out


def calls_text(calls):
    return " + ".join(f"{k} {b / MB:.3g} MB" for k, b in calls)


def tables(out, pre, fine, rounds):
    """Writes the three CSVs and prints the markdown tables."""
    write_csv(os.path.join(out, "pretrain.csv"),
              ["setup", "steps", "train_objective_last", "train_objective_mean_last3",
               "heldout_mlm_loss", "masked_acc", "mb_up_per_worker_per_step",
               "mb_up_per_worker_total", "wall_s", "step_ms_median", "communication_ms_mean",
               "compression_ms_mean"],
              [[p["setup"], p["steps"], num(p["train_obj_last"]), num(p["train_obj_last3"]),
                num(p["test_loss"]), num(p["test_acc"]), num(p["mb_up_per_step"]),
                num(p["mb_up_total"]), num(p["wall_s"]), num(p["step_ms_median"]),
                num(p["communication_ms"]), num(p["compression_ms"])] for p in pre])
    write_csv(os.path.join(out, "finetune.csv"),
              ["setup", "task", "dev_acc", "dev_f1", "steps", "wall_s"],
              [[f["setup"], f["task"], num(f["dev_acc"]), num(f["dev_f1"]), f["steps"],
                num(f["wall_s"])] for f in fine])
    models = {(m["setup"], m["n"]): m for m in model_rows(rounds)}
    link_cols = []
    for _, short, _, _ in LINKS:
        for n in MODEL_WORKERS:
            link_cols += [f"model_ms_{short}_n{n}"]
        link_cols += [f"naive_ms_{short}"]
    rrows = []
    for r in rounds:
        cells = [r["setup"], r["backend"], r["workers"], num(r["bytes_up"]),
                 num(r["collective_bytes"]), len(r["calls"]), num(r["round_ms_mean"]),
                 num(r["round_ms_std"]), r["repeats"]]
        for _, short, _, _ in LINKS:
            for n in MODEL_WORKERS:
                cells.append(num(models[(r["setup"], n)][f"model_{short}"]))
            cells.append(num(models[(r["setup"], MODEL_WORKERS[0])][f"naive_{short}"]))
        rrows.append(cells)
    write_csv(os.path.join(out, "rounds.csv"),
              ["setup", "backend", "workers", "bytes_up_per_worker_per_round",
               "collective_bytes_per_round", "collectives", "round_ms_mean", "round_ms_std",
               "repeats"] + link_cols, rrows)

    if pre:
        print("### Pre-training (adversarial MLM, FreeLB), 4 workers\n")
        print(md_table(
            ["set-up", "steps", "train objective (last log)", "train objective (mean, last 3 logs)",
             "held-out MLM loss", "masked-token acc", "MB up / worker / step",
             "MB up / worker, total", "wall s", "step ms (median)"],
            [[label(p["setup"]), str(p["steps"]), f"{p['train_obj_last']:.4f}",
              f"{p['train_obj_last3']:.4f}", f"{p['test_loss']:.4f}", f"{p['test_acc']:.4f}",
              f"{p['mb_up_per_step']:.4g}", f"{p['mb_up_total']:.4g}", f"{p['wall_s']:.0f}",
              f"{p['step_ms_median']:.0f}"] for p in pre]))
        print()
    if fine:
        print("### Fine-tuning from each pre-trained model (dev set)\n")
        print(md_table(
            ["set-up", "task", "dev accuracy", "dev F1", "steps", "wall s"],
            [[label(f["setup"]), f["task"], f"{f['dev_acc']:.4f}",
              "-" if f["dev_f1"] is None else f"{f['dev_f1']:.4f}", str(f["steps"]),
              f"{f['wall_s']:.0f}"] for f in fine]))
        print()
    if rounds:
        print("### One communication round, measured on this machine\n")
        print(md_table(
            ["set-up", "backend", "workers", "MB up / worker / round", "collectives (payload)",
             "round ms (mean ± std over repeats)"],
            [[label(r["setup"]), r["backend"], str(r["workers"]), f"{r['bytes_up'] / MB:.4g}",
              calls_text(r["calls"]),
              f"{r['round_ms_mean']:.3g} ± {r['round_ms_std']:.2g} ({r['repeats']})"]
             for r in rounds]))
        print()
        print("### One communication round, modelled\n")
        print("```\n" + MODEL_TEXT + "\n```\n")
        base = {n: models.get(("fp32", n)) for n in MODEL_WORKERS}
        head = ["set-up", "n", "MB up / worker / round"]
        for name, _, _, _ in LINKS:
            head += [f"{name}: ring model ms", f"{name}: bytes/bw ms"]
        slow = LINKS[-1]
        head += [f"fp32 / set-up ({slow[0]} model)"]
        rows = []
        for (setup, n), m in models.items():
            cells = [label(setup), str(n), f"{m['bytes_up'] / MB:.4g}"]
            for _, short, _, _ in LINKS:
                cells += [f"{m[f'model_{short}']:.4g}", f"{m[f'naive_{short}']:.4g}"]
            b = base[n]
            cells.append(f"{b[f'model_{slow[1]}'] / m[f'model_{slow[1]}']:.2f}x" if b else "-")
            rows.append(cells)
        print(md_table(head, rows))
        print()


# ---- plots ------------------------------------------------------------------------------------


def gp_quote(s):
    return "'" + s.replace("'", "''") + "'"


def plots(out, png_dir, pre):
    """Three PNGs via gnuplot; the data blocks and the script are kept in OUT/plots/."""
    gnuplot = shutil.which(os.environ.get("DCOPT_GNUPLOT", "gnuplot"))
    if gnuplot is None:
        raise InputError("gnuplot not found (apt-get install gnuplot-nox; $DCOPT_GNUPLOT names "
                         "another binary), or pass --no-png")
    data_dir = os.path.join(out, "plots")
    os.makedirs(data_dir, exist_ok=True)
    os.makedirs(png_dir, exist_ok=True)
    files = []
    for p in pre:
        path = os.path.join(data_dir, f"pretrain-{p['setup']}.dat")
        with open(path, "w") as f:
            # index 0: rows with a training objective; index 1: every evaluated row
            f.write("# step train_objective mb_up_per_worker\n")
            for r in p["rows"]:
                if r["train_loss"] is not None:
                    f.write(f"{r['step']:g} {r['train_loss']:.10g} {r['bits_up'] / 8 / MB:.10g}\n")
            f.write("\n\n# step heldout_mlm_loss masked_acc\n")
            for r in p["rows"]:
                if r["test_loss"] is not None:
                    f.write(f"{r['step']:g} {r['test_loss']:.10g} {r['test_acc'] or 0:.10g}\n")
        files.append((os.path.abspath(path), label(p["setup"])))
    title = "MASHA 5.2, small scale: adversarial (FreeLB) MLM pre-training of ALBERT, 4 workers"
    objective = "training objective (FreeLB: mean MLM loss over K ascent steps)"

    def plot(index, xcol, ycol):
        return "plot " + ", ".join(
            f"{gp_quote(f)} index {index} using {xcol}:{ycol} with linespoints lw 2 "
            f"title {gp_quote(t)}" for f, t in files)

    def png(name):
        return gp_quote(os.path.abspath(os.path.join(png_dir, name)))

    script = "\n".join([
        "set terminal pngcairo size 1000,640 noenhanced font ',11'",
        "set grid", "set key top right box opaque", f"set title {gp_quote(title)}",
        # linear y: the losses span less than a decade (ln 8000 = 9 at the start), where a log
        # axis only adds empty space
        "set mytics 2",
        f"set output {png('masha_albert_objective_vs_steps.png')}",
        "set xlabel 'optimizer step'", f"set ylabel {gp_quote(objective)}", plot(0, 1, 2),
        f"set output {png('masha_albert_objective_vs_mbytes.png')}", "set logscale x",
        "set format x '%g'",
        "set xlabel 'cumulative uplink MB per worker (MB = 2^20 bytes, log scale)'",
        plot(0, 3, 2), "unset logscale x",
        f"set output {png('masha_albert_eval_loss_vs_steps.png')}",
        "set xlabel 'optimizer step'", "set ylabel 'held-out MLM loss (clean inputs)'",
        plot(1, 1, 2), "unset output", ""])
    gp = os.path.join(data_dir, "masha_albert.gp")
    with open(gp, "w") as f:
        f.write(script)
    names = ("objective_vs_steps", "objective_vs_mbytes", "eval_loss_vs_steps")
    for name in names:  # an earlier run's PNG must not pass the check below
        path = os.path.join(png_dir, f"masha_albert_{name}.png")
        if os.path.exists(path):
            os.remove(path)
    p = subprocess.run([gnuplot, gp], capture_output=True, text=True)
    if p.returncode != 0:
        raise InputError(f"gnuplot failed on {gp}:\n{p.stderr}")
    for name in names:
        path = os.path.join(png_dir, f"masha_albert_{name}.png")
        # gnuplot exits 0 after an empty plot (a full disk, say): check the files themselves
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            raise InputError(f"gnuplot left no or an empty {path} ({gp}):\n{p.stderr}")
        print(f"wrote {path}", file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n")[0])
    ap.add_argument("out", metavar="OUT", help="scripts/masha-experiment's output directory")
    ap.add_argument("--png-dir", help="where the PNGs go (default OUT)")
    ap.add_argument("--no-png", action="store_true", help="tables only")
    a = ap.parse_args(argv)
    try:
        if not os.path.isdir(a.out):
            raise InputError(f"{a.out}: no such directory")
        names = setup_names(a.out)
        pre = [p for p in (read_pretrain(a.out, s) for s in names) if p]
        fine = [f for s in names for t in TASKS for f in [read_finetune(a.out, s, t)] if f]
        rounds = []
        for s in names:
            found = [r for r in (read_round(a.out, s, b) for b in BACKENDS) if r]
            if not found:
                note(f"no {a.out}/round-{s}-{{threads,mpi}}.json: set-up {s} not timed yet, "
                     "skipped")
            elif len(found) < len(BACKENDS):
                note(f"set-up {s}: only the {found[0]['backend']} round time exists")
            rounds += found
        if not (pre or fine or rounds):
            raise InputError(f"{a.out}: no runs (pretrain-*, T-*, round-*.json) to tabulate")
        tables(a.out, pre, fine, rounds)
        if pre and not a.no_png:
            plots(a.out, a.png_dir or a.out, pre)
    except InputError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
