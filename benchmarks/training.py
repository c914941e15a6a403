"""The 100-class testbed through the runner beside a plain PyTorch loop over the same loader: seconds per epoch,
where the time goes, and the memory-format choice, each as a ratio measured in the same run."""
from __future__ import annotations
import json, time, tempfile, statistics
from pathlib import Path
import pandas as pd
import torch
import torch.nn.functional as F
import torch.utils.benchmark as tbench
from fastai.callback.core import Callback
from dm_repro.runs import run, uses_conv2d
from dm_repro.train import get_learner, predict
from dm_repro.losses import get_loss

TESTBED = dict(dataset='fashion_pairs', model='resnet', model_kw=dict(depth=8, in_ch=1, widths=[16, 32, 64], head_init='default'),
               bs=128, lr=0.1, mom=0.9, wd=5e-4, sched='step', milestones=[0.5, 0.75], noise='symmetric', rate=0.4, loss='cce')

def testbed(epochs:int=3, # training length
            **kw, # other config fields, e.g. n_train=1000 for a toy size
           )->dict: # a run config
    "The Table 1 testbed (CCE at symmetric 0.4) for `epochs` epochs, evaluated once at the end"
    return TESTBED | dict(epochs=epochs, eval_every=epochs) | kw

def plain_loop(cfg:dict, # a run config (its `epochs` are trained)
               channels_last:bool=False, # convert the model to channels-last memory format first
              )->float: # CPU seconds of the training loop
    "CPU seconds of a plain eager PyTorch loop over the config's training loader (SGD, cross-entropy, no evaluation)"
    learn = get_learner(cfg, device='cpu')
    model = learn.model.to(memory_format=torch.channels_last) if channels_last else learn.model
    opt = torch.optim.SGD(model.parameters(), lr=cfg['lr'], momentum=cfg['mom'], weight_decay=cfg['wd'])
    t0 = time.process_time()
    for _ in range(cfg['epochs']):
        for xb, yb in learn.dls.train:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
    return time.process_time() - t0

def runner_seconds(cfg:dict, # a run config
                   **kwargs, # passed to `dm_repro.runs.run`, e.g. channels_last=False
                  )->float: # CPU seconds of the whole run
    "CPU seconds of one `dm_repro.runs.run` of `cfg` into a temporary folder (set-up, training, evaluation, files)"
    with tempfile.TemporaryDirectory() as d:
        t0 = time.process_time()
        run(cfg, out=d, device='cpu', threads=1, verbose=False, check_load=False, **kwargs)
        return time.process_time() - t0

def runner_vs_loop(cfg:dict, # a run config
                   reps:int=3, # interleaved repetitions of each variant
                  )->pd.DataFrame: # one row per variant and repetition: variant, rep, seconds
    "The runner (channels-last and NCHW) and the plain loop (NCHW and channels-last), interleaved `reps` times"
    variants = {'loop NCHW': lambda: plain_loop(cfg), 'loop channels-last': lambda: plain_loop(cfg, True),
                'runner': lambda: runner_seconds(cfg), 'runner NCHW': lambda: runner_seconds(cfg, channels_last=False)}
    runner_seconds(cfg)   # warm-up: imports and the data cache
    return pd.DataFrame([dict(variant=k, rep=r, seconds=f()) for r in range(reps) for k, f in variants.items()])

def ratio_table(df:pd.DataFrame, # output of `runner_vs_loop`
                base:str='loop NCHW', # the variant every other is divided by
               )->pd.DataFrame: # variant, median seconds, ratio to the base (median of the per-repetition ratios)
    "Median seconds per variant and the median of its per-repetition ratio to `base`"
    w = df.pivot(index='rep', columns='variant', values='seconds')
    return pd.DataFrame({'median s': w.median(), f'ratio to {base}': w.div(w[base], axis=0).median()}).round(3)

_PHASES = (('after_pred', 'forward'), ('after_loss', 'loss'), ('after_backward', 'backward'), ('after_step', 'optimiser step'),
           ('after_batch', 'callbacks after the step'), ('before_batch', 'loader and per-batch callbacks'))

class PhaseTimer(Callback):
    "Charge the CPU time between consecutive training events to a phase (forward, loss, backward, step, callbacks, loader)"
    order, run_valid = 100, False
    def before_fit(self): self.totals, self.t = {p: 0. for _, p in _PHASES}, None
    def _mark(self, phase):
        t = time.process_time()
        if self.t is not None: self.totals[phase] += t - self.t
        self.t = t
    def before_epoch(self): self.t = None
    def after_epoch(self): self.t = None

