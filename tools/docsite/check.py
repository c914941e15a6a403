"""Check: the static checks on the source notebooks, the processed notebooks and the rendered pages.

Each function returns a list of problems (strings); `check_docs.py` prefixes them with the page they belong to.
The checks a browser makes (images decode, formulas render, requests succeed) are in `browse.py`.

- site (`check_config`, `check_sidebar`, `check_unique_pages`): `nbs/nbdev.yml` current with settings.ini,
  `nbs/_quarto.yml` a symlink to the real config, MathJax installed, sidebar entries exist (and only once), every
  notebook in the sidebar, no two notebooks rendering to one page;
- processed notebook (`check_processed`): error outputs and Tracebacks, a title and a one-sentence description,
  a `show_doc` entry for each exported name; with `check_outputs` on the committed notebook: a shown cell ending in
  an expression or a plot with no output, an output that shows a machine path; stderr outputs and cells mixing
  imports with other code are warnings;
- rendered pages (`check_links`, `check_text`): broken internal links and anchors, GitHub source links to files not
  in the repository (or past their end), links to pages that are not built, images whose file is missing or whose
  data URI does not decode, empty pages.
"""
from __future__ import annotations
import ast, base64, binascii, re
from pathlib import Path
from urllib.parse import urlsplit, unquote
from .render import MATHJAX, cell_src, nbdev_yml_expected

# ------------------------------------------------------------------------------------------------
# Site

def check_config(cfg, mathjax:bool=True) -> list:
    "The project's docs configuration: nbs/nbdev.yml current, nbs/_quarto.yml a symlink; MathJax (when `mathjax`)"
    probs = []
    if mathjax and not MATHJAX.exists():
        probs.append(f'MathJax is absent ({MATHJAX}): every formula would show as raw TeX; '
                     'install Debian\'s libjs-mathjax (apt-get install -y libjs-mathjax)')
    if cfg is None: return probs
    ny = cfg.nbs_path/'nbdev.yml'
    if not ny.exists() or ny.read_text() != nbdev_yml_expected(cfg):
        probs.append('nbs/nbdev.yml is missing or out of date with settings.ini: run '
                     '`python -c "from nbdev.quarto import refresh_quarto_yml; refresh_quarto_yml()"`')
    qy = cfg.nbs_path/'_quarto.yml'
    if not qy.is_symlink(): probs.append('nbs/_quarto.yml must be a symlink to ../_quarto.yml (the real config)')
    elif not qy.exists(): probs.append('nbs/_quarto.yml is a dangling symlink')
    return probs

def check_sidebar(sidebar, nbs_path:Path, all_nbs:list) -> list:
    "sidebar.yml (`render.load_sidebar`'s entries): present, every entry exists once, every notebook listed"
    if sidebar is None: return [f'no sidebar.yml in {nbs_path} (custom_sidebar = True)']
    probs, listed = [], [h for _, h in sidebar]
    for h in listed:
        if not (nbs_path/h).exists(): probs.append(f'sidebar.yml lists {h}, which does not exist')
    for h in sorted({h for h in listed if listed.count(h) > 1}): probs.append(f'sidebar.yml lists {h} twice')
    for nb in all_nbs:
        r = nb.relative_to(nbs_path).as_posix()
        if r not in listed: probs.append(f'{r} is missing from sidebar.yml')
    return probs

def check_unique_pages(pages:dict) -> list:
    "`pages` maps notebook -> page: no two notebooks may render to one page"
    by_page = {}
    for nb, pg in pages.items():
        if pg: by_page.setdefault(pg, []).append(nb)
    return [f'{", ".join(srcs)} all render to {pg}' for pg, srcs in by_page.items() if len(srcs) > 1]

# ------------------------------------------------------------------------------------------------
# Notebooks: committed and processed
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
        first = next((l.strip() for l in cell_src(c).splitlines()
                      if l.strip() and not l.lstrip().startswith('#|')), None)
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
                elif o.get('name') == 'stderr' and txt.strip():
                    warns.append(f'{where(c)}: stderr: {txt.strip().splitlines()[0][:100]}')
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
# Rendered pages

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
                elif (re.fullmatch(r'L\d+', u.fragment)
                      and int(u.fragment[1:]) > len(f.read_text(encoding='utf-8').splitlines())):
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
                except (ValueError, binascii.Error) as e:
                    probs.append(f'image data URI does not decode ({e}): {src[:60]}')
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


EMPTY_PAGE = 80  # characters of content

def check_text(n_chars) -> list:
    "An empty page: fewer than EMPTY_PAGE characters of content (from the browser, or `page_text_len`)"
    return [f'empty page: only {n_chars} characters of content'] if n_chars is not None and n_chars < EMPTY_PAGE else []
