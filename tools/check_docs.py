"""Render the documentation site without Quarto and check every page in headless Chromium.

Quarto cannot be installed on our machines, so this script does what `nbdev_docs` would do up to the
Quarto step and then stands in for Quarto with nbconvert:

1. **Process** every notebook with nbdev's own docs processors (`nbdev.serve_drv.main` with
   `FilterDefaults`, file selection by `nbdev.serve._proc_file`, i.e. exactly what `nbdev_proc_nbs`
   runs) into `OUT/_proc/`, in `--n_workers` spawned processes. A stub `quarto` that only fails is put
   first on `PATH`, so nothing can try `sudo` or `pip install`.
2. **Render** each processed notebook to `OUT/<output-file>` with nbconvert's `HTMLExporter`, doing
   Quarto's part: the title block from the front matter (`# Title` + `> description`), cell options
   (`#| echo: false`, `#| include: false`, `#| output: false`), pandoc heading ids, `.ipynb` links
   rewritten to the page they become (`00_weighting.ipynb` -> `weighting.html`), links to the
   published site (`doc_host` + `doc_baseurl`, which nbdev writes for backticked names) made
   relative, and a navigation sidebar built from `nbs/sidebar.yml`.
3. **Open** every page in one headless Chromium (Debian package `chromium`) driven over the DevTools
   protocol on a pipe (no extra Python package, no network port; external requests are blocked), and
   save a PNG screenshot per page to `OUT/screenshots/`.
4. **Fail** (exit 1, listing every problem) on: a notebook nbdev cannot process; a page that does not
   load; an error output or a `Traceback` in a rendered cell; a broken internal link (missing page,
   missing `#anchor`, missing local file, or a GitHub source link to a file not in the repo); an image
   that does not load (`naturalWidth == 0` in the browser; without the browser: data URIs must decode
   and local files exist); a TeX error shown by MathJax; a code cell shown on the page whose last statement is an
   expression (not a call such as `test_eq` or `print` that returns None) or that draws a plot, but which has no
   output in the committed notebook (execute it and commit the outputs); an output that shows a machine path
   (`/work/`, `/root/`, `/tmp/`, a home folder, a `site-packages` path); an empty page; a page without a
   one-sentence purpose (`> description`) or with a malformed title; an exported name in the page's
   module `__all__` with no `show_doc` entry; a sidebar entry that does not exist or a notebook
   missing from the sidebar; `nbs/nbdev.yml` out of date with `settings.ini`.
   Warnings (stderr output, JavaScript exceptions, cells mixing imports with other code) are listed
   but do not fail the run. The usual reason nbdev cannot process a notebook: to build `show_doc`,
   nbdev executes the exported cells and *every cell that contains an import*, so a cell such as
   `import tempfile` + code using earlier variables fails (NameError) or runs a training at docs time;
   keep imports in cells of their own.

Usage, from anywhere inside the repository, in the dev environment:

    python tools/check_docs.py [--out docs_check] [--no-browser] [--nbs PATH] [--only NB ...] [--n_workers 1]

    python tools/check_docs.py                     # all of nbs/, output in docs_check/
    python tools/check_docs.py --no-browser        # static checks only (no Chromium needed)
    python tools/check_docs.py --nbs some/dir --out /tmp/site   # another notebook folder
    python tools/check_docs.py --only 00_weighting.ipynb 01_losses.ipynb

Open `docs_check/index.html` (or any page) in a browser to read the rendered site. Chromium is
installed with `apt-get install -y chromium`; `--chromium PATH` (or `$CHROMIUM`) picks another binary.
MathJax is used from Debian's `libjs-mathjax` when installed (otherwise equations stay as TeX).
"""
from __future__ import annotations
import argparse, ast, base64, binascii, json, os, re, select, shutil, subprocess, sys, tempfile, time, warnings
from pathlib import Path
from urllib.parse import urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent
MATHJAX = Path('/usr/share/javascript/mathjax/MathJax.js')
MARKER = '.check_docs_output'  # marks an output folder this script may wipe
W, H, MAX_SHOT_H = 1280, 900, 12000

# ------------------------------------------------------------------------------------------------
# Quarto emulation shared with make_readme.py

_re_qopt = re.compile(r'^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$')
_re_fm = re.compile(r'^---\s*\n(.*?)\n---\s*$', re.DOTALL)

