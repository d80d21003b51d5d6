#!/usr/bin/env bash
# The small noise sweep whose report docs/sweeps.md shows: 2 strategies x 3 noise rates x
# 3 seeds of short Fashion-MNIST studies (2k pool, 200 + 2 x 200 labels, 5 epochs), then the
# report as Markdown, paired with random, and a plot.
# Usage: docs/examples/noise_sweep.sh [OUT] (default runs-noise).
set -euo pipefail
out="${1:-runs-noise}"
palsim sweep --strategy random,entropy --oracle noisy:0,0.2,0.4 --seeds 0-2 \
    --pool-size 2000 --initial 200 --budget 200 --cycles 3 --epochs 5 --device cpu \
    --jobs 2 --out "$out"
palsim report "$out" --format markdown --baseline random --plot "$out/noise.png"
