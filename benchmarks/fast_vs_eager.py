"""Same statistics with and without the runner's channels-last memory format (the one speed-up that changes numerics):
CCE and DM lambda 0.5 (beta as the Table 1 selection chose it at symmetric 0.4) on the 100-class testbed at symmetric 0.4,
seeds 0-2, 48 epochs, one thread.

    python benchmarks/fast_vs_eager.py --out benchmarks/fast_vs_eager --dm_beta 12 [--reuse results/table1_pairs100]

--reuse copies finished channels-last runs of identical configs (same run id) from a sweep folder instead of re-training them.
Writes OUT/runs.csv (one row per run) and OUT/summary.csv (mean and std per method and variant, and the difference).
"""
import argparse, json, shutil
from pathlib import Path
import numpy as np, pandas as pd
from dm_repro.runs import run, read_summary, is_done
from dm_repro.config import RunConfig

BASE = dict(dataset='fashion_pairs', model='resnet', model_kw=dict(depth=8, in_ch=1, widths=[16, 32, 64], head_init='default'), bs=128,
            lr=0.1, mom=0.9, wd=5e-4, sched='step', milestones=[0.5, 0.75], epochs=48, eval_every=3, noise='symmetric', rate=0.4)

def main(out:Path, reuse:Path=None, seeds=(0, 1, 2), dm_beta=12., methods=('CCE', 'DM'), variants=('eager', 'fast'), train=True):
    rows = []
    METHODS = {k: v for k, v in {'CCE': dict(loss='cce'), 'DM': dict(loss='dm', lam=0.5, beta=dm_beta)}.items() if k in methods}
    for variant, cl in [v for v in (('NCHW (eager)', False), ('channels-last (fast)', True)) if ('fast' if v[1] else 'eager') in variants]:
        for seed in seeds:
            for m, kw in METHODS.items():
                cfg = RunConfig.from_dict(BASE | kw | dict(seed=seed))
                rd = out / ('fast' if cl else 'eager') / cfg.run_id
                if cl and reuse is not None and not is_done(rd):
                    src = next((p.parent for p in reuse.glob(f'**/{cfg.run_id}/done')), None)
                    if src is not None: shutil.copytree(src, rd, dirs_exist_ok=True, ignore=shutil.ignore_patterns('.lock'))
                if not train and not is_done(rd): print(f'{variant} {cfg.run_id}: not finished, left out'); continue
                s = run(cfg, run_dir=rd, threads=1, verbose=False, channels_last=cl)
                rows.append(dict(method=m if m == 'CCE' else f'DM λ=0.5, β={dm_beta:g}', seed=seed, variant=variant, best=100 * s['best_test_acc'],
                                 final=100 * s['final_test_acc'], run_id=cfg.run_id))
                print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    if (out / 'runs.csv').exists():   # keep the rows of other methods from an earlier call
        old = pd.read_csv(out / 'runs.csv'); df = pd.concat([old[~old.run_id.isin(df.run_id) | ~old.variant.isin(df.variant)], df])
    df.to_csv(out / 'runs.csv', index=False)
    g = df.groupby(['method', 'variant'])[['best', 'final']].agg(['mean', 'std']).round(2)
    g.to_csv(out / 'summary.csv'); print(g)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--out', default='benchmarks/fast_vs_eager'); ap.add_argument('--reuse', default=None)
    ap.add_argument('--dm_beta', type=float, default=12.); ap.add_argument('--methods', nargs='+', default=['CCE', 'DM'])
    ap.add_argument('--variants', nargs='+', default=['eager', 'fast']); ap.add_argument('--no_train', action='store_true')
    a = ap.parse_args(); out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    main(out, Path(a.reuse) if a.reuse else None, dm_beta=a.dm_beta, methods=a.methods, variants=a.variants, train=not a.no_train)
