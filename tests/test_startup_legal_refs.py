"""Where a legal reference is stored (CPF-E322), after the start-up fix of legal_refs.py (issue 8).

The loader compares a file's place with the one its ``id`` names lexically first and
resolves symbolic links only when the two texts differ: the verdicts must not change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpf_rules.diagnostics import CpfError
from cpf_rules.legal_refs import load_legal_refs
from cpf_rules.paths import default_legal_refs_dir


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "legal_refs"
    shutil.copytree(default_legal_refs_dir(), copy)
    return copy


def test_a_reference_in_the_wrong_folder_is_named(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    (copy / "CT" / "L6323-11.yaml").rename(copy / "DEC" / "L6323-11.yaml")  # the article of the credit, misplaced
    with pytest.raises(CpfError) as raised:
        load_legal_refs(copy)
    [problem] = raised.value.diagnostics
    assert problem.code == "CPF-E322"
    assert problem.message == "legal reference CT:L6323-11 is stored in the wrong file"
    assert problem.span is not None and problem.span.file == "legal_refs/DEC/L6323-11.yaml"
    assert problem.hint == f"move it to {copy / 'CT' / 'L6323-11.yaml'}"


def test_references_read_through_a_symbolic_link_are_in_their_place(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    linked = tmp_path / "linked"
    linked.symlink_to(copy, target_is_directory=True)
    direct, through_link = load_legal_refs(copy), load_legal_refs(linked)
    assert "CT:L6323-11" in through_link
    assert [a.id for a in direct] == [a.id for a in through_link] and len(list(direct)) > 70


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_a_legal_refs_path_that_is_not_a_directory_is_one_error(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--legal-refs` mistyped: one CPF-E324, not a traceback (os.scandir on a missing
    directory) nor one CPF-E302 per citation of the rule base (an empty registry, also
    when an entry cached for that path says so)."""
    from cpf_rules import loader
    from cpf_rules.paths import default_rules_dir

    monkeypatch.setenv("CPF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CPF_NO_CACHE", raising=False)
    monkeypatch.setattr(loader, "_CACHE", {})
    path = tmp_path / "legal-refs"
    if kind == "a file":
        path.write_text("not a directory\n", encoding="utf-8")
    for _ in range(2):  # the second time through the cache
        report = loader.check_rules(default_rules_dir(), path)
        assert [(d.code, d.message) for d in report.diagnostics] == [
            ("CPF-E324", f"legal references directory not found: {path}")
        ]
