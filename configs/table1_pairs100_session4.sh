#!/usr/bin/env bash
# Session 4's order for the Table 1 (pairs-100) sweep at the pinned commit, one call per lane (two lanes, one torch
# thread each). Lane "main": the rest of DM's grid, then the baselines on the new settings. Lane "sens": the testbed-size
# sensitivity (issue 21 item 5, results/table1_pairs100_sensitivity), then the baselines. Resumable: finished runs are
# skipped, a run another lane is training is skipped, interrupted runs resume from their last checkpoint.
# Usage: bash configs/table1_pairs100_session4.sh main|sens
set -uo pipefail
sens() { dm_repro_sweep configs/table1_pairs100_sens.json --out results/table1_pairs100_sensitivity --threads 1 || true; }
grid() { for s in "$@"; do dm_repro_sweep "configs/table1_pairs100_$s.json" --out "results/table1_pairs100/$s" --threads 1 || true; done; }
case "$1" in
  main) grid dm_more base_more; sens; grid base_more ;;
  sens) sens; grid dm_more base_more ;;
  *) echo "usage: $0 main|sens" >&2; exit 2 ;;
esac
