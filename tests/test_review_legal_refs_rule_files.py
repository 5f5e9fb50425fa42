"""Review 3, reading rules/: loops of symbolic links, bytes that are not UTF-8, a byte-order mark.

A loop of symbolic links in rules/ crashed `cpf check` (exit 3: OSError ELOOP from
DirEntry.is_file()) and left the language server silent; a rule file that is not UTF-8
got CPF-E011 without a place; a UTF-8 byte-order mark (Windows editors write one) was
refused as CPF-E002 at 1:1. The rule used cites CT:R6323-1 I: 500 € a year from 2019.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cpf_rules import loader
from cpf_rules.diagnostics import Diagnostic, render_all_text
from cpf_rules.paths import default_legal_refs_dir

RULE = 'rule annual_amount_2019 : money "Montant annuel" cite CT:R6323-1 "I" = 500 EUR\n'
UNKNOWN = 'rule r : money "R" cite CT:R6323-1 "I" = anual_amount\n'  # an error at 1:42, to see columns


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CPF_NO_CACHE", raising=False)
    monkeypatch.setattr(loader, "_CACHE", {})


def _rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "amount.cpf").write_text(RULE, encoding="utf-8")
    return rules


def _check(rules: Path, overlay: dict[str, str] | None = None) -> list[Diagnostic]:
    report = loader.check_rules(rules, default_legal_refs_dir(), overlay)
    assert "Traceback" not in render_all_text(report.diagnostics, report.sources)
    return list(report.diagnostics)


def _where(diagnostic: Diagnostic) -> tuple[str, str, int, int]:
    assert diagnostic.span is not None, diagnostic
    return diagnostic.code, diagnostic.span.file, diagnostic.span.line, diagnostic.span.column


# ---- loops of symbolic links, unreadable folders ----------------------------------------


def test_a_loop_of_symbolic_links_in_rules_is_an_error_naming_it(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    (rules / "l1").symlink_to("l2")
    (rules / "l2").symlink_to("l1")
    (rules / "sub").mkdir()
    (rules / "sub" / "self.cpf").symlink_to("self.cpf")
    problems = _check(rules)
    assert [(_where(d), d.message) for d in problems] == [
        (("CPF-E011", "rules/l1", 1, 1), "cannot read rules/l1: a loop of symbolic links"),
        (("CPF-E011", "rules/l2", 1, 1), "cannot read rules/l2: a loop of symbolic links"),
        (("CPF-E011", "rules/sub/self.cpf", 1, 1), "cannot read rules/sub/self.cpf: a loop of symbolic links"),
    ]


def test_a_folder_of_rules_that_cannot_be_listed_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its rule files would be missing from the rule set without a word (root reads any
    folder, so the refusal is simulated)."""
    rules = _rules(tmp_path)
    (rules / "locked").mkdir()
    (rules / "locked" / "x.cpf").write_text(RULE.replace("annual_amount_2019", "x"), encoding="utf-8")
    real = os.scandir

    def scandir(path: str) -> object:
        if path.endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(loader.os, "scandir", scandir)
    [problem] = _check(rules)
    assert (_where(problem), problem.message) == (
        ("CPF-E011", "rules/locked", 1, 1),
        "cannot read rules/locked: permission denied",
    )


def test_broken_links_and_other_files_are_still_skipped(tmp_path: Path) -> None:
    """As before (rglob's listing): a dangling link (an editor's lock file) is no rule file."""
    rules = _rules(tmp_path)
    (rules / ".#amount.cpf").symlink_to("user@host.1234")
    (rules / "notes.txt").write_text("not rules", encoding="utf-8")
    assert _check(rules) == []


# ---- not UTF-8: located -----------------------------------------------------------------


def test_a_rule_file_that_is_not_utf8_is_located_at_its_first_bad_byte(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    # Line 3, after "Montant annuel d" (an é in Latin-1 where UTF-8 was expected); CRLF line ends.
    text = "# comment\r\n# é\r\n" + RULE.replace("annuel", "annuel d\udce9")
    (rules / "amount.cpf").write_bytes(text.encode("utf-8", errors="surrogateescape"))
    [problem] = _check(rules)
    column = RULE.index("annuel") + len("annuel d") + 1
    assert _where(problem) == ("CPF-E011", "rules/amount.cpf", 3, column)
    assert problem.message == f"rules/amount.cpf is not UTF-8 text (byte 0xe9 at line 3, column {column})"
    assert (problem.expected, problem.found) == ("UTF-8 text", "the byte 0xe9 (invalid continuation byte)")


def test_a_bad_byte_far_in_a_large_file_is_located_exactly(tmp_path: Path) -> None:
    """Past the text decoder's 8 KiB chunks, whose offsets are relative to the chunk."""
    rules = _rules(tmp_path)
    filler = "".join(f"# line {n} é\n" for n in range(1, 2001))  # 2,000 lines, ~28 KB
    (rules / "amount.cpf").write_bytes((filler + RULE).encode() + b"# \xff\n")
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E011", "rules/amount.cpf", 2002, 3)


# ---- a byte-order mark ------------------------------------------------------------------


def test_a_byte_order_mark_is_accepted_and_positions_are_unchanged(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    (rules / "amount.cpf").write_bytes(b"\xef\xbb\xbf" + RULE.encode())
    report = loader.check_rules(rules, default_legal_refs_dir())
    assert report.ok and report.ruleset is not None
    assert "annual_amount_2019" in report.ruleset.rules
    assert report.sources["rules/amount.cpf"] == RULE  # the mark is not part of the text
    (rules / "unknown.cpf").write_bytes(b"\xef\xbb\xbf" + UNKNOWN.encode())
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E101", "rules/unknown.cpf", 1, UNKNOWN.index("anual") + 1)


def test_a_byte_order_mark_in_an_editor_buffer_is_accepted(tmp_path: Path) -> None:
    """The language server's path: unsaved buffers overlaid on the files on disk."""
    rules = _rules(tmp_path)
    assert _check(rules, {"rules/amount.cpf": "\ufeff" + RULE}) == []
    [problem] = _check(rules, {"rules/unknown.cpf": "\ufeff" + UNKNOWN})
    assert _where(problem) == ("CPF-E101", "rules/unknown.cpf", 1, UNKNOWN.index("anual") + 1)


def test_the_fingerprint_does_not_see_the_byte_order_mark(tmp_path: Path) -> None:
    """The same rules with and without a mark are the same rule set (same fingerprint in results)."""
    rules = _rules(tmp_path)
    plain = loader.check_rules(rules, default_legal_refs_dir()).ruleset
    (rules / "amount.cpf").write_bytes(b"\xef\xbb\xbf" + RULE.encode())
    marked = loader.check_rules(rules, default_legal_refs_dir()).ruleset
    assert plain is not None and marked is not None and plain.fingerprint == marked.fingerprint
