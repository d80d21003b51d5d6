#!/usr/bin/env bash
# PAL ablation on the reproduction study's protocol (docs/reproduction.md): which of PAL's
# parts drives its choices on Fashion-MNIST? Each variant differs from PAL at the quick
# preset's defaults in the ablated part only, and shares the pools, initial sets and noise of
# its seeds with the PAL and random runs in OUT/main (the reproduction study's, written by the
# commands in docs/reproduction.md, or the cold-start study's: both use this protocol), so it
# pairs with them run by run. Variants: no S_S (lambda_rot=0), no
# S_D (lambda_div=0), and the authors' fine-tuning (5 epochs at 0.1 x lr, no step floor).
# The three variants' sweeps run side by side, each over seeds 0-2 with JOBS runs at a time
# (each run gets cores / JOBS threads: the default 2 gives 6 one-thread runs on 2 cores).
# Usage: docs/examples/pal_ablation.sh [OUT] [ORACLES] [JOBS]
# (defaults: runs-repro, noisy:0.2, 2). Run from the repository root with palsim installed;
# then
#   palsim report OUT --baseline pal      (each variant against PAL)
#   palsim report OUT --baseline random   (each against random)
set -euo pipefail
out="${1:-runs-repro}"
oracles="${2:-noisy:0.2}"
jobs="${3:-2}"
common=(--config docs/reproduction/study.toml --strategy pal --oracle "$oracles"
        --seeds 0-2 --jobs "$jobs" --quiet)
pids=()
palsim sweep "${common[@]}" -S lambda_rot=0 --out "$out/ablation-no-rotation" &
pids+=($!)
palsim sweep "${common[@]}" -S lambda_div=0 --out "$out/ablation-no-diversity" &
pids+=($!)
palsim sweep "${common[@]}" -S finetune_steps=1 -S finetune_lr_scale=0.1 \
    --out "$out/ablation-authors-finetune" &
pids+=($!)
for pid in "${pids[@]}"; do
    wait "$pid"
done
