"""Choosing lambda and beta without clean labels on the 100-class testbed: the Table 1 selection runs scored against the
validation split's clean labels (the paper's rule) and against its noisy labels, per lambda and jointly over lambda; the
chosen settings retrained with seeds 0-2 (runs the Table 1 sweep already has are reused, the others trained here).

    python tools/noisy_selection_pairs100.py [--train]      # from the repository root; --train runs the missing finals

Writes to results/noisy_selection/
  runs.csv    one row per (tune, setting, rule, seed): the chosen (lam, beta), its final and best test accuracy (%), run id;
  table.csv   setting, rule, tune, lams_considered, lam, beta, valid_score, n_seeds, final_test_acc_mean/std, per_seed;
  paired.csv  per (tune, setting, seed; and lam when tune is beta): final test accuracy of the noisy rule's choice minus the clean rule's (points);
  scores.csv  every candidate's selection score (seed-0 validation accuracy, %) against clean and against noisy labels.
The tables are `dm_repro.choose.rule_table` and `paired_diff` of runs.csv, one `tune` at a time.
"""
import argparse, json
from pathlib import Path
import numpy as np, pandas as pd
from dm_repro.sweep import load_sweep, selection
from dm_repro.runs import run, read_summary, is_done
from dm_repro.data_embedded import atomic_write
from dm_repro.config import RunConfig
from dm_repro.report import setting_label
from dm_repro.choose import rule_table, paired_diff

RES, OUT = Path('results/table1_pairs100'), Path('results/noisy_selection')
SWEEPS = ('dm', 'dm_more')
RULES = ('clean', 'noisy')

def candidates()->tuple:
    "Every candidate's score under both rules (one row per setting, λ, β), and the loaded sweeps"
    parts, sweeps = [], {}
    for s in SWEEPS:
        if not (RES / s / 'select').exists(): continue
        sweeps[s] = sp = load_sweep(f'configs/table1_pairs100_{s}.json')
        by_rule = {}
        for rule in RULES:
            try: by_rule[rule] = selection(sp, RES / s, labels=rule)
            except ValueError as e: print(f'{s} {rule}: {e}'); break
        else:
            c, n = by_rule['clean'], by_rule['noisy']
            df = c.assign(score_clean=100 * c.score, score_noisy=100 * n.score.to_numpy(), chosen_clean=c.chosen,
                          chosen_noisy=n.chosen.to_numpy(), sweep=s)
            assert (c.key + c.tuned).tolist() == (n.key + n.tuned).tolist(), 'the two rules must score the same runs'
            df['setting'] = [setting_label(json.loads(k)) for k in df.key]
            parts.append(df)
    cols = ['sweep', 'setting', 'lam', 'beta', 'score_clean', 'score_noisy', 'chosen_clean', 'chosen_noisy', 'key', 'tuned']
    return (pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)), sweeps

def picks(cands:pd.DataFrame, sweeps:dict)->list:
    "One dict per (tune, setting, rule): the chosen config; the joint (λ, β) choice is the best of the per-λ choices"
    rows = []
    for rule in RULES:
        for _, r in cands[cands[f'chosen_{rule}']].iterrows():
            rows.append(dict(rule=rule, tune='beta', setting=r.setting, lam=r.lam, beta=r.beta, score=r[f'score_{rule}'],
                             lams=f'{r.lam:g}', cfg=json.loads(r.key) | json.loads(r.tuned), seeds=sweeps[r.sweep]['final']['seeds']))
    per_lam = pd.DataFrame(rows)
    if not len(per_lam): return []
    lams = per_lam.groupby(['rule', 'setting']).lam.agg(lambda v: ' '.join(f'{x:g}' for x in sorted(v)))
    joint = per_lam.loc[per_lam.groupby(['rule', 'setting']).score.idxmax()].assign(tune='lam+beta')
    joint['lams'] = [lams[(r, st)] for r, st in zip(joint.rule, joint.setting)]
    return rows + joint.to_dict('records')

def final_dir(cfg:RunConfig)->Path:
    "The run folder of a final run: the Table 1 sweep's if it has it, else this study's own"
    hit = next(iter(RES.glob(f'*/final/{cfg.run_id}')), None)
    return hit if hit is not None else OUT / 'final' / cfg.run_id

def main(train:bool=False):
    cands, sweeps = candidates()
    ps, rows = picks(cands, sweeps), []
    for p in ps:
        for seed in p['seeds']:
            cfg = RunConfig.from_dict(p['cfg'] | dict(seed=seed, valid_pct=0.))
            rd = final_dir(cfg)
            if not is_done(rd) and train: run(cfg, run_dir=rd, threads=1, verbose=True)
            s = read_summary(rd) if is_done(rd) else {}
            rows.append(dict(dataset=cfg.dataset, setting=p['setting'], rule=p['rule'], tune=p['tune'], lams_considered=p['lams'],
                             seed=seed, lam=p['lam'], beta=p['beta'], valid_score=p['score'],
                             final_test_acc=100 * s.get('final_test_acc', np.nan), best_test_acc=100 * s.get('best_test_acc', np.nan),
                             run_id=cfg.run_id, done=bool(s)))
    runs = pd.DataFrame(rows)
    tables, paireds = [], []
    for tune, g in runs.groupby('tune', sort=False):
        done = g[g.done]
        t = rule_table(done)
        # a choice whose finals have not run yet keeps its row, with n_seeds 0
        keys = ['dataset', 'setting', 'rule', 'lam', 'beta']
        t = g.drop_duplicates(keys)[keys + ['lams_considered', 'valid_score']].merge(t, on=keys, how='left')
        t['n_seeds'] = t.n_seeds.fillna(0).astype(int)
        t['per_seed'] = [' '.join(f'{s}:{a:.2f}' for s, a in zip(d.seed, d.final_test_acc))
                         for d in (done[(done.setting == st) & (done.rule == ru) & (done.lam == la)]
                                   for st, ru, la in zip(t.setting, t.rule, t.lam))]
        tables.append(t.assign(tune=tune))
        # the pairing unit: (setting, λ, seed) when β is chosen per λ, (setting, seed) when λ is chosen too
        for lam, d in (done.groupby('lam') if tune == 'beta' else [(np.nan, done)]):
            both = d.groupby(['setting', 'seed']).rule.transform('nunique') == 2
            if both.any(): paireds.append(paired_diff(d[both]).assign(tune=tune, lam=lam))
    cols = ['setting', 'rule', 'tune', 'lams_considered', 'lam', 'beta', 'valid_score', 'n_seeds',
            'final_test_acc_mean', 'final_test_acc_std', 'per_seed']
    table = pd.concat(tables, ignore_index=True)[cols].sort_values(['tune', 'setting', 'lams_considered', 'rule'], kind='stable')
    paired = pd.concat(paireds, ignore_index=True) if paireds else pd.DataFrame(columns=['dataset', 'setting', 'seed', 'diff_noisy_minus_clean', 'tune', 'lam'])
    OUT.mkdir(parents=True, exist_ok=True)
    for name, df in (('runs', runs.drop(columns='done')), ('table', table), ('paired', paired),
                     ('scores', cands.drop(columns=['key', 'tuned']))):
        atomic_write(OUT / f'{name}.csv', df.to_csv(index=False))
    print(table.to_string(index=False))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--train', action='store_true'); main(ap.parse_args().train)
