"""Static assets of the documentation site: the style sheet and the offline search.

The search index is a JavaScript file (``search-index.js``) assigning an array to
``window.CPF_INDEX``: loaded by a ``<script>`` tag, it works from ``file://`` without a
server or network, unlike a ``fetch`` of a JSON file.
"""

from __future__ import annotations

import json
from typing import Any

STYLE = """\
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1b1b; }
header { background: #000091; color: white; padding: .6em 1.5em; display: flex; gap: 2em; align-items: center; }
header a { color: white; text-decoration: none; font-weight: 600; }
header input { flex: 1; max-width: 28em; padding: .3em .5em; font-size: 1em; }
main { max-width: 60em; margin: 1.5em auto; padding: 0 1.5em; }
#results { list-style: none; padding: 0; margin: 0; background: white; color: #1b1b1b; position: absolute;
  top: 2.8em; left: 12em; max-width: 40em; box-shadow: 0 2px 8px #0004; z-index: 1; }
#results li a { display: block; padding: .3em .6em; color: #1b1b1b; font-weight: normal; }
#results li a:hover, #results li a:focus { background: #e3e3fd; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; border-left: 3px solid #000091; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f0f0f7; }
.kind { color: #666; font-size: .85em; text-transform: uppercase; letter-spacing: .05em; }
.flag { background: #fff4e5; border-left: 3px solid #b34000; padding: .3em .6em; margin: .3em 0; }
.where { color: #666; font-size: .9em; }
.none { color: #888; font-style: italic; }
ul.columns { columns: 2; }
ul.columns > li { break-inside: avoid; }
ul.fields { margin: .2em 0 .5em; padding-left: 1.2em; font-size: .9em; }
"""

SEARCH = """\
// Offline search over window.CPF_INDEX (search-index.js): name, label, kind.
(function () {
  var input = document.getElementById("search");
  var list = document.getElementById("results");
  if (!input || !list || !window.CPF_INDEX) { return; }
  var root = document.body.getAttribute("data-root") || "";
  function fold(text) { return text.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase(); }
  var entries = window.CPF_INDEX.map(function (e) { return [fold(e.name + " " + e.label + " " + e.kind), e]; });
  input.addEventListener("input", function () {
    var words = fold(input.value).split(/\\s+/).filter(Boolean);
    list.innerHTML = "";
    if (!words.length) { return; }
    entries.filter(function (pair) {
      return words.every(function (w) { return pair[0].indexOf(w) >= 0; });
    }).slice(0, 20).forEach(function (pair) {
      var e = pair[1], item = document.createElement("li"), link = document.createElement("a");
      link.href = root + e.url;
      link.textContent = e.kind + " · " + e.name + (e.label ? " — " + e.label : "");
      item.appendChild(link);
      list.appendChild(item);
    });
  });
})();
"""


def search_index_js(entries: list[dict[str, Any]]) -> str:
    """``window.CPF_INDEX = [...]``: one entry per page (kind, name, label, url)."""
    return "window.CPF_INDEX = " + json.dumps(entries, ensure_ascii=False, sort_keys=True, indent=0) + ";\n"
