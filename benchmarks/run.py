"The benchmark command: which parts run on which device, running them, writing the results after every part"
from __future__ import annotations
import os, sys, time
from functools import partial
from pathlib import Path
import pandas as pd
import torch
from fastcore.script import call_parse
from .timing import clock_for, machine_info, _noop
from .loss import GRID, bench_loss
from .step import bench_step, bench_scaling
from .compiled import bench_compile, compile_warmup
from .report import TARGET_SIZES, write_report
from .training import bench_train

def _config(quick:bool, # the tiny configuration of the tests
            device:str='cpu', # 'cpu' or 'cuda': each has its own full configuration
           )->dict:
    "Keyword arguments of `bench_loss`, `bench_step` (one per model), `bench_scaling`, `bench_compile` on `device`"
    if quick: return dict(
        loss=dict(sizes=((256, 100),), reps=3, target=0.002),
        steps=[dict(model='fmnist_cnn', bs=16, reps=3, warmup=1, loss_reps=3, loss_target=0.002),
               dict(model='resnet44', bs=4, depth=8, reps=2, warmup=1, loss_reps=3, loss_target=0.002)],
        scaling=dict(model='fmnist_cnn', batch_sizes=(8, 16), reps=2, target=0.002),
        compile=dict(sizes=((32, 10),), reps=3, target=0.002))
    if torch.device(device).type == 'cuda': return dict(  # sized for under 5 minutes on one GPU, both dtypes
        loss=dict(sizes=GRID, reps=7, target=0.01),
        steps=[dict(model='resnet44', bs=128, inner=None, reps=9, warmup=3, loss_target=0.01),
               dict(model='fmnist_cnn', bs=128, inner=None, reps=9, warmup=3, loss_target=0.01)],
        scaling=dict(model='resnet44', batch_sizes=(32, 64, 128, 256, 512), reps=5, target=0.03),
        compile=dict(sizes=TARGET_SIZES, reps=7, target=0.01))
    return dict(
        loss=dict(sizes=GRID, reps=9, target=0.01),
        steps=[dict(model='fmnist_cnn', bs=128, reps=12, inner=4, warmup=1),
               dict(model='resnet44', bs=64, reps=5, warmup=1)],
        scaling=dict(model='fmnist_cnn', batch_sizes=(32, 128, 512), reps=5, target=0.05),
        compile=dict(sizes=TARGET_SIZES, reps=9, target=0.01))

def bench_plan(device:str='auto', # 'cpu', 'cuda', or 'auto' (CPU, plus CUDA when one is present)
               quick:bool=False, # the tiny configuration
               cuda_available:bool=None, # override the CUDA probe (to check a GPU plan on a CPU machine)
              )->list:
    "What `run_benchmark` runs: one (device, dtype, configuration) per line, CPU in fp32, CUDA in fp32 and bf16"
    if device not in ('auto', 'cpu', 'cuda'):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    has_cuda = torch.cuda.is_available() if cuda_available is None else cuda_available
    if device == 'cuda' and not has_cuda:
        raise ValueError("device='cuda' but torch sees no CUDA device; use --device cpu")
    devices = {'cpu': ['cpu'], 'cuda': ['cuda'], 'auto': ['cpu'] + (['cuda'] if has_cuda else [])}[device]
    return [(d, dt, _config(quick, d)) for d in devices for dt in (('fp32',) if d == 'cpu' else ('fp32', 'bf16'))]

PARTS = ('loss', 'step', 'scaling', 'compile')

def _meta(plan, command, quick, threads, lam, beta, seed, compile, backend)->dict:
    "What a results folder records about its run, before the machine and the timings"
    return dict(command=command,
                settings=dict(devices=sorted({d for d, _, _ in plan}), quick=quick, threads=threads, lam=lam,
                              beta=beta, seed=seed, compile=compile, backend=backend,
                              clock={d: clock_for(d, threads).__name__ for d, _, _ in plan},
                              config={f'{d} {dt}': c for d, dt, c in plan}), parts_done=[])

def _save(out, parts:dict, meta:dict, t0:float, done:str, complete:bool=False)->dict:
    "Write what has run so far (`done` is the part just finished); the parts concatenated"
    meta['parts_done'].append(done)
    meta.update(machine=machine_info(), wall_s=time.time() - t0, complete=complete)
    cat = {k: (pd.concat(v, ignore_index=True) if v else None) for k, v in parts.items()}
    write_report(out, cat['loss'], cat['step'], cat['scaling'], meta, cat['compile'])
    return cat

def _run_device(dev, dt, cfg, parts, save, say, kw):
    "Loss alone, training steps and scaling on one device and dtype"
    say(f"loss alone, {dev} {dt}")
    parts['loss'].append(bench_loss(device=dev, dtype=dt, **kw, **cfg['loss'])); save(f'loss {dev} {dt}')
    for sc in cfg['steps']:
        say(f"training step {sc['model']} bs={sc['bs']}, {dev} {dt}")
        parts['step'].append(bench_step(device=dev, dtype=dt, **kw, **sc))
    save(f'step {dev} {dt}')
    say(f"scaling, {dev} {dt}")
    parts['scaling'].append(bench_scaling(device=dev, dtype=dt, **kw, **cfg['scaling'])); save(f'scaling {dev} {dt}')

