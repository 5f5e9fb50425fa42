"""The shell of the HTML reports: inline stylesheet (screen and print), inline script.

The page is self-contained: a Content-Security-Policy forbids every fetch (no network,
no CDN, no font, no image from outside) and lets run only the script written here,
named by its SHA-256 hash, so that even a string that escaped escaping could not run.
The script only opens and closes ``<details>``: all of them before printing, the
ancestors of a step reached through a link, and the two "expand/collapse all" buttons.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Final

STYLE: Final = """
:root { --ink:#1d2430; --dim:#6b7280; --na:#9ca3af; --line:#d7dce3; --accent:#1f4e9c; --ok:#0f6b3a; --warn:#8a5a00; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 70rem; padding: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
.summary ul { list-style: none; padding: 0; }
.summary li { font-size: 1.3rem; margin: .3rem 0; }
.summary li.ok .sum-line { font-weight: 600; }
.summary li.error { color: #a40000; }
.dim { color: var(--dim); }
.kw { color: var(--dim); font-style: italic; }
.key { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; color: var(--accent); }
.value { white-space: nowrap; }
.label { color: var(--ink); }
details.step { border-left: 2px solid var(--line); margin: .15rem 0 .15rem .4rem; padding-left: .6rem; }
details.step > summary { cursor: pointer; padding: .1rem 0; }
details.step[open] > summary { font-weight: 500; }
.body { margin: .2rem 0 .4rem .6rem; }
.meta { font-size: .9em; color: var(--dim); }
.meta > span { margin-right: .8rem; }
.branch { color: var(--ok); }
.read ul { margin: .1rem 0 .3rem 1rem; padding: 0; }
.decision { margin: .2rem 0; }
.arm { margin-left: 1.5rem; font-size: .92em; }
.na, .na .label, .na .key, .na .value { color: var(--na) !important; }
.na-tag { color: var(--na); font-style: italic; border: 1px solid var(--na); border-radius: 3px;
          padding: 0 .25rem; font-size: .82em; }
.applies { color: var(--ok); font-weight: 600; }
details.cite { margin: .15rem 0; }
details.cite > summary { cursor: pointer; color: var(--accent); }
.article { margin: .2rem 0 .4rem 1rem; }
blockquote.wording { margin: .3rem 0; padding: .3rem .8rem; border-left: 3px solid var(--accent);
                     background: #f5f7fb; font-family: Georgia, "DejaVu Serif", serif; }
.cite.missing { color: var(--warn); }
.flag { color: var(--warn); }
.ref { margin: .15rem 0 .15rem .4rem; padding-left: .6rem; border-left: 2px dotted var(--line); }
table { border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .2rem .6rem; border-bottom: 1px solid var(--line); }
td.num { text-align: right; white-space: nowrap; }
tr.changed td { background: #fff8e6; }
.depth { color: var(--line); }
button { font: inherit; padding: .2rem .7rem; }
footer { margin-top: 2rem; color: var(--dim); font-size: .85em; }
:target > summary { background: #fff3bf; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  .no-print, button { display: none !important; }
  details.step { break-inside: avoid-page; }
  details > summary { list-style: none; }
  details > summary::-webkit-details-marker { display: none; }
  a.official::after { content: " <" attr(href) ">"; font-size: .85em; color: var(--dim); word-break: break-all; }
  blockquote.wording { background: none; }
  h2 { break-after: avoid; }
}
"""

SCRIPT: Final = """
(function () {
  function all(open) { document.querySelectorAll("details").forEach(function (d) { d.open = open; }); }
  function reveal(id) {
    var target = document.getElementById(id);
    for (var node = target; node; node = node.parentElement) { if (node.tagName === "DETAILS") node.open = true; }
    if (target) target.scrollIntoView({block: "start"});
  }
  var expand = document.getElementById("expand-all"), collapse = document.getElementById("collapse-all");
  if (expand) expand.addEventListener("click", function () { all(true); });
  if (collapse) collapse.addEventListener("click", function () { all(false); });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) { event.preventDefault(); var id = link.getAttribute("href").slice(1); history.replaceState(null, "", "#" + id); reveal(id); }
  });
  window.addEventListener("beforeprint", function () { all(true); });
  if (location.hash.length > 1) reveal(location.hash.slice(1));
})();
"""

_SCRIPT_HASH: Final = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
_STYLE_HASH: Final = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")

CSP: Final = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; script-src 'sha256-{_SCRIPT_HASH}'; "
    "img-src 'none'; font-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
"""No fetch of any kind; only the inline style and script above may apply."""


def page(title: str, body: str, lang: str, engine_version: str) -> str:
    """A complete HTML document around ``body`` (already escaped HTML)."""
    from .labels import words

    footer = html.escape(words(lang)["generated_by"].format(version=engine_version))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n<footer>{footer}</footer>\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
