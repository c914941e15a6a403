"""A full 48-epoch run of the 100-class testbed (CCE, symmetric 0.4, seed 0, one thread) through `dm_repro.runs.run`, at an
earlier commit and at this checkout, interleaved, timed as CPU seconds of each child process (getrusage).

    git worktree add /tmp/dm_old 5d00305      # the code before the runner speed-up
    python benchmarks/before_after_issue22.py --old /tmp/dm_old --reps 2 --out benchmarks/train/before_after_48ep.csv
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd

CFG = dict(dataset='fashion_pairs', model='resnet', model_kw=dict(depth=8, in_ch=1, widths=[16, 32, 64]), bs=128, lr=0.1, mom=0.9,
           wd=5e-4, sched='step', milestones=[0.5, 0.75], epochs=48, eval_every=3, noise='symmetric', rate=0.4, loss='cce')
CODE = "import json, sys; from dm_repro.runs import run; run(json.loads(sys.argv[1]), out=sys.argv[2], threads=1, verbose=False)"

def one(tree:Path)->tuple:
    "CPU and wall seconds of one run with the package of `tree`"
    env = os.environ | dict(PYTHONPATH=str(tree), OMP_WAIT_POLICY='PASSIVE')
    with tempfile.TemporaryDirectory() as d:
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        subprocess.run([sys.executable, '-W', 'ignore', '-c', CODE, json.dumps(CFG), d], env=env, check=True, cwd=tree)  # cwd: '' on sys.path is the tree
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        summ = json.loads(next(Path(d).glob('*/summary.json')).read_text())
    return r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, time.time() - t0, summ['final_test_acc']

def git_commit(tree:Path)->str:
    return subprocess.run(['git', '-C', str(tree), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--old', required=True, help='a checkout (git worktree) of the earlier commit')
    ap.add_argument('--reps', type=int, default=1)
    ap.add_argument('--out', default='benchmarks/train/before_after_48ep.csv')
    a = ap.parse_args()
    trees = {'before': Path(a.old).resolve(), 'after': Path(__file__).resolve().parent.parent}
    rows = []
    for rep in range(a.reps):
        for name, tree in trees.items():
            cpu, wall, acc = one(tree)
            rows.append(dict(code=name, commit=git_commit(tree), rep=rep, cpu_s=round(cpu, 2), wall_s=round(wall, 2), final_test_acc=acc))
            print(rows[-1], flush=True)
    df = pd.DataFrame(rows); Path(a.out).parent.mkdir(parents=True, exist_ok=True); df.to_csv(a.out, index=False)
    m = df.groupby('code').cpu_s.median()
    print(f"48-epoch run: before {m['before']:.1f} CPU s, after {m['after']:.1f} CPU s, speed-up {m['before'] / m['after']:.2f}x")