def _run_compile(plan, parts, save, say, kw, backend, meta):
    "The `torch.compile` part, fp32 on every device of the plan"
    for dev, dt, cfg in plan:
        if dt != 'fp32': continue
        say(f"torch.compile, {dev} {dt}")
        meta['compile_warmup_s'] = compile_warmup(backend, dev)
        parts['compile'].append(bench_compile(device=dev, dtype=dt, backend=backend, **kw, **cfg['compile']))
        save(f'compile {dev} {dt}')

def run_benchmark(out='benchmarks', # results folder
                  device:str='auto', # 'cpu', 'cuda', or 'auto' (CPU, plus CUDA when one is present)
                  quick:bool=False, # tiny configuration that runs in seconds
                  threads:int=1, # torch CPU threads
                  lam:float=0.5, beta:float=8., # DM's λ and β
                  seed:int=0, # seed of inputs, models and block order
                  compile:bool=False, # also time `torch.compile`d losses (fp32; compile time reported apart)
                  backend:str='inductor', # `torch.compile` backend ('eager': tracing only, no code generation)
                  command:str=None, # the command line to record (default: this call)
                  verbose:bool=True, # print progress
                 )->dict:
    "Run the loss, training-step, scaling (and optionally compile) parts, writing the results after every part"
    plan, t0, old_threads = bench_plan(device, quick), time.time(), torch.get_num_threads()
    torch.set_num_threads(threads)
    command = command or (f"run_benchmark(out={str(out)!r}, device={device!r}, quick={quick}, threads={threads}, "
                          f"compile={compile}, backend={backend!r})")
    meta, parts = _meta(plan, command, quick, threads, lam, beta, seed, compile, backend), {k: [] for k in PARTS}
    say = (lambda s: print(f"[{time.time()-t0:5.0f}s] {s}", flush=True)) if verbose else _noop
    save, kw = partial(_save, out, parts, meta, t0), dict(lam=lam, beta=beta, seed=seed)
    try:
        for dev, dt, cfg in plan: _run_device(dev, dt, cfg, parts, save, say, kw)
        if compile: _run_compile(plan, parts, save, say, kw, backend, meta)
        cat = save('report', complete=True)
        say(f"wrote {Path(out)/'results.md'}")
    finally: torch.set_num_threads(old_threads)
    return dict(cat, meta=meta)

def _command()->str|None:
    "The command line that started this process, if it was `dm_repro_bench` or `python -m benchmarks.run`"
    if not sys.argv: return None
    name = Path(sys.argv[0]).name
    if name.startswith('dm_repro_bench'): cmd = ' '.join(['dm_repro_bench'] + sys.argv[1:])
    elif name == 'run.py' and Path(sys.argv[0]).parent.name == 'benchmarks':
        cmd = ' '.join(['python -m benchmarks.run'] + sys.argv[1:])
    else: return None
    return f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']} {cmd}" if 'OMP_WAIT_POLICY' in os.environ else cmd

_OMP_NOTE = ("note: OMP_WAIT_POLICY is unset; on a machine shared with other busy processes, OpenMP's spinning "
             "threads can slow every step by 10x or more. Consider `OMP_WAIT_POLICY=PASSIVE dm_repro_bench ...` "
             "(recorded in meta.json).")

@call_parse
def main(out:str='benchmarks', # folder for loss.csv, step.csv, scaling.csv, compile.csv, meta.json, results.md, scaling.png
         device:str='auto', # 'cpu', 'cuda', or 'auto': CPU, plus CUDA (fp32 and bf16) when one is present
         quick:bool=False, # tiny configuration that runs in seconds (used by the tests)
         threads:int=1, # torch CPU threads (1: steady ratios on a shared machine)
         lam:float=0.5, # DM's λ
         beta:float=8., # DM's β
         seed:int=0, # seed of inputs, models and block order
         compile:bool=False, # also time torch.compile'd losses (compile time apart; a failure is recorded, not raised)
         backend:str='inductor', # torch.compile backend ('eager': tracing only, no code generation)
         train:bool=False, # only the training-run benchmark of the 100-class testbed (runner vs plain loop), into OUT/train
        ):
    "Benchmark DMLoss, DMCallback and the baselines against F.cross_entropy: loss, step, memory, scaling, compile"
    if threads > 1 and 'OMP_WAIT_POLICY' not in os.environ: print(_OMP_NOTE, file=sys.stderr)
    if train:
        torch.set_num_threads(threads)
        bench_train(Path(out) / 'train', quick=quick); return
    run_benchmark(out, device, quick, threads, lam, beta, seed, compile, backend, command=_command())
