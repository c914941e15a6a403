#!/usr/bin/env bash
# This session's order for the Table 1 (pairs-100) sweep at the pinned commit: the classifier-initialisation
# sensitivity (issue 29, 45 runs, results/table1_pairs100_init) first in both lanes, then the rest of the grid
# (configs/table1_pairs100.sh's later stages). Resumable: finished runs are skipped, runs resume from checkpoints.
set -uo pipefail
LOG=${LOG:-/tmp}
lane() {
  dm_repro_sweep configs/table1_pairs100_init.json --out results/table1_pairs100_init --threads 1 || true
  for pass in 1 2 3; do
    for s in $1; do dm_repro_sweep "configs/table1_pairs100_$s.json" --out "results/table1_pairs100/$s" --threads 1 || true; done
  done
}
lane "dm_more base_more" > "$LOG/s3_lane0.log" 2>&1 & p0=$!
sleep 5; lane "base_more dm_more" > "$LOG/s3_lane1.log" 2>&1 & p1=$!
wait $p0; wait $p1
