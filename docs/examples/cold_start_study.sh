#!/usr/bin/env bash
# The study of docs/cold-start.md: PAL (self-supervision on the labeled set, and on the whole
# pool), Learning Loss, TypiClust, ProbCover, BADGE and random on the reproduction protocol
# (docs/reproduction/study.toml: a 10,000-image Fashion-MNIST pool, 10% labeled at first,
# +5% per cycle, 5 cycles), clean and with 20% uniform noise, seeds 0-2. Seed by seed, so
# complete seeds land first; a rerun skips finished runs and resumes interrupted ones. Then
# the same question at a cold start (20 labels, +20 per cycle, clean labels). Then the report, paired with
# random (the two protocols reported apart, by initial and budget), with every network's
# diagnostics and a plot.
# Usage: docs/examples/cold_start_study.sh [OUT] (default runs-cold). Run from the repository
# root with palsim installed.
set -euo pipefail
out="${1:-runs-cold}"
common=(--config docs/reproduction/study.toml --oracle perfect,noisy:0.2 --jobs 2 --quiet)
for seed in 0 1 2; do
    palsim sweep "${common[@]}" --seeds "$seed" --out "$out/main" \
        --strategy random,badge,pal,learning-loss,typiclust,probcover
    palsim sweep "${common[@]}" --seeds "$seed" --out "$out/pal-pool" \
        --strategy pal -S ssl_data=pool
done
# The cold start proper, clean labels: 20 labels at first (random), +20 per cycle, to 100.
for seed in 0 1 2; do
    palsim sweep --config docs/reproduction/study.toml --oracle perfect --jobs 2 --quiet \
        --seeds "$seed" --initial 20 --budget 20 --out "$out/low-budget" \
        --strategy random,entropy,typiclust,probcover
done
palsim report "$out" --format markdown --baseline random --diagnostics --plot "$out/curves.png"
