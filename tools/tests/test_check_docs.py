"""Tests of tools/check_docs.py and tools/docsite/: the full check on a fixture site, and the checks one by one.

The fixture site (`fixtures/site/`) has a good page that must pass every check, a bad page with one of each
problem: a TeX error, a formula left as raw TeX, a broken link, a broken anchor, a missing image, a cell ending in
an expression and one drawing a plot with no output, an output showing a machine path, an error output; and a
notebook nbdev cannot process (a cell mixing an import with code that needs an earlier cell: nbdev runs it, and
`show_doc` cells, to build the docs).
"""
import pickle, re, subprocess, sys
from pathlib import Path
import pytest
from docsite import check, render, browse

def out_(kind, **kw): return {'output_type': kind, **kw}  # a notebook output

def problems(res, page):
    return [l.split(': ', 1)[1] for l in res['stdout'].splitlines() if l.startswith(f'PROBLEM  {page}:')]

# ------------------------------------------------------------------------------------------------
# The checks one by one (no nbdev, no browser)

@pytest.mark.parametrize('src,why', [
    ('x = 1\nx', 'expression'), ('df.head()', 'expression'), ('x = 1', None), ('test_eq(1, 1)', None),
    ('print(1)', None), ('x;', None), ('plt.plot([1, 2]);', 'plot'), ('fig, ax = plt.subplots()', 'plot'),
    ('plt.plot([1])\nplt.close()', None), ('def f(): plt.plot([1])', None), ('#| hide\nx', None),
    ('#| export\ndef f(): pass\nf', None), ('#| output: false\nx', None), ('show_doc(f)', None), ('"a string"', None)])
def test_output_expected(src, why): assert check.output_expected(src) == why

def _nb(*cells): return {'cells': [{'cell_type': 'code', 'source': s, 'outputs': o} for s, o in cells]}
def _stream(t): return [{'output_type': 'stream', 'name': 'stderr', 'text': t}]

@pytest.mark.parametrize('text,bad', [
    ('/work/venv/lib/python3.11/site-packages/x.py:3: Warning', True), ('saved to /tmp/run/a.pt', True),
    ('/home/bob/data', True), ('/root/.cache/x', True), ('lib/python3/dist-packages/y', True),
    ('saved to runs/a.pt', False), ('accuracy 0.91 (see /docs/index)', False), ('http://x.org/work/', False)])
def test_machine_paths(text, bad):
    probs = check.check_outputs(_nb(('x', _stream(text))))
    assert bool([p for p in probs if 'machine path' in p]) == bad, probs

def test_missing_output(): 
    probs = check.check_outputs(_nb(('x = 1\nx', []), ('y = 2', []),
                                    ('x', [out_('execute_result', data={'text/plain': '1'})])))
    assert len(probs) == 1 and probs[0].startswith("source cell 0 ('x = 1') ends in an expression"), probs

@pytest.mark.parametrize('desc,ok', [('One sentence.', True), ('See e.g. the paper.', True),
                                     ('Two sentences. Here.', False), ('Weights $w_i. Z$ here.', True)])
def test_one_sentence(desc, ok): assert check.one_sentence(desc) == ok

def _processed(title_md, *cells):
    return {'cells': [{'cell_type': 'code', 'source': s, 'outputs': o, 'metadata': {}} for s, o in cells]}

def test_check_processed_title_description_errors(tmp_path):
    pnb = _processed('', ('1/0', [out_('error', ename='ZeroDivisionError', evalue='x', traceback=[])]),
                     ('print()', [out_('stream', name='stdout', text='Traceback (most recent call last)')]),
                     ('warn()', [out_('stream', name='stderr', text='UserWarning: careful')]))
    probs, warns = check.check_processed(pnb, pnb, {'title': '# T', 'description': 'One. Two.'}, tmp_path)
    assert any('error output ZeroDivisionError' in p for p in probs)
    assert any('Traceback in stdout output' in p for p in probs)
    assert any('malformed title' in p for p in probs) and any('more than one sentence' in p for p in probs)
    assert warns and 'stderr: UserWarning' in warns[0]
    probs, _ = check.check_processed(pnb, pnb, {}, tmp_path)
    assert any(p.startswith('no title') for p in probs) and any(p.startswith('no one-sentence purpose') for p in probs)

