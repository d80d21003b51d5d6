#!/usr/bin/env bash
# PAL ablation on the reproduction study's protocol (docs/reproduction.md): which of PAL's
# scores drives its choices on Fashion-MNIST? Writes runs/pal-ablation/{no-rotation,no-diversity}
# and prints a Markdown report of each. Run from the repository root with the venv active.
set -euo pipefail
common=(--strategy pal --oracle perfect,noisy:0.2 --seeds 0-2 --dataset fashion-mnist
        --pool-size 5000 --initial 200 --budget 200 --cycles 5 --epochs 10 --preset quick
        --device cpu --jobs 2 --quiet)
palsim sweep "${common[@]}" -S lambda_rot=0 --out runs/pal-ablation/no-rotation
palsim sweep "${common[@]}" -S lambda_div=0 --out runs/pal-ablation/no-diversity
for variant in no-rotation no-diversity; do
    echo "## $variant"
    palsim report "runs/pal-ablation/$variant" --format markdown
done
