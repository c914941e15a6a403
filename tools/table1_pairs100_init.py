"""Classifier-initialisation sensitivity of Table 1 (pairs-100), issue 29: the must-have cells under both inits.

Reads the default-init runs of the main table (results/table1_pairs100/{base,dm}/final, head_init 'default') and
the He-normal-classifier runs (results/table1_pairs100_init/final, head_init 'kaiming', configs/table1_pairs100_init.json),
and writes into results/table1_pairs100_init/:
  table.csv   one row per (init, setting, method): n_seeds, seeds, best/final test accuracy mean and std (%),
              flipped labels fitted (%)
  paired.csv  per init and setting, DM (lambda 0.5 and 1) minus GCE and minus CCE, paired by seed: per-seed
              differences, mean, std, seeds where DM is ahead, verdict (settled only when it holds in every seed);
              plus the rows init='default - kaiming': how much each margin moves with the init, per seed, and
              verdicts_differ (True when the verdicts under the two inits are not the same).
Usage (repository root):  python tools/table1_pairs100_init.py
"""
import argparse, json, warnings
from pathlib import Path
import pandas as pd

warnings.filterwarnings('ignore', category=FutureWarning)   # fastai's torch.jit.script notice on import
from dm_repro.report import run_frame, paired

SETTINGS = ('clean', 'sym 0.4', 'superclass_pair 0.4')
METHODS = ('CCE', 'GCE', 'MAE', 'DM λ=0.5', 'DM λ=1')
METRICS = ('best_test_acc', 'final_test_acc', 'final_flipped_memorised')

def init_frame(main:Path, init:Path)->pd.DataFrame:
    "Run rows of the must-have cells under both classifier inits, with an `init` column"
    parts = [run_frame(main / s / 'final').assign(init='default') for s in ('base', 'dm')]
    parts.append(run_frame(init / 'final').assign(init='kaiming'))
    df = pd.concat(parts, ignore_index=True)
    df = df[df.setting.isin(SETTINGS) & df.method.isin(METHODS)]
    return df

def cell_table(df:pd.DataFrame)->pd.DataFrame:
    "Mean and std over seeds per (init, setting, method)"
    rows = []
    for (i, s, m), d in df.groupby(['init', 'setting', 'method'], sort=False):
        row = dict(init=i, setting=s, method=m, hyper=d.hyper.iloc[0], n_seeds=len(d),
                   seeds=' '.join(str(x) for x in sorted(d.seed)))
        for k in METRICS:
            row[f'{k}_mean'], row[f'{k}_std'] = d[k].mean(), d[k].std()
        rows.append(row)
    order = lambda t: t.assign(_s=t.setting.map(SETTINGS.index), _m=t.method.map(METHODS.index))
    return order(pd.DataFrame(rows)).sort_values(['_s', '_m', 'init']).drop(columns=['_s', '_m'])

def paired_table(df:pd.DataFrame)->pd.DataFrame:
    "DM − GCE and DM − CCE per init and setting, paired by seed; and their change between inits"
    rows = []
    for s in SETTINGS:
        for dm in ('DM λ=0.5', 'DM λ=1'):
            for b in ('GCE', 'CCE'):
                per = {i: paired(df[df.init == i], dm, b, s) for i in ('default', 'kaiming')}
                for i, p in per.items(): rows.append(dict(init=i) | p)
                d, k = (pd.Series(per[i]['diffs'], index=per[i]['seeds']) for i in ('default', 'kaiming'))
                move = (d - k).dropna()
                rows.append(dict(init='default - kaiming', a=dm, b=b, setting=s, metric='final_test_acc', n=len(move),
                                 seeds=[int(x) for x in move.index], diffs=[round(v, 2) for v in move], mean=move.mean(),
                                 std=move.std(), holds=int((move > 0).sum()), verdict='',
                                 verdicts_differ=per['default']['verdict'] != per['kaiming']['verdict']))
    return pd.DataFrame(rows)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--main', default='results/table1_pairs100', help="the main table's sweep folder")
    p.add_argument('--init', default='results/table1_pairs100_init', help='the kaiming-classifier sweep folder')
    a = p.parse_args()
    df = init_frame(Path(a.main), Path(a.init))
    if df[df.init == 'kaiming'].empty: raise SystemExit(f"no finished runs under {a.init}/final: run the sweep first "
                                                       "(dm_repro_sweep configs/table1_pairs100_init.json --out results/table1_pairs100_init)")
    t, pt = cell_table(df), paired_table(df)
    t.to_csv(Path(a.init) / 'table.csv', index=False)
    pt.assign(diffs=pt.diffs.map(json.dumps), seeds=pt.seeds.map(json.dumps)).to_csv(Path(a.init) / 'paired.csv', index=False)
    print(t[['init', 'setting', 'method', 'n_seeds', 'final_test_acc_mean', 'final_test_acc_std']].round(2).to_string(index=False))
    print(pt[['init', 'setting', 'a', 'b', 'n', 'diffs', 'mean', 'std', 'holds', 'verdict']].round(2).to_string(index=False))

if __name__ == '__main__': main()
