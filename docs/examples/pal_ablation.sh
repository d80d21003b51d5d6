#!/usr/bin/env bash
# PAL ablation on the reproduction study's protocol (docs/reproduction.md): which of PAL's
# parts drives its choices on Fashion-MNIST? Same pools, initial sets and noise as the main
# study (same seeds), so each variant pairs with its PAL and random runs there. Writes
# runs-repro/ablation-<variant> and prints a Markdown report of each. Run from the repository
# root with the venv active.
set -euo pipefail
# The study's PAL ran its scorer at width 32; the variants keep that, so each differs from it
# in the ablated part only.
common=(--config docs/reproduction/study.toml --strategy pal --oracle perfect,noisy:0.2
        --seeds 0-2 --jobs 2 --quiet -S width=32)
palsim sweep "${common[@]}" -S lambda_rot=0 --out runs-repro/ablation-no-rotation
palsim sweep "${common[@]}" -S lambda_div=0 --out runs-repro/ablation-no-diversity
palsim sweep "${common[@]}" -S finetune_steps=1 -S finetune_lr_scale=0.1 \
    --out runs-repro/ablation-authors-finetune
for variant in no-rotation no-diversity authors-finetune; do
    echo "## $variant"
    palsim report "runs-repro/ablation-$variant" --format markdown
done
