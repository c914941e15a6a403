#!/usr/bin/env bash
# The measured layer of nbs/06g_choose (issue 26's held-out check): one resumable command, from the repository root.
#   bash configs/noisy_selection_heldout.sh      (re-run the same command after a crash: finished runs are skipped)
# Per sweep: the selection runs (seed 0, 20 % split, scored against the split's clean and noisy labels), then the (lambda, beta)
# each rule (clean / noisy labels) chooses jointly, retrained on all training data with seeds 0, 1, 2; then runs.csv,
# table.csv and paired.csv in $OUT. One process, one torch thread: 69 runs of seconds each.
set -euo pipefail
OUT=${OUT:-results/noisy_selection_heldout}
python -c "import sys; from dm_repro.choose import noisy_selection_heldout; noisy_selection_heldout(sys.argv[2:], sys.argv[1], threads=1)" \
  "$OUT" configs/noisy_selection_digits.json configs/noisy_selection_mnist1d.json
echo "done: $OUT/table.csv, $OUT/paired.csv"
