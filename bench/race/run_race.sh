#!/usr/bin/env bash
# The race of issue 8 (docs/PERFORMANCE.md section 5): dcopt against PyTorch DDP on the same work,
# in one session, alternating the sides so that a change of the machine's load hits both.
#
#   bench/race/run_race.sh [-r REPS] [-n STEPS] [-s "SEEDS"] [-o OUTDIR] [-b BUILD]
#
# Work: the 184,586-parameter CNN, Fashion-MNIST, 2 workers, minibatch 64 per worker, SGD lr 0.05
# momentum 0.9, one intra-op thread per worker, STEPS steps (300), one evaluation at the end.
# Pairs: dcopt method="allreduce" vs DDP plain; codec="fp16" vs fp16_compress_hook;
# method="powersgd" rank=4 start_iter=10 vs powerSGD_hook(rank 4, start_powerSGD_iter=10).
# dcopt runs on the threads backend and under mpirun (2 processes, as DDP).
# Per repetition and seed, for each pair: dcopt threads, DDP, dcopt MPI (reversed on every other
# repetition). Raw results: OUTDIR/<pair>.<side>.s<seed>.r<rep>.json; the table: OUTDIR/race.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reps=3
steps=300
seeds="1"
out=/tmp/dcopt-race
build="$root/build"
while getopts "r:n:s:o:b:h" opt; do
  case $opt in
    r) reps=$OPTARG ;;
    n) steps=$OPTARG ;;
    s) seeds=$OPTARG ;;
    o) out=$OPTARG ;;
    b) build=$OPTARG ;;
    *) sed -n 2,14p "$0"; exit 2 ;;
  esac
done
dcopt="$build/apps/dcopt/dcopt"
py=/usr/bin/python3
[[ -x $dcopt && -x $build/apps/dcopt/dcopt-train ]] || { echo "no $dcopt / dcopt-train: build them first" >&2; exit 2; }
mkdir -p "$out"
if [[ $(id -u) == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

# One config per pair; everything else identical.
write_config() { # pair seed file
  local comm
  case $1 in
    plain) comm='method = "allreduce"' ;;
    fp16) comm=$'method = "allreduce"\ncodec = "fp16"' ;;
    powersgd) comm=$'method = "powersgd"\nrank = 4\nstart_iter = 10' ;;
  esac
  cat > "$3" <<EOF
name = "race_$1"
seed = $2
workers = 2
[model]
name = "cnn"
[data]
dir = "/usr/share/datasets/fashion-mnist"
[train]
batch = 64
steps = $steps
eval_every = $steps
threads = 1
[optimizer]
name = "sgd"
lr = 0.05
momentum = 0.9
[communication]
$comm
[output]
plots = false
EOF
}

log="$out/load.log"
: > "$log"
run_side() { # pair side seed rep
  local pair=$1 side=$2 seed=$3 rep=$4
  local tag="$pair.$side.s$seed.r$rep" cfg="$out/$pair.s$seed.toml"
  local before; before=$(cut -d' ' -f1-3 /proc/loadavg)
  case $side in
    threads) "$dcopt" train "$cfg" --out "$out/$tag.run" --quiet > /dev/null
             cp "$out/$tag.run/summary.json" "$out/$tag.json" ;;
    mpi) mpirun -np 2 --oversubscribe --bind-to none "$dcopt" train "$cfg" --backend mpi \
           --out "$out/$tag.run" --quiet > /dev/null
         cp "$out/$tag.run/summary.json" "$out/$tag.json" ;;
    ddp) "$py" "$here/ddp_cnn.py" --mode "$pair" --steps "$steps" --seed "$seed" \
           --out "$out/$tag.json" > /dev/null 2> "$out/$tag.stderr" ;;
  esac
  echo "$tag load_before $before load_after $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
}

echo "race: reps=$reps steps=$steps seeds=$seeds out=$out commit=$(git -C "$root" rev-parse --short HEAD)" | tee -a "$log"
for seed in $seeds; do
  for pair in plain fp16 powersgd; do write_config "$pair" "$seed" "$out/$pair.s$seed.toml"; done
