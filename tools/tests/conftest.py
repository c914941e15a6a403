"""Fixtures for the tests of tools/: `site_check` runs `tools/check_docs.py` once on the two-page fixture site.

With `pytest -n 2` each xdist worker asks for it; a file lock in pytest's shared base temp folder makes the first
worker run the check and the other read its result, so the site is rendered and browsed once per session.
"""
import json, os, subprocess, sys
from pathlib import Path
import pytest

TOOLS = Path(__file__).resolve().parent.parent
SITE = Path(__file__).resolve().parent/'fixtures'/'site'
sys.path.insert(0, str(TOOLS))  # the docsite package

def run_check(out:Path, *args) -> dict:
    "Run check_docs.py on the fixture site: {'rc', 'stdout', 'stderr'}"
    env = {**os.environ, 'PYTHONDONTWRITEBYTECODE': '1', 'MPLBACKEND': 'Agg'}
    # --n_workers 0: nbdev processes in the check's own process (saves a spawned worker's imports, ~10 s);
    # test_proc_one_pickles checks what a spawned worker needs, the full-site check in CI runs one
    p = subprocess.run([sys.executable, str(TOOLS/'check_docs.py'), '--nbs', str(SITE), '--out', str(out),
                        '--n_workers', '0', *args],
                       capture_output=True, text=True, timeout=300, env=env)
    return {'rc': p.returncode, 'stdout': p.stdout, 'stderr': p.stderr}

@pytest.fixture(scope='session')
def site_check(tmp_path_factory, request):
    "Result of the full check (nbdev, render, Chromium) of the fixture site, with `out` the rendered site's folder"
    if not hasattr(request.config, 'workerinput'):  # not an xdist worker
        out = tmp_path_factory.mktemp('site')/'out'
        return {**run_check(out), 'out': str(out)}
    from filelock import FileLock
    shared = tmp_path_factory.getbasetemp().parent
    res = shared/'site_check.json'
    with FileLock(str(res) + '.lock'):
        if not res.exists():
            out = shared/'site_check_out'
            res.write_text(json.dumps({**run_check(out), 'out': str(out)}))
    return json.loads(res.read_text())
