"""The benchmark harness of dm_repro: a script package of the repository, not part of the installed library.

`dm_repro_bench` (`dm_repro.benchmark.main`) runs `benchmarks.run.main` of the checkout it was installed from
(`pip install -e .`); the results it writes sit next to this file. The pages `20_benchmarks`, `20a_bench_train`
and `21_scaling` document and test it."""
from .timing import calibrate, interleaved, clock_for, summarise, time_variants, machine_info
from .variants import (BASELINES, DM_VARIANTS, VARIANTS, STEP_VARIANTS, LABELS, DTYPES, CallbackLoss, make_loss,
                       count_ops, profile_loss, count_syncs)
from .loss import GRID, bench_loss
from .step import MODEL_SHAPES, peak_memory, make_model, bench_step, bench_scaling, plot_scaling
from .compiled import COMPILE_VARIANTS, compile_warmup, bench_compile
from .report import (TARGET_SIZES, loss_table, all_losses_table, step_table, scaling_table, compile_table,
                     headline, targets, write_report, load_results)
from .run import bench_plan, run_benchmark, main