def test_check_processed_show_doc(tmp_path):
    (tmp_path/'mod.py').write_text("__all__ = ['f', 'g', 'TABLE']\n")
    src = {'cells': [{'cell_type': 'code', 'source': '#| default_exp mod', 'outputs': []}]}
    pnb = _processed('', ('show_doc(f)', [out_('display_data', data={'text/markdown': '### f\n\n> f(x)'})]))
    probs, _ = check.check_processed(src, pnb, {'title': 'T', 'description': 'D.'}, tmp_path)
    assert probs == ['exported without show_doc entry: g'], probs
    src['cells'][0]['source'] = '#| default_exp other'
    probs, _ = check.check_processed(src, pnb, {'title': 'T', 'description': 'D.'}, tmp_path)
    assert probs and 'not exported' in probs[0]

def test_check_sidebar(tmp_path):
    for n in ('a.ipynb', 'b.ipynb', 'c.ipynb'): (tmp_path/n).write_text('{}')
    nbs = sorted(tmp_path.glob('*.ipynb'))
    assert check.check_sidebar([(None, 'a.ipynb'), ('S', 'b.ipynb'), ('S', 'c.ipynb')], tmp_path, nbs) == []
    probs = check.check_sidebar([(None, 'a.ipynb'), (None, 'a.ipynb'), (None, 'x.ipynb')], tmp_path, nbs)
    assert probs == ['sidebar.yml lists x.ipynb, which does not exist', 'sidebar.yml lists a.ipynb twice',
                     'b.ipynb is missing from sidebar.yml', 'c.ipynb is missing from sidebar.yml'], probs
    assert check.check_sidebar(None, tmp_path, nbs)[0].startswith('no sidebar.yml')

def test_load_sidebar(tmp_path):
    (tmp_path/'sidebar.yml').write_text('website:\n  sidebar:\n    contents:\n      - index.ipynb\n'
                                        '      - section: Core\n        contents:\n          - a.ipynb\n')
    assert render.load_sidebar(tmp_path) == [(None, 'index.ipynb'), ('Core', 'a.ipynb')]

def test_unique_pages():
    assert check.check_unique_pages({'a.ipynb': 'a.html', 'b.ipynb': 'b.html'}) == []
    assert (check.check_unique_pages({'00_a.ipynb': 'a.html', 'a.ipynb': 'a.html'})
            == ['00_a.ipynb, a.ipynb all render to a.html'])

def test_check_links(tmp_path):
    gh = 'https://github.com/o/r/blob/main'
    (tmp_path/'a.html').write_text('<h2 id="top">T</h2><a href="#top">ok</a><a href="#nope">x</a>'
                                   '<a href="b.html#top">ok</a>'
                                   '<a href="c.html">gone</a><a href="b.html#zz">x</a><a href="https://x.org/q">ext</a>'
                                   f'<a href="{gh}/missing.py">src</a><a href="{gh}/f.py#L2">ok</a>'
                                   f'<a href="{gh}/f.py#L3">x</a>'
                                   '<img src="data:image/png;base64,@@@"><img src="no.png">'
                                   '<img src="data:image/png;base64,iVBORw0K">')
    (tmp_path/'b.html').write_text('<p id="top">b</p>'); (tmp_path/'f.py').write_text('a = 1\nb = 2\n')
    ctx = dict(git_url='https://github.com/o/r', branch='main', root=tmp_path, site_url='https://o.github.io/r/',
               unbuilt=set())
    res = check.check_links(tmp_path, ['a.html', 'b.html'], ctx)
    assert res['b.html'] == []
    p = res['a.html']
    assert p[:5] == ['broken anchor: #nope', 'broken link: c.html (\'gone\')', 'broken anchor: b.html#zz',
                     'source link to a file not in the repo: https://github.com/o/r/blob/main/missing.py',
                     'source link past the end of f.py: https://github.com/o/r/blob/main/f.py#L3'], p
    assert p[5].startswith('image data URI does not decode') and p[6] == 'image file missing: no.png' and len(p) == 7, p

