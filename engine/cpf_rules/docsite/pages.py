"""HTML pages of the documentation site: one per rule, parameter and article, and an index.

Pure functions from the checked model (:class:`RuleSet`) and :class:`SiteIndex` to
HTML text; every value written from the rules is escaped. Links are relative, so the
site can be opened from disk (``file://``) or served from any folder.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from .. import ast
from ..bounds import declared_words, record_fields
from ..legal_refs import Article
from ..model import RuleSet
from ..syntax import node_text
from ..testrunner import Coverage


@dataclass
class SiteIndex:
    """Cross references: what each rule reads, who reads each name, who cites each article."""

    uses: dict[str, list[str]] = field(default_factory=dict)
    used_by: dict[str, list[str]] = field(default_factory=dict)
    citers: dict[str, list[tuple[str, str, str | None]]] = field(default_factory=dict)  # (page url, text, locator)
    coverage: Coverage | None = None


def article_file(ref: str) -> str:
    """``CT:L6323-11`` → ``articles/CT_L6323-11.html`` (no ``:`` in file names)."""
    return f"articles/{ref.replace(':', '_')}.html"


def page(title: str, body: str, root: str = "../") -> str:
    return f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — règles du CPF</title>
<link rel="stylesheet" href="{root}style.css">
</head>
<body data-root="{root}">
<header><a href="{root}index.html">Règles du CPF</a>
<input id="search" type="search" placeholder="Rechercher une règle, un paramètre, un article…" autocomplete="off"
 aria-label="Rechercher"><ul id="results"></ul></header>
<main>
{body}
</main>
<script src="{root}search-index.js"></script>
<script src="{root}search.js"></script>
</body>
</html>
"""


def _source(rules: RuleSet, node: object) -> str:
    span = getattr(node, "span")  # noqa: B009 - every ast node has a span
    return node_text(node, rules.sources.get(span.file, ""))


def _citations(citations: Iterable[ast.Citation], root: str = "../") -> str:
    items = []
    for citation in citations:
        locator = f" {escape(citation.locator)}" if citation.locator else ""
        items.append(f'<a href="{root}{article_file(citation.ref)}">{escape(citation.ref)}</a>{locator}')
    return ", ".join(items) or '<span class="none">aucune</span>'


def _flags(flags: Iterable[ast.Flag]) -> str:
    words = {"uncertain": "Incertain", "interpretation": "Interprétation"}
    return "".join(f'<div class="flag">{words.get(f.kind, f.kind)} : {escape(f.text)}</div>' for f in flags)


def _link(rules: RuleSet, name: str, root: str = "../") -> str:
    if name in rules.rules:
        return f'<a href="{root}rules/{name}.html"><code>{escape(name)}</code></a>'
    if name in rules.parameters:
        return f'<a href="{root}parameters/{name}.html"><code>{escape(name)}</code></a>'
    decl = rules.inputs.get(name)
    label = f" — {escape(decl.label)}" if decl is not None and decl.label else ""
    if decl is not None and decl.bounds is not None:  # the declared range, as the rule file writes it
        label += f" <code>{escape(declared_words(rules.symbols.type_of(decl.type), decl.bounds))}</code>"
    if decl is not None:
        label += _record_of_input(rules, decl)
    return f'<code>{escape(name)}</code> <span class="kind">donnée</span>{label}'


def _record_of_input(rules: RuleSet, decl: ast.InputDecl) -> str:
    """For an input of a record type (``list LedgerEvent``): that type, then its fields, each
    with its type and declared range in the hover's words (:func:`record_fields`); else empty."""
    type_ = rules.symbols.type_of(decl.type)
    record = rules.symbols.records.get(type_.name or "") if type_.kind in ("record", "list") else None
    if record is None:
        return ""
    title = f" ({escape(record.label)})" if record.label else ""
    items = "".join(
        f"<li><code>{escape(f.name)} : {escape(f.declared)}</code>{' — ' + escape(f.label) if f.label else ''}</li>"
        for f in record_fields(record, rules.symbols.type_of)
    )
    return f' <code>{escape(type_.display())}</code>{title}<ul class="fields">{items}</ul>'


def _names(rules: RuleSet, names: Iterable[str]) -> str:
    items = [f"<li>{_link(rules, n)}</li>" for n in names]
    return f'<ul class="columns">{"".join(items)}</ul>' if items else '<p class="none">aucune</p>'


def _cases(names: list[str] | None) -> str:
    if names is None:
        return '<p class="none">cas non exécutés (cpf docs --no-cases)</p>'
    if not names:
        return '<p class="none">aucun cas ne l\'exerce</p>'
    return "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in names) + "</ul>"


def rule_page(rules: RuleSet, rule: ast.RuleDecl, index: SiteIndex) -> str:
    formals = ", ".join(f"{f.name} : {f.type.name}" for f in rule.formals)
    signature = f"{rule.name}({formals})" if rule.formals else rule.name
    type_ = rules.symbols.type_of(rule.type).display()
    parts = [
        '<p class="kind">règle</p>',
        f"<h1><code>{escape(signature)}</code> : {escape(type_)}</h1>",
        f"<p><strong>{escape(rule.label or '')}</strong></p>",
        f'<p class="where">{escape(str(rule.span))}</p>',
        f"<p>Cite : {_citations(rule.citations)}</p>",
        _flags(rule.flags),
        "<h2>Formule</h2>",
        f"<pre>{escape(rule.body_text)}</pre>",
    ]
    coverage = index.coverage
    for exception in rule.exceptions:
        key = f"{rule.name}.{exception.name}"
        reached = coverage.exceptions.get(key, []) if coverage else None
        parts += [
            f"<h3>Exception <code>{escape(exception.name)}</code> — {escape(exception.label or '')}</h3>",
            f"<p>Cite : {_citations(exception.citations)}</p>",
            _flags(exception.flags),
            f"<pre>quand {escape(_source(rules, exception.condition))}\n= {escape(_source(rules, exception.body))}</pre>",
            "<p>Cas qui l'exercent :</p>" + _cases(reached),
        ]
    parts += [
        "<h2>Utilise</h2>",
        _names(rules, index.uses.get(rule.name, [])),
        "<h2>Utilisée par</h2>",
        _names(rules, index.used_by.get(rule.name, [])),
        "<h2>Cas qui l'exercent</h2>",
        _cases(coverage.rules.get(rule.name, []) if coverage else None),
    ]
    return page(rule.name, "\n".join(parts))


