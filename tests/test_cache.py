"""The cross-process cache (cache.py): same checked model, keyed on content, safe to read.

A rule set loaded through the cache must evaluate exactly like one parsed afresh; an
edited rule file or grammar must miss; a planted or corrupt entry must be ignored
(never run, never trusted); ``CPF_NO_CACHE`` turns it off.
"""

from __future__ import annotations

import datetime
import importlib
import json
from fractions import Fraction
from pathlib import Path

import pytest

from cpf_rules import cache, loader
from cpf_rules.api import evaluate
from cpf_rules.ast import Quantity
from cpf_rules.render.json import dumps, result_to_json
from holder_strategies import rules_under_test

AS_OF = datetime.date(2026, 1, 1)
FACTS = {"years": [{"year": 2019, "worked_hours": 700}, {"year": 2020, "worked_hours": 1607}]}


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("CPF_CACHE_DIR", str(directory))
    monkeypatch.delenv("CPF_NO_CACHE", raising=False)
    monkeypatch.setattr(loader, "_CACHE", {})
    return directory


def _answer() -> str:
    model = rules_under_test()
    result = evaluate(model, FACTS, ["balance(2020)", "credit(2019)"], as_of=AS_OF)
    return dumps(result_to_json(result))


def test_a_model_read_from_the_cache_evaluates_like_a_fresh_one(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = _answer()  # fills the cache: the whole directory, and legal_refs/ on its own
    assert list(cache_dir.glob("rules-*.json")) and list(cache_dir.glob("legal-refs-*.json"))
    assert not list(cache_dir.glob("module-*.json"))  # one entry per file only for an editor's buffers
    monkeypatch.setattr(loader, "_CACHE", {})  # as a new process would

    def no_parsing(*args: object) -> None:
        raise AssertionError("a cached rule file was parsed again")

    monkeypatch.setattr("cpf_rules.syntax.parse_module", no_parsing)
    assert _answer() == fresh
    # R6323-1 II: 700 h of 1,607 h in 2019 → 217.80 €; 2020 full time → +500 €.
    assert json.loads(fresh)["answers"][0]["result"]["value"] == "717.80"


def test_an_edited_rule_file_misses_the_cache(cache_dir: Path) -> None:
    source = 'rule x : integer "x" cite CT:L6323-1 = 1\n'
    first = cache.parse_module_cached(source, "rules/x.cpf")
    second = cache.parse_module_cached(source.replace("= 1", "= 2"), "rules/x.cpf")
    assert first != second
    assert len(list(cache_dir.glob("module-*.json"))) == 2


def test_a_planted_entry_cannot_build_arbitrary_objects(cache_dir: Path) -> None:
    source = 'rule x : integer "x" cite CT:L6323-1 = 1\n'
    cache.parse_module_cached(source, "rules/x.cpf")
    (entry,) = cache_dir.glob("module-*.json")
    key, _, _ = entry.read_text(encoding="utf-8").split("\n", 2)  # an entry: key, file names, value
    planted = json.dumps({"Popen": [["touch", "/tmp/pwned"]]})
    entry.write_text(f"{key}\n[]\n{planted}", encoding="utf-8")
    module = cache.parse_module_cached(source, "rules/x.cpf")  # ignored, parsed again, rewritten
    assert module.declarations[0].name == "x"
    with pytest.raises(KeyError):
        cache.decode({"files": [], "value": {"Popen": []}})


def test_a_corrupt_entry_is_ignored(cache_dir: Path) -> None:
    source = 'rule x : integer "x" cite CT:L6323-1 = 1\n'
    cache.parse_module_cached(source, "rules/x.cpf")
    (entry,) = cache_dir.glob("module-*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert cache.parse_module_cached(source, "rules/x.cpf").declarations[0].name == "x"


def test_a_directory_writable_by_others_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("CPF_CACHE_DIR", str(shared))
    assert cache.cache_dir() is None
    monkeypatch.setenv("CPF_NO_CACHE", "1")
    monkeypatch.setenv("CPF_CACHE_DIR", str(tmp_path / "private"))
    assert cache.cache_dir() is None


def _copy_rules(tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the bundled rules/ and legal_refs/, to edit."""
    import shutil

    from cpf_rules.paths import default_legal_refs_dir, default_rules_dir

    rules = tmp_path / "work" / "rules"
    refs = tmp_path / "work" / "legal_refs"
    shutil.copytree(default_rules_dir(), rules)
    shutil.copytree(default_legal_refs_dir(), refs)
    return rules, refs


def test_a_whole_rules_directory_is_read_back_from_one_entry(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, refs = _copy_rules(tmp_path)
    fresh = loader.load_rules(rules, refs)
    (entry,) = cache_dir.glob("rules-*.json")
    monkeypatch.setattr(loader, "_CACHE", {})  # as a new process would

    def no_per_file_entry(*args: object) -> None:
        raise AssertionError("the rules directory was not read from its one entry")

    monkeypatch.setattr(loader, "parse_module_cached", no_per_file_entry)
    monkeypatch.setattr(loader, "load_legal_refs_cached", no_per_file_entry)
    again = loader.load_rules(rules, refs)
    assert again.modules == fresh.modules and again.registry == fresh.registry
    assert again.fingerprint == fresh.fingerprint
    # R6323-1 I, L6323-11 al. 1: from 2019-01-01 an employee earns 500 € a year, as read back.
    (dated,) = again.parameters["annual_amount"].values
    assert dated.start == datetime.date(2019, 1, 1) and isinstance(dated.value, Quantity)
    assert (dated.value.value, dated.value.unit) == (Fraction(500), "EUR")
    assert dated.span.file == "rules/accrual/employee/euro_era.cpf" and dated.span.line == 19
    assert entry.exists()


def test_an_edited_legal_reference_misses_the_whole_directory_entry(cache_dir: Path, tmp_path: Path) -> None:
    rules, refs = _copy_rules(tmp_path)
    loader.load_rules(rules, refs)
    (entry,) = cache_dir.glob("rules-*.json")
    before = entry.read_text(encoding="utf-8").split("\n", 1)[0]
    article = refs / "CT" / "L6323-11.yaml"
    article.write_text(article.read_text(encoding="utf-8").replace("title:", "title: Edited", 1), encoding="utf-8")
    model = loader.load_rules(rules, refs)
    assert model.registry.articles["CT:L6323-11"].title.startswith("Edited")
    (rewritten,) = cache_dir.glob("rules-*.json")  # the same one entry, with a new key
    assert rewritten == entry and entry.read_text(encoding="utf-8").split("\n", 1)[0] != before


def test_unsaved_buffers_do_not_write_a_whole_directory_entry(cache_dir: Path, tmp_path: Path) -> None:
    rules, refs = _copy_rules(tmp_path)
    report = loader.check_rules(rules, refs, overlay={"rules/extra.cpf": 'rule x : integer "x" cite CT:L6323-1 = 1\n'})
    assert report.ok
    assert not list(cache_dir.glob("rules-*.json"))


def test_the_encoding_round_trips_a_syntax_tree_and_the_registry() -> None:
    model = rules_under_test()
    for value in (model.modules, model.registry):
        assert cache.decode(json.loads(json.dumps(cache.encode(value)))) == value


def test_a_rule_set_checked_from_the_cache_has_the_fresh_types(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cpf_rules.cache_json import Encoder

    rules, refs = _copy_rules(tmp_path)
    fresh = loader.load_rules(rules, refs)
    monkeypatch.setattr(loader, "_CACHE", {})

    def no_check(*args: object) -> None:
        raise AssertionError("a rule set checked before was type-checked again")

    monkeypatch.setattr(importlib.import_module("cpf_rules.check"), "check", no_check)  # imported when needed
    cached = loader.load_rules(rules, refs)
    fresh_nodes, cached_nodes = Encoder(), Encoder()
    fresh_nodes.encode(fresh.modules)
    cached_nodes.encode(cached.modules)
    typed = 0
    for before, after in zip(fresh_nodes.order, cached_nodes.order, strict=True):
        assert before == after
        assert fresh.types.get(id(before)) == cached.types.get(id(after))
        typed += id(before) in fresh.types
    assert typed == len(fresh.types) == len(cached.types) > 1000
    assert cached.warnings == fresh.warnings
    # The evaluation reads those types: R6323-1 II, 700 h of 1,607 h in 2019 → 217.80 €.
    result = evaluate(cached, FACTS, ["credit(2019)"], as_of=AS_OF)
    assert str(result.value("credit(2019)")) == "217.80"


LINTED = [
    path
    for path in sorted((Path(__file__).parent / "golden" / "lint").glob("*.cpf"))
    if "CPF-L" in path.with_suffix(".expected").read_text(encoding="utf-8")
][:3]


@pytest.mark.parametrize("rule_file", LINTED, ids=[p.stem for p in LINTED])
def test_warnings_read_from_the_cache_are_those_of_a_fresh_check(
    rule_file: Path, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    rules, refs = _copy_rules(tmp_path)  # with the fixture articles of the lint tests
    shutil.copytree(rule_file.parent / "legal_refs", refs, dirs_exist_ok=True)
    shutil.rmtree(rules)
    rules.mkdir()
    shutil.copy(rule_file, rules / rule_file.name)
    evaluated = loader.load_rules(rules, refs)  # stores the check without the lints
    fresh = loader.check_rules(rules, refs)  # adds the lints to the entry
    assert any(d.code.startswith("CPF-L") for d in fresh.diagnostics)
    assert [d for d in fresh.diagnostics if not d.code.startswith("CPF-L")] == list(evaluated.warnings)
    monkeypatch.setattr(loader, "_CACHE", {})

    def no_lints(*args: object) -> None:
        raise AssertionError("the lints ran again")

    monkeypatch.setattr("cpf_rules.lints.run_lints", no_lints)
    assert loader.check_rules(rules, refs).diagnostics == fresh.diagnostics
    monkeypatch.setattr(loader, "_CACHE", {})
    assert loader.load_rules(rules, refs).warnings == evaluated.warnings


def test_an_edited_engine_misses_the_whole_directory_entry(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, refs = _copy_rules(tmp_path)
    loader.load_rules(rules, refs)
    monkeypatch.setattr(loader, "_CACHE", {})
    checked: list[object] = []
    check_module = importlib.import_module("cpf_rules.check")  # the loader imports it when it checks
    real_check = check_module.check
    monkeypatch.setattr(check_module, "check", lambda *args: checked.append(args) or real_check(*args))
    loader.load_rules(rules, refs)
    assert not checked  # same engine: read from the entry
    monkeypatch.setattr(loader, "_CACHE", {})
    monkeypatch.setattr(cache, "_engine_code", lambda: "check.py edited")
    loader.load_rules(rules, refs)
    assert len(checked) == 1  # another engine: checked again


def test_the_code_key_of_a_rules_entry_covers_every_module_the_loader_runs() -> None:
    """An edit to any module the loader runs must miss the entry: none may be left out of the key."""
    import ast as python_ast

    package = Path(cache.__file__).parent
    front = set(cache.FRONT_HALF)
    # model.py only declares the RuleSet the loader fills: nothing in the entry comes from its code.
    allowed = front | {"model"}
    for name in sorted(front):
        files = [package / f"{name}.py"] if (package / f"{name}.py").exists() else sorted((package / name).glob("*.py"))
        assert files, name
        for path in files:
            inside = path.parent != package  # a module of the lints package
            for node in python_ast.walk(python_ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, python_ast.ImportFrom) or node.level == 0:
                    continue
                if node.level == 1 and inside:
                    continue  # lints importing lints: covered by the package
                target = node.module or ""
                names = [target.split(".")[0]] if target else [alias.name for alias in node.names]
                assert set(names) <= allowed, f"{path.name} imports {names}: add it to cache.FRONT_HALF"