def cell_src(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s

def split_quarto_opts(src:str):
    "Split the leading `#| key: value` lines Quarto reads off a code cell: (options, remaining source)"
    import yaml
    lines, opts = src.splitlines(), {}
    while lines and _re_qopt.match(lines[0]):
        k, v = _re_qopt.match(lines.pop(0)).groups()
        try: opts[k] = yaml.safe_load(v) if v else None
        except Exception: opts[k] = v
    return opts, '\n'.join(lines)

def frontmatter(nb) -> dict:
    "The YAML front matter nbdev's `FrontmatterProc` put in the first raw cell (or {})"
    import yaml
    for c in nb['cells']:
        if c['cell_type'] == 'raw':
            m = _re_fm.match(cell_src(c).strip())
            if m: return yaml.safe_load(m.group(1)) or {}
    return {}

_re_link_attr = re.compile(r'(\]\([^)\s]*(?:\s+"[^"]*")?\))\{[^}\n]*\}')
_re_fdiv = re.compile(r'^:{3,}.*$\n?', re.MULTILINE)
_re_hdr_attr = re.compile(r'^(#{1,6}\s.*?)\s*\{#([\w.:-]+)[^}]*\}\s*$', re.MULTILINE)

def pandoc_md(md:str) -> str:
    "Turn the pandoc-only markdown nbdev emits into CommonMark: link attributes, fenced divs, `{#id}`"
    md = _re_link_attr.sub(r'\1', md)
    md = _re_fdiv.sub('', md)
    return _re_hdr_attr.sub(lambda m: f'<span id="{m.group(2)}"></span>\n\n{m.group(1)}', md)

def quartoise(nb, title_block:str='html'):
    """Apply Quarto's reading of a processed notebook in place: front matter -> title block,
    cell options -> nbconvert tags, pandoc markdown -> CommonMark. Returns the front matter."""
    fm = frontmatter(nb)
    cells = []
    for c in nb['cells']:
        if c['cell_type'] == 'raw' and _re_fm.match(cell_src(c).strip()): continue
        if c['cell_type'] == 'markdown': c['source'] = pandoc_md(cell_src(c))
        if c['cell_type'] == 'code':
            opts, c['source'] = split_quarto_opts(cell_src(c))
            if opts.get('include') is False: continue
            tags = set(c.setdefault('metadata', {}).get('tags', []))
            if opts.get('echo') is False: tags.add('remove_input')
            if opts.get('output') is False: tags.add('remove_output')
            if tags: c['metadata']['tags'] = sorted(tags)
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md is not None: o['data']['text/markdown'] = pandoc_md(''.join(md) if isinstance(md, list) else md)
        cells.append(c)
    if fm.get('title'):
        if title_block == 'html':
            desc = f'\n<div class="description">\n\n{fm["description"]}\n\n</div>\n' if fm.get('description') else ''
            src = f'<header id="title-block-header">\n\n# {fm["title"]}\n{desc}\n</header>'
        else:
            src = f'# {fm["title"]}' + (f'\n\n> {fm["description"]}' if fm.get('description') else '')
        cells.insert(0, {'cell_type': 'markdown', 'metadata': {}, 'source': src})
    nb['cells'] = cells
    return fm

def site_url(cfg) -> str: return (cfg.get('doc_host', '') + cfg.get('doc_baseurl', '')).rstrip('/') + '/'

def page_name(nb_rel:Path, fm:dict) -> str:
    "The page Quarto writes for notebook `nb_rel` (nbdev sets `output-file`, e.g. 00_weighting -> weighting.html)"
    out = fm.get('output-file') or nb_rel.with_suffix('.html').name
    return (nb_rel.parent/out).as_posix()

def nbdev_yml_expected(cfg) -> str:
    "What `nbdev.quarto.refresh_quarto_yml` writes to nbs/nbdev.yml"
    from nbdev.quarto import _nbdev_yml
    vals = {k:cfg[k] for k in ['title', 'description', 'branch', 'git_url', 'doc_host', 'doc_baseurl']}
    vals['doc_path'] = cfg.doc_path.name
    return _nbdev_yml.format(**vals)

# ------------------------------------------------------------------------------------------------
# Step 1: nbdev processing

STUB_QUARTO = '#!/bin/sh\necho "check_docs: quarto is not available here (stub called with: $*)" >&2\nexit 3\n'

def stub_quarto_on_path(tmp:Path):
    "Put a `quarto` that only fails first on PATH (inherited by the spawned workers)"
    d = tmp/'stub_bin'; d.mkdir(parents=True, exist_ok=True)
    q = d/'quarto'; q.write_text(STUB_QUARTO); q.chmod(0o755)
    os.environ['PATH'] = f'{d}{os.pathsep}{os.environ.get("PATH", "")}'

def _src_cell_idx(src:Path, code:str):
    "Index in the source notebook of the cell whose code starts like `code`"
    first = next((l.strip() for l in code.splitlines() if l.strip() and not l.lstrip().startswith('#|')), None)
    if not first: return '?'
    cells = json.loads(Path(src).read_text(encoding='utf-8'))['cells']
    return next((i for i, c in enumerate(cells) if first in cell_src(c)), '?')

_IMPORT_HINT = ('nbdev runs exported cells and every cell containing an import to build show_doc: '
                'put such imports in a cell of their own (nbdev FAQ)')

def proc_one(args):
    "Worker: run nbdev's docs processing on one notebook exactly as `proc_nbs` does; never raises"
    src, dst, cb = args
    import nbdev.serve_drv, traceback
    t, err = time.perf_counter(), None
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        try: nbdev.serve_drv.main((Path(src), Path(dst), cb))
        except BaseException as e:
            head, _, code = str(e).partition('\n')
            cause = e.__cause__
            if cause is not None and head.startswith('Error'):
                err = (f'{type(cause).__name__}: {str(cause)[:200]} -- when nbdev ran source cell '
                       f'{_src_cell_idx(src, code)} ({code.strip().splitlines()[0][:60] if code.strip() else ""!r}). '
                       + _IMPORT_HINT)
            else: err = ''.join(traceback.format_exception(e)[-3:]).strip()
    wl = []
    for w in ws:
        m = str(w.message)
        if m.startswith('Found cells containing imports and other code'):
            code = m.split('---\n', 1)[-1].rsplit('\n---', 1)[0]
            wl.append(f'source cell {_src_cell_idx(src, code)} mixes imports and other code, so nbdev executes it '
                      'when building docs; move the imports into their own cell')
    return err, time.perf_counter()-t, wl

def process_nbs(nbs:list, nbs_path:Path, proc:Path, n_workers:int=1):
    "Process `nbs` into `proc` with nbdev's FilterDefaults; returns {nb: (error or None, seconds, warnings)}"
    from nbdev.serve import _proc_file
    jobs = {}
    for nb in nbs:
        r = _proc_file(nb, proc, nbs_path)  # (src, dst, FilterDefaults) unless skipped / cached
        if r: jobs[nb] = r
    # By module name, not __main__: nbdev's CaptureShell replaces sys.modules['__main__'] in the worker
    sys.path.insert(0, str(Path(__file__).parent))
    from check_docs import proc_one as _proc_one
    if n_workers < 1: return {nb: _proc_one(j) for nb, j in jobs.items()}
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(n_workers, mp_context=mp.get_context('spawn')) as ex:
        futs = {nb: ex.submit(_proc_one, j) for nb, j in jobs.items()}
        res = {}
        for nb, f in futs.items():
            try: res[nb] = f.result()
            except BaseException as e: res[nb] = (f'worker died: {e!r}', 0., [])
    return res

# ------------------------------------------------------------------------------------------------
# Step 2: static checks on the processed notebook

_re_sd_hdr = re.compile(r'^#{2,6}\s+(\S+)\s*$', re.MULTILINE)
_abbrev = re.compile(r'\b(e\.g|i\.e|et al|etc|cf|vs|Fig|Figs|Eq|Eqs|Sec|Tab|approx|resp|No)\.', re.IGNORECASE)

def one_sentence(s:str) -> bool:
    s = _abbrev.sub('ABBR', s.strip())
    s = re.sub(r'\$[^$]*\$', 'MATH', s)
    return len(re.findall(r'[.!?]\s+[A-Z(]', s)) == 0

def module_all(py:Path):
    "`__all__` of an exported module, read without importing it"
    for node in ast.parse(py.read_text(encoding='utf-8')).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []

def default_exp(nb):
    for c in nb['cells']:
        if c['cell_type'] == 'code':
            m = re.search(r'^\s*#\|\s*default_exp\s+(\S+)', cell_src(c), re.MULTILINE)
            if m: return m.group(1)

# Calls that return None by convention: a cell ending in one of them needs no output
NONE_CALLS = {'test_eq', 'test_ne', 'test_close', 'test_fail', 'test_is', 'test_warns', 'test_stdout', 'test_eq_type',
              'test_shuffled', 'test_fig_exists', 'print', 'display', 'assert_allclose', 'set_num_threads', 'set_seed',
              'manual_seed', 'seed', 'show_doc', 'append', 'extend', 'update', 'setdefault', 'sort', 'mkdir', 'unlink',
              'rmtree', 'remove', 'close', 'savefig', 'filterwarnings', 'simplefilter', 'seterr', 'chdir', 'fit',
              'fit_one_cycle', 'fit_flat_cos', 'fine_tune', 'add_cb', 'add_cbs', 'remove_cb', 'remove_cbs', 'run',
              'write', 'write_text', 'write_bytes', 'dump', 'save', 'to_csv', 'to_json', 'nbdev_export', 'exec',
              'register_buffer', 'zero_', 'backward', 'step', 'zero_grad', 'shutdown', 'join', 'sleep', 'tight_layout'}
_re_plot = re.compile(r'\bplt\.(?!close\b|rcParams\b|ioff\b|ion\b|style\b)|\.plot\(|\bimshow\(|\bshow_batch\(|'
                      r'\bshow_results\(|\bplot_\w+\(|\.bar\(|\.scatter\(|\.hist\(')
_re_machine_path = re.compile(r'(?<![\w.])(/work/|/root/|/tmp/|/home/\w+/|/private/var/|/var/folders/)'
                              r'|[\w./-]*(site|dist)-packages/')
_re_directive = re.compile(r'^\s*#\|\s*([\w-]+)(?:\s*:\s*(.*?))?\s*$')

def _cell_opts(src:str) -> dict:
    "nbdev/Quarto directives of a code cell ({name: value or True})"
    return {m.group(1): (m.group(2) if m.group(2) is not None else True)
            for l in src.splitlines() if (m := _re_directive.match(l))}

def _call_name(node) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, 'id', '')

