"Part 5 (opt-in): `torch.compile`d losses, steady state against eager CE in the same run, compile time apart"
from __future__ import annotations
import inspect, logging, time, warnings
from contextlib import contextmanager
import pandas as pd
import torch
import torch._dynamo
from torch._dynamo.utils import counters
from .timing import time_variants, _sync_for
from .variants import DTYPES, make_loss
from .loss import bench_loss, _label

COMPILE_VARIANTS = ('ce', 'dm', 'dm_nocheck')

def _err(e:BaseException)->str:
    "One line naming an exception, for a results table"
    msg = (str(e).strip().splitlines() or [''])[0]
    return f"{type(e).__name__}: {msg[:200]}"

@contextmanager
def _quiet_compile():
    "Silence the compiler's log lines and warnings (graph breaks are counted in the table instead)"
    logs = [logging.getLogger(n) for n in ('torch._dynamo', 'torch._inductor', 'torch.utils.cpp_extension')]
    levels = [l.level for l in logs]
    for l in logs: l.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore'); yield
    finally:
        for l, v in zip(logs, levels): l.setLevel(v)

def compile_warmup(backend:str='inductor', # `torch.compile` backend
                   device='cpu', # torch device
                  )->float|str:
    "Seconds to compile and run a trivial function: the compiler's one-off start-up cost (an error string on failure)"
    torch._dynamo.reset()
    x = torch.ones(8, device=device)
    t0 = time.perf_counter()
    try:
        with _quiet_compile(): torch.compile(torch.sin, backend=backend, dynamic=False)(x)
    except Exception as e: return _err(e)
    finally: torch._dynamo.reset()
    return time.perf_counter() - t0

def _compile_one(loss, backend, z, y, sync)->tuple:
    "(the compiled forward + backward or None, {compile_s, status, graph_breaks}) of one loss"
    gb0, f = sum(counters['graph_break'].values()), None
    try:
        cl = torch.compile(loss, backend=backend, dynamic=False)
        g = lambda: torch.autograd.grad(cl(z, y), z)
        sync and sync(); t0 = time.perf_counter(); g(); sync and sync()
        info, f = dict(compile_s=time.perf_counter() - t0, status='ok'), g
    except Exception as e: info = dict(compile_s=float('nan'), status=_err(e))
    return f, dict(info, graph_breaks=sum(counters['graph_break'].values()) - gb0)

def _compiled_rows(B, C, variants, device, dtype, backend, reps, target, lam, beta, seed)->pd.DataFrame:
    torch._dynamo.reset()
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(B, C, generator=g).to(device, DTYPES[dtype]).requires_grad_()
    y = torch.randint(0, C, (B,), generator=g).to(device)
    fns = {k: (lambda l=make_loss(k, lam, beta): torch.autograd.grad(l(z, y), z))
           for k in dict.fromkeys(('ce',) + tuple(variants))}
    info = {}
    for k in variants:
        f, info[f'{k}+compile'] = _compile_one(make_loss(k, lam, beta), backend, z, y, _sync_for(device))
        if f is not None: fns[f'{k}+compile'] = f
    s, _ = time_variants(fns, reps, target, device, seed)
    failed = [dict(variant=k, **v) for k, v in info.items() if v['status'] != 'ok']
    s = pd.concat([s, pd.DataFrame(failed)], ignore_index=True) if failed else s
    for col in ('compile_s', 'status', 'graph_breaks'): s[col] = s.variant.map(lambda k: info.get(k, {}).get(col))
    s['status'] = s.status.fillna('eager')
    s['ratio_vs_compiled_ce'] = s.ratio / s.set_index('variant').ratio.get('ce+compile', float('nan'))
    s = _label(s, device, dtype, B=B, C=C)
    s.insert(5, 'backend', backend)
    return s

_SHARED = ('device', 'dtype', 'target', 'lam', 'beta', 'seed')

def bench_compile(sizes=((256, 100), (1024, 1000)), # (B, C) pairs
                  variants=COMPILE_VARIANTS, # names of `make_loss` to compile
                  backend:str='inductor', # `torch.compile` backend ('eager' traces without generating code)
                  reps:int=11, # repetitions per (B, C)
                  **kwargs, # `device`, `dtype`, `target`, `lam`, `beta`, `seed`: as in `bench_loss`, its defaults
                 )->pd.DataFrame:
    "Steady-state forward + backward of `torch.compile`d losses as ratios to eager CE, compile time apart"
    bad = set(kwargs) - set(_SHARED)
    if bad: raise TypeError(f"bench_compile got unexpected arguments {sorted(bad)}; it takes sizes, variants, "
                            f"backend, reps and {', '.join(_SHARED)}")
    o = {k: p.default for k, p in inspect.signature(bench_loss).parameters.items() if k in _SHARED} | kwargs
    device, dtype, target, lam, beta, seed = (o[k] for k in _SHARED)
    if dtype not in DTYPES: raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")
    with _quiet_compile():
        rows = [_compiled_rows(B, C, variants, device, dtype, backend, reps, target, lam, beta, seed) for B, C in sizes]
    torch._dynamo.reset()
    df = pd.concat(rows, ignore_index=True)
    df.insert(6, 'median_us', df.pop('median_s') * 1e6)
    return df
