"""Same-run before/after of issue 14: the loss and callback code before it (commit c9961f4) against the current code,
interleaved with `F.cross_entropy` in one run, on one CPU thread, timed with the timing thread's CPU time.

Usage (from the repository root, in a git checkout that contains commit c9961f4):
    OMP_WAIT_POLICY=PASSIVE python benchmarks/before_after_issue14.py --out benchmarks/before_issue14/same_run
"""
import argparse, importlib, json, subprocess, sys, tempfile, time, warnings
from pathlib import Path
from types import SimpleNamespace
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated')
import pandas as pd
from benchmarks.timing import calibrate, interleaved, summarise, clock_for, machine_info
from benchmarks.report import _md_table
from benchmarks.variants import CallbackLoss
from dm_repro.losses import DMLoss
from dm_repro.callback import DMCallback

OLD = 'c9961f4'  # main before issue 14

def old_package(commit=OLD, dest=None):
    "The weighting, losses and callback modules of `commit`, imported as the package `dm_repro_old`"
    dest = Path(dest or tempfile.mkdtemp()) / 'dm_repro_old'
    dest.mkdir(parents=True, exist_ok=True)
    (dest / '__init__.py').write_text('')
    for m in ('weighting', 'losses', 'callback'):
        src = subprocess.run(['git', 'show', f'{commit}:dm_repro/{m}.py'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        (dest / f'{m}.py').write_text(src)
    sys.path.insert(0, str(dest.parent))
    return importlib.import_module('dm_repro_old.losses'), importlib.import_module('dm_repro_old.callback')

class AsCallback:
    "`F.cross_entropy` plus the old DMCallback's `after_loss` on a stand-in Learner (what the old `dm_repro.benchmark.CallbackLoss` did)"
    def __init__(self, cb): self.cb, cb.learn = cb, SimpleNamespace(training=True, pred=None, yb=None, loss_grad=None)
    def __call__(self, pred, targ):
        l = self.cb.learn
        l.pred, l.yb, l.loss_grad = pred, (targ,), F.cross_entropy(pred, targ)
        self.cb.after_loss()
        return l.loss_grad

def main(out, sizes=((32, 10), (256, 100), (256, 1000), (1024, 100), (1024, 1000), (4096, 100)), reps=9, target=0.01, seed=0):
    torch.set_num_threads(1)
    old_l, old_c = old_package()
    losses = {'ce': F.cross_entropy,
              'dm before': old_l.DMLoss(0.5, 8.), 'dm after': DMLoss(0.5, 8.),
              'dm_nocheck before': old_l.DMLoss(0.5, 8., check=False), 'dm_nocheck after': DMLoss(0.5, 8., check=False),
              'dm_callback before': AsCallback(old_c.DMCallback(0.5, 8.)), 'dm_callback after': CallbackLoss(0.5, 8.)}  # the current callback's training flow (it swaps in the DM loss)
    clock, rows, t0 = clock_for('cpu'), [], time.time()
    for B, C in sizes:
        g = torch.Generator().manual_seed(seed)
        z, y = torch.randn(B, C, generator=g).requires_grad_(), torch.randint(0, C, (B,), generator=g)
        fns = {k: (lambda l=l: torch.autograd.grad(l(z, y), z)) for k, l in losses.items()}
        ga, gb = fns['dm after'](), fns['dm before']()
        assert torch.allclose(ga[0], gb[0], atol=1e-6), "before and after must give the same gradient"
        inner = {k: calibrate(f, target, clock=clock) for k, f in fns.items()}
        s = summarise(interleaved(fns, reps, inner, warmup=1, seed=seed, base='ce', clock=clock))
        s.insert(0, 'C', C); s.insert(0, 'B', B)
        rows.append(s); print(f"[{time.time()-t0:4.0f}s] B={B}, C={C}", flush=True)
    df = pd.concat(rows, ignore_index=True)
    df['median_us'] = df.pop('median_s') * 1e6
    df['variant_'], df['code'] = df.variant.str.rsplit(' ', n=1).str[0], df.variant.str.rsplit(' ', n=1).str[-1].where(df.variant != 'ce', '')
    tab = df[df.variant != 'ce'].pivot_table(index=['B', 'C'], columns='variant', values='ratio', sort=False).round(2)
    tab = tab[[f'{k} {w}' for k in ('dm', 'dm_nocheck', 'dm_callback') for w in ('before', 'after')]].reset_index()
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    df.drop(columns=['variant_', 'code']).to_csv(out / 'loss.csv', index=False)
    meta = dict(machine=machine_info(), before_commit=OLD, clock=clock.__name__, reps=reps, target=target, seed=seed,
                command='OMP_WAIT_POLICY=PASSIVE python benchmarks/before_after_issue14.py --out ' + str(out), wall_s=time.time() - t0)
    (out / 'meta.json').write_text(json.dumps(meta, indent=1) + '\n')
    (out / 'results.md').write_text(f"# Issue 14, same run: median ratio to `F.cross_entropy`, before (commit {OLD}) and after\n\n"
                                    f"Produced by `{meta['command']}` in {meta['wall_s']:.0f} s; clock `{clock.__name__}`; "
                                    f"machine: {meta['machine']}\n\n" + _md_table(tab) + "\n")
    print(tab.to_string())

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='benchmarks/before_issue14/same_run')
    main(p.parse_args().out)