def test_check_text():
    assert check.check_text(79) and not check.check_text(80) and not check.check_text(None)
    html = '<nav id="dm-sidebar">menu</nav><main><p>  hello   world </p></main>'
    assert check.page_text_len(html) == len('hello world')

class _Cfg(dict):
    "The settings.ini values nbdev.yml is written from"
    def __init__(self, nbs_path):
        super().__init__(title='t', description='d', branch='main', git_url='https://github.com/o/r',
                         doc_host='https://o.github.io', doc_baseurl='/r')
        self.nbs_path, self.doc_path = nbs_path, nbs_path.parent/'_docs'

def test_check_config(tmp_path, monkeypatch):
    nbs = tmp_path/'nbs'; nbs.mkdir()
    cfg = _Cfg(nbs)
    probs = check.check_config(cfg, mathjax=False)
    assert len(probs) == 2, probs
    assert 'nbdev.yml is missing or out of date' in probs[0] and 'must be a symlink' in probs[1], probs
    (nbs/'nbdev.yml').write_text(render.nbdev_yml_expected(cfg))
    (tmp_path/'_quarto.yml').write_text('project: {}\n'); (nbs/'_quarto.yml').symlink_to('../_quarto.yml')
    assert check.check_config(cfg, mathjax=False) == []
    (nbs/'nbdev.yml').write_text('stale')
    assert len(check.check_config(cfg, mathjax=False)) == 1
    monkeypatch.setattr(check, 'MATHJAX', tmp_path/'no'/'MathJax.js')
    probs = check.check_config(None)
    assert len(probs) == 1 and probs[0].startswith('MathJax is absent'), probs