done
for ((rep = 1; rep <= reps; rep++)); do
  if ((rep % 2)); then order="threads ddp mpi"; else order="mpi ddp threads"; fi
  for seed in $seeds; do
    for pair in plain fp16 powersgd; do
      for side in $order; do run_side "$pair" "$side" "$seed" "$rep"; done
    done
  done
done

"$py" - "$out" "$steps" "$reps" "$seeds" <<'EOF' | tee "$out/race.md"
import json, statistics, sys
out, steps, reps, seeds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
med = statistics.median
def load(pair, side):
    runs = []
    for s in seeds:
        for r in range(1, reps + 1):
            with open(f"{out}/{pair}.{side}.s{s}.r{r}.json") as f:
                j = json.load(f)
            runs.append((s, j))
    return runs
def row(pair, side):
    runs = load(pair, side)
    st = lambda k: med(j["step_ms"][k] for _, j in runs)
    acc = {}
    for s, j in runs:
        a = j["final"]["test_acc"] if side != "ddp" else j["test_acc"]
        acc.setdefault(s, a)
    if side == "ddp":
        b = med(j["bytes_per_worker_per_step"] for _, j in runs)
        split = None
    else:
        b = med(j["final"]["bits_up"] / 8 / j["steps"] for _, j in runs)
        split = {k: med(j["step_split_ms"][k] for _, j in runs)
                 for k in ("forward_backward", "compression", "communication", "update")}
    return {"median": st("median"), "p10": st("p10"), "p90": st("p90"), "bytes": b,
            "acc": acc, "split": split,
            "all_medians": [round(j["step_ms"]["median"], 2) for _, j in runs]}
names = {"plain": "fp32 allreduce vs plain DDP", "fp16": "fp16 vs fp16_compress_hook",
         "powersgd": "PowerSGD r=4 vs powerSGD_hook"}
R = {(p, s): row(p, s) for p in names for s in ("threads", "mpi", "ddp")}
print(f"{steps} steps, {reps} repetitions x seeds {' '.join(seeds)}; medians over the runs of each"
      " run's median (p10, p90) step time after 10 warm-up steps\n")
print("| pair | side | backend | ms/step median (p10-p90) | steps/s ratio dcopt/DDP | bytes/worker/step |"
      " test acc (per seed) | dcopt split fwd+bwd / compr / comm / update ms |")
print("|---|---|---|---|---|---|---|---|")
for p, title in names.items():
    d = R[(p, "ddp")]
    for side in ("threads", "mpi", "ddp"):
        x = R[(p, side)]
        ratio = "" if side == "ddp" else f"{d['median'] / x['median']:.2f}x"
        acc = " / ".join(f"{a:.4f}" for a in x["acc"].values())
        sp = "" if x["split"] is None else " / ".join(f"{x['split'][k]:.2f}" for k in
                                                       ("forward_backward", "compression", "communication", "update"))
        print(f"| {title} | {'DDP' if side == 'ddp' else 'dcopt'} | {'gloo, 2 processes' if side == 'ddp' else side} |"
              f" {x['median']:.2f} ({x['p10']:.2f}-{x['p90']:.2f}) | {ratio} | {x['bytes']:,.0f} | {acc} | {sp} |")
print("\nCompression overhead: what a codec or hook adds to a step (ms; negative = saves time)\n")
print("| codec | dcopt threads: compression split (share of step) | dcopt threads: step - allreduce step |"
      " dcopt MPI: compression split (share) | dcopt MPI: step - allreduce step | DDP: hook step - plain step |")
print("|---|---|---|---|---|---|")
for p in ("fp16", "powersgd"):
    cells = []
    for side in ("threads", "mpi"):
        x, base = R[(p, side)], R[("plain", side)]
        tot = sum(x["split"].values())
        cells += [f"{x['split']['compression']:.2f} ({100 * x['split']['compression'] / tot:.1f}%)",
                  f"{x['median'] - base['median']:+.2f}"]
    cells.append(f"{R[(p, 'ddp')]['median'] - R[('plain', 'ddp')]['median']:+.2f}")
    print(f"| {p} | " + " | ".join(cells) + " |")
print("\nPer-run medians (ms), for each seed its repetitions in order:\n")
for (p, s), x in R.items():
    print(f"- {p} {s}: {x['all_medians']}")
EOF
