"""``cpf docs``: a static site with a page per rule, parameter and cited article, offline search.

Built once for the bundled rules (module fixture). Checks real content (the 5,000 €
ceiling of R6323-1 I and its history; the fields of a record input with their declared
ranges, in the hover's words), cross links (uses / used by / cited by), that every
relative link resolves to a written file, and that nothing loads from the network.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.docsite import site_files
from cpf_rules.loader import load_rules
from cpf_rules.lsp.analysis import hover_markdown
from cpf_rules.paths import default_legal_refs_dir


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("site")
    assert main(["docs", "-o", str(output)]) == 0
    return output


def _main_text(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("<main>", 1)[1]


def test_one_page_per_rule_parameter_and_cited_article(site: Path) -> None:
    rules = load_rules()
    assert {p.stem for p in (site / "rules").glob("*.html")} == set(rules.rules)
    assert {p.stem for p in (site / "parameters").glob("*.html")} == set(rules.parameters)
    cited = {c.ref for r in rules.rules.values() for c in r.citations}
    assert {f"{ref.replace(':', '_')}" for ref in cited} <= {p.stem for p in (site / "articles").glob("*.html")}


def test_parameter_page_has_its_dated_history_with_citations(site: Path) -> None:
    # R6323-1 I (décret 2018-1329): the ceiling is 5,000 € from 2019-01-01.
    text = _main_text(site / "parameters" / "euro_ceiling.html")
    assert "Plafond du compte" in text
    row = re.search(r"<tr><td>2019-01-01</td><td>([^<]*)</td><td><code>5000 EUR</code></td><td>(.*?)</td>", text)
    assert row is not None
    assert '<a href="../articles/CT_R6323-1.html">CT:R6323-1</a>' in row.group(2)
    assert "Utilisé par" in text and "../rules/" in text.split("Utilisé par", 1)[1]


def test_a_dated_history_with_an_end(site: Path) -> None:
    # L6323-11 (loi 2014-288): 24 h a year until 2018-12-31, then no value (euros from 2019).
    text = _main_text(site / "parameters" / "hours_full_rate.html")
    assert "<tr><td>2015-01-01</td><td>2018-12-31</td><td><code>24 h</code></td>" in text
    assert "<tr><td>2019-01-01</td><td>…</td><td><em>aucune valeur</em></td>" in text


def test_rule_page_has_formula_uses_used_by_and_cases(site: Path) -> None:
    text = _main_text(site / "rules" / "credit.html")
    assert "<h2>Formule</h2>" in text and "<pre>" in text
    uses = text.split("<h2>Utilise</h2>", 1)[1].split("<h2>", 1)[0]
    assert "../rules/" in uses
    cases = text.split("<h2>Cas qui l'exercent</h2>", 1)[1]
    assert "euro_era::700 h worked on a 1,607 h reference gives 217.80 €" in cases


def test_article_page_lists_what_cites_it(site: Path) -> None:
    text = _main_text(site / "articles" / "CT_R6323-1.html")
    assert "paramètre euro_ceiling depuis le 2019-01-01" in text
    assert "<h2>Versions</h2>" in text and "2019-01-01" in text


def test_every_relative_link_resolves_and_nothing_comes_from_the_network(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) > 50
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', html), path
        for target in re.findall(r'(?:href|src)="([^"#]+)"', html):
            if target.startswith(("http://", "https://")):
                continue  # Légifrance sources of article versions: plain links, not loaded
            assert (path.parent / target).resolve().is_file(), f"{path.relative_to(site)} → {target}"


def test_search_index_covers_every_page(site: Path) -> None:
    text = (site / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.CPF_INDEX = ")
    entries = json.loads(text.removeprefix("window.CPF_INDEX = ").rstrip().rstrip(";"))
    urls = {e["url"] for e in entries}
    assert "parameters/euro_ceiling.html" in urls and "articles/CT_R6323-1.html" in urls
    assert all((site / url).is_file() for url in urls)
    assert "CPF_INDEX" in (site / "search.js").read_text(encoding="utf-8")


_RANGE_WORDS = re.compile(r"\b(between|at least|at most)\b")


def _field_items(text: str, input_name: str) -> dict[str, str]:
    """The fields listed under an input of a rule page's « Utilise »: name → the item's HTML."""
    entry = text.split(f"<li><code>{input_name}</code>", 1)[1].split("</ul></li>", 1)[0]
    fields = entry.split('<ul class="fields">', 1)[1]
    return {m.group(1): m.group(0) for m in re.finditer(r"<li><code>(\w+) : .*?</li>", fields)}


def test_a_list_of_records_input_lists_each_field_with_its_type_and_range(site: Path) -> None:
    # CSS D432-15 (law notes §9): the IPP rate of an AT/MP is a share, declared between 0 and 1
    # (10 % is written 0.1); the C2P points for training (R4163-11) are at least 0; an amount in euros has no
    # declared range (money is at least 0 by its type): no range words on its line.
    text = _main_text(site / "rules" / "work_accident_credited.html")
    assert '<code>ledger</code> <span class="kind">donnée</span> — Opérations inscrites au compte' in text
    assert "<code>list LedgerEvent</code> (Opération inscrite au compte)" in text
    fields = _field_items(text, "ledger")
    assert fields["ipp_rate"] == (
        "<li><code>ipp_rate : decimal between 0 and 1</code>"
        " — Taux d&#x27;incapacité permanente partielle notifié (AT/MP)</li>"
    )
    assert fields["points"].startswith("<li><code>points : integer at least 0</code>")
    assert fields["amount"] == "<li><code>amount : money</code> — Montant en euros (depuis 2019)</li>"
    assert fields["kind"].startswith("<li><code>kind : LedgerKind</code>")
    unranged = [name for name, item in fields.items() if name not in ("ipp_rate", "points", "employer_headcount")]
    assert unranged and all(not _RANGE_WORDS.search(fields[name].split("</code>")[0]) for name in unranged)
    # CEC (D5151-14 I: service civique, 6 continuous months): months of an engagement, at least 0.
    cec = _field_items(_main_text(site / "rules" / "cec_validated_activities.html"), "cec_activities")
    assert cec["months"].startswith("<li><code>months : decimal at least 0</code>")
    assert cec["hours"].startswith("<li><code>hours : hours</code>")


def test_the_site_lists_a_record_s_fields_in_the_hover_s_words(site: Path) -> None:
    hover = hover_markdown(load_rules(), "LedgerEvent")
    assert hover is not None
    declared = re.findall(r"^- `([^`]+)`", hover, re.MULTILINE)
    assert len(declared) == 12 and "ipp_rate : decimal between 0 and 1" in declared
    text = _main_text(site / "rules" / "work_accident_credited.html")
    for line in declared:
        assert f"<li><code>{escape(line)}</code>" in text, line


def test_a_record_s_fields_are_escaped_and_ranged_in_their_unit(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "x.cpf").write_text(
        'record Slot "Créneau <b>\\"brut\\"</b> & co" {\n'
        '  length : hours between 0 h and 24 h default 0 h "Durée <i>"\n'
        '  share : decimal at most 1 default 0 "Part"\n'
        '  note : text "Note"\n'
        "}\n"
        'input slots : list Slot "Créneaux"\n'
        'rule total : hours "Total" cite CT:L6323-11 = sum(s.length for s in slots)\n',
        encoding="utf-8",
    )
    text = site_files(load_rules(folder, default_legal_refs_dir()), None)["rules/total.html"]
    assert "<code>list Slot</code> (Créneau &lt;b&gt;&quot;brut&quot;&lt;/b&gt; &amp; co)" in text
    assert "<li><code>length : hours between 0 h and 24 h</code> — Durée &lt;i&gt;</li>" in text
    assert "<li><code>share : decimal at most 1</code> — Part</li>" in text
    assert "<li><code>note : text</code> — Note</li>" in text
    assert "<b>" not in text and "<i>" not in text
