#!/usr/bin/env bash
# The measured layer of nbs/17_table1_pairs100 (Table 1 in the paper's regime, reduced scale): one resumable command,
# run from the repository root.   bash configs/table1_pairs100.sh
# Re-running it after an interruption skips finished runs (each run also resumes from its last checkpoint).
# Two lanes in parallel, one torch thread each (results depend on the thread count: keep --threads 1).
#   stage 1: the baselines (seed 0) and DM's selection runs (beta on the clean 20 % split);
#   stage 2: DM retrained with the chosen beta (seed 0);   stage 3: the tables.
# Seeds 1 and 2: add them to the sweep files (see "What is left" on the page), delete the two sweep.json files under $OUT, rerun.
set -euo pipefail
OUT=${OUT:-results/table1_pairs100}
LOG=${LOG:-/tmp}
BASE=configs/table1_pairs100_base.json; DM=configs/table1_pairs100_dm.json
run() { dm_repro_sweep "$@" --threads 1; }
lane0() { run $BASE --out $OUT/base --shard 0/2; run $DM --out $OUT/dm --phase select --shard 0/2; }
lane1() { run $DM --out $OUT/dm --phase select --shard 1/2; run $BASE --out $OUT/base --shard 1/2; }
lane0 > $LOG/pairs100_lane0.log 2>&1 & p0=$!
lane1 > $LOG/pairs100_lane1.log 2>&1 & p1=$!
wait $p0 || { echo "lane 0 failed: see $LOG/pairs100_lane0.log"; exit 1; }
wait $p1 || { echo "lane 1 failed: see $LOG/pairs100_lane1.log"; exit 1; }
run $DM --out $OUT/dm --phase final --shard 0/2 > $LOG/pairs100_final0.log 2>&1 & p0=$!
run $DM --out $OUT/dm --phase final --shard 1/2 > $LOG/pairs100_final1.log 2>&1 & p1=$!
wait $p0 && wait $p1 || { echo "a final shard failed: see $LOG/pairs100_final*.log"; exit 1; }
dm_repro_table "$OUT" --no_plots > /dev/null
dm_repro_table "$OUT/dm" --out "$OUT/select_table" --phase select --no_plots > /dev/null
echo "done: $OUT/table.md, $OUT/dm/selection.csv, $OUT/select_table/table.md"
