"""Render: nbdev's docs processing, then Quarto's part with nbconvert (HTML pages, or the README's markdown).

Quarto cannot be installed on our machines, so this does what `nbdev_docs` does up to the Quarto step and then
stands in for Quarto:

1. **Process** each notebook with nbdev's own docs processors (`nbdev.serve_drv.main` with `FilterDefaults`, file
   selection by `nbdev.serve._proc_file`, i.e. exactly what `nbdev_proc_nbs` runs), in spawned worker processes.
   A stub `quarto` that only fails is put first on `PATH`, so nothing can try `sudo` or `pip install`.
2. **Quartoise** the processed notebook: the title block from the front matter (`# Title` + `> description`), cell
   options (`#| echo: false`, `#| include: false`, `#| output: false`) as nbconvert tags, pandoc markdown (link
   attributes, fenced divs, `{#id}` headings) as CommonMark.
3. **Export** with nbconvert (`exporter('html')` for pages, `exporter('markdown')` for the README: one set-up),
   then for pages: pandoc heading ids, `.ipynb` links rewritten to the page they become (`00_weighting.ipynb` ->
   `weighting.html`), links to the published site (`doc_host` + `doc_baseurl`) made relative, local images copied,
   and a navigation sidebar built from `nbs/sidebar.yml`.
"""
from __future__ import annotations
import json, os, re, shutil, sys, time, warnings
from pathlib import Path
from urllib.parse import urlsplit, unquote

MATHJAX = Path('/usr/share/javascript/mathjax/MathJax.js')  # Debian's libjs-mathjax

# ------------------------------------------------------------------------------------------------
# Quarto's reading of a processed notebook
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
# nbconvert set-up shared by the pages and the README

TAGS = dict(remove_input_tags={'remove_input'}, remove_all_outputs_tags={'remove_output'},
            remove_cell_tags={'remove_cell'})

def exporter(kind:str='html'):
    "nbconvert's exporter as Quarto would render: 'html' (lab template, no prompts, local MathJax) or 'markdown'"
    from nbconvert import HTMLExporter, MarkdownExporter
    from traitlets.config import Config
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    for k, v in TAGS.items(): setattr(c.TagRemovePreprocessor, k, v)  # the tags `quartoise` sets
    if kind == 'markdown': return MarkdownExporter(config=c)
    c.TemplateExporter.exclude_input_prompt = c.TemplateExporter.exclude_output_prompt = True  # as Quarto
    if MATHJAX.exists(): c.HTMLExporter.mathjax_url = f'{MATHJAX.as_uri()}?config=TeX-AMS_CHTML-full,Safe'
    return HTMLExporter(config=c, template_name='lab')

def to_node(pnb):
    "An nbformat v4.4 node for a (quartoised) processed notebook, as the exporters want it"
    import nbformat
    for c in pnb['cells']: c.pop('id', None)
    node = nbformat.v4.rwbase.rejoin_lines(nbformat.from_dict(pnb))  # nbdev writes multi-line strings as lists
    node.nbformat, node.nbformat_minor = 4, 4
    lang = node.metadata.get('kernelspec', {}).get('language', 'python')
    node.metadata.setdefault('language_info', {'name': lang})  # nbdev_clean drops it; exporters want it
    return node

def export(exp, pnb, resources:dict):
    "(body, resources) of `pnb` through exporter `exp`, nbconvert's warnings silenced"
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return exp.from_notebook_node(to_node(pnb), resources=resources)

# ------------------------------------------------------------------------------------------------
# nbdev processing
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
    # `proc_one` is pickled by its module name (docsite.render): spawned workers import it from tools/ on sys.path
    if n_workers < 1: return {nb: proc_one(j) for nb, j in jobs.items()}
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(n_workers, mp_context=mp.get_context('spawn')) as ex:
        futs = {nb: ex.submit(proc_one, j) for nb, j in jobs.items()}
        res = {}
        for nb, f in futs.items():
            try: res[nb] = f.result()
            except BaseException as e: res[nb] = (f'worker died: {e!r}', 0., [])
    return res

# ------------------------------------------------------------------------------------------------
# HTML pages
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

def render_page(pnb, fm, nb_rel:Path, page:str, ctx) -> str:
    "HTML for one processed notebook, with Quarto's link rewriting and our sidebar"
    from bs4 import BeautifulSoup
    quartoise(pnb, 'html')
    body, _ = export(ctx['exporter'], pnb, {'metadata': {'name': fm.get('title') or nb_rel.stem}})
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
        frag = ('#' + href.split('#', 1)[1]) if '#' in href else ''
        return os.path.relpath(href[len(site):].split('#')[0] or 'index.html', here) + frag
    u = urlsplit(href)
    if u.scheme or u.netloc or not u.path.endswith('.ipynb'): return href
    target = os.path.normpath((nb_rel.parent/unquote(u.path)).as_posix())
    pg = ctx['pages'].get(target, (str(Path(target).with_suffix('.html')),))[0]
    return os.path.relpath(pg, here) + (f'#{u.fragment}' if u.fragment else '')
