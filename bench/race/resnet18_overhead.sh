#!/usr/bin/env bash
# ResNet-18 step time and the compression overhead of its codecs (issue 8; docs/PERFORMANCE.md
# section 5): dcopt train, model.name = "resnet18" (11,172,810 parameters), 2 workers on the
# threads backend, batch 32 per worker, SGD momentum 0.9, STEPS steps (25: step_ms then excludes
# the first 10), one evaluation at the end on the first 500 test images (accuracy is not the point).
#
#   bench/race/resnet18_overhead.sh [-n STEPS] [-r REPS] [-o OUTDIR] [-b BUILD] [-B threads|mpi]
#
# Codecs: fp32 allreduce; int8 blockwise (codec="int8"); RandK 1% (method="allreduce",
# codec="randk:ratio=0.01", no error feedback); PowerSGD rank 4 (start_iter=0: every step
# compressed). Reports the median step time and the compression share of a step
# (step_split_ms.compression over the sum of the split). Target of the issue: under 15%.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
steps=25
reps=1
out=/tmp/dcopt-resnet18
build="$root/build"
backend=threads
while getopts "n:r:o:b:B:h" opt; do
  case $opt in
    n) steps=$OPTARG ;;
    r) reps=$OPTARG ;;
    o) out=$OPTARG ;;
    b) build=$OPTARG ;;
    B) backend=$OPTARG ;;
    *) sed -n 2,13p "$0"; exit 2 ;;
  esac
done
dcopt="$build/apps/dcopt/dcopt"
mkdir -p "$out"
if [[ $(id -u) == 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi

codecs="fp32 int8 randk1 powersgd4"
write_config() { # codec file
  local comm
  case $1 in
    fp32) comm='method = "allreduce"' ;;
    int8) comm=$'method = "allreduce"\ncodec = "int8"' ;;
    randk1) comm=$'method = "allreduce"\ncodec = "randk:ratio=0.01"' ;;
    powersgd4) comm=$'method = "powersgd"\nrank = 4\nstart_iter = 0' ;;
  esac
  cat > "$2" <<EOF
name = "resnet18_$1"
seed = 1
workers = 2
[model]
name = "resnet18"
[data]
dir = "/usr/share/datasets/fashion-mnist"
test_limit = 500
[train]
batch = 32
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
echo "resnet18: steps=$steps reps=$reps backend=$backend commit=$(git -C "$root" rev-parse --short HEAD)" | tee "$log"
for c in $codecs; do write_config "$c" "$out/$c.toml"; done
for ((rep = 1; rep <= reps; rep++)); do
  for c in $codecs; do
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    if [[ $backend == mpi ]]; then
      mpirun -np 2 --oversubscribe --bind-to none "$dcopt" train "$out/$c.toml" --backend mpi \
        --out "$out/$c.r$rep.run" --quiet > /dev/null
    else
      "$dcopt" train "$out/$c.toml" --out "$out/$c.r$rep.run" --quiet > /dev/null
    fi
    cp "$out/$c.r$rep.run/summary.json" "$out/$c.r$rep.json"
    echo "$c r$rep load_before $before load_after $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  done
done

/usr/bin/python3 - "$out" "$reps" "$codecs" <<'EOF' | tee "$out/resnet18.md"
import json, statistics, sys
out, reps, codecs = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
med = statistics.median
keys = ("forward_backward", "compression", "communication", "update")
print("| codec | ms/step median (p10-p90) | fwd+bwd / compr / comm / update ms | compression share |"
      " bytes/worker/step | vs fp32 step |")
print("|---|---|---|---|---|---|")
base = None
for c in codecs:
    js = [json.load(open(f"{out}/{c}.r{r}.json")) for r in range(1, reps + 1)]
    m = med(j["step_ms"]["median"] for j in js)
    p10 = med(j["step_ms"]["p10"] for j in js)
    p90 = med(j["step_ms"]["p90"] for j in js)
    sp = {k: med(j["step_split_ms"][k] for j in js) for k in keys}
    share = sp["compression"] / sum(sp.values())
    b = med(j["final"]["bits_up"] / 8 / j["steps"] for j in js)
    base = base or m
    print(f"| {c} | {m:.0f} ({p10:.0f}-{p90:.0f}) | " + " / ".join(f"{sp[k]:.1f}" for k in keys) +
          f" | {100 * share:.1f}% | {b:,.0f} | {m / base:.2f}x |")
EOF
