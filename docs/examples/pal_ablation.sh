#!/usr/bin/env bash
# PAL ablation on the reproduction study's protocol (docs/reproduction.md): which of PAL's
# parts drives its choices on Fashion-MNIST? Each variant differs from PAL at the quick
# preset's defaults in the ablated part only, and shares the pools, initial sets and noise of
# its seeds with the PAL and random runs of the cold-start study (docs/cold-start.md,
# docs/examples/cold_start_study.sh), so it pairs with them run by run. Variants: no S_S
# (lambda_rot=0), no S_D (lambda_div=0), and the authors' fine-tuning (5 epochs at 0.1 x lr,
# no step floor). Seed by seed, the three variants side by side (one thread each).
# Usage: docs/examples/pal_ablation.sh [OUT] [ORACLES] (defaults: runs-cold, noisy:0.2).
# Run from the repository root with palsim installed; then
#   palsim report OUT --baseline pal   (each variant against PAL; see docs/reproduction.md)
set -euo pipefail
out="${1:-runs-cold}"
oracles="${2:-noisy:0.2}"
for seed in 0 1 2; do
    common=(--config docs/reproduction/study.toml --strategy pal --oracle "$oracles"
            --seeds "$seed" --jobs 1 --quiet)
    palsim sweep "${common[@]}" -S lambda_rot=0 --out "$out/ablation-no-rotation" &
    palsim sweep "${common[@]}" -S lambda_div=0 --out "$out/ablation-no-diversity" &
    palsim sweep "${common[@]}" -S finetune_steps=1 -S finetune_lr_scale=0.1 \
        --out "$out/ablation-authors-finetune" &
    wait
done
