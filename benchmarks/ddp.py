"""DM's multi-process checks: launch a script in several local CPU processes, and the check each process runs.

Run by `nbs/21_scaling.ipynb` as `torchrun --nproc_per_node=2 benchmarks/ddp.py OUT` (on GPUs it uses NCCL)."""
from __future__ import annotations
import os, socket, subprocess, sys
from functools import partial
from pathlib import Path
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from fastcore.foundation import L
from fastai.callback.progress import ProgressCallback
from fastai.losses import CrossEntropyLossFlat
from fastai.learner import Learner
from fastai.optimizer import SGD
from dm_repro.losses import DMLoss
from dm_repro.callback import DMCallback
from dm_repro.scaling import GradRecorder, DMGradAccum, use_gloo_dls, DistributedDL
from dm_repro.test_utils import synthetic_dls, small_model, small_learner

def free_port()->int:
    "A TCP port on 127.0.0.1 that is free now"
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def launch_cpu(script, # path of the Python script that every process runs
               *args, # its command-line arguments
               nproc:int=2, # number of processes
               timeout:float=300, # seconds before the launch is killed
               tries:int=2, # launches before giving up: a gloo process can abort while it shuts down
              )->str:
    "Run `script` in `nproc` local CPU processes with torchrun (gloo backend), as a multi-GPU launch would; its stdout"
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': '', 'ACCELERATE_USE_CPU': '1'}
    if not (isinstance(tries, int) and tries >= 1): raise ValueError(f"tries={tries!r} must be an integer >= 1")
    fails = []
    for _ in range(tries):
        cmd = [sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', f'--nproc_per_node={nproc}',
               '--master_addr=127.0.0.1', f'--master_port={free_port()}', str(script), *map(str, args)]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        # a failed launch is retried from scratch (every process rewrites its output), and said so in the log
        if not r.returncode: return ''.join(f'launch {k+1} of {tries} failed (exit {c}); relaunched\n' for k, c in enumerate(fails)) + r.stdout
        fails.append(r.returncode)
    raise RuntimeError(f"{' '.join(cmd)} failed {tries} times (exits {fails}); the last one:\n{(r.stdout + r.stderr)[-4000:]}")

def grad_learner(bs:int=64, # batch size (per process under DDP)
                 loss_func=None, # default: DMLoss(1, 16)
                 cbs=None, # extra callbacks
                 n:int=64, # training examples of `synthetic_dls`
                 lr:float=0.1, # SGD learning rate (momentum 0.9)
                 seed:int=0, # seed of data and model
                )->Learner:
    "A quiet `small_learner` with SGD (momentum 0.9) and a `GradRecorder`: the fixture of the scaling checks"
    learn = small_learner(DMLoss(1, 16) if loss_func is None else loss_func, seed=seed, lr=lr, n=n, bs=bs,
                          opt_func=partial(SGD, mom=0.9), cbs=[GradRecorder(), *L(cbs)])
    learn.remove_cb(ProgressCallback)
    return learn

def flat(xs)->torch.Tensor: return torch.cat([x.detach().flatten().float().cpu() for x in xs])

RAW_CASES = (('batch', 'global'), ('batch', 'local'), ('mean', 'global'), ('integral', 'global'))

def _raw_grads(x, y, dev, lam, beta)->dict:
    "Plain PyTorch DDP: DM's parameter gradients for each (normalisation, scope) of `RAW_CASES`"
    res = {}
    for normalise, scope in RAW_CASES:
        model = DistributedDataParallel(small_model().to(dev), device_ids=[dev.index] if dev.type == 'cuda' else None)
        DMLoss(lam, beta, normalise=normalise, scope=scope)(model(x), y).backward()
        res[normalise, scope] = flat(q.grad for q in model.parameters())
    return res

def _fastai_grads(b, n, dev, lam, beta, epochs)->dict:
    "Through fastai's `distrib_ctx`: the gradients of every step and final parameters, per way of applying DM"
    if DistributedDL is None: raise ImportError("fastai's distributed training needs accelerate: pip install accelerate")
    cases = {'DMLoss': (b, dict(loss_func=DMLoss(lam, beta))),
             'DMLoss, scope=local': (b, dict(loss_func=DMLoss(lam, beta, scope='local'))),
             'DMCallback': (b, dict(loss_func=CrossEntropyLossFlat(), cbs=DMCallback(lam, beta))),
             'DMGradAccum': (b // 2, dict(loss_func=DMLoss(lam, beta), cbs=DMGradAccum(b)))}
    res = {}
    for name, (bs, kw) in cases.items():
        learn = grad_learner(bs, n=n, **kw)
        use_gloo_dls(learn)
        with learn.no_logging(), learn.distrib_ctx(cpu=dev.type == 'cpu'): learn.fit(epochs)
        res[name] = dict(grads=torch.stack(learn.grad_recorder.grads), params=flat(learn.model.parameters()))
    return res

def ddp_check(out, # folder where process k writes `rank{k}.pt`
              lam:float=1., beta:float=16., # DM's λ, β
              n:int=64, # examples in the global batch, split evenly over the processes
              epochs:int=3, # epochs (= SGD steps) of the fastai runs
             ):
    "Run in each process of a torchrun launch: DM's gradients under DDP, in plain PyTorch and through fastai"
    if not dist.is_initialized(): dist.init_process_group('nccl' if torch.cuda.is_available() else 'gloo')
    rank, ws = dist.get_rank(), dist.get_world_size()
    nccl = dist.get_backend() == 'nccl'
    dev = torch.device('cuda', int(os.environ.get('LOCAL_RANK', 0))) if nccl else torch.device('cpu')
    ds, b = synthetic_dls(n=n).train.dataset, n // ws
    x, y = ds.x[rank*b:(rank+1)*b].to(dev), ds.y[rank*b:(rank+1)*b].to(dev)
    res = {'world_size': ws, 'backend': dist.get_backend(), 'raw': _raw_grads(x, y, dev, lam, beta),
           'fastai': _fastai_grads(b, n, dev, lam, beta, epochs)}
    torch.save(res, Path(out)/f'rank{rank}.pt')
    dist.barrier()                                   # every process has saved before any shuts its group down
    dist.destroy_process_group()

if __name__ == '__main__': ddp_check(sys.argv[1])
