"Part 1: the loss alone, forward + backward, every variant against `F.cross_entropy` per (batch, classes)"
from __future__ import annotations
import pandas as pd
import torch
from .timing import time_variants, clock_for
from .variants import VARIANTS, DTYPES, make_loss, check_variants, count_ops, count_syncs

GRID = ((32, 10), (32, 100), (32, 1000), (256, 10), (256, 100), (256, 1000), (1024, 100), (1024, 1000),
        (4096, 10), (4096, 100), (4096, 1000))

def _label(s:pd.DataFrame, device, dtype, **cols)->pd.DataFrame:
    "`s` with device, dtype and `cols` (e.g. B, C) as its first columns"
    for k, v in reversed([('device', str(device)), ('dtype', dtype), *cols.items()]): s.insert(0, k, v)
    return s

def _loss_rows(B, C, variants, device, dtype, reps, target, lam, beta, seed)->pd.DataFrame:
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, C, generator=g).to(device, DTYPES[dtype]).requires_grad_()
    y = torch.randint(0, C, (B,), generator=g).to(device)
    losses = {k: make_loss(k, lam, beta) for k in variants}
    fns = {k: (lambda l=l: torch.autograd.grad(l(z, y), z)) for k, l in losses.items()}
    s, inner = time_variants(fns, reps, target, device, seed)
    s['aten_ops'] = [sum(count_ops(losses[k], B, C, device, DTYPES[dtype]).values()) for k in s.variant]
    s['host_syncs'] = [count_syncs(losses[k], B, C, device, DTYPES[dtype]) for k in s.variant]
    s['inner'], s['clock'] = [inner[k] for k in s.variant], clock_for(device).__name__
    return _label(s, device, dtype, B=B, C=C)

def bench_loss(sizes=GRID, # (B, C) pairs
               variants=VARIANTS, # names of `make_loss`; must include 'ce'
               device='cpu', # torch device
               dtype:str='fp32', # 'fp32' or 'bf16' logits
               reps:int=15, # repetitions per (B, C)
               target:float=0.02, # seconds per timed block
               lam:float=0.5, beta:float=8., # DM's λ and β
               seed:int=0, # seed of the inputs and of the block order
              )->pd.DataFrame:
    "Loss forward + backward time of every variant per (B, C), with its ratio to `F.cross_entropy`"
    check_variants(variants, dtype)
    rows = [_loss_rows(B, C, variants, device, dtype, reps, target, lam, beta, seed) for B, C in sizes]
    df = pd.concat(rows, ignore_index=True)
    df.insert(5, 'median_us', df.pop('median_s') * 1e6)
    return df