for _ev, _ph in _PHASES: setattr(PhaseTimer, _ev, lambda self, _ph=_ph: self._mark(_ph))

def breakdown(cfg:dict, # a run config (one epoch of it is trained)
             )->pd.DataFrame: # phase, seconds, share of the total
    "CPU seconds per phase of one training epoch through the runner, and of each evaluation pass"
    cfg, pt = cfg | dict(epochs=1, eval_every=1), PhaseTimer()
    with tempfile.TemporaryDirectory() as d: run(cfg, out=d, device='cpu', threads=1, verbose=False, check_load=False, cbs=[pt])
    rows = dict(pt.totals)
    learn = get_learner(cfg, device='cpu')
    if uses_conv2d(learn.model): learn.model.to(memory_format=torch.channels_last)
    for name, dl in (('evaluation: test set', learn.dls.test), ('evaluation: training set (noisy and clean labels)', learn.dls.train_eval)):
        t0 = time.process_time(); predict(learn.model, dl); rows[name] = time.process_time() - t0
    df = pd.DataFrame({'phase': list(rows), 'seconds': list(rows.values())})
    return df.assign(share=df.seconds / df.seconds.sum()).round(4)

def _step_fn(cfg, loss_name, channels_last):
    learn = get_learner(cfg, device='cpu')
    model = learn.model.to(memory_format=torch.channels_last) if channels_last else learn.model
    crit = get_loss(loss_name, lam=0.5 if loss_name == 'dm' else None, beta=12. if loss_name == 'dm' else None)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xb, yb = learn.dls.train.one_batch()
    def step():
        loss = crit(model(xb), yb); opt.zero_grad(); loss.backward(); opt.step()
    return step

def step_times(cfg:dict, # a run config (its model, batch size and data)
               min_run_time:float=2., # seconds `blocked_autorange` measures each variant for, over all repetitions
               reps:int=3, # interleaved repetitions (the median of their medians is reported)
              )->pd.DataFrame: # variant, median ms per step, IQR, ratio to CE in NCHW
    "CPU milliseconds per training step (CE and DM, NCHW and channels-last): `torch.utils.benchmark.Timer`, thread clock"
    names = [(ln, cl) for cl in (False, True) for ln in ('cce', 'dm')]
    fns = {k: _step_fn(cfg, *k) for k in names}
    ms = {k: [] for k in names}
    for _ in range(reps):
        for k in names:
            m = tbench.Timer('step()', globals=dict(step=fns[k]), timer=time.thread_time).blocked_autorange(min_run_time=min_run_time / reps)
            ms[k].append(1e3 * m.median)
    df = pd.DataFrame([dict(variant=f"{'DM' if ln == 'dm' else 'CE'}, {'channels-last' if cl else 'NCHW'}", ms=statistics.median(ms[(ln, cl)]),
                            spread_ms=max(ms[(ln, cl)]) - min(ms[(ln, cl)])) for ln, cl in names])
    return df.assign(ratio=df.ms / df.ms.iloc[0]).round(3)

def bench_train(out='benchmarks/train', # folder for runner.csv, breakdown.csv, step.csv, meta.json
                epochs:int=3, # epochs of the runner-vs-loop comparison (one evaluation at the end)
                reps:int=3, # interleaved repetitions
                quick:bool=False, # toy size (1 000 images, one epoch), for the tests
               )->dict: # the three tables
    "Runner vs plain loop, per-phase breakdown and per-step times of the 100-class testbed; writes CSVs and meta.json"
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    cfg = testbed(1, n_train=1000) if quick else testbed(epochs)
    t0 = time.time()
    res = dict(runner=runner_vs_loop(cfg, reps), breakdown=breakdown(cfg), step=step_times(cfg, 0.3 if quick else 6., reps))
    for k, v in res.items(): v.to_csv(out / f'{k}.csv', index=False)
    meta = dict(config=cfg, reps=reps, quick=quick, torch=torch.__version__, threads=torch.get_num_threads(), seconds=round(time.time() - t0, 1))
    (out / 'meta.json').write_text(json.dumps(meta, indent=1))
    return res
