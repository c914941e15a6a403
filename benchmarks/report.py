"The report: Markdown tables, the headline, the speed targets, the results folder and reading it back"
from __future__ import annotations
import json, math
from pathlib import Path
import matplotlib.pyplot as plt
import pandas as pd
from dm_repro.report import md_table
from .variants import DM_VARIANTS, LABELS
from .step import plot_scaling

def _md_table(df:pd.DataFrame, floatfmt:str='.3g')->str:
    "A DataFrame as a GitHub Markdown table: the report module's `md_table` without the index"
    return md_table(df, index=False, floatfmt=floatfmt)

def _ratio_str(d): return d.apply(lambda r: f"{r.ratio:.2f} ({r.ratio_q25:.2f}–{r.ratio_q75:.2f})", axis=1)

def _rel(d:pd.DataFrame, a:str, b:str)->float:
    "Median ratio of variant `a` over median ratio of variant `b` (both against CE in the same run), or NaN"
    r = d.set_index('variant').ratio
    return float(r[a] / r[b]) if a in r and b in r else float('nan')

def loss_table(loss:pd.DataFrame)->pd.DataFrame:
    "The headline loss table: per device, dtype, B, C: CE's time, each DM variant / CE, and DMCallback / DMLoss"
    key, out = ['device', 'dtype', 'B', 'C'], []
    out.append(loss[loss.variant == 'ce'].set_index(key).median_us.rename('CE µs').round(1))
    for k in DM_VARIANTS:
        d = loss[loss.variant == k]
        if len(d): out.append(pd.Series(_ratio_str(d).values, index=d.set_index(key).index, name=f'{LABELS[k]} / CE'))
    rel = loss.groupby(key, sort=False).apply(lambda d: _rel(d, 'dm_callback', 'dm'), include_groups=False)
    out.append(rel.round(3).rename('DMCallback / DMLoss'))
    if 'host_syncs' in loss and loss.host_syncs.notna().any():
        for k in ('dm', 'dm_callback'):
            d = loss[loss.variant == k]
            out.append(pd.Series(d.host_syncs.values, index=d.set_index(key).index, name=f'{LABELS[k]} host syncs'))
    return pd.concat(out, axis=1).reset_index()

def all_losses_table(loss:pd.DataFrame)->pd.DataFrame:
    "Median ratio to CE of every variant (columns) per device, dtype, B, C (rows)"
    t = loss.pivot_table(index=['device', 'dtype', 'B', 'C'], columns='variant', values='ratio', sort=False)
    return t.round(2).reset_index()

def step_table(step:pd.DataFrame)->pd.DataFrame:
    "The training-step table: time, ratio (quartiles), peak memory and its ratio per variant"
    d = step.copy()
    d['step / CE (IQR)'] = _ratio_str(d)
    cols = ['device', 'dtype', 'model', 'bs', 'variant', 'median_ms', 'step / CE (IQR)'] + \
           (['loss_extra_ms', 'expected_ratio'] if 'expected_ratio' in d else []) + (['peak_mib', 'mem_ratio'] if 'peak_mib' in d else [])
    d = d[cols].rename(columns={'median_ms': 'step ms', 'loss_extra_ms': 'loss extra ms', 'expected_ratio': 'expected step / CE',
                                'peak_mib': 'peak MiB', 'mem_ratio': 'memory / CE'})
    return d.round({'step ms': 2, 'loss extra ms': 3, 'expected step / CE': 4, 'peak MiB': 2, 'memory / CE': 3})

def scaling_table(scaling:pd.DataFrame)->pd.DataFrame:
    "Time per step of every variant and the ratios to CE, per batch size"
    key = ['device', 'dtype', 'model', 'bs']
    t = scaling.pivot_table(index=key, columns='variant', values='median_ms', sort=False).round(2).add_suffix(' ms')
    r = scaling[scaling.variant != 'ce'].pivot_table(index=key, columns='variant', values='ratio', sort=False).round(3).add_suffix(' / ce')
    return t.join(r).reset_index()

def compile_table(compiled:pd.DataFrame)->pd.DataFrame:
    "The `torch.compile` table: steady-state ratio to eager CE and to compiled CE, compile time, graph breaks, status"
    d = compiled.copy()
    d['ratio (IQR)'] = [s if math.isfinite(r) else '–' for s, r in zip(_ratio_str(d), d.ratio)]
    cols = ['device', 'dtype', 'B', 'C', 'backend', 'variant', 'median_us', 'ratio (IQR)', 'ratio_vs_compiled_ce', 'compile_s', 'graph_breaks', 'status']
    return d[cols].rename(columns={'median_us': 'µs', 'ratio (IQR)': '/ eager CE (IQR)', 'ratio_vs_compiled_ce': '/ compiled CE',
                                   'compile_s': 'compile s'}).round({'µs': 1, '/ compiled CE': 3, 'compile s': 2})

