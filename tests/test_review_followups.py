"""Follow-ups of the second review (rule files and explanations), outside the helpers' files.

- a number literal of 5,000 digits made `cpf check` exit 3 (Fraction refuses texts over
  4,300 digits; then the cache could not write it): now CPF-E206 at the literal;
- `cpf fmt` refused a rule file starting with a byte-order mark that `cpf check` accepts;
  it now drops the mark (a file with one "would reformat"), and its CPF-E011 is located;
- the cached legal-reference registry outlived an edit of the code that reads legal_refs/;
- the source line under a diagnostic was cut with str.splitlines (a form feed in a rule
  file or U+2028 in a YAML file showed another line than the one numbered).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import cpf_rules.legal_refs as legal_refs_module
from cpf_rules import cache, loader
from cpf_rules.diagnostics import Diagnostic, Severity, Span, render_text

ROOT = Path(__file__).resolve().parent.parent
PARAMETER = 'parameter p : money "Montant"\n  from 2019-01-01 = {value} EUR cite CT:R6323-1 "I"\n'


def _cpf(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cpf_rules.cli", *arguments], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_a_five_thousand_digit_literal_is_cpf_e206_not_an_internal_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.cpf").write_text(PARAMETER.format(value="1" * 5000), encoding="utf-8")
    done = _cpf("check", str(rules), "--legal-refs", str(ROOT / "legal_refs"))
    assert done.returncode == 1, done.stderr[-500:]
    assert "error[CPF-E206]" in done.stdout + done.stderr
    assert "internal error" not in done.stdout + done.stderr


def test_cpf_fmt_drops_a_byte_order_mark_that_cpf_check_accepts(tmp_path: Path) -> None:
    file = tmp_path / "a.cpf"
    file.write_bytes(b"\xef\xbb\xbf" + PARAMETER.format(value="500").encode())
    checked = _cpf("fmt", "--check", str(file))
    assert checked.returncode == 1 and "would reformat" in checked.stdout, checked.stderr
    assert _cpf("fmt", str(file)).returncode == 0
    assert file.read_bytes() == PARAMETER.format(value="500").encode()  # the same text, without the mark


def test_cpf_fmt_locates_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    file = tmp_path / "a.cpf"
    file.write_bytes(b'parameter p : money "P"\n  from 2019-01-01 = \xff500 EUR\n')
    done = _cpf("fmt", "--check", str(file))
    assert done.returncode == 1
    assert f"--> {file}:2:21" in done.stderr and "error[CPF-E011]" in done.stderr


def test_an_edited_legal_refs_reader_misses_the_cached_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPF_CACHE_DIR", str(tmp_path / "cache"))
    refs = tmp_path / "legal_refs"
    shutil.copytree(ROOT / "legal_refs", refs)
    built: list[Path] = []
    real = legal_refs_module.load_legal_refs

    def counting(directory: Path) -> object:
        built.append(directory)
        return real(directory)

    monkeypatch.setattr(legal_refs_module, "load_legal_refs", counting)
    _, content = loader._fingerprint({}, refs)  # what the loader reads of legal_refs/
    first = cache.load_legal_refs_cached(refs, content)
    cache.load_legal_refs_cached(refs, content)
    assert len(built) == 1  # read from the entry the second time
    monkeypatch.setattr(cache, "_engine_code", lambda: "legal_refs.py edited")
    again = cache.load_legal_refs_cached(refs, content)
    assert len(built) == 2 and again == first


@pytest.mark.parametrize(
    ("file", "source", "shown"),
    [
        ("rules/a.cpf", "# a form feed \f in a comment\nrule r : integer = 1 +\n", "rule r : integer = 1 +"),
        ("facts.yaml", "note: a\u2028b\nyears: oops\n", "years: oops"),
    ],
)
def test_the_line_under_a_diagnostic_is_the_line_its_reader_numbered(file: str, source: str, shown: str) -> None:
    """Lark (rule files) counts lines at LF only (a form feed is inside line 1); PyYAML also
    breaks at U+2028 (line 3)."""
    line = 2 if file.endswith(".cpf") else 3
    diagnostic = Diagnostic("CPF-E001", Severity.ERROR, "x", Span(file, line, 1, line, 2))
    assert f"{line} | {shown}" in render_text(diagnostic, {file: source})


def test_an_editor_buffer_stands_for_its_file_on_disk_in_the_language_server_check(tmp_path: Path) -> None:
    """The language server checks unsaved buffers (``overlay``): a file whose bytes on disk
    are not UTF-8 but whose buffer is fixed, or a new file in an empty rules/, was refused
    from the disk (CPF-E011, CPF-E010) before the buffers were looked at."""
    from cpf_rules.loader import check_rules

    rules = tmp_path / "rules"
    rules.mkdir()
    buffer = {"rules/amount.cpf": PARAMETER.format(value="500")}
    new_file = check_rules(rules, ROOT / "legal_refs", overlay=buffer)
    assert [d.code for d in new_file.diagnostics if d.is_error] == []
    assert new_file.ruleset is not None and "amount" not in new_file.ruleset.rules  # a parameter, p
    assert new_file.ruleset.parameters["p"].values[0].start.isoformat() == "2019-01-01"
    (rules / "amount.cpf").write_bytes(b"parameter p : money \xff")
    on_disk = check_rules(rules, ROOT / "legal_refs")
    assert [d.code for d in on_disk.diagnostics] == ["CPF-E011"]
    fixed_in_editor = check_rules(rules, ROOT / "legal_refs", overlay=buffer)
    assert [d.code for d in fixed_in_editor.diagnostics if d.is_error] == []
