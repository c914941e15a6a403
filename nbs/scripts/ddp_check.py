"DM's multi-process checks, run in every process of a launch: `torchrun --nproc_per_node=2 nbs/scripts/ddp_check.py OUT_DIR` (see nbs/21_scaling.ipynb)"
import sys
from dm_repro.scaling import ddp_check

if __name__ == '__main__': ddp_check(sys.argv[1])