def _secs(v): return f'{v:.1f} s' if isinstance(v, (int, float)) else str(v)

TARGET_SIZES = ((256, 100), (1024, 1000))

def _loss_figures(loss, sizes):
    "Headline rows of the loss alone: each DM variant / CE and DMCallback / DMLoss at `sizes`"
    rows = []
    for B, C in sizes:
        for (dev, dt), d in loss[(loss.B == B) & (loss.C == C)].groupby(['device', 'dtype'], sort=False):
            fig = lambda what: dict(figure=f'loss fwd+bwd, B={B}, C={C}: {what}', device=dev, dtype=dt)
            for k in DM_VARIANTS:
                r = d[d.variant == k]
                if len(r): rows.append(fig(f'{LABELS[k]} / CE') | dict(value=_ratio_str(r).iloc[0]))
            v = _rel(d, 'dm_callback', 'dm')
            if math.isfinite(v): rows.append(fig(f"{LABELS['dm_callback']} / {LABELS['dm']}") | dict(value=f'{v:.3f}'))
    return rows

def _step_figures(step):
    "Headline rows of the training step: DMLoss and DMCallback / CE per model, expected from the loss, peak memory"
    rows = []
    for (dev, dt, m, bs), d in step.groupby(['device', 'dtype', 'model', 'bs'], sort=False):
        for k in ('dm', 'dm_callback'):
            r = d[d.variant == k]
            if not len(r): continue
            exp = f"; expected from the loss: {r.expected_ratio.iloc[0]:.3f}" if 'expected_ratio' in r else ''
            rows.append(dict(figure=f'training step, {m} bs={bs}: {LABELS[k]} / CE', device=dev, dtype=dt,
                             value=_ratio_str(r).iloc[0] + exp))
            if 'mem_ratio' in r:
                rows.append(dict(figure=f'peak memory, {m} bs={bs}: {LABELS[k]} / CE', device=dev, dtype=dt,
                                 value=f"{r.mem_ratio.iloc[0]:.4f}"))
    return rows

def headline(loss:pd.DataFrame, # output of `bench_loss`
             step:pd.DataFrame=None, # output of `bench_step` (one or more models)
             sizes=TARGET_SIZES, # the loss sizes singled out (those present in `loss`)
            )->pd.DataFrame:
    "The figures that decide whether DM is cheap: loss ratios at `sizes`, per model the step-time and memory ratios"
    rows = _loss_figures(loss, sizes) + (_step_figures(step) if step is not None else [])
    return pd.DataFrame(rows, columns=['figure', 'device', 'dtype', 'value'])

def targets(loss:pd.DataFrame, # output of `bench_loss`
            goals=((256, 100, 2.0), (1024, 1000, 1.15)), # (B, C, the highest acceptable DMLoss / CE)
            callback_tol:float=0.10, # the callback may cost at most this much more than the loss
           )->pd.DataFrame:
    "The speed targets against a run: measured median ratio, the target, and whether it is met"
    rows = []
    for B, C, goal in goals:
        for (dev, dt), d in loss[(loss.B == B) & (loss.C == C)].groupby(['device', 'dtype'], sort=False):
            r, row = d.set_index('variant').ratio, lambda **kw: rows.append(dict(device=dev, dtype=dt, **kw))
            for k in ('dm', 'dm_nocheck'):
                if k in r: row(figure=f'{LABELS[k]} / CE at B={B}, C={C}', measured=round(float(r[k]), 3),
                               target=f'≤ {goal}', met=bool(r[k] <= goal))
            v = _rel(d, 'dm_callback', 'dm')
            if math.isfinite(v): row(figure=f'DMCallback / DMLoss at B={B}, C={C}', measured=round(v, 3),
                                     target=f'≤ {1 + callback_tol:.2f}', met=bool(v <= 1 + callback_tol))
    return pd.DataFrame(rows, columns=['device', 'dtype', 'figure', 'measured', 'target', 'met'])

