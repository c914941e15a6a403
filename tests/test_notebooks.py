"""Run every notebook in `nbs/` as a test, exactly as `nbdev_test` does (same flags, same executor).

`pytest` is the project's test command: each notebook is one test item, so the run ends with pytest's usual
summary. Cells flagged with a `tst_flags` flag from settings.ini (`slow`, `cuda`) are skipped unless named in
`--nbflags`, e.g. `pytest --nbflags slow`.

A notebook whose checks need something this machine lacks (Fashion-MNIST, an optional package, a GPU) guards them
with `dm_repro.test_utils.skip_unless`, which appends the reason to the file named by `DM_REPRO_SKIP_FILE`; a notebook
that passed with reasons recorded is reported as skipped with them (`pytest -rs` lists them), never as passed.
Per-notebook durations are printed at the end (`--durations=0` in pytest.ini).
"""
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook  # (renamed so pytest does not collect it)
from dm_repro.test_utils import SKIP_FILE_ENV

os.environ.setdefault("MPLBACKEND", "Agg")
CFG = get_config()
NBS = sorted(p for p in Path(CFG.nbs_path).rglob("*.ipynb")
             if not any(part.startswith(('_', '.')) for part in p.relative_to(CFG.nbs_path).parts))

@pytest.mark.parametrize("nb", NBS, ids=[str(p.relative_to(CFG.nbs_path)) for p in NBS])
def test_notebook(nb, request, tmp_path, monkeypatch):
    force = request.config.getoption("--nbflags").split()
    skips = tmp_path / "skips.txt"
    monkeypatch.setenv(SKIP_FILE_ENV, str(skips))
    ok, secs = run_notebook(nb, skip_flags=CFG.tst_flags.split(), force_flags=force, showerr=True, basepath=CFG.config_path)
    assert ok, f"{nb.name} failed (see the traceback above)"
    reasons = list(dict.fromkeys(skips.read_text().splitlines())) if skips.exists() else []
    if reasons: pytest.skip(f"{nb.name} passed, but some checks were skipped: " + "; ".join(reasons))
