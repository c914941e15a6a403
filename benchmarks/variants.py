"The variants under test: plain cross-entropy, DM as a loss and as a callback, the baselines; what one call dispatches"
from __future__ import annotations
import os, sys, warnings
from collections import Counter
from contextlib import contextmanager
from types import SimpleNamespace
import pandas as pd
import torch
import torch.nn.functional as F
from torch.profiler import profile, ProfilerActivity
from torch.utils._python_dispatch import TorchDispatchMode
from dm_repro.losses import DMLoss, get_loss
from dm_repro.callback import DMCallback

BASELINES = ('cce', 'cce_dn', 'mae', 'mae_dn', 'mse', 'mse_dn', 'gce', 'gce_dn', 'dm_beta0')
DM_VARIANTS = ('dm', 'dm_nocheck', 'dm_callback')
VARIANTS = ('ce',) + DM_VARIANTS + BASELINES
STEP_VARIANTS = ('ce',) + DM_VARIANTS + ('cce',)
LABELS = {'dm': 'DMLoss', 'dm_nocheck': 'DMLoss(check=False)', 'dm_callback': 'DMCallback'}
DTYPES = {'fp32': torch.float32, 'bf16': torch.bfloat16}

class CallbackLoss:
    "A Learner with plain cross-entropy and `DMCallback`, per training batch (`after_pred`, the loss, `after_loss`)"
    def __init__(self, lam:float=0.5, beta:float=8.): # DM's λ and β
        self.cb = DMCallback(lam, beta)
        self.cb.learn = SimpleNamespace(training=True, loss_func=F.cross_entropy, cbs=[self.cb], pred=None, yb=None,
                                        loss_grad=None)
        self.cb.before_fit()
    def __call__(self, pred, targ):
        l = self.cb.learn
        l.pred, l.yb = pred, (targ,)
        self.cb.after_pred()
        l.loss_grad = l.loss_func(pred, targ)
        self.cb.after_loss()
        return l.loss_grad

def make_loss(name:str, # one of `VARIANTS`: 'ce', 'dm', 'dm_nocheck' (value checks off), 'dm_callback', a baseline
              lam:float=0.5, # DM's λ
              beta:float=8., # DM's β
             ):
    "The loss callable (pred, targ) -> scalar that a benchmark variant trains with"
    if name == 'ce': return F.cross_entropy
    if name in ('dm', 'dm_nocheck'): return DMLoss(lam, beta, check=name == 'dm')
    if name == 'dm_callback': return CallbackLoss(lam, beta)
    if name not in BASELINES: raise ValueError(f"unknown variant {name!r}; choose from {VARIANTS}")
    return get_loss(name)

def check_variants(variants, dtype:str):
    "Every timing needs 'ce' (the base of every ratio) and a known dtype"
    if 'ce' not in variants: raise ValueError("variants must include 'ce', the baseline of every ratio")
    if dtype not in DTYPES: raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")

@contextmanager
def _quiet_profiler():
    "Silence the profiler's C++ start/stop chatter on file descriptor 2 (Python exceptions still propagate)"
    try: sys.stderr.flush()
    except Exception: pass
    try: saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except OSError: yield; return
    os.dup2(null, 2)
    try: yield
    finally: os.dup2(saved, 2); os.close(saved); os.close(null)

class _OpLog(TorchDispatchMode):
    "Count the ATen operations dispatched inside the `with` block"
    def __init__(self): super().__init__(); self.ops = Counter()
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[str(func.overloadpacket).split('.')[-1]] += 1
        return func(*args, **(kwargs or {}))

def _logits(B, C, device, dtype=torch.float32):
    return (torch.randn(B, C, device=device, dtype=dtype, requires_grad=True),
            torch.randint(0, C, (B,), device=device))

def count_ops(loss, # a callable (pred, targ) -> scalar
              B:int=256, # batch size
              C:int=100, # classes
              device='cpu', # torch device
              dtype=torch.float32, # dtype of the logits
             )->Counter:
    "The ATen operations (name -> count) that one forward + backward of `loss` on random logits dispatches"
    z, y = _logits(B, C, device, dtype)
    with _OpLog() as log: torch.autograd.grad(loss(z, y), z)
    return log.ops

def profile_loss(loss, # a callable (pred, targ) -> scalar
                 B:int=256, C:int=100, # batch size and classes
                 n:int=50, # profiled forward + backward calls
                 device='cpu', # torch device
                 top:int=12, # rows to return
                )->pd.DataFrame:
    "Self time per operation (µs per call of `loss`) over `n` forward + backward calls, largest first"
    z, y = _logits(B, C, device)
    for _ in range(5): torch.autograd.grad(loss(z, y), z)
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.device(device).type == 'cuda' else [])
    with _quiet_profiler(), profile(activities=acts) as prof:
        for _ in range(n): torch.autograd.grad(loss(z, y), z)
    rows = [dict(op=e.key, calls_per_step=e.count / n, self_us_per_step=e.self_cpu_time_total / n)
            for e in prof.key_averages()]
    df = pd.DataFrame(rows).sort_values('self_us_per_step', ascending=False)
    df['share'] = df.self_us_per_step / df.self_us_per_step.sum()
    return df.head(top).reset_index(drop=True)

def count_syncs(loss, # a callable (pred, targ) -> scalar
                B:int=256, C:int=100, # batch size and classes
                device='cuda', # torch device
                dtype=torch.float32, # dtype of the logits
               )->int|None:
    "Host-device synchronisations that one forward + backward of `loss` makes on CUDA (None on other devices)"
    if torch.device(device).type != 'cuda': return None
    z, y = _logits(B, C, device, dtype)
    torch.autograd.grad(loss(z, y), z); torch.cuda.synchronize()  # lazy initialisation is not the loss's cost
    old = torch.cuda.get_sync_debug_mode()
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        torch.cuda.set_sync_debug_mode('warn')
        try: torch.autograd.grad(loss(z, y), z)
        finally: torch.cuda.set_sync_debug_mode(old)
    return sum('synchroniz' in str(w.message) for w in ws)