def test_proc_one_pickles():
    "Spawned nbdev workers get `proc_one` by reference: it must load in a fresh process with tools/ on sys.path"
    code = (f'import pickle, sys; sys.path.insert(0, {str(Path(render.__file__).parent.parent)!r}); '
            f'f = pickle.loads(bytes.fromhex({pickle.dumps(render.proc_one).hex()!r})); '
            'print(f.__module__, f.__name__)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ['docsite.render', 'proc_one'], out.stderr

def test_failed_requests():
    ev = [('requestfailed', 'file:///s/a.css', 'net::ERR_FILE_NOT_FOUND', 'stylesheet'),
          ('requestfailed', 'https://cdn.x/y.js', 'net::ERR_BLOCKED_BY_CLIENT', 'script'),
          ('requestfailed', 'file:///s/i.png', 'net::ERR_FILE_NOT_FOUND', 'image'), ('pageerror', 'boom')]
    assert browse.failed_requests(ev) == ['resource failed to load: file:///s/a.css (net::ERR_FILE_NOT_FOUND)']

# ------------------------------------------------------------------------------------------------
# Quarto's reading, shared with make_readme.py

def test_quartoise():
    nb = {'cells': [{'cell_type': 'raw', 'source': '---\ntitle: T\ndescription: D.\n---'},
                    {'cell_type': 'markdown',
                     'source': '## Head {#h .cls}\n\n::: {.note}\nx [a](b.ipynb){target="_blank"}\n:::'},
                    {'cell_type': 'code', 'source': '#| echo: false\nx', 'outputs': [], 'metadata': {}},
                    {'cell_type': 'code', 'source': '#| include: false\ny', 'outputs': [], 'metadata': {}},
                    {'cell_type': 'code', 'source': '#| output: false\nz', 'outputs': [], 'metadata': {}}]}
    fm = render.quartoise(nb, 'md')
    assert fm == {'title': 'T', 'description': 'D.'}
    src = [c['source'] for c in nb['cells']]
    assert src[0] == '# T\n\n> D.'
    assert src[1] == '<span id="h"></span>\n\n## Head\nx [a](b.ipynb)\n'  # attributes and fences dropped
    assert src[2:] == ['x', 'z']
    assert [c['metadata']['tags'] for c in nb['cells'][2:]] == [['remove_input'], ['remove_output']]

def test_exporters_share_setup():
    nb = {'cells': [{'cell_type': 'code', 'source': ['x'], 'outputs': [], 'metadata': {'tags': ['remove_input']},
                     'id': 'a', 'execution_count': None},
                    {'cell_type': 'markdown', 'source': 'Some *text*', 'metadata': {}, 'id': 'b'}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    md, _ = render.export(render.exporter('markdown'), nb, {})
    assert 'Some *text*' in md and '```' not in md  # the input removed by its tag
    html, _ = render.export(render.exporter('html'), nb, {})
    assert '<em>text</em>' in html and 'In&nbsp;[' not in html

# ------------------------------------------------------------------------------------------------
# The full check on the fixture site (nbdev processing, nbconvert, Chromium)

def test_site_fails_on_bad_pages_only(site_check):
    out = site_check['stdout']
    assert site_check['rc'] == 1, out + site_check['stderr']
    assert re.search(r'^FAILED: \d+ problem\(s\)$', out, re.M), out
    assert not problems(site_check, 'site'), out
    assert not problems(site_check, 'good.ipynb'), out
    assert not [l for l in out.splitlines() if l.startswith('warning  good.ipynb')], out

def test_good_page_rendered_and_browsed(site_check):
    out = Path(site_check['out'])
    html = (out/'good.html').read_text()
    assert 'MathJax.js' in html and 'id="formulas"' in html and 'href="bad.html"' in html
    assert (out/'dot.png').exists()  # local images copied next to the page
    for pg in ('good', 'bad'): assert (out/'screenshots'/f'{pg}.png').stat().st_size > 1000
    assert not (out/'broken.html').exists()

def test_unprocessable_notebook(site_check):
    probs = problems(site_check, 'broken.ipynb')
    assert len(probs) == 1, probs
    assert re.match(r"nbdev processing failed: NameError: name 'x' is not defined -- when nbdev ran "
                    r"source cell 2 \('import math'\)", probs[0]), probs
    warns = [l for l in site_check['stdout'].splitlines() if l.startswith('warning  broken.ipynb:')]
    assert warns == ['warning  broken.ipynb: source cell 2 mixes imports and other code, so nbdev executes it when '
                     'building docs; move the imports into their own cell'], warns

BAD = {
    'TeX error':          r'^MathJax TeX error: .*\\frac',
    'raw TeX':            r'^1 formula\(s\) left as raw TeX, e\.g\. .\$w_i = e\^\{-p_i\}\$',
    'broken link':        r'^broken link: missing_page\.html',
    'broken anchor':      r'^broken anchor: #no-such-heading$',
    'missing image':      r'^image file missing: gone\.png$',
    'expression, no output': r"^source cell 2 \('1 \+ 1'\) ends in an expression but has no output",
    'plot, no output':    r"^source cell 3 \('plt\.plot.*ends in a plot but has no output",
    'machine path':       r"^source cell 4: output shows a machine path \('/home/alice/'",
    'error output':       r'^source cell 5: error output ZeroDivisionError',
}

@pytest.mark.parametrize('what', BAD)
def test_bad_page_reports(site_check, what):
    probs = problems(site_check, 'bad.ipynb')
    assert [p for p in probs if re.search(BAD[what], p)], f'{what} not reported; problems: {probs}'

def test_bad_page_reports_nothing_else(site_check):
    probs = problems(site_check, 'bad.ipynb')
    extra = [p for p in probs if not any(re.search(rx, p) for rx in BAD.values())]
    assert not extra and len(probs) == len(BAD), probs
