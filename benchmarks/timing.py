"Timing primitives of the benchmarks: interleaved, paired blocks timed with `torch.utils.benchmark.Timer`, ratios to a base"
from __future__ import annotations
import datetime, gc, os, platform, random, statistics, subprocess, time
from pathlib import Path
import pandas as pd
import torch
import torch.utils.benchmark as tbench
import dm_repro

def _noop(): pass

def _block(f, n:int, sync=None, clock=None)->float:
    "Seconds per call over one block of `n` calls of `f`: `torch.utils.benchmark.Timer.timeit` on `clock`, `sync`ed"
    sync, clock = sync or _noop, clock or time.perf_counter
    timer = clock if sync is _noop else (lambda: (sync(), clock())[1])
    t = tbench.Timer('f()', globals={'f': f}, timer=timer, num_threads=torch.get_num_threads())
    return t.timeit(n).median

def calibrate(fn, # a callable to time
              target:float=0.02, # seconds one timed block should last
              sync=None, # called before reading the clock (e.g. `torch.cuda.synchronize`)
              max_inner:int=10000, # upper bound on calls per block
              clock=None, # the timer, `time.perf_counter` (wall) by default; see `clock_for`
             )->int:
    "How many calls of `fn` make one block of about `target` seconds (at least 1)"
    fn(); (sync or _noop)()
    t = statistics.median(_block(fn, 1, sync, clock) for _ in range(3))
    return int(min(max_inner, max(1, round(target / max(t, 1e-9)))))

def _paired(block, fns, base, order, times):
    "One repetition A-B-A: every variant in `order` between two blocks of `base`; their mean is its reference"
    prev = block(base); times[base].append(prev)
    for k in order:
        t, nxt = block(k), block(base)
        times[k].append(t); times[base].append(nxt)
        times.setdefault(f'{base}|{k}', []).append((prev + nxt) / 2); prev = nxt

def _check_timing_args(fns, reps, base):
    if not fns: raise ValueError("nothing to time: pass at least one callable")
    if reps < 1: raise ValueError(f"reps must be >= 1, got {reps}")
    if base is not None and base not in fns:
        raise ValueError(f"base {base!r} is not one of the callables {list(fns)}")

def interleaved(fns:dict, # {name: callable}; each call is one unit of work
                reps:int=15, # repetitions; each runs one block of every callable
                inner=1, # calls per block: an int, or {name: int}
                warmup:int=2, # untimed blocks of each callable before timing
                sync=None, # called before reading the clock (e.g. `torch.cuda.synchronize`)
                seed:int=0, # seed of the block order
                base:str=None, # if given, every other block runs between two blocks of `base` (A-B-A pairing)
                clock=None, # the timer, `time.perf_counter` (wall) by default; see `clock_for`
               )->dict:
    "Seconds per call, {name: [one value per block]}, blocks of each repetition in a fresh random order"
    _check_timing_args(fns, reps, base)
    rng = random.Random(seed)
    inner = inner if isinstance(inner, dict) else {k: inner for k in fns}
    times = {k: [] for k in fns}
    for k, f in fns.items():
        for _ in range(warmup * inner[k]): f()
    block = lambda k: _block(fns[k], inner[k], sync, clock)
    gc_was = gc.isenabled(); gc.collect(); gc.disable()
    try:
        for _ in range(reps):
            order = [k for k in fns if k != base]; rng.shuffle(order)
            if base is not None: _paired(block, fns, base, order, times)
            else:
                for k in order: times[k].append(block(k))
    finally:
        if gc_was: gc.enable()
    return times

def clock_for(device, # torch device of the work
              threads:int=None, # torch CPU threads (default: the current setting)
             ):
    "The timer for work on `device`: this thread's CPU time on a CPU with one torch thread, else wall time"
    threads = torch.get_num_threads() if threads is None else threads
    return time.thread_time if torch.device(device).type == 'cpu' and threads == 1 else time.perf_counter

def _sync_for(device): return torch.cuda.synchronize if torch.device(device).type == 'cuda' else None

def _q(xs, q): return float(pd.Series(xs).quantile(q))

def summarise(times:dict, # output of `interleaved`
              base:str='ce', # the variant every ratio is taken against
             )->pd.DataFrame:
    "Median seconds per call, and the median (with quartiles) over repetitions of each variant's time / `base`'s"
    if base not in times: raise ValueError(f"base variant {base!r} was not timed; timed: {list(times)}")
    rows = []
    for k, ts in times.items():
        if '|' in k: continue
        ref = ts if k == base else times.get(f'{base}|{k}', times[base])  # the adjacent base blocks when paired
        r = [a / b for a, b in zip(ts, ref)]
        rows.append(dict(variant=k, median_s=statistics.median(ts), ratio=statistics.median(r),
                         ratio_q25=_q(r, .25), ratio_q75=_q(r, .75), reps=len(ts)))
    return pd.DataFrame(rows)

def time_variants(fns:dict, # {variant: callable}, 'ce' among them
                  reps:int, # repetitions
                  target:float, # seconds per timed block
                  device, # torch device (sets the clock and the synchronisation)
                  seed:int=0, # seed of the block order
                  warmup:int=1, # untimed blocks first
                 )->tuple:
    "(`summarise`d ratios to 'ce', calls per block): each variant calibrated to `target`, then timed A-B-A around CE"
    sync, clock = _sync_for(device), clock_for(device)
    inner = {k: calibrate(f, target, sync, clock=clock) for k, f in fns.items()}
    times = interleaved(fns, reps, inner, warmup=warmup, sync=sync, seed=seed, base='ce', clock=clock)
    return summarise(times), inner

def _cpu_model()->str:
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def _git(*args, root)->str:
    return subprocess.run(['git', *args], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()

def _git_commit()->str:
    root = Path(dm_repro.__file__).resolve().parent.parent
    try:
        h, dirty = _git('rev-parse', '--short', 'HEAD', root=root), _git('status', '--porcelain', '--', 'dm_repro', root=root)
        return (h + ('+dirty' if dirty else '')) if h else 'unknown'
    except (OSError, subprocess.SubprocessError): return 'unknown'

def machine_info()->dict:
    "The machine and software a benchmark ran on"
    import fastai
    info = dict(cpu=_cpu_model(), cpu_cores=os.cpu_count(), torch_threads=torch.get_num_threads(),
                omp_wait_policy=os.environ.get('OMP_WAIT_POLICY', 'unset'), python=platform.python_version(),
                torch=torch.__version__, fastai=fastai.__version__, dm_repro=dm_repro.__version__,
                commit=_git_commit(), os=platform.platform(),
                date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
                cuda=torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')
    try: info['load_avg_1min'] = round(os.getloadavg()[0], 2)
    except OSError: pass
    return info