def output_expected(src:str):
    "Why a code cell shown on the page must have an output ('expression', 'plot') or None"
    opts = _cell_opts(src)
    if opts.keys() & {'hide', 'export', 'exporti', 'exports', 'export_', 'eval'}: return None
    if str(opts.get('include', '')).lower() == 'false' or str(opts.get('output', '')).lower() == 'false': return None
    code = '\n'.join(l for l in src.splitlines() if not l.lstrip().startswith(('%', '!', '#|')))
    try: tree = ast.parse(code)
    except SyntaxError: return None
    if not tree.body: return None
    if 'show_doc' in code: return None
    none_call = lambda n: n in NONE_CALLS or n.startswith(('test_', 'assert', 'check_'))  # validators return None
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Constant) and not code.rstrip().endswith(';'):
        if not (isinstance(last.value, ast.Call) and none_call(_call_name(last.value))): return 'expression'
    # a plot drawn at the top level (not inside a def, a class or a test_fail(lambda: ...)) shows up as an output
    is_test = lambda n: (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                         and _call_name(n.value).startswith('test_'))
    top = [n for n in tree.body
           if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not is_test(n)]
    drawn = '\n'.join(ast.unparse(n) for n in top)
    if _re_plot.search(drawn) and 'plt.close(' not in drawn: return 'plot'
    return None

def _output_text(o) -> str:
    if o.get('output_type') == 'stream': t = o.get('text', '')
    elif o.get('output_type') == 'error': t = o.get('traceback', [])
    else: t = [v for k, v in o.get('data', {}).items() if k.startswith('text/') or k.endswith(('json', 'javascript'))]
    flat = lambda x: ''.join(flat(y) for y in x) if isinstance(x, list) else str(x)
    return flat(t)

