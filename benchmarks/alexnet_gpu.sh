#!/usr/bin/env bash
# AlexNet on one GPU, 2012 vs. now, in under 8 minutes on an H100 (each step has a time limit:
# 240 s for the benchmark, 100 s per training run):
#   1. what the machine is (nvidia-smi, torch, CUDA, cuDNN);
#   2. training images/s of the full-size network on synthetic data: eager vs. torch.compile,
#      fp32 vs. bf16, FLOPs per image, TFLOP/s, MFU against a bf16 matmul, ratio to 2012;
#   3. the full-size network trained at 224×224 on the embedded digits for a short time budget,
#      once with the paper's initialisation and once with He initialisation.
# Every JSON record is written to $OUT if set, else ./runs-out. Copy the ones worth keeping to
# data/runs/ and the AlexNet demo page shows them.
#
# usage: benchmarks/alexnet_gpu.sh [--tiny]
#   --tiny (or TINY=1): a seconds-long smoke test of the same steps, fine on a CPU (the tests use it).
# Uses .venv/bin/python when there is one, else python3 (override with PYTHON=...); sets
# PYTHONPATH=src when nutshell is not installed.
set -uo pipefail
cd "$(dirname "$0")/.."

tiny=${TINY:-0}
for arg in "$@"; do
    case "$arg" in
        --tiny) tiny=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "alexnet_gpu.sh: unknown option '$arg' (use --tiny or --help)" >&2; exit 2 ;;
    esac
done

out=${OUT:-./runs-out}
mkdir -p "$out"
if [ -n "${PYTHON:-}" ]; then py=$PYTHON
elif [ -x .venv/bin/python ]; then py=.venv/bin/python
else py=python3
fi
if ! "$py" -c "import nutshell.alexnet" 2>/dev/null; then
    export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
fi

status=0
step() {  # step SECONDS CMD...: run with a time limit; remember a failure but carry on
    local limit=$1; shift
    echo "+ $*"
    timeout --signal=TERM --kill-after=20 "$limit" "$@"
    local rc=$?
    if [ $rc -ne 0 ]; then echo "alexnet_gpu.sh: step failed with status $rc: $*" >&2; status=1; fi
}

echo "== machine"
if command -v nvidia-smi >/dev/null; then nvidia-smi; else echo "(no nvidia-smi)"; fi
"$py" - <<'PY' || { echo "alexnet_gpu.sh: $py cannot import torch; install it (or set PYTHON=...)" >&2; exit 1; }
import platform, torch
print(f"python {platform.python_version()}  torch {torch.__version__}  CUDA {torch.version.cuda}  "
      f"cuDNN {torch.backends.cudnn.version()}")
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        print(f"cuda:{i} {p.name}, {p.total_memory / 2**30:.0f} GiB, {p.multi_processor_count} SMs, "
              f"compute capability {p.major}.{p.minor}")
else:
    print("no CUDA device: running on the CPU")
PY

if [ "$tiny" = 1 ]; then
    export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}  # a smoke test: one steady thread beats two fighting for cores
    bench=(--variants eager-fp32,eager-bf16 --batch-size 1 --warmup 0 --steps 1)
    train_common=(--epochs 1 --batch-size 4 --max-train-batches 1 --max-eval-batches 1)
    budget=60; inits=(paper)
else
    bench=(--variants all)
    train_common=(--epochs 90 --batch-size 128 --time-budget 50)
    budget=100; inits=(paper kaiming)
fi

echo "== benchmark: full-size AlexNet, synthetic 227×227 images"
step $((tiny == 1 ? 120 : 240)) "$py" -m nutshell.alexnet.cli bench "${bench[@]}" --record-dir "$out"

echo "== training: full-size AlexNet on the embedded digits at 224×224"
for init in "${inits[@]}"; do
    step "$budget" "$py" -m nutshell.alexnet.cli train --model paper --image-size 256 --crop 224 --init "$init" \
        "${train_common[@]}" --quiet --no-checkpoint --out "$out/train-$init" --record-dir "$out"
done

echo "== records in $out"
ls -1 "$out"/*.json 2>/dev/null || echo "(none)"
exit $status
