"""Why GCE-DN collapses on the 100-class testbed: the batch-normalised weights traced per training iteration.

Re-trains the first EPOCHS epochs of three committed Table 1 runs (clean labels, seed 0, the same configs): GCE-DN,
CCE-DN (same normaliser, CCE's weight) and the tuned DM (λ = 1, β = 8). A callback records, for every training batch
of B examples, what the normalised weights ŵ_i = w(p_i) / Σ_j w(p_j) look like:

  ess        effective number of examples carrying the batch's gradient, 1 / Σ ŵ_i², as a share of B;
  top5       share of the batch's gradient mass on its 5 heaviest examples;
  p_low      share of the batch with p_i < 1e-3 (labelled class all but ruled out);
  p_high     share with p_i > 0.99;
  logit_std  standard deviation of the centred logits;
  ce         the batch's mean cross-entropy.

The re-run evaluates every 3 epochs as the committed run did; its test accuracies are compared with the committed
curves.csv (`match` column: equal to the last digit when this code and torch are those that trained the run).

    python tools/table1_pairs100_dn_trace.py      # from the repository root; ~15 CPU-minutes

Writes results/table1_pairs100_dn_trace/trace.csv (one row per method and epoch: median and 10th percentile of ess,
mean of the others) and curves.csv (the re-run's evaluations beside the committed ones).
"""
import argparse, json, tempfile, warnings
from pathlib import Path
import numpy as np, pandas as pd
import torch, torch.nn.functional as F

warnings.filterwarnings('ignore', category=FutureWarning)   # fastai's torch.jit.script notice on import
from fastai.callback.core import Callback, CancelFitException
from dm_repro.runs import run
from dm_repro.config import RunConfig
from dm_repro.data_embedded import atomic_write

RES, OUT = Path('results/table1_pairs100'), Path('results/table1_pairs100_dn_trace')
RUNS = {'GCE-DN': 'base_more/final/fashion_pairs_clean_gcedn_s0-*', 'CCE-DN': 'base/final/fashion_pairs_clean_ccedn_s0-*',
        'DM λ=1': 'dm/final/fashion_pairs_clean_dm_l1_b8_s0-*'}

class WeightTrace(Callback):
    "Per training batch: effective sample size and concentration of the normalised weights, p extremes, logit scale"
    order = 5
    def __init__(self): self.rows = []
    def after_loss(self):
        if not self.training: return
        with torch.no_grad():
            z, y = self.pred.detach().float(), self.yb[0]
            p = z.softmax(-1).gather(1, y[:, None]).squeeze(1)
            w = self.learn.loss_func.edf(p); wh = w / (1e-8 + w.sum())
            self.rows.append(dict(epoch=self.epoch + 1, ess=(1 / (wh**2).sum() / len(p)).item(),
                                  top5=wh.topk(min(5, len(p))).values.sum().item(), p_low=(p < 1e-3).float().mean().item(),
                                  p_high=(p > 0.99).float().mean().item(),
                                  logit_std=(z - z.mean(1, keepdim=True)).std().item(), ce=F.cross_entropy(z, y).item()))

class StopAfter(Callback):
    "End training after `n` epochs (the schedule stays that of the full run)"
    order = 99
    def __init__(self, n): self.n = n
    def after_epoch(self):
        if self.epoch + 1 >= self.n: raise CancelFitException()

def trace(name:str, epochs:int)->tuple:
    "Per-batch trace and (re-run, committed) evaluations of one committed run's first `epochs` epochs"
    rd = next(RES.glob(RUNS[name]))
    cfg = RunConfig.from_dict(json.loads((rd / 'config.json').read_text()))
    tr = WeightTrace()
    with tempfile.TemporaryDirectory() as d:
        run(cfg, run_dir=Path(d) / cfg.run_id, threads=1, cbs=[tr, StopAfter(epochs)], verbose=False)
        new = pd.read_csv(Path(d) / cfg.run_id / 'curves.csv')
    old = pd.read_csv(rd / 'curves.csv')
    cmp = new[['epoch', 'test_acc', 'train_loss']].merge(old[['epoch', 'test_acc', 'train_loss']], on='epoch', suffixes=('', '_committed'))
    cmp['match'] = (cmp.test_acc == cmp.test_acc_committed) & np.isclose(cmp.train_loss, cmp.train_loss_committed, rtol=1e-6)
    return pd.DataFrame(tr.rows).assign(method=name, run_id=cfg.run_id), cmp.assign(method=name, run_id=cfg.run_id)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--epochs', type=int, default=21, help='epochs re-trained per run (the collapse starts before the first lr drop, epoch 24)')
    a = ap.parse_args()
    rows, cmps = zip(*(trace(m, a.epochs) for m in RUNS))
    per_batch, cmp = pd.concat(rows, ignore_index=True), pd.concat(cmps, ignore_index=True)
    g = per_batch.groupby(['method', 'epoch'], sort=False)
    t = g[['top5', 'p_low', 'p_high', 'logit_std', 'ce']].mean()
    t.insert(0, 'ess_p10', g.ess.quantile(0.1)); t.insert(0, 'ess_median', g.ess.median())
    OUT.mkdir(parents=True, exist_ok=True)
    atomic_write(OUT / 'trace.csv', t.reset_index().to_csv(index=False))
    atomic_write(OUT / 'curves.csv', cmp.to_csv(index=False))
    print(t.round(4).to_string()); print(cmp.to_string(index=False))

if __name__ == '__main__': main()