def check_outputs(src_nb) -> list:
    """Problems in the committed notebook's outputs: a shown cell that ends in an expression or draws a plot
    but has no output (execute the notebook and commit it), and outputs that carry a machine path"""
    probs = []
    for i, c in enumerate(src_nb['cells']):
        if c['cell_type'] != 'code': continue
        src, outs = cell_src(c), c.get('outputs', [])
        why = output_expected(src)
        if why and not outs:
            first = next((l.strip() for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#|')), '')
            what = 'an expression' if why == 'expression' else 'a plot'
            probs.append(f'source cell {i} ({first[:50]!r}) ends in {what} '
                         'but has no output: execute the notebook and commit its outputs')
        for o in outs:
            m = _re_machine_path.search(_output_text(o))
            if m:
                probs.append(f'source cell {i}: output shows a machine path ({m.group(0)!r}...): print paths '
                             'relative to the repository or data folder, or silence the warning that prints it')
                break
    return probs

def check_processed(src_nb, pnb, fm, lib_path:Path):
    "Problems and warnings visible in the processed notebook itself"
    probs, warns = [], []
    src_cells = src_nb['cells']
    def where(c):
        first = next((l.strip() for l in cell_src(c).splitlines() if l.strip() and not l.lstrip().startswith('#|')), None)
        i = next((i for i, sc in enumerate(src_cells) if first and first in cell_src(sc)), '?')
        return f'source cell {i}'
    for c in pnb['cells']:
        for o in c.get('outputs', []):
            ot = o.get('output_type')
            if ot == 'error':
                probs.append(f'{where(c)}: error output {o.get("ename")}: {str(o.get("evalue"))[:120]}')
            elif ot == 'stream':
                txt = ''.join(o.get('text', ''))
                if 'Traceback' in txt: probs.append(f'{where(c)}: Traceback in {o.get("name")} output')
                elif o.get('name') == 'stderr' and txt.strip(): warns.append(f'{where(c)}: stderr: {txt.strip().splitlines()[0][:100]}')
            else:
                txt = ''.join(o.get('data', {}).get('text/plain', ''))
                if 'Traceback (most recent call last)' in txt: probs.append(f'{where(c)}: Traceback in output')
    probs += check_outputs(src_nb)
    title, desc = fm.get('title'), fm.get('description')
    if not title: probs.append('no title: the first markdown cell must be `# Title` then `> description`')
    elif str(title).lstrip().startswith('#'): probs.append(f'malformed title {str(title)[:60]!r} (doubled `#`)')
    if not desc: probs.append('no one-sentence purpose: add `> description` under the `# Title`')
    elif not one_sentence(str(desc)): probs.append(f'description is more than one sentence: {str(desc)[:100]!r}')
    mod = default_exp(src_nb)
    if mod:
        py = lib_path/(mod.replace('.', '/') + '.py')
        if not py.exists(): probs.append(f'module {mod} ({py.name}) not exported: run nbdev_export')
        else:
            shown = set()
            for c in pnb['cells']:
                if 'show_doc' not in cell_src(c): continue
                for o in c.get('outputs', []):
                    md = o.get('data', {}).get('text/markdown', '')
                    shown.update(n.replace('\\_', '_') for n in _re_sd_hdr.findall(''.join(md)))
            # nbdev documents exported functions and classes; ALL_CAPS data tables (constants) get no show_doc
            missing = [n for n in module_all(py) if n not in shown and not n.isupper()]
            if missing: probs.append(f'exported without show_doc entry: {", ".join(missing)}')
    return probs, warns

# ------------------------------------------------------------------------------------------------
# Step 3: HTML rendering

SIDEBAR_CSS = """
body { margin-left: 270px !important; }
#dm-sidebar { position: fixed; left: 0; top: 0; bottom: 0; width: 250px; overflow-y: auto; padding: 1rem;
  font: 14px/1.5 system-ui, sans-serif; background: #f7f7f9; border-right: 1px solid #ddd; box-sizing: border-box; }
#dm-sidebar .site { font-weight: 700; font-size: 16px; display: block; margin-bottom: .6rem; }
#dm-sidebar .section { font-weight: 600; margin-top: .8rem; }
#dm-sidebar a { display: block; color: #2c3e50; text-decoration: none; padding: 1px 0 1px .6rem; }
#dm-sidebar a.active { font-weight: 700; color: #1a5fb4; }
#dm-sidebar .missing { display: block; padding-left: .6rem; color: #c01c28; text-decoration: line-through; }
header#title-block-header { margin: 1rem 0 1.5rem; }
"""

def load_sidebar(nbs_path:Path):
    "The sidebar.yml entries as [(section or None, href)], or None when there is no sidebar.yml"
    import yaml
    p = nbs_path/'sidebar.yml'
    if not p.exists(): return None
    d = yaml.safe_load(p.read_text()) or {}
    out = []
    def walk(items, sec):
        for it in items or []:
            if isinstance(it, str): out.append((sec, it))
            elif isinstance(it, dict):
                if 'contents' in it:
                    if it.get('href'): out.append((it.get('section', sec), it['href']))
                    walk(it['contents'], it.get('section', sec))
                elif 'href' in it: out.append((sec, it['href']))
    walk(d.get('website', {}).get('sidebar', {}).get('contents', []), None)
    return out

def sidebar_html(entries, pages:dict, cur_page:str, title:str):
    "Navigation for `cur_page`: `pages` maps notebook rel path -> (page rel path, page title)"
    rel = lambda p: os.path.relpath(p, os.path.dirname(cur_page) or '.')
    from html import escape
    idx = [pg for pg, _ in pages.values() if pg == 'index.html']
    h = [f'<nav id="dm-sidebar"><a class="site" href="{rel("index.html")}">{escape(title)}</a>' if idx
         else f'<nav id="dm-sidebar"><span class="site">{escape(title)}</span>']
    sec = object()
    for s, href in entries or []:
        if s != sec:
            sec = s
            if s: h.append(f'<div class="section">{escape(s)}</div>')
        if href in pages:
            pg, t = pages[href]
            act = ' class="active"' if pg == cur_page else ''
            h.append(f'<a href="{rel(pg)}"{act}>{escape(str(t))}</a>')
        else: h.append(f'<span class="missing" title="not found">{escape(href)}</span>')
    return '\n'.join(h) + '</nav>'

def pandoc_id(text:str) -> str:
    "Pandoc's auto_identifiers (Quarto's heading ids)"
    s = ''.join(ch for ch in text if ch.isalnum() or ch in '_-. \n\t')
    s = re.sub(r'\s+', '-', s.strip()).lower()
    s = re.sub(r'^[^a-z]+', '', s) if re.search(r'[^\W\d_]', s) else ''
    return s or 'section'

def html_exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    c = Config()
    c.TemplateExporter.exclude_input_prompt = c.TemplateExporter.exclude_output_prompt = True  # as Quarto
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    c.TagRemovePreprocessor.remove_all_outputs_tags = {'remove_output'}
    c.TagRemovePreprocessor.remove_cell_tags = {'remove_cell'}
    if MATHJAX.exists(): c.HTMLExporter.mathjax_url = f'{MATHJAX.as_uri()}?config=TeX-AMS_CHTML-full,Safe'
    return HTMLExporter(config=c, template_name='lab')

def render_page(pnb, fm, nb_rel:Path, page:str, ctx) -> str:
    "HTML for one processed notebook, with Quarto's link rewriting and our sidebar"
    import nbformat
    from bs4 import BeautifulSoup
    quartoise(pnb, 'html')
    for c in pnb['cells']: c.pop('id', None)
    node = nbformat.v4.rwbase.rejoin_lines(nbformat.from_dict(pnb))  # nbdev writes multi-line strings as lists
    node.nbformat, node.nbformat_minor = 4, 4
    lang = node.metadata.get('kernelspec', {}).get('language', 'python')
    node.metadata.setdefault('language_info', {'name': lang})  # nbdev_clean drops it; exporters want it
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        body, _ = ctx['exporter'].from_notebook_node(node, resources={'metadata': {'name': fm.get('title') or nb_rel.stem}})
    soup = BeautifulSoup(body, 'html.parser')
    hdr = soup.find('header', id='title-block-header')
    if hdr and hdr.find('h1'):
        h1 = hdr.find('h1'); h1.attrs = {'class': 'title'}
        for a in h1.find_all('a', class_='anchor-link'): a.decompose()
    seen = {}
    for h in soup.find_all(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']):
        if hdr and h in hdr.find_all('h1'): continue
        for a in h.find_all('a', class_='anchor-link'): a.extract()
        hid = pandoc_id(h.get_text(' '))
        n = seen.get(hid, 0); seen[hid] = n+1
        if n: hid = f'{hid}-{n}'
        h['id'] = hid
        a = soup.new_tag('a', attrs={'class': 'anchor-link', 'href': f'#{hid}'}); a.string = '¶'
        h.append(a)
    here = os.path.dirname(page) or '.'
    for a in soup.find_all('a', href=True):
        a['href'] = rewrite_href(a['href'], nb_rel, here, ctx)
    for img in soup.find_all('img', src=True):
        s = img['src']
        if s.startswith(('data:', 'http:', 'https:', 'file:', '/')): continue
        srcf = (ctx['nbs_path']/nb_rel.parent/unquote(s.split('#')[0])).resolve()
        if srcf.is_file():
            dst = ctx['out']/here/unquote(s.split('#')[0])
            dst.parent.mkdir(parents=True, exist_ok=True); shutil.copy2(srcf, dst)
    head = soup.find('head')
    css = soup.new_tag('style'); css.string = SIDEBAR_CSS; head.append(css)
    if ctx.get('styles'):
        head.append(soup.new_tag('link', attrs={'rel': 'stylesheet', 'href': os.path.relpath('styles.css', here)}))
    t = soup.find('title')
    if t: t.string = f'{fm.get("title") or nb_rel.stem} – {ctx["site_title"]}'
    nav = BeautifulSoup(sidebar_html(ctx['sidebar'], ctx['pages'], page, ctx['site_title']), 'html.parser')
    soup.body.insert(0, nav)
    return str(soup)

def rewrite_href(href:str, nb_rel:Path, here:str, ctx) -> str:
    "Quarto's link rewriting: notebook links -> their pages; published-site links -> relative"
    site = ctx['site_url']
    if site and href.startswith(site):
        return os.path.relpath(href[len(site):].split('#')[0] or 'index.html', here) + (('#' + href.split('#', 1)[1]) if '#' in href else '')
    u = urlsplit(href)
    if u.scheme or u.netloc or not u.path.endswith('.ipynb'): return href
    target = os.path.normpath((nb_rel.parent/unquote(u.path)).as_posix())
    pg = ctx['pages'].get(target, (str(Path(target).with_suffix('.html')),))[0]
    return os.path.relpath(pg, here) + (f'#{u.fragment}' if u.fragment else '')

# ------------------------------------------------------------------------------------------------
# Static link/image checks on the rendered site

def check_links(out:Path, pages:list, ctx):
    "{page: [problems]} for broken internal links, missing local files and undecodable data images"
    from bs4 import BeautifulSoup
    ids, soups, res = {}, {}, {}
    for pg in pages:
        s = BeautifulSoup((out/pg).read_text(encoding='utf-8'), 'html.parser')
        soups[pg] = s
        ids[pg] = {t['id'] for t in s.find_all(id=True)} | {t['name'] for t in s.find_all('a', attrs={'name': True})}
    gh = (ctx['git_url'].rstrip('/') + f'/blob/{ctx["branch"]}/') if ctx.get('git_url') else None
    for pg, s in soups.items():
        probs, here = [], (out/pg).parent
        for a in s.find_all('a', href=True):
            href = a['href']
            if gh and href.startswith(gh):
                u = urlsplit(href[len(gh):]); f = ctx['root']/unquote(u.path)
                if not f.is_file(): probs.append(f'source link to a file not in the repo: {href}')
                elif re.fullmatch(r'L\d+', u.fragment) and int(u.fragment[1:]) > len(f.read_text(encoding='utf-8').splitlines()):
                    probs.append(f'source link past the end of {u.path}: {href}')
                continue  # (nbdev writes #LNone for symbols shown outside their own notebook: harmless)
            u = urlsplit(href)
            if u.scheme or u.netloc or href.startswith(('mailto:', 'javascript:')): continue
            if ctx['site_url'] and href.startswith(ctx['site_url']):
                probs.append(f'link to a page that is not built: {href}'); continue
            if not u.path:
                if u.fragment and unquote(u.fragment) not in ids[pg]: probs.append(f'broken anchor: #{u.fragment}')
                continue
            tgt = (here/unquote(u.path)).resolve()
            try: rel = tgt.relative_to(out.resolve()).as_posix()
            except ValueError: rel = None
            if rel in ctx['unbuilt']: continue  # not selected with --only
            if not tgt.exists():
                probs.append(f'broken link: {href} ({a.get_text(" ", strip=True)[:40]!r})')
            elif u.fragment and rel in ids and unquote(u.fragment) not in ids[rel]:
                probs.append(f'broken anchor: {href}')
        for img in s.find_all('img'):
            src = img.get('src', '')
            if not src: probs.append('image without src'); continue
            if src.startswith('data:'):
                try:
                    meta, data = src.split(',', 1)
                    raw = base64.b64decode(data, validate=True) if ';base64' in meta else data.encode()
                    if not raw: raise ValueError('empty')
                except (ValueError, binascii.Error) as e: probs.append(f'image data URI does not decode ({e}): {src[:60]}')
            elif not urlsplit(src).scheme and not (here/unquote(src.split('#')[0])).exists():
                probs.append(f'image file missing: {src}')
        res[pg] = probs
    return res

def page_text_len(html:str) -> int:
    "Characters of content beyond the sidebar and title block (static stand-in for the browser check)"
    from bs4 import BeautifulSoup
    s = BeautifulSoup(html, 'html.parser')
    for t in s.select('nav#dm-sidebar, header#title-block-header, script, style, head'): t.decompose()
    return len(re.sub(r'\s+', ' ', (s.find('main') or s.body or s).get_text(' ')).strip())

# ------------------------------------------------------------------------------------------------
# Step 4: headless Chromium over the DevTools protocol (--remote-debugging-pipe)

class CDPError(Exception): pass

class Chrome:
    "One headless Chromium, driven over fds 3/4 (`--remote-debugging-pipe`)"
    FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-extensions',
             '--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio', '--allow-file-access-from-files',
             '--disable-default-apps', '--no-default-browser-check', '--renderer-process-limit=2']

    def __init__(self, exe:str, log:Path):
        import fcntl
        self.udd = tempfile.mkdtemp(prefix='check_docs_chromium_')
        r_in, self.w = os.pipe()      # we write -> chromium reads fd 3
        self.r, w_out = os.pipe()     # chromium writes fd 4 -> we read
        def _fds():
            a, b = fcntl.fcntl(r_in, fcntl.F_DUPFD, 10), fcntl.fcntl(w_out, fcntl.F_DUPFD, 10)
            os.dup2(a, 3); os.dup2(b, 4)
        self.logf = open(log, 'wb')
        self.proc = subprocess.Popen([exe, *self.FLAGS, f'--user-data-dir={self.udd}', f'--window-size={W},{H}',
                                      '--remote-debugging-pipe', 'about:blank'],
                                     stdin=subprocess.DEVNULL, stdout=self.logf, stderr=self.logf,
                                     preexec_fn=_fds, close_fds=False)
        os.close(r_in); os.close(w_out)
        self.buf, self.n, self.events = b'', 0, []
        try: self._setup()
        except BaseException: self.close(); raise

    def _setup(self):
        tid = self.call('Target.createTarget', {'url': 'about:blank'}, timeout=60)['targetId']
        self.sid = self.call('Target.attachToTarget', {'targetId': tid, 'flatten': True})['sessionId']
        for m in ('Page.enable', 'Network.enable', 'Runtime.enable'): self.call(m, session=self.sid)
        self.call('Network.setBlockedURLs', {'urls': ['http://*', 'https://*', 'ws://*', 'wss://*']}, self.sid)
        self.call('Page.addScriptToEvaluateOnNewDocument', {'source': TEX_HOOK}, self.sid)
        self.call('Emulation.setDeviceMetricsOverride', {'width': W, 'height': H, 'deviceScaleFactor': 1, 'mobile': False}, self.sid)

    def _read(self, deadline):
        while b'\0' not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0: raise TimeoutError('no answer from chromium')
            if not select.select([self.r], [], [], left)[0]: continue
            data = os.read(self.r, 1 << 20)
            if not data: raise CDPError(f'chromium exited (rc={self.proc.poll()})')
            self.buf += data
        msg, self.buf = self.buf.split(b'\0', 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=30):
        self.n += 1
        msg = {'id': self.n, 'method': method, 'params': params or {}}
        if session: msg['sessionId'] = session
        data = json.dumps(msg).encode() + b'\0'
        while data: data = data[os.write(self.w, data):]
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get('id') == self.n:
                if 'error' in m: raise CDPError(f'{method}: {m["error"].get("message")}')
                return m.get('result', {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get('method') == method: return self.events.pop(i)
            self.events.append(self._read(deadline))

    def eval(self, expr, timeout=30, await_promise=False):
        r = self.call('Runtime.evaluate', {'expression': expr, 'returnByValue': True, 'awaitPromise': await_promise},
                      self.sid, timeout=timeout)
        if 'exceptionDetails' in r: raise CDPError(r['exceptionDetails'].get('text', 'JS exception'))
        return r['result'].get('value')

    def close(self):
        if self.proc.poll() is None:
            try: self.call('Browser.close', timeout=5)
            except Exception: pass
        try: self.proc.wait(10)
        except subprocess.TimeoutExpired: self.proc.kill(); self.proc.wait()
        for fd in (self.r, self.w):
            try: os.close(fd)
            except OSError: pass
        self.logf.close()
        shutil.rmtree(self.udd, ignore_errors=True)

MATHJAX_WAIT = """new Promise(res => {
  if (!(window.MathJax && MathJax.Hub)) return res('none');
  let quiet = 0; const t0 = Date.now();
  const poll = () => {
    const q = MathJax.Hub.queue;
    quiet = (MathJax.isReady && q && !q.pending && !q.running) ? quiet + 1 : 0;
    if (quiet >= 3) return res('done');
    if (Date.now() - t0 > 30000) return res('timeout');
    setTimeout(poll, 100);
  };
  poll();
})"""

# Runs before any page script: MathJax 2 reads `window.MathJax` as its config and calls AuthorInit
TEX_HOOK = """window.__texErrors = [];
window.MathJax = {AuthorInit: function () {
  ['TeX Jax - parse error', 'TeX Jax - undefined control sequence', 'Math Processing Error'].forEach(h =>
    MathJax.Hub.Register.MessageHook(h, m => window.__texErrors.push(
      h.replace('TeX Jax - ', '') + ': ' + String(m[1]) + (typeof m[2] === 'string' ? ' in $' + m[2].slice(0, 60) + '$' : ''))));
}};"""

PAGE_JS = """(() => {
  const main = (document.querySelector('main') || document.body).cloneNode(true);
  main.querySelectorAll('nav#dm-sidebar, header#title-block-header, script, style').forEach(e => e.remove());
  const text = main.textContent.replace(/\\s+/g, ' ').trim();
  const imgs = [...document.images].map(i => ({src: (i.getAttribute('src') || '').slice(0, 70), ok: i.complete && i.naturalWidth > 0}));
  const mathErr = window.__texErrors || [];
  const plain = main.cloneNode(true);
  plain.querySelectorAll('pre, code, .MathJax, .MathJax_CHTML, .MathJax_Preview, .MathJax_Display, mjx-container').forEach(e => e.remove());
  const raw = (plain.textContent.match(/\$\$[^$]+\$\$|\$[^$\s][^$]{0,300}?\$|\\\([^)]*\\\)/g) || []).map(m => m.slice(0, 60));
  const rendered = document.querySelectorAll('.MathJax_CHTML, .MathJax_Display, mjx-container').length;
  return {ready: document.readyState, title: document.title, text: text.length, rawTex: raw, rendered,
          traceback: document.body.innerText.includes('Traceback (most recent call last)'),
          imgs, mathErr, height: document.documentElement.scrollHeight};
})()"""

def browse(chrome:Chrome, url:str, shot:Path):
    "Load `url`, run the DOM checks and save a screenshot: (problems, warnings, info)"
    probs, warns = [], []
    chrome.events.clear()
    nav = chrome.call('Page.navigate', {'url': url}, chrome.sid, timeout=30)
    if nav.get('errorText'): return [f'page does not load: {nav["errorText"]}'], [], {}
    chrome.wait_event('Page.loadEventFired', timeout=60)
    mj = chrome.eval(MATHJAX_WAIT, timeout=40, await_promise=True)
    if mj == 'timeout': warns.append('MathJax did not finish within 30 s')
    info = chrome.eval(PAGE_JS)
    if info['ready'] != 'complete': probs.append(f'page not fully loaded ({info["ready"]})')
    if info['traceback']: probs.append('page shows a Python Traceback')
    for im in info['imgs']:
        if not im['ok']: probs.append(f'image does not load in the browser: {im["src"]}')
    for e in info['mathErr']: probs.append(f'MathJax TeX error: {e}')
    if info['rawTex']: probs.append(f"{len(info['rawTex'])} formula(s) left as raw TeX, e.g. {info['rawTex'][0]!r}")
    reqs = {}
    for ev in chrome.events:
        m, p = ev.get('method'), ev.get('params', {})
        if m == 'Network.requestWillBeSent': reqs[p['requestId']] = p['request']['url']
        elif (m == 'Network.loadingFailed' and p.get('blockedReason') is None and 'BLOCKED' not in p.get('errorText', '')
              and p.get('type') != 'Image'):  # images are reported by the naturalWidth check
            probs.append(f'resource failed to load: {reqs.get(p["requestId"], "?")[:100]} ({p.get("errorText")})')
        elif m == 'Runtime.exceptionThrown':
            d = p.get('exceptionDetails', {})
            warns.append(f'JS exception: {(d.get("exception", {}).get("description") or d.get("text", ""))[:100]}')
    h = min(max(int(info['height']), H), MAX_SHOT_H)
    png = chrome.call('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True,
                      'clip': {'x': 0, 'y': 0, 'width': W, 'height': h, 'scale': 1}}, chrome.sid, timeout=60)
    shot.write_bytes(base64.b64decode(png['data']))
    return probs, warns, info

# ------------------------------------------------------------------------------------------------

def _prepare_out(out:Path):
    if out.exists() and any(out.iterdir()) and not (out/MARKER).exists():
        sys.exit(f'check_docs: {out} exists and was not made by this script; choose another --out')
    shutil.rmtree(out, ignore_errors=True)
    (out/'screenshots').mkdir(parents=True)
    (out/MARKER).write_text('generated by tools/check_docs.py; safe to delete\n')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=None, help='output folder (default: docs_check/ at the repo root, git-ignored)')
    ap.add_argument('--nbs', default=None, help='notebook folder (default: nbs_path from settings.ini)')
    ap.add_argument('--only', nargs='*', default=None, help='check only these notebooks (names relative to --nbs)')
    ap.add_argument('--no-browser', action='store_true', help='skip Chromium: static checks only')
    ap.add_argument('--n_workers', type=int, default=1, help='processes for nbdev processing (0: in this process)')
    ap.add_argument('--chromium', default=os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser'))
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = Path(a.out).resolve() if a.out else ROOT/'docs_check'
    nbs_arg = Path(a.nbs).resolve() if a.nbs else None
    os.chdir(ROOT)
    from nbdev.config import get_config
    from nbdev.doclinks import nbglob
    cfg = get_config()
    nbs_path = nbs_arg or cfg.nbs_path
    _prepare_out(out)
    tmp = Path(tempfile.mkdtemp(prefix='check_docs_'))
    import atexit; atexit.register(shutil.rmtree, tmp, True)
    stub_quarto_on_path(tmp)

    global_probs = []
    if not MATHJAX.exists() and not a.no_browser:
        global_probs.append(f'MathJax is absent ({MATHJAX}): every formula would show as raw TeX; install Debian\'s libjs-mathjax '
                            '(apt-get install -y libjs-mathjax)')
    all_nbs = sorted(nbglob(nbs_path, func=Path))
    nbs = all_nbs if a.only is None else [nbs_path/o for o in a.only]
    for nb in nbs:
        if not nb.exists(): global_probs.append(f'--only: {nb} does not exist')
    nbs = [nb for nb in nbs if nb.exists()]
    rels = {nb: nb.relative_to(nbs_path) for nb in nbs}

    # config and sidebar
    sidebar = load_sidebar(nbs_path)
    if nbs_arg is None or nbs_path == cfg.nbs_path:
        ny = cfg.nbs_path/'nbdev.yml'
        if not ny.exists() or ny.read_text() != nbdev_yml_expected(cfg):
            global_probs.append('nbs/nbdev.yml is missing or out of date with settings.ini: run '
                                '`python -c "from nbdev.quarto import refresh_quarto_yml; refresh_quarto_yml()"`')
        qy = cfg.nbs_path/'_quarto.yml'
        if not qy.is_symlink(): global_probs.append('nbs/_quarto.yml must be a symlink to ../_quarto.yml (the real config)')
        elif not qy.exists(): global_probs.append('nbs/_quarto.yml is a dangling symlink')
    if sidebar is None: global_probs.append(f'no sidebar.yml in {nbs_path} (custom_sidebar = True)')
    else:
        listed = [h for _, h in sidebar]
        for h in listed:
            if not (nbs_path/h).exists(): global_probs.append(f'sidebar.yml lists {h}, which does not exist')
        for h in sorted({h for h in listed if listed.count(h) > 1}): global_probs.append(f'sidebar.yml lists {h} twice')
        for nb in all_nbs:
            r = nb.relative_to(nbs_path).as_posix()
            if r not in listed: global_probs.append(f'{r} is missing from sidebar.yml')

    # 1. process
    proc = out/'_proc'
    print(f'Processing {len(nbs)} notebooks from {nbs_path} with nbdev ({a.n_workers} worker(s))...', flush=True)
    t = time.perf_counter()
    pres = process_nbs(nbs, nbs_path, proc, a.n_workers)
    t_proc = time.perf_counter() - t

    # 2. static checks + render
    import nbformat
    results = {}
    ctx = dict(nbs_path=nbs_path, out=out, site_url=site_url(cfg), site_title=str(cfg.get('title', cfg.lib_name)),
               sidebar=sidebar, pages={}, exporter=html_exporter(), root=ROOT, git_url=cfg.get('git_url'),
               branch=cfg.get('branch', 'main'), unbuilt=set(), styles=(nbs_path/'styles.css').exists())
    if ctx['styles']: shutil.copy2(nbs_path/'styles.css', out/'styles.css')
    pnbs = {}
    for nb in nbs:
        err, secs, pw = pres.get(nb, (f'not processed (skipped by nbdev)', 0., []))
        r = results[nb] = dict(probs=[], warns=list(pw), t_proc=secs, page=None, t_render=0., t_browser=0., shot=None, text=None)
        pf = proc/rels[nb]
        if err or not pf.exists():
            r['probs'].append(f'nbdev processing failed: {err or "no output"}'); continue
        pnb = json.loads(pf.read_text(encoding='utf-8'))
        fm = frontmatter(pnb)
        src_nb = json.loads(nb.read_text(encoding='utf-8'))
        p, w = check_processed(src_nb, pnb, fm, cfg.lib_path)
        r['probs'] += p; r['warns'] += w
        r['page'] = page_name(rels[nb], fm)
        ctx['pages'][rels[nb].as_posix()] = (r['page'], fm.get('title') or rels[nb].stem)
        pnbs[nb] = (pnb, fm)
    from nbdev.doclinks import _nbpath2html
    for nb in all_nbs:  # with --only: where the other notebooks' pages will be (links to them are not checked)
        rel = nb.relative_to(nbs_path)
        if rel.as_posix() not in ctx['pages']:
            titled = any(c['cell_type'] == 'markdown' and re.search(r'^#\s+\S', cell_src(c), re.M)
                         for c in json.loads(nb.read_text(encoding='utf-8'))['cells'])
            pg = (_nbpath2html(rel) if titled else rel.with_suffix('.html')).as_posix()
            ctx['pages'][rel.as_posix()] = (pg, rel.stem); ctx['unbuilt'].add(pg)
    by_page = {}
    for nb, r in results.items():
        if r['page']: by_page.setdefault(r['page'], []).append(rels[nb].as_posix())
    for pg, srcs in by_page.items():
        if len(srcs) > 1: global_probs.append(f'{", ".join(srcs)} all render to {pg}')
    for nb, (pnb, fm) in pnbs.items():
        r = results[nb]; t = time.perf_counter()
        try:
            html = render_page(pnb, fm, rels[nb], r['page'], ctx)
            (out/r['page']).parent.mkdir(parents=True, exist_ok=True)
            (out/r['page']).write_text(html, encoding='utf-8')
            r['text'] = page_text_len(html)
        except Exception as e:
            r['probs'].append(f'HTML rendering failed: {e!r}'); r['page'] = None
        r['t_render'] = time.perf_counter() - t
    pages = [r['page'] for r in results.values() if r['page']]
    links = check_links(out, pages, ctx)
    for nb, r in results.items():
        if r['page']: r['probs'] += links[r['page']]

    # 3. browser
    t_browser = 0.
    if not a.no_browser:
        if not a.chromium or not shutil.which(a.chromium):
            global_probs.append('chromium not found: `apt-get install -y chromium` (or pass --no-browser)')
        elif pages:
            t = time.perf_counter()
            chrome = None
            try:
                chrome = Chrome(a.chromium, out/'chromium.log')
                for nb, r in results.items():
                    if not r['page']: continue
                    ts = time.perf_counter()
                    shot = out/'screenshots'/(r['page'].replace('/', '__').removesuffix('.html') + '.png')
                    try:
                        p, w, info = browse(chrome, (out/r['page']).as_uri(), shot)
                        static = ' '.join(r['probs'])
                        p = [x for x in p if not (x.startswith('image does not load') and x.split(': ', 1)[1][:60] in static)
                             and not (x == 'page shows a Python Traceback' and ('Traceback' in static or 'error output' in static))]
                        r['probs'] += p; r['warns'] += w; r['shot'] = shot
                        r['text'] = info.get('text', r['text'])
                    except Exception as e:
                        r['probs'].append(f'page does not load in chromium: {e!r}')
                        if chrome.proc.poll() is not None:
                            chrome.close(); chrome = Chrome(a.chromium, out/'chromium.log')
                    r['t_browser'] = time.perf_counter() - ts
            except Exception as e: global_probs.append(f'chromium failed to start: {e!r} (see {out/"chromium.log"})')
            finally:
                if chrome: chrome.close()
            t_browser = time.perf_counter() - t
    for r in results.values():
        if r['page'] and r['text'] is not None and r['text'] < 80:
            r['probs'].append(f'empty page: only {r["text"]} characters of content')

    # report
    rows = [('notebook', 'page', 'proc s', 'html s', 'browser s', 'text', 'problems', 'warnings')]
    for nb, r in results.items():
        rows.append((rels[nb].as_posix(), r['page'] or '-', f'{r["t_proc"]:.1f}', f'{r["t_render"]:.1f}',
                     f'{r["t_browser"]:.1f}' if r['shot'] else '-', str(r['text'] if r['text'] is not None else '-'),
                     str(len(r['probs'])), str(len(r['warns']))))
    wid = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
    print()
    for i, row in enumerate(rows):
        print('  '.join(c.ljust(w) for c, w in zip(row, wid)))
        if i == 0: print('  '.join('-'*w for w in wid))
    n_probs = len(global_probs) + sum(len(r['probs']) for r in results.values())
    if global_probs or any(r['probs'] or r['warns'] for r in results.values()): print()
    for p in global_probs: print(f'PROBLEM  site: {p}')
    for nb, r in results.items():
        for p in r['probs']: print(f'PROBLEM  {rels[nb].as_posix()}: {p}')
        for w in r['warns']: print(f'warning  {rels[nb].as_posix()}: {w}')
    shots = [r['shot'] for r in results.values() if r['shot']]
    if shots:
        print('\nScreenshots:')
        for s in shots: print(f'  {s}')
    n_pages = len(pages)
    print(f'\n{n_pages} page(s) in {out}; nbdev processing {t_proc:.1f} s, browser {t_browser:.1f} s'
          + (f' ({t_browser/max(len(shots),1):.2f} s/page incl. start-up)' if shots else '')
          + f', total {time.perf_counter()-t0:.1f} s')
    print(f'{"FAILED" if n_probs else "OK"}: {n_probs} problem(s)')
    return 1 if n_probs else 0

if __name__ == '__main__': sys.exit(main())
