"""The loader's warm path (issue 8): cheaper listing and symbol tables, same results.

The rule files and legal references are listed with os.scandir: the rules' fingerprint
(printed in every result) and the order of the rule files (the order of their
diagnostics) must be those the pathlib listing gave, ``sorted(rglob)`` part by part, on
the bundled directories and on trees with awkward names. A rule set read from the cache
rebuilds its symbol tables without the checks that only report: the tables must be
those of a full resolution.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cpf_rules import loader
from cpf_rules.diagnostics import DiagnosticBag
from cpf_rules.paths import default_legal_refs_dir, default_rules_dir
from cpf_rules.resolve import resolve
from cpf_rules.syntax import parse_module


def _pathlib_sources(rules_dir: Path) -> dict[str, str]:
    files = [rules_dir] if rules_dir.is_file() else sorted(rules_dir.rglob("*.cpf"))
    return {path.relative_to(rules_dir.parent).as_posix(): path.read_text(encoding="utf-8") for path in files}


def _pathlib_fingerprint(sources: dict[str, str], legal_refs_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    for path in sorted(legal_refs_dir.rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".json"):
            digest.update(path.relative_to(legal_refs_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def _same_as_pathlib(rules_dir: Path, legal_refs_dir: Path) -> None:
    expected = _pathlib_sources(rules_dir)
    sources = loader._read_sources(rules_dir)
    assert list(sources.items()) == list(expected.items())
    assert loader._fingerprint(sources, legal_refs_dir)[0] == _pathlib_fingerprint(expected, legal_refs_dir)


def test_the_bundled_rules_and_legal_references_are_listed_as_before() -> None:
    _same_as_pathlib(default_rules_dir(), default_legal_refs_dir())
    # L6323-11 (the employee's annual credit) is among the fingerprinted references.
    assert (default_legal_refs_dir() / "CT" / "L6323-11.yaml").is_file()


def test_awkward_names_are_listed_in_pathlibs_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    # `a-b/x.cpf` sorts after `a/b.cpf` part by part, before it as plain text.
    for name in ["a-b/x.cpf", "a/b.cpf", "a.cpf", "A.cpf", ".cpf", "z/.hidden.cpf", "a/b/c/d.cpf", "n.cpf.txt"]:
        (rules / name).parent.mkdir(parents=True, exist_ok=True)
        (rules / name).write_text(f"// {name}\n", encoding="utf-8")
    refs = tmp_path / "legal_refs"
    for name in ["CT/L1.yaml", ".yaml", "x.yaml.yaml", "CT-x/a.json", "CT/b.yml", "CT/c.json.bak", "d.JSON"]:
        (refs / name).parent.mkdir(parents=True, exist_ok=True)
        (refs / name).write_text(name, encoding="utf-8")
    (rules / "link").symlink_to(rules / "a", target_is_directory=True)  # not followed, as rglob did not
    _same_as_pathlib(rules, refs)
    assert list(loader._read_sources(rules))[:3] == ["rules/.cpf", "rules/A.cpf", "rules/a/b/c/d.cpf"]
    monkeypatch.chdir(rules)
    for relative in (Path("."), Path("a"), Path("a.cpf")):
        _same_as_pathlib(relative, refs)


def test_tables_rebuilt_without_the_reporting_checks_are_those_of_a_full_resolution() -> None:
    model = loader.load_rules()
    full_bag, quiet_bag = DiagnosticBag(), DiagnosticBag()
    full = resolve(model.modules, model.registry, full_bag)
    quiet = resolve(model.modules, model.registry, quiet_bag, report=False)
    for table in ("enums", "records", "inputs", "parameters", "rules", "enum_cases"):
        assert getattr(quiet, table) == getattr(full, table), table
    assert list(quiet.declared_types.items()) == list(full.declared_types.items())
    assert quiet.type_of(quiet.rules["balance"].type) == full.type_of(full.rules["balance"].type)
    assert not full_bag.has_errors and not quiet_bag.items


def test_without_the_reporting_checks_a_missing_label_and_citation_are_not_reported() -> None:
    module = parse_module("rule x : integer = 1\n", "rules/x.cpf")  # no label, no `cite` (R6323-1 would be)
    registry = loader.load_rules().registry
    full_bag, quiet_bag = DiagnosticBag(), DiagnosticBag()
    assert "x" in resolve([module], registry, full_bag).rules
    assert "x" in resolve([module], registry, quiet_bag, report=False).rules
    assert {d.code for d in full_bag.items} == {"CPF-E303", "CPF-E301"}
    assert not quiet_bag.items
