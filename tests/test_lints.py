"""Lints (CPF-L…): each has a bad rule file under tests/golden/lint/ and its golden message.

Each ``NAME.cpf`` says on its first line which code it triggers; it is checked alone
(with the bundled legal_refs/ plus the fixture articles of tests/golden/lint/legal_refs/)
and must give exactly that warning — no error, no other code — rendered as in
``NAME.expected``. Lints are warnings: ``cpf check`` exits 0 with them, 1 on errors.
"""

from __future__ import annotations

import atexit
import datetime
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.diagnostics import render_all_text
from cpf_rules.legal_refs import Article, ArticleVersion
from cpf_rules.lints import LINT_CODES
from cpf_rules.lints.citations import first_uncovered
from cpf_rules.lints.logic import implies
from cpf_rules.loader import check_rules
from cpf_rules.paths import default_legal_refs_dir
from cpf_rules.syntax import parse_value
from golden import GOLDEN, compare_golden

LINT_DIR = GOLDEN / "lint"
LINT_FILES = sorted(LINT_DIR.glob("*.cpf"))


def _declared_code(rule_file: Path) -> str:
    match = re.match(r"# (CPF-[A-Z]\d{3}):", rule_file.read_text(encoding="utf-8"))
    assert match, f"{rule_file.name} must start with '# CPF-XXXX: why'"
    return match.group(1)


_REFS: list[Path] = []


def _legal_refs() -> Path:
    """The bundled legal_refs/ plus the fixture articles, copied once per test session."""
    if not _REFS:
        refs = Path(tempfile.mkdtemp(prefix="cpf-lint-refs-")) / "legal_refs"
        atexit.register(shutil.rmtree, refs.parent, ignore_errors=True)
        shutil.copytree(default_legal_refs_dir(), refs)
        shutil.copytree(LINT_DIR / "legal_refs", refs, dirs_exist_ok=True)
        _REFS.append(refs)
    return _REFS[0]


