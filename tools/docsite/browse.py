"""Browse: open each rendered page in headless Chromium and make the checks only a browser can make.

The browser is the system Chromium (Debian package `chromium`) driven by Playwright (PyPI `playwright`, launched
with `executable_path`, so Playwright's own browser download is never needed). Requests to the network are aborted
(pages must be self-contained), a hook installed before any page script records MathJax's TeX errors, and per page:

- problems: the page does not load (or not completely), it shows a Python `Traceback`, an image does not load
  (`naturalWidth == 0`), MathJax reports a TeX error, a formula is left as raw TeX after MathJax ran, a page
  resource (not an image: those are the image check's) fails to load;
- warnings: JavaScript exceptions, MathJax not finishing within 30 s;
- a PNG screenshot (full width, at most MAX_SHOT_H pixels high).
"""
from __future__ import annotations
import re
from pathlib import Path

W, H, MAX_SHOT_H = 1280, 900, 12000
ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', '--disable-sync', '--disable-extensions', '--disable-dev-shm-usage', '--hide-scrollbars',
        '--mute-audio', '--allow-file-access-from-files', '--disable-default-apps', '--no-default-browser-check',
        '--renderer-process-limit=2']
NETWORK = re.compile(r'^(https?|wss?)://')

# Runs before any page script: MathJax 2 reads `window.MathJax` as its config and calls AuthorInit
TEX_HOOK = """window.__texErrors = [];
window.MathJax = {AuthorInit: function () {
  ['TeX Jax - parse error', 'TeX Jax - undefined control sequence', 'Math Processing Error'].forEach(h =>
    MathJax.Hub.Register.MessageHook(h, m => window.__texErrors.push(
      h.replace('TeX Jax - ', '') + ': ' + String(m[1])
      + (typeof m[2] === 'string' ? ' in $' + m[2].slice(0, 60) + '$' : ''))));
}};"""

# Resolves once MathJax's queue has been idle for three polls: 'done', 'none' (no MathJax) or 'timeout'
MATHJAX_WAIT = """() => new Promise(res => {
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

PAGE_JS = """() => {
  const main = (document.querySelector('main') || document.body).cloneNode(true);
  main.querySelectorAll('nav#dm-sidebar, header#title-block-header, script, style').forEach(e => e.remove());
  const text = main.textContent.replace(/\\s+/g, ' ').trim();
  const imgs = [...document.images].map(i => ({src: (i.getAttribute('src') || '').slice(0, 70),
                                                ok: i.complete && i.naturalWidth > 0}));
  const mathErr = window.__texErrors || [];
  const plain = main.cloneNode(true);
  plain.querySelectorAll('pre, code, .MathJax, .MathJax_CHTML, .MathJax_Preview, .MathJax_Display, mjx-container')
    .forEach(e => e.remove());
  const raw = (plain.textContent.match(/\\$\\$[^$]+\\$\\$|\\$[^$\\s][^$]{0,300}?\\$|\\\\([^)]*\\\\)/g) || [])
    .map(m => m.slice(0, 60));
  const rendered = document.querySelectorAll('.MathJax_CHTML, .MathJax_Display, mjx-container').length;
  return {ready: document.readyState, title: document.title, text: text.length, rawTex: raw, rendered,
          traceback: document.body.innerText.includes('Traceback (most recent call last)'),
          imgs, mathErr, height: document.documentElement.scrollHeight};
}"""

class Browser:
    "One headless Chromium (the system binary `exe`) with one page, driven by Playwright; network requests aborted"
    def __init__(self, exe:str):
        from playwright.sync_api import sync_playwright
        self.pw = sync_playwright().start()
        try:
            self.browser = self.pw.chromium.launch(executable_path=exe, headless=True, args=ARGS, timeout=60_000)
            self.page = self.browser.new_page(viewport={'width': W, 'height': H}, device_scale_factor=1)
            self.page.route(NETWORK, lambda route: route.abort('blockedbyclient'))
            self.page.add_init_script(TEX_HOOK)
            self.events = []
            self.page.on('requestfailed',
                         lambda r: self.events.append(('requestfailed', r.url, r.failure or '', r.resource_type)))
            self.page.on('pageerror', lambda e: self.events.append(('pageerror', str(e))))
        except BaseException: self.close(); raise

    @property
    def alive(self) -> bool: return self.browser.is_connected()

    def close(self):
        try:
            if getattr(self, 'browser', None) is not None: self.browser.close()
        except Exception: pass
        try: self.pw.stop()
        except Exception: pass

    def __enter__(self): return self
    def __exit__(self, *a): self.close()

def failed_requests(events) -> list:
    "Problems for resources that failed to load: not the blocked network ones, not images (the image check's)"
    return [f'resource failed to load: {url[:100]} ({err})' for kind, url, err, rtype in
            (e for e in events if e[0] == 'requestfailed')
            if 'BLOCKED' not in err.upper() and rtype != 'image']

def browse(b:Browser, url:str, shot:Path):
    "Load `url` in browser `b`, run the DOM checks and save a screenshot: (problems, warnings, info)"
    from playwright.sync_api import Error as PWError
    probs, warns = [], []
    b.events.clear()
    try: b.page.goto(url, wait_until='load', timeout=60_000)
    except PWError as e: return [f'page does not load: {str(e).splitlines()[0]}'], [], {}
    mj = b.page.evaluate(MATHJAX_WAIT)
    if mj == 'timeout': warns.append('MathJax did not finish within 30 s')
    info = b.page.evaluate(PAGE_JS)
    if info['ready'] != 'complete': probs.append(f'page not fully loaded ({info["ready"]})')
    if info['traceback']: probs.append('page shows a Python Traceback')
    for im in info['imgs']:
        if not im['ok']: probs.append(f'image does not load in the browser: {im["src"]}')
    for e in info['mathErr']: probs.append(f'MathJax TeX error: {e}')
    if info['rawTex']: probs.append(f"{len(info['rawTex'])} formula(s) left as raw TeX, e.g. {info['rawTex'][0]!r}")
    probs += failed_requests(b.events)
    warns += [f'JS exception: {e[1][:100]}' for e in b.events if e[0] == 'pageerror']
    h = min(max(int(info['height']), H), MAX_SHOT_H)
    b.page.screenshot(path=str(shot), full_page=True, clip={'x': 0, 'y': 0, 'width': W, 'height': h}, timeout=60_000)
    return probs, warns, info