def _until(values: tuple[ast.DatedValue, ...], position: int) -> str:
    if position + 1 < len(values):
        end = values[position + 1].start - datetime.timedelta(days=1)
        return end.isoformat()
    return "…"


def parameter_page(rules: RuleSet, parameter: ast.ParameterDecl, index: SiteIndex) -> str:
    coverage = index.coverage
    rows = []
    for position, dated in enumerate(parameter.values):
        value = (
            "<em>aucune valeur</em>" if dated.value is None else f"<code>{escape(_source(rules, dated.value))}</code>"
        )
        reached = coverage.values.get(f"{parameter.name}@{dated.start.isoformat()}", []) if coverage else None
        cases = "—" if reached is None else (str(len(reached)) if reached else "0 ✗")
        rows.append(
            f"<tr><td>{dated.start.isoformat()}</td><td>{_until(parameter.values, position)}</td><td>{value}</td>"
            f"<td>{_citations(dated.citations)}{_flags(dated.flags)}</td><td>{cases}</td></tr>"
        )
    type_ = rules.symbols.type_of(parameter.type).display()
    reached_all = sorted(
        {
            name
            for dated in parameter.values
            for name in (coverage.values.get(f"{parameter.name}@{dated.start.isoformat()}", []) if coverage else [])
        }
    )
    body = "\n".join(
        [
            '<p class="kind">paramètre</p>',
            f"<h1><code>{escape(parameter.name)}</code> : {escape(type_)}</h1>",
            f"<p><strong>{escape(parameter.label or '')}</strong></p>",
            f'<p class="where">{escape(str(parameter.span))}</p>',
            "<h2>Historique</h2>",
            "<table><tr><th>du</th><th>au</th><th>valeur</th><th>textes</th><th>cas</th></tr>",
            *rows,
            "</table>",
            "<h2>Utilisé par</h2>",
            _names(rules, index.used_by.get(parameter.name, [])),
            "<h2>Cas qui l'exercent</h2>",
            _cases(reached_all if coverage else None),
        ]
    )
    return page(parameter.name, body)


def article_page(article: Article, index: SiteIndex) -> str:
    rows = []
    for version in article.versions:
        wording = version.text or version.summary or ""
        kind = "texte" if version.text else "résumé"
        rows.append(
            f"<tr><td>{version.in_force_from.isoformat()}</td>"
            f"<td>{version.in_force_to.isoformat() if version.in_force_to else '…'}</td>"
            f"<td>{escape(version.amended_by)}</td><td>{escape(version.confidence)}</td>"
            f'<td><a href="{escape(version.url)}">source</a></td></tr>'
            f'<tr><td colspan="5"><span class="kind">{kind}</span> {escape(wording)}</td></tr>'
        )
    citers = index.citers.get(article.id, [])
    items = "".join(
        f'<li><a href="../{escape(url)}">{escape(text)}</a>{" — " + escape(loc) if loc else ""}</li>'
        for url, text, loc in citers
    )
    cases = index.coverage.articles.get(article.id, []) if index.coverage else None
    body = "\n".join(
        [
            f'<p class="kind">article · {escape(article.source)}</p>',
            f"<h1>{escape(article.id)}</h1>",
            f"<p><strong>{escape(article.title)}</strong></p>",
            "<h2>Versions</h2>",
            "<table><tr><th>du</th><th>au</th><th>modifié par</th><th>confiance</th><th></th></tr>",
            *rows,
            "</table>",
            "<h2>Citée par</h2>",
            f"<ul>{items}</ul>" if items else '<p class="none">aucune règle ne la cite</p>',
            "<h2>Cas qui la citent</h2>",
            _cases(cases),
        ]
    )
    return page(article.id, body)


def index_page(rules: RuleSet, cited: list[Article]) -> str:
    def listing(title: str, entries: list[tuple[str, str, str | None]]) -> str:
        items = "".join(
            f'<li><a href="{escape(url)}"><code>{escape(name)}</code></a>{" — " + escape(label) if label else ""}</li>'
            for url, name, label in entries
        )
        return f"<h2>{title} ({len(entries)})</h2><ul>{items}</ul>"

    body = "\n".join(
        [
            "<h1>Règles du compte personnel de formation</h1>",
            f'<p class="where">Règles {escape(rules.fingerprint[:19])}… · {len(rules.sources)} fichiers</p>',
            listing("Règles", [(f"rules/{n}.html", n, r.label) for n, r in sorted(rules.rules.items())]),
            listing("Paramètres", [(f"parameters/{n}.html", n, p.label) for n, p in sorted(rules.parameters.items())]),
            listing("Articles cités", [(article_file(a.id), a.id, a.title) for a in cited]),
        ]
    )
    return page("Index", body, root="")
