"""Run the ```python examples of README.md, in order, in one fresh namespace, as a reader would paste them.

Usage (CI runs it from the repository root, in a temporary working directory):

    python tools/run_readme_examples.py [README.md]

Exits non-zero, naming the block and showing its source, if any block raises. Blocks fenced as
```python are run; ```sh and ```bash blocks are not. A block may be skipped by putting the comment
`# not run` on its first line (none is today).
"""
import os, re, sys, tempfile, traceback
from pathlib import Path

def blocks(text:str)->list:
    "The ```python blocks of a markdown text"
    return [m.group(1) for m in re.finditer(r'^```python\n(.*?)^```', text, flags=re.S | re.M)]

def main(readme=None):
    readme = Path(readme or Path(__file__).resolve().parent.parent/'README.md').resolve()
    bs = [b for b in blocks(readme.read_text(encoding='utf-8')) if not b.startswith('# not run')]
    if not bs: sys.exit(f'{readme}: no ```python blocks found')
    import matplotlib; matplotlib.use('Agg')
    ns = {'__name__': '__readme__'}
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        try:
            for i, b in enumerate(bs, 1):
                try: exec(compile(b, f'{readme.name}:block{i}', 'exec'), ns)
                except Exception:
                    traceback.print_exc()
                    sys.exit(f'README example {i} of {len(bs)} failed:\n{b}')
                print(f'README example {i}/{len(bs)}: ok')
        finally: os.chdir(cwd)

if __name__ == '__main__': main(*sys.argv[1:])
