"""The documentation site without Quarto, in three steps used by `tools/check_docs.py` (and `make_readme.py`):

- `render`: nbdev's docs processing of each notebook, then Quarto's part done with nbconvert (HTML pages, or the
  README's markdown);
- `check`: static checks on the source notebooks, the processed notebooks and the rendered pages;
- `browse`: every page opened in headless Chromium (Playwright driving the system `chromium`) for the checks only a
  browser can make (images decode, MathJax renders every formula, no failed requests), with a screenshot per page.
"""
