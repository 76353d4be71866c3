#!/usr/bin/env python3
"""Summarize a VI run's metrics.csv: per method, the first evaluated round at which
dist_sq <= each target, with the cumulative uplink and downlink MB per worker at that round
(MB = bits/8/2^20), plus the best dist_sq and the final status from summary.json.

usage: scripts/vi_table.py RUN_DIR [TARGET ...]     (default targets: 1e-6 1e-10)
"""
import csv
import json
import math
import sys


def mb(bits):
    return float(bits) / 8 / 2**20


def main():
    run = sys.argv[1]
    targets = [float(t) for t in sys.argv[2:]] or [1e-6, 1e-10]
    status = {}
    try:
        with open(run + "/summary.json") as f:
            for m in json.load(f)["methods"]:
                status[m["label"]] = (m["status"], m["rounds"])
    except FileNotFoundError:
        pass
    rows = {}
    with open(run + "/metrics.csv") as f:
        for r in csv.DictReader(f):
            rows.setdefault(r["method"], []).append(r)
    head = ["method", "status", "rounds"]
    for t in targets:
        head += [f"its@{t:g}", f"MBup@{t:g}", f"MBdown@{t:g}"]
    head += ["best dist_sq", "final dist_sq"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, rs in rows.items():
        st, rounds = status.get(name, ("?", rs[-1]["round"]))
        cells = [name, st, str(rounds)]
        for t in targets:
            hit = next((r for r in rs if r["dist_sq"] and float(r["dist_sq"]) <= t), None)
            if hit is None:
                cells += ["-", "-", "-"]
            else:
                cells += [hit["round"], f"{mb(hit['bits_up']):.3g}", f"{mb(hit['bits_down']):.3g}"]
        ds = [float(r["dist_sq"]) for r in rs if r["dist_sq"]]
        ds = [x for x in ds if math.isfinite(x)]
        cells += [f"{min(ds):.3g}" if ds else "-", rs[-1]["dist_sq"] and f"{float(rs[-1]['dist_sq']):.3g}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
