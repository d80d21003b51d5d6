#!/usr/bin/env bash
# The GPU readiness suite, in one command from the source tree; under 8 minutes on one GPU
# (part 4 starts no run after --minutes, default 7.5, so a slow card ends on time):
#   1. every strategy for a short study on CUDA (bf16 autocast, channels_last, data on the GPU),
#   2. one PAL cycle at CIFAR-10 scale on synthetic tensors (benchmarks/gpu_pal_cycle.py),
#   3. one segmentation PAL cycle on Cityscapes' protocol and shape, synthetic tensors
#      (benchmarks/gpu_seg_cycle.py: DeepLabV3 task model and scorer, contrastive pretext),
#   4. a short study on Fashion-MNIST: PAL, entropy, random; clean and 20% noise; 2 seeds.
# Every number goes to one JSON-lines file.
#
#   benchmarks/gpu_suite.sh --data-dir data/fashion-mnist [--out gpu_suite.jsonl]
#   benchmarks/gpu_suite.sh --data-dir /usr/share/datasets/fashion-mnist --cpu-smoke
#
# --data-dir holds Fashion-MNIST's four IDX files (.gz or not); data/ is git-ignored, so a
# copy there travels with the working tree without being committed. PYTHON picks the
# interpreter (default python3); it needs torch and numpy, not textual.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=.
PYTHON=${PYTHON:-python3}
data_dir=""
for (( i = 1; i <= $#; i++ )); do
    if [[ "${!i}" == "--data-dir" ]]; then j=$((i + 1)); data_dir="${!j:-}"; fi
    if [[ "${!i}" == --data-dir=* ]]; then data_dir="${!i#--data-dir=}"; fi
done
if [[ -z "$data_dir" ]]; then
    echo "error: --data-dir FOLDER is required (the four Fashion-MNIST IDX files)" >&2
    exit 2
fi
for stem in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
            t10k-labels-idx1-ubyte; do
    if [[ ! -e "$data_dir/$stem" && ! -e "$data_dir/$stem.gz" ]]; then
        echo "error: $data_dir has no $stem[.gz]; copy Fashion-MNIST's IDX files there" >&2
        exit 2
    fi
done
if [[ " $* " != *" --cpu-smoke "* ]]; then
    if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
        echo "error: no CUDA device is visible to $PYTHON's torch; --cpu-smoke checks the suite on a CPU" >&2
        exit 2
    fi
fi
exec "$PYTHON" benchmarks/gpu_suite.py "$@"
