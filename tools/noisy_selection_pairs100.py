"""Choosing lambda and beta without clean labels on the 100-class testbed: the Table 1 selection runs scored against the
validation split's clean labels (the paper's rule) and against its noisy labels, per lambda and jointly over lambda; the
chosen settings retrained with seeds 0-2 (runs the Table 1 sweep already has are reused, the others trained here).

    python tools/noisy_selection_pairs100.py [--train]      # from the repository root; --train runs the missing finals

Writes results/noisy_selection/table.csv: setting, rule, tune, lam, beta, n_seeds, final_test_acc_mean/std, and the
per-seed paired difference noisy - clean of the final test accuracy.
"""
import argparse, json
from pathlib import Path
import numpy as np, pandas as pd
from dm_repro.sweep import load_sweep, selection
from dm_repro.runs import run, read_summary, is_done
from dm_repro.config import RunConfig
from dm_repro.report import setting_label

RES, OUT = Path('results/table1_pairs100'), Path('results/noisy_selection')
SWEEPS = ('dm', 'dm_more')

def picks():
    "One row per (setting, rule, tune): the chosen config (a dict); the joint (λ, β) choice is the best per-λ choice"
    rows = []
    for s in SWEEPS:
        if not (RES / s / 'select').exists(): continue
        sp = load_sweep(f'configs/table1_pairs100_{s}.json')
        for rule in ('clean', 'noisy'):
            try: df = selection(sp, RES / s, labels=rule)
            except ValueError as e: print(f'{s} {rule}: {e}'); continue
            for _, r in df[df.chosen].iterrows():
                d = json.loads(r.key) | json.loads(r.tuned)
                rows.append(dict(rule=rule, tune='beta', setting=setting_label(d), lam=d['lam'], beta=d['beta'], score=r.score,
                                 cfg=d, seeds=sp['final']['seeds']))
    per_lam = pd.DataFrame(rows)
    if not len(per_lam): return []
    lams = per_lam.groupby(['rule', 'setting']).lam.agg(lambda v: ' '.join(f'{x:g}' for x in sorted(v)))
    joint = per_lam.loc[per_lam.groupby(['rule', 'setting']).score.idxmax()].assign(tune='lam+beta')
    joint['lams'] = [lams[(r, st)] for r, st in zip(joint.rule, joint.setting)]
    return [r | dict(lams=f"{r['lam']:g}") for r in rows] + joint.to_dict('records')

def final_dir(cfg:RunConfig):
    "The run folder of a final run: the Table 1 sweep's if it has it, else this study's own"
    hit = next(iter(RES.glob(f'*/final/{cfg.run_id}')), None)
    return hit if hit is not None else OUT / 'final' / cfg.run_id

def main(train:bool=False):
    rows = []
    for p in picks():
        accs = {}
        for seed in p['seeds']:
            cfg = RunConfig.from_dict(p['cfg'] | dict(seed=seed, valid_pct=0.))
            rd = final_dir(cfg)
            if not is_done(rd) and train: run(cfg, run_dir=rd, threads=1, verbose=True)
            if is_done(rd): accs[seed] = 100 * read_summary(rd)['final_test_acc']
        v = np.array(list(accs.values()))
        rows.append(dict(setting=p['setting'], rule=p['rule'], tune=p['tune'], lams_considered=p['lams'], lam=p['lam'], beta=p['beta'], valid_score=100 * p['score'],
                         n_seeds=len(v), final_test_acc_mean=v.mean() if len(v) else np.nan, final_test_acc_std=v.std(ddof=1) if len(v) > 1 else np.nan,
                         per_seed=' '.join(f'{s}:{a:.2f}' for s, a in accs.items())))
    df = pd.DataFrame(rows).sort_values(['tune', 'setting', 'lam', 'rule'])
    OUT.mkdir(parents=True, exist_ok=True); df.to_csv(OUT / 'table.csv', index=False)
    print(df.to_string(index=False))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--train', action='store_true'); main(ap.parse_args().train)
