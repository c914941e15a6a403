#!/usr/bin/env bash
# The measured layer of nbs/10_table1_2, 11_dynamics and 12_emphasis_variance: one resumable command, from the repository root.
#   bash configs/table1_2_digits.sh            (re-run the same command after a crash: finished runs are skipped)
# Two shards in parallel, one torch thread each: the select phase (beta on the clean 20% validation split),
# then, once every selection run has finished, the final phase (3 seeds on all training data), then the tables.
set -euo pipefail
SWEEP=configs/table1_2_digits.json
OUT=${OUT:-results/table1_2_digits}
LOG=${LOG:-/tmp}   # one log per phase and shard
for phase in select final; do
  pids=()
  for s in 0 1; do dm_repro_sweep "$SWEEP" --out "$OUT" --phase $phase --shard $s/2 --threads 1 > "$LOG/table1_2_digits_${phase}_$s.log" 2>&1 & pids+=($!); done
  for p in "${pids[@]}"; do wait $p || { echo "a $phase shard failed: see $LOG/table1_2_digits_${phase}_*.log"; exit 1; }; done
done
dm_repro_table "$OUT" > /dev/null
dm_repro_table "$OUT" --out "$OUT/select_table" --phase select --no_plots > /dev/null
echo "done: $OUT/table.md, $OUT/selection.csv, $OUT/select_table/table.md"