def _md_intro(meta)->list:
    "The results page's header: command, commit, machine, how to read a ratio, the clock"
    m, done = meta['machine'], ', '.join(meta.get('parts_done', []))
    clock = ', '.join(f'{d}: `{c}`' for d, c in meta.get('settings', {}).get('clock', {}).items()) or 'wall'
    return ["# DM against plain cross-entropy: benchmark results\n",
            f"Produced by `{meta['command']}` in {meta['wall_s']:.0f} s, commit `{m['commit']}`" +
            ('' if meta.get('complete', True) else f" (**incomplete**: parts done: {done})") + ".\n",
            "Machine: " + ', '.join(f"{k}={v}" for k, v in m.items()) + "\n",
            "Every ratio is the median over interleaved repetitions of (variant time / `F.cross_entropy` time) in "
            "the same repetition, with the inter-quartile range in brackets. Absolute times depend on the machine's "
            f"load; the ratios are the measurement. Clock: {clock} (`thread_time`: the timing thread's CPU time, "
            "`perf_counter`: wall time).\n"]

def _md_loss(loss)->list:
    t, first = targets(loss), loss[(loss.B == loss.B.iloc[0]) & (loss.C == loss.C.iloc[0])]
    "The speed targets, then section 1: the loss alone"
    return (([] if not len(t) else ["Speed targets:\n", _md_table(t), ""]) +
            ["## 1. Loss forward + backward\n", _md_table(loss_table(loss)), "",
             "Every variant (median ratio to CE; `cce` is cross-entropy through the DM mechanism):\n",
             _md_table(all_losses_table(loss)), "", "ATen operations per forward + backward:\n",
             _md_table(first.drop_duplicates(['device', 'dtype', 'variant'])[['device', 'dtype', 'variant', 'aten_ops']]),
             ""])

def _md_scaling(out, scaling, loss, m)->list:
    "Section 4, and scaling.png beside it"
    fig = plot_scaling(scaling, loss, f"{m['cpu']}, {m['torch_threads']} torch threads, torch {m['torch']}, "
                                      f"cuda={m['cuda']}, {m['date']}")
    fig.savefig(out/'scaling.png', dpi=110); plt.close(fig)
    return ["## 4. Scaling with the batch size\n", _md_table(scaling_table(scaling), '.4g'), "",
            "![scaling](scaling.png)\n"]

def _write_csvs(out, parts:dict):
    for name, df in parts.items():
        if df is not None: df.to_csv(out/f'{name}.csv', index=False)
        elif (out/f'{name}.csv').exists(): (out/f'{name}.csv').unlink()  # no stale part from an earlier run

def write_report(out, # results folder
                 loss:pd.DataFrame, # output of `bench_loss`
                 step:pd.DataFrame=None, # output of `bench_step` (None: not run yet)
                 scaling:pd.DataFrame=None, # output of `bench_scaling` (None: not run yet)
                 meta:dict=None, # `machine_info()` plus the command and settings
                 compiled:pd.DataFrame=None, # output of `bench_compile` (None: not run)
                ):
    "Write loss.csv, step.csv, scaling.csv, compile.csv, meta.json, results.md and scaling.png (those that exist)"
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    _write_csvs(out, dict(loss=loss, step=step, scaling=scaling, compile=compiled))
    (out/'meta.json').write_text(json.dumps(meta, indent=1, default=str) + '\n')
    md = _md_intro(meta) + ["## Headline\n", _md_table(headline(loss, step)), ""] + _md_loss(loss)
    if step is not None:
        md += ["## 2–3. Training step (forward, loss, backward, SGD momentum), peak memory\n",
               _md_table(step_table(step), '.4g'), ""]
    if scaling is not None: md += _md_scaling(out, scaling, loss, meta['machine'])
    if compiled is not None:
        md += ["## 5. `torch.compile`\n", "Compiler start-up (first compilation in the process, timed apart): "
               f"{_secs(meta.get('compile_warmup_s'))}.\n", _md_table(compile_table(compiled), '.4g'), ""]
    (out/'results.md').write_text('\n'.join(md))
    return out

def load_results(out='benchmarks'): # results folder written by `dm_repro_bench`
    "The committed results: {'loss', 'step', 'scaling', 'compile': DataFrame or None, 'meta': dict, 'md': str}"
    out = Path(out)
    if not (out/'meta.json').exists():
        raise ValueError(f"no benchmark results in {out}: run `dm_repro_bench --out {out}` first")
    res = {k: (pd.read_csv(out/f'{k}.csv') if (out/f'{k}.csv').exists() else None)
           for k in ('loss', 'step', 'scaling', 'compile')}
    return dict(res, meta=json.loads((out/'meta.json').read_text()), md=(out/'results.md').read_text())
