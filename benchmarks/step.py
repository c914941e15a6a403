"Parts 2–4: a real training step (forward, loss, backward, SGD momentum), its peak memory, and scaling with the batch"
from __future__ import annotations
import matplotlib.pyplot as plt
from matplotlib.ticker import ScalarFormatter
import pandas as pd
import torch
import torch.nn as nn
from torch.profiler import profile, ProfilerActivity
from dm_repro.models import fmnist_cnn, resnet_cifar
from .timing import calibrate, interleaved, summarise, clock_for, time_variants, _sync_for
from .variants import STEP_VARIANTS, DTYPES, make_loss, check_variants, _quiet_profiler
from .loss import _label

def _cpu_peak(fn)->int:
    "Peak bytes of torch's CPU allocator while `fn()` runs (from the profiler's memory events)"
    with _quiet_profiler(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof: fn()
    evs = [(e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
           if e.name() == '[memory]' and e.device_type() == torch.autograd.DeviceType.CPU]
    cur = peak = 0
    for _, nb in sorted(evs, key=lambda t: t[0]):
        cur += nb; peak = max(peak, cur)
    return peak

def peak_memory(fn, # the work to measure, called once
                device='cpu', # torch device
               )->int:
    "Peak bytes held by torch's allocator while `fn()` runs, above the level at its start"
    if torch.device(device).type != 'cuda': return _cpu_peak(fn)
    torch.cuda.synchronize(); base = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    fn(); torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated(device) - base

MODEL_SHAPES = {'fmnist_cnn': ((1, 28, 28), 10), 'resnet44': ((3, 32, 32), 100)}

def make_model(name:str, # 'fmnist_cnn' (Fashion-MNIST CNN, 10 classes) or 'resnet44' (CIFAR-100 ResNet-44)
               depth:int=None, # override ResNet depth (6n+2), e.g. 8 for quick tests
              )->nn.Module:
    "A model of the paper's settings from `dm_repro.models`"
    if name == 'fmnist_cnn': return fmnist_cnn(n_classes=10)
    if name == 'resnet44': return resnet_cifar(depth or 44, n_classes=100)
    raise ValueError(f"unknown model {name!r}; choose from {list(MODEL_SHAPES)}")

def _step_fn(model, opt, loss, x, y, amp_dtype):
    dev = x.device.type
    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(dev, dtype=amp_dtype, enabled=amp_dtype is not None):
            out = model(x)
            l = loss(out, y)
        l.backward(); opt.step()
    return step

def _setup(model, bs, device, dtype, depth, seed, gen=True):
    "Seeded model, one batch of inputs and labels, SGD with momentum and the autocast dtype of a step benchmark"
    torch.manual_seed(seed)
    m = make_model(model, depth).to(device).train()
    shape, n_classes = MODEL_SHAPES[model]
    if gen:
        g = torch.Generator().manual_seed(seed)
        x, y = torch.randn(bs, *shape, generator=g).to(device), torch.randint(0, n_classes, (bs,), generator=g).to(device)
    else: x, y = torch.randn(bs, *shape, device=device), torch.randint(0, n_classes, (bs,), device=device)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    return m, x, y, opt, None if dtype == 'fp32' else DTYPES[dtype]

def _loss_alone(s, m, x, y, amp, variants, reps, target, lam, beta, seed):
    "Add the loss-alone time on this model's logits: its extra time over CE is what a step should gain"
    with torch.no_grad(), torch.autocast(x.device.type, dtype=amp, enabled=amp is not None): z = m(x)
    z = z.detach().requires_grad_()
    def _lf(l):
        def f():
            with torch.autocast(x.device.type, dtype=amp, enabled=amp is not None): v = l(z, y)
            torch.autograd.grad(v, z)
        return f
    ls, _ = time_variants({k: _lf(make_loss(k, lam, beta)) for k in variants}, reps, target, x.device, seed)
    ls = ls.set_index('variant')
    s['loss_extra_ms'] = s.variant.map((ls.median_s - ls.median_s['ce']) * 1e3)
    s['expected_ratio'] = 1 + s.loss_extra_ms / s.median_ms[s.variant == 'ce'].iloc[0]

def _memory(s, fns, opt, device):
    "Add each variant's peak memory and its ratio to CE's"
    peaks = {}
    for k, f in fns.items():
        opt.zero_grad(set_to_none=True)
        peaks[k] = peak_memory(f, device)
    s['peak_mib'] = [peaks[k] / 2**20 for k in s.variant]
    s['mem_ratio'] = s.peak_mib / (peaks['ce'] / 2**20)

def bench_step(model:str='fmnist_cnn', # a name of `MODEL_SHAPES`
               bs:int=128, # batch size
               variants=STEP_VARIANTS, # names of `make_loss`; must include 'ce'
               device='cpu', # torch device
               dtype:str='fp32', # 'fp32', or 'bf16' (autocast of forward and loss)
               reps:int=15, # timed repetitions
               inner:int|None=1, # steps per timed block (None: calibrated to blocks of about 50 ms)
               warmup:int=2, # untimed steps of every variant first
               memory:bool=True, # also measure each variant's peak memory
               loss_reps:int=11, # repetitions of the loss-alone timing on this model's logits (0: skip)
               loss_target:float=0.02, # seconds per timed block of the loss-alone timing
               depth:int=None, # ResNet depth override (quick tests)
               lam:float=0.5, beta:float=8., # DM's λ and β
               seed:int=0, # seed of model, inputs and block order
              )->pd.DataFrame:
    "Training-step time and peak memory of every variant, with ratios to plain cross-entropy"
    check_variants(variants, dtype)
    m, x, y, opt, amp = _setup(model, bs, device, dtype, depth, seed)
    fns = {k: _step_fn(m, opt, make_loss(k, lam, beta), x, y, amp) for k in variants}
    sync, clock = _sync_for(device), clock_for(device)
    if inner is None: inner = calibrate(fns['ce'], 0.05, sync, clock=clock)
    s = summarise(interleaved(fns, reps, inner, warmup=warmup, sync=sync, seed=seed, base='ce', clock=clock))
    s = _label(s, device, dtype, model=model + (f'(depth={depth})' if depth else ''), bs=bs)
    s.insert(5, 'median_ms', s.pop('median_s') * 1e3)
    s['inner'], s['clock'] = inner, clock.__name__
    if loss_reps: _loss_alone(s, m, x, y, amp, variants, loss_reps, loss_target, lam, beta, seed)
    if memory: _memory(s, fns, opt, device)
    return s

def _scaling_rows(model, bs, variants, device, dtype, reps, target, depth, lam, beta, seed):
    m, x, y, opt, amp = _setup(model, bs, device, dtype, depth, seed, gen=False)
    fns = {k: _step_fn(m, opt, make_loss(k, lam, beta), x, y, amp) for k in variants}
    sync, clock = _sync_for(device), clock_for(device)
    n = calibrate(fns['ce'], target, sync, clock=clock)
    s = summarise(interleaved(fns, reps, n, warmup=1, sync=sync, seed=seed, base='ce', clock=clock))
    s = _label(s, device, dtype, model=model, bs=bs)
    s.insert(5, 'median_ms', s.pop('median_s') * 1e3)
    return s

def bench_scaling(model:str='fmnist_cnn', # a name of `MODEL_SHAPES`
                  batch_sizes=(32, 64, 128, 256, 512, 1024), # batch sizes to time
                  variants=('ce', 'dm', 'dm_callback'), # names of `make_loss`; must include 'ce'
                  device='cpu', dtype:str='fp32', # torch device; 'fp32' or 'bf16'
                  reps:int=7, # repetitions per batch size
                  target:float=0.05, # seconds per timed block
                  depth:int=None, # ResNet depth override (quick tests)
                  lam:float=0.5, beta:float=8., seed:int=0, # DM's λ, β; seed
                 )->pd.DataFrame:
    "Training-step time per batch size for `variants`, with ratios to CE"
    rows = [_scaling_rows(model, bs, variants, device, dtype, reps, target, depth, lam, beta, seed)
            for bs in batch_sizes]
    return pd.concat(rows, ignore_index=True)

_COLORS = {'ce': 'tab:blue', 'dm': 'tab:orange', 'dm_callback': 'tab:green'}

def _plot_times(a, scaling):
    for (dev, dt, k), d in scaling.groupby(['device', 'dtype', 'variant'], sort=False):
        a.plot(d.bs, d.median_ms, marker='o', color=_COLORS.get(k), label=f'{k} ({dev} {dt})')
    a.set_xscale('log', base=2); a.set_yscale('log'); a.set_xlabel('batch size'); a.set_ylabel('ms per training step')
    a.set_title(f"{scaling.model.iloc[0]}: time per training step"); a.legend(fontsize=8)

def _plot_ratios(b, scaling, loss):
    for (dev, dt, k), d in scaling[scaling.variant != 'ce'].groupby(['device', 'dtype', 'variant'], sort=False):
        b.errorbar(d.bs, d.ratio, yerr=[d.ratio - d.ratio_q25, d.ratio_q75 - d.ratio], marker='o', capsize=3,
                   color=_COLORS.get(k), label=f'training step: {k} / ce ({dev} {dt})')
    if loss is not None:
        for i, ((dev, dt, C), d) in enumerate(loss[loss.variant == 'dm'].groupby(['device', 'dtype', 'C'], sort=False)):
            b.plot(d.B, d.ratio, ls='--', marker='xs^v'[i % 4], color=str(0.2 + 0.2 * (i % 3)),
                   label=f'loss alone: dm / ce, C={C} ({dev} {dt})')
    b.axhline(1, color='grey', lw=0.8); b.axhline(1.05, color='tab:red', lw=0.8, ls=':', label='1.05')
    b.set_xscale('log', base=2); b.set_yscale('log'); b.set_xlabel('batch size')
    b.set_ylabel('time / F.cross_entropy time'); b.set_title('DM / CE (median, quartiles)'); b.legend(fontsize=7)
    b.tick_params(axis='y', which='minor', labelsize=7)

def plot_scaling(scaling:pd.DataFrame, # output of `bench_scaling`
                 loss:pd.DataFrame=None, # output of `bench_loss`, for the loss-alone ratio panel
                 title:str=None, # figure title (e.g. the machine)
                ):
    "Left: time per step vs batch size (log-log). Right: DM / CE ratio vs batch size, training step and loss alone"
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    _plot_times(a, scaling); _plot_ratios(b, scaling, loss)
    for ax in (a, b): ax.yaxis.set_major_formatter(ScalarFormatter()); ax.yaxis.set_minor_formatter(ScalarFormatter())
    if title: fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
