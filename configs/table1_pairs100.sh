#!/usr/bin/env bash
# The measured layer of nbs/17_table1_pairs100 (Table 1 in the paper's regime, reduced scale): one resumable command, run from
# the repository root at one commit (the table records it):   bash configs/table1_pairs100.sh
# Two lanes, one torch thread each (results depend on the thread count: keep --threads 1). Lane 0 walks DM first, lane 1
# the baselines first, so both halves of every paired comparison advance together; every run takes a lock, so a lane skips
# a run the other lane is training and takes the next one:
#   table1_pairs100_dm        DM lambda 0.5 / 1 on clean, sym 0.4, superclass_pair 0.4: selection (seed 0), then seeds 0-2
#   table1_pairs100_base      CCE, MAE, CCE-DN, GCE on the same settings, seeds 0-2       (dm + base: the cells measured first)
#   table1_pairs100_dm_more, table1_pairs100_base_more: lambda 0 and the new rows, then the new settings
# then, in both lanes, the two sensitivity sweeps of the must-have cells (results/table1_pairs100_init: He-normal classifier;
# results/table1_pairs100_sensitivity: wider network and larger inputs), the learning-rate study (results/lr_study_pairs100,
# results/lr_study_digits), and at the end the tables the page reads.
# A final phase starts once its selection is complete; until then the lane moves on, and the next pass picks it up.
# Re-running after an interruption skips finished runs (each run also resumes from its last checkpoint).
set -euo pipefail
OUT=${OUT:-results/table1_pairs100}
LOG=${LOG:-/tmp}
PASSES=${PASSES:-3}
LANE0=${LANE0:-"dm base dm_more base_more"}
LANE1=${LANE1:-"base dm dm_more base_more"}
lane() {
  for pass in $(seq "$PASSES"); do
    for s in $1; do dm_repro_sweep "configs/table1_pairs100_$s.json" --out "$OUT/$s" --threads 1 || true; done
  done
  dm_repro_sweep configs/table1_pairs100_init.json --out results/table1_pairs100_init --threads 1 || true
  dm_repro_sweep configs/table1_pairs100_sens.json --out results/table1_pairs100_sensitivity --threads 1 || true
  dm_repro_sweep configs/lr_study_pairs100.json --out results/lr_study_pairs100 --threads 1 || true
  dm_repro_sweep configs/lr_study_digits.json --out results/lr_study_digits --threads 1 || true
}
lane "$LANE0" > "$LOG/pairs100_lane0.log" 2>&1 & p0=$!
sleep 5; lane "$LANE1" > "$LOG/pairs100_lane1.log" 2>&1 & p1=$!
wait $p0; wait $p1
dm_repro_table "$OUT" --no_plots > /dev/null
for d in lr_study_pairs100 lr_study_digits; do dm_repro_table "results/$d" --no_plots > /dev/null; done
python tools/table1_pairs100_init.py > /dev/null
python tools/table1_pairs100_sensitivity.py > /dev/null
python tools/noisy_selection_pairs100.py > /dev/null
echo "done: $OUT/table.md, results/table1_pairs100_init/, results/table1_pairs100_sensitivity/, results/lr_study_*/, results/noisy_selection/"
