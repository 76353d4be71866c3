#!/usr/bin/env python3
"""The tables of docs/RESULTS.md's ScaLA section from scripts/scala-experiment's results.csv:
mean and spread (min..max) over seeds of the dev accuracy, dev loss and sharpness per run, and
the time per step with its perturbation share.
  /usr/bin/python3 scripts/scala_table.py runs/scala-experiment/results.csv"""
import csv
import sys
from collections import OrderedDict

rows = list(csv.DictReader(open(sys.argv[1])))
runs = OrderedDict()
for r in rows:
    runs.setdefault((r["run"], r["workers"]), []).append(r)


def stat(values, fmt):
    v = [float(x) for x in values]
    m = sum(v) / len(v)
    if len(v) == 1:
        return fmt.format(m)
    return (fmt + " ({}..{})").format(m, fmt.format(min(v)), fmt.format(max(v)))


print("| run | P | seeds | steps | dev accuracy | dev loss | sharpness (top Hessian eigenvalue) |")
print("|---|---|---|---|---|---|---|")
for (name, p), rs in runs.items():
    print("| {} | {} | {} | {} | {} | {} | {} |".format(
        name, p, len(rs), rs[0]["steps"], stat([r["dev_acc"] for r in rs], "{:.4f}"),
        stat([r["dev_loss"] for r in rs], "{:.4f}"), stat([r["sharpness"] for r in rs], "{:.1f}")))
print()
print("| run | P | wall s | step ms (median) | forward ms | backward ms | perturbation ms | (per step, mean over all steps) |")
print("|---|---|---|---|---|---|---|---|")
for (name, p), rs in runs.items():
    r = rs[0]
    print("| {} | {} | {} | {} | {} | {} | {} | |".format(
        name, p, r["wall_s"], r["step_ms"], r["forward_ms"], r["backward_ms"],
        r["perturbation_ms"]))
