"""How much Table 1's verdict (pairs-100) depends on the testbed (issue 21, item 5).

Reads the main table's runs (results/table1_pairs100/{base,dm}/final: widths 16/32/64, items pooled to 7x7) and the
sensitivity sweep's (results/table1_pairs100_sensitivity/final, configs/table1_pairs100_sens.json, seed 0): the same
must-have cells on a wider network (widths 32/64/128) and on larger inputs (items pooled to 14x14, images 14x28).
Writes into results/table1_pairs100_sensitivity/:

  table.csv   one row per (testbed, setting, method): seed-0 final and best test accuracy (%), flipped labels
              fitted (%), and for the main testbed the mean, std and range over its seeds;
  paired.csv  one row per (testbed, setting, pair) for DM (lambda 0.5 and 1) minus GCE and minus CCE: the seed-0
              difference in final test accuracy (points), the main table's per-seed differences, mean and verdict,
              whether the testbed's difference has the sign of the main table's mean (`same_sign`), and whether
              the margin keeps that sign at every other testbed (`sign_kept`, empty while one has not run).

Usage (repository root):  python tools/table1_pairs100_sensitivity.py
"""
import argparse, json, warnings
from pathlib import Path
import numpy as np, pandas as pd

warnings.filterwarnings('ignore', category=FutureWarning)   # fastai's torch.jit.script notice on import
from dm_repro.report import run_frame, paired
from dm_repro.data_embedded import atomic_write

SETTINGS = ('clean', 'sym 0.4', 'superclass_pair 0.4')
METHODS = ('CCE', 'GCE', 'DM λ=0.5', 'DM λ=1')
PAIRS = [(dm, b) for dm in ('DM λ=0.5', 'DM λ=1') for b in ('GCE', 'CCE')]
MAIN = 'main (16/32/64, 7x14)'

def testbed(cfg:dict)->str:
    "The testbed of a run config: the main one, the wider network or the larger inputs"
    w, size = cfg['model_kw'].get('widths', [16, 32, 64]), (cfg.get('data_kw') or {}).get('size', 7)
    if list(w) == [16, 32, 64] and size == 7: return MAIN
    if size == 7: return f"wide ({'/'.join(map(str, w))}, 7x14)"
    if list(w) == [16, 32, 64]: return f"large inputs (16/32/64, {size}x{2 * size})"
    return f"wide and large ({'/'.join(map(str, w))}, {size}x{2 * size})"

def frame(root:Path)->pd.DataFrame:
    "run_frame rows of the must-have cells, with a `testbed` column read from each run's config"
    df = run_frame(root)
    if not len(df): return df
    cfgs = {p.parent.name: json.loads(p.read_text()) for p in root.glob('final/*/config.json')}
    df['testbed'] = [testbed(cfgs[r]) for r in df.run_id]
    return df[df.setting.isin(SETTINGS) & df.method.isin(METHODS)]

def tables(main:Path, sens:Path)->tuple:
    "(table, paired) as described in the module docstring"
    m = pd.concat([frame(main / s) for s in ('base', 'dm')], ignore_index=True)
    m = m[m.testbed == MAIN]
    s = frame(sens)
    rows = []
    for tb, d in [(MAIN, m)] + ([(t, g) for t, g in s.groupby('testbed', sort=False)] if len(s) else []):
        for st in SETTINGS:
            for me in METHODS:
                c = d[(d.setting == st) & (d.method == me)].set_index('seed')
                if not len(c): continue
                r0 = c.loc[0] if 0 in c.index else None
                row = dict(testbed=tb, setting=st, method=me, hyper=c.hyper.iloc[0], n_seeds=len(c),
                           final_test_acc_s0=r0.final_test_acc if r0 is not None else np.nan,
                           best_test_acc_s0=r0.best_test_acc if r0 is not None else np.nan,
                           flipped_memorised_s0=r0.get('final_flipped_memorised', np.nan) if r0 is not None else np.nan)
                if tb == MAIN: row.update(final_test_acc_mean=c.final_test_acc.mean(), final_test_acc_std=c.final_test_acc.std(),
                                          final_test_acc_min=c.final_test_acc.min(), final_test_acc_max=c.final_test_acc.max())
                rows.append(row)
    table = pd.DataFrame(rows)
    prs = []
    for st in SETTINGS:
        for a, b in PAIRS:
            pm = paired(m, a, b, st)
            base = dict(setting=st, pair=f'{a} − {b}', main_diffs=json.dumps(pm['diffs']), main_seeds=json.dumps(pm['seeds']),
                        main_mean=pm['mean'], main_verdict=pm['verdict'])
            for tb in [MAIN] + (list(s.testbed.unique()) if len(s) else []):
                d = m if tb == MAIN else s[s.testbed == tb]
                x, y = (d[(d.setting == st) & (d.method == k) & (d.seed == 0)].final_test_acc for k in (a, b))
                diff = x.item() - y.item() if len(x) and len(y) else np.nan
                prs.append(dict(testbed=tb, **base, diff_s0=diff,
                                same_sign=bool(np.sign(diff) == np.sign(pm['mean'])) if np.isfinite(diff) else None))
    pr = pd.DataFrame(prs)
    # per margin: does it keep the main table's sign at every other testbed (None while one has not run)
    other = pr[pr.testbed != MAIN].groupby(['setting', 'pair'], sort=False).same_sign
    kept = {k: (bool(v.all()) if v.notna().all() and len(v) == pr.testbed.nunique() - 1 else None) for k, v in other}
    pr['sign_kept'] = [kept.get((st, pa)) for st, pa in zip(pr.setting, pr.pair)]
    return table, pr

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--main', default='results/table1_pairs100', help="the main table's sweep folder")
    p.add_argument('--sens', default='results/table1_pairs100_sensitivity', help="the sensitivity sweep's folder")
    a = p.parse_args()
    t, pr = tables(Path(a.main), Path(a.sens))
    atomic_write(Path(a.sens) / 'table.csv', t.to_csv(index=False))
    atomic_write(Path(a.sens) / 'paired.csv', pr.to_csv(index=False))
    print(t.drop(columns=['hyper']).round(2).to_string(index=False))
    print(pr[['testbed', 'setting', 'pair', 'diff_s0', 'main_mean', 'main_verdict', 'same_sign']].round(2).to_string(index=False))

if __name__ == '__main__': main()
