"""tools/make_readme.py: notebook links become links to the published pages, in markdown cells and in the Markdown
that code cells print (the README's generated summaries)."""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from make_readme import link_notebooks

def test_link_notebooks():
    url = lambda p: 'https://site/' + p.replace('.ipynb', '.html')
    md = {'cell_type': 'markdown', 'source': ['See [the page](17_t.ipynb#claims) ', 'and [a site](https://x.org/a.ipynb).']}
    out = {'cell_type': 'code', 'source': '', 'outputs': [
        {'output_type': 'display_data', 'data': {'text/markdown': ['**x** ([page](08_paper.ipynb))'], 'text/plain': ['x']}},
        {'output_type': 'stream', 'name': 'stdout', 'text': 'keep [p](a.ipynb)'}]}
    nb = link_notebooks({'cells': [md, out]}, url)
    assert nb['cells'][0]['source'] == 'See [the page](https://site/17_t.html#claims) and [a site](https://x.org/a.ipynb).'
    assert nb['cells'][1]['outputs'][0]['data']['text/markdown'] == '**x** ([page](https://site/08_paper.html))'
    assert nb['cells'][1]['outputs'][1]['text'] == 'keep [p](a.ipynb)'   # only Markdown outputs are rewritten
