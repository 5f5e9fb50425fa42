"""Golden tests: each bad rule file under tests/golden/check/ gives its precise diagnostics.

Each ``NAME.cpf`` is checked alone (with the bundled legal_refs/); the text rendering
(code, file:line:col, source line with caret, hint) must equal ``NAME.expected``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpf_rules.diagnostics import render_all_text
from cpf_rules.loader import check_rules
from cpf_rules.paths import default_legal_refs_dir
from golden import GOLDEN, compare_golden

BAD_RULE_FILES = sorted((GOLDEN / "check").glob("*.cpf"))


def _check_alone(rule_file: Path, tmp_path: Path) -> tuple[str, list[str]]:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(rule_file, rules / rule_file.name)
    report = check_rules(rules, default_legal_refs_dir())
    assert not report.ok, f"{rule_file.name} should not check"
    return render_all_text(report.diagnostics, report.sources) + "\n", [d.code for d in report.diagnostics]


def test_there_are_at_least_ten_bad_rule_files() -> None:
    assert len(BAD_RULE_FILES) >= 10


@pytest.mark.parametrize("rule_file", BAD_RULE_FILES, ids=[p.stem for p in BAD_RULE_FILES])
def test_bad_rule_file_diagnostics(rule_file: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    text, codes = _check_alone(rule_file, tmp_path)
    assert "__ANON" not in text and "Traceback" not in text
    assert all(code.startswith("CPF-") for code in codes)
    compare_golden(request, rule_file.with_suffix(".expected"), text)