def _workspace(rule_file: Path, tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules"
    rules.mkdir(parents=True)
    shutil.copy(rule_file, rules / rule_file.name)
    return rules, _legal_refs()


def test_every_lint_code_has_a_fixture() -> None:
    covered = {_declared_code(path) for path in LINT_FILES}
    assert set(LINT_CODES) <= covered, sorted(set(LINT_CODES) - covered)


@pytest.mark.parametrize("rule_file", LINT_FILES, ids=[p.stem for p in LINT_FILES])
def test_lint_fixture(rule_file: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    rules, refs = _workspace(rule_file, tmp_path)
    report = check_rules(rules, refs)
    assert report.ok, render_all_text(report.diagnostics, report.sources)
    assert {d.code for d in report.diagnostics} == {_declared_code(rule_file)}
    assert all(d.hint for d in report.diagnostics), "every lint says how to fix it"
    text = render_all_text(report.diagnostics, report.sources) + "\n"
    compare_golden(request, rule_file.with_suffix(".expected"), text)


def test_cpf_check_prints_lints_as_json_and_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules, refs = _workspace(LINT_DIR / "unused_parameter.cpf", tmp_path)
    assert main(["check", str(rules), "--legal-refs", str(refs), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(d["code"], d["severity"], d["location"]["line"], d["location"]["column"]) for d in data] == [
        ("CPF-L301", "warning", 6, 1)
    ]
    assert "delete it" in data[0]["hint"]


def test_cpf_check_text_gives_file_line_col_and_exits_1_on_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, refs = _workspace(GOLDEN / "check" / "rule_without_citation.cpf", tmp_path)
    assert main(["check", str(rules), "--legal-refs", str(refs)]) == 1
    err = capsys.readouterr().err
    assert "error[CPF-E301]" in err and "rules/rule_without_citation.cpf:6:1" in err


def test_lints_are_not_run_on_a_rule_set_with_errors(tmp_path: Path) -> None:
    # rule_without_citation.cpf has no unused declaration, but its errors must come alone.
    rules, refs = _workspace(GOLDEN / "check" / "rule_without_citation.cpf", tmp_path)
    assert not any(d.code.startswith("CPF-L") for d in check_rules(rules, refs).diagnostics)


def _article(*spans: tuple[str, str | None]) -> Article:
    versions = tuple(
        ArticleVersion(
            datetime.date.fromisoformat(start),
            datetime.date.fromisoformat(end) if end else None,
            "x",
            "https://x",
            None,
            "s",
            "U",
            None,
        )
        for start, end in spans
    )
    return Article("CT:X", "CT", "X", "t", versions, "f")


def test_first_uncovered_date_of_an_interval() -> None:
    # L6323-11: 2015-2016, 2017-2018, 2019- : continuous, nothing uncovered.
    continuous = _article(("2015-01-01", "2016-12-31"), ("2017-01-01", "2018-12-31"), ("2019-01-01", None))
    assert first_uncovered(continuous, (datetime.date(2015, 1, 1), None)) is None
    repealed = _article(("2015-01-01", "2018-12-31"))
    assert first_uncovered(repealed, (datetime.date(2015, 1, 1), None)) == datetime.date(2019, 1, 1)
    assert first_uncovered(repealed, (datetime.date(2015, 1, 1), datetime.date(2018, 12, 31))) is None
    with_gap = _article(("2015-01-01", "2016-12-31"), ("2017-03-01", None))
    assert first_uncovered(with_gap, (datetime.date(2016, 6, 1), None)) == datetime.date(2017, 1, 1)
    not_yet = _article(("2019-01-01", None))
    assert first_uncovered(not_yet, (datetime.date(2015, 1, 1), None)) == datetime.date(2015, 1, 1)


def test_implication_by_inclusion_of_and_parts() -> None:
    def e(text: str):  # type: ignore[no-untyped-def]
        return parse_value(text, "test")

    assert implies(e("a and b"), e("b"))
    assert implies(e("a and b"), e("c or (b and a)"))
    assert not implies(e("a"), e("a and b"))
    assert not implies(e("a or b"), e("a"))


def test_a_parameter_read_only_in_a_condition_does_not_date_the_rule(tmp_path: Path) -> None:
    # R6323-3-1 (in force from 2019) sets the 800 €; the 2015 `false` of the regime only
    # says the majoration does not exist yet: it chooses the branch, it is not cited.
    rule_file = tmp_path / "guard.cpf"
    rule_file.write_text(
        'parameter majoration_regime : boolean "Majoration en vigueur"\n'
        '  from 2015-01-01 = false cite CT:L6323-11 "al. 1"\n'
        '  from 2019-01-01 = true cite CT:R6323-3-1 "I"\n\n'
        'parameter majored_amount : money "Montant majoré"\n'
        '  from 2019-01-01 = 800 EUR cite CT:R6323-3-1 "I"\n\n'
        'rule majoration(y : year) : money "Alimentation majorée"\n'
        '  cite CT:R6323-3-1 "I"\n'
        "  = if majoration_regime(y.start) then majored_amount(y.start) else 0 EUR\n",
        encoding="utf-8",
    )
    rules, refs = _workspace(rule_file, tmp_path / "ws")
    report = check_rules(rules, refs)
    assert report.ok and [d.code for d in report.diagnostics] == []
    # read as a value (not a condition), the 2015 value dates the rule: L101
    text = rule_file.read_text(encoding="utf-8").replace(
        "if majoration_regime(y.start) then majored_amount(y.start) else 0 EUR",
        "if majored_amount(y.start) > 0 EUR then majored_amount(y.start) else 0 EUR",
    )
    text = text.replace(
        "rule majoration",
        'rule regime_as_value(y : year) : boolean "R"\n  cite CT:R6323-3-1\n'
        "  = majoration_regime(y.start)\n\nrule majoration",
    )
    rule_file.write_text(text, encoding="utf-8")
    rules, refs = _workspace(rule_file, tmp_path / "ws2")
    assert [d.code for d in check_rules(rules, refs).diagnostics] == ["CPF-L101"]
