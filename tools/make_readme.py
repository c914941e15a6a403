"""Generate README.md from nbs/index.ipynb without Quarto (what `nbdev_readme` does with Quarto).

Usage, from anywhere inside the repository, in the dev environment:

    python tools/make_readme.py           # write README.md (and README_files/ when index has images)
    python tools/make_readme.py --check   # exit 1 with a diff summary if README.md is not current (CI)

Options: `--nb PATH` (default: `nbs_path/readme_nb` from settings.ini, i.e. nbs/index.ipynb) and
`--dest PATH` (default: README.md at the repository root).

How: the notebook goes through nbdev's own docs processors (`nbdev.serve_drv.main` with
`FilterDefaults`, as `nbdev_proc_nbs` runs them: front matter, hidden/exported cells dropped,
`show_doc` executed, backticked names linked to the published docs), then Quarto's part is done by
hand (the `# Title` + `> description` front matter becomes the heading and a quote, `#| echo: false`
and friends are honoured, links to notebooks point to their pages on the docs site), and nbconvert's
`MarkdownExporter` writes GitHub markdown. Images from outputs go to `README_files/README_<cell>_<n>.png`.
The output is deterministic: the same notebook gives the same bytes.
"""
from __future__ import annotations
import argparse, difflib, json, os, re, shutil, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docsite.render import quartoise, site_url, proc_one, exporter, export  # shared with check_docs.py

ROOT = Path(__file__).resolve().parent.parent

FILES = 'README_files'
_re_nblink = re.compile(r'\]\((?!https?:|mailto:|#)([^)\s#]+\.ipynb)(#[^)\s]*)?\)')
_re_img = re.compile(r'(!\[[^\]]*\]\()(?!https?:|data:|/)([^)\s]+)(\))')

def link_notebooks(pnb:dict, url) -> dict:
    "Point `[text](page.ipynb#anchor)` links at `url(page.ipynb)` in markdown cells and in the Markdown outputs of code cells"
    sub = lambda t: _re_nblink.sub(lambda m: f'](' + url(m.group(1)) + (m.group(2) or '') + ')', t)
    for c in pnb['cells']:
        if c['cell_type'] == 'markdown': c['source'] = sub(''.join(c['source']))
        for o in c.get('outputs', []):   # generated summaries (display(Markdown(...))) link pages too
            t = o.get('data', {}).get('text/markdown')
            if t is not None: o['data']['text/markdown'] = sub(''.join(t))
    return pnb

def render_readme(nb:Path, dest:Path, cfg) -> tuple[str, dict]:
    "Markdown text and {relative file name: bytes} for README built from notebook `nb`"
    from nbdev.processors import FilterDefaults
    from nbdev.doclinks import _nbpath2html
    with tempfile.TemporaryDirectory() as d:
        err, _, _ = proc_one((nb, Path(d)/nb.name, FilterDefaults))
        if err: sys.exit(f'make_readme: nbdev could not process {nb}: {err}')
        pnb = json.loads((Path(d)/nb.name).read_text(encoding='utf-8'))
    quartoise(pnb, 'md')
    site = site_url(cfg)
    link_notebooks(pnb, lambda p: site + _nbpath2html(Path(p)).as_posix())
    for c in pnb['cells']:
        if c['cell_type'] != 'markdown': continue
        rel = lambda p: os.path.relpath((nb.parent/p).resolve(), dest.parent.resolve()).replace(os.sep, '/')
        c['source'] = _re_img.sub(lambda m: m.group(1) + rel(m.group(2)) + m.group(3), c['source'])
    md, res = export(exporter('markdown'), pnb, {'output_files_dir': FILES, 'unique_key': 'README'})
    md = '\n'.join(l.rstrip() for l in md.splitlines())
    md = re.sub(r'\n{3,}', '\n\n', md).strip() + '\n'
    return md, {Path(k).as_posix(): v for k, v in sorted(res.get('outputs', {}).items())}

def current(dest:Path) -> tuple[str|None, dict]:
    md = dest.read_text(encoding='utf-8') if dest.exists() else None
    fd = dest.parent/FILES
    files = ({f'{FILES}/{p.relative_to(fd).as_posix()}': p.read_bytes() for p in sorted(fd.rglob('*')) if p.is_file()}
             if fd.is_dir() else {})
    return md, files

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='exit 1 if README.md (or README_files/) is not current')
    ap.add_argument('--nb', default=None, help='notebook to render (default nbs/index.ipynb)')
    ap.add_argument('--dest', default=None, help='README path (default README.md at the repo root)')
    a = ap.parse_args(argv)
    nb_arg, dest_arg = [Path(p).resolve() if p else None for p in (a.nb, a.dest)]
    os.chdir(ROOT)
    from nbdev.config import get_config
    cfg = get_config()
    nb = nb_arg or cfg.nbs_path/cfg.get('readme_nb', 'index.ipynb')
    dest = dest_arg or cfg.config_path/'README.md'
    if not nb.exists(): sys.exit(f'make_readme: {nb} does not exist')
    md, files = render_readme(nb, dest, cfg)
    if a.check:
        old_md, old_files = current(dest)
        probs = []
        if old_md != md:
            diff = list(difflib.unified_diff((old_md or '').splitlines(), md.splitlines(), f'{dest.name} (committed)',
                                             f'{dest.name} (from {nb.name})', lineterm='', n=1))
            add = sum(1 for l in diff if l.startswith('+') and not l.startswith('+++'))
            rm = sum(1 for l in diff if l.startswith('-') and not l.startswith('---'))
            probs.append(f'{dest.name} is not current: +{add} -{rm} lines'
                         + ('' if old_md is not None else ' (missing)'))
            print('\n'.join(diff[:60]) + ('\n...' if len(diff) > 60 else ''))
        for k in sorted(set(files) | set(old_files)):
            if k not in old_files: probs.append(f'{k} is missing')
            elif k not in files: probs.append(f'{k} is stale (no longer generated)')
            elif files[k] != old_files[k]: probs.append(f'{k} differs')
        if probs:
            print('\n'.join(probs) + f'\nRun: python tools/make_readme.py', file=sys.stderr)
            return 1
        print(f'{dest.name} is current with {nb.name}')
        return 0
    dest.write_text(md, encoding='utf-8')
    fd = dest.parent/FILES
    if fd.exists(): shutil.rmtree(fd)
    for k, v in files.items():
        p = dest.parent/k; p.parent.mkdir(parents=True, exist_ok=True); p.write_bytes(v)
    print(f'wrote {dest}' + (f' and {len(files)} file(s) in {fd}' if files else ''))
    return 0

if __name__ == '__main__': sys.exit(main())
