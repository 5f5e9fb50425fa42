"""The cross-process cache (cache.py): same checked model, keyed on content, safe to read.

A rule set loaded through the cache must evaluate exactly like one parsed afresh; an
edited rule file or grammar must miss; a planted or corrupt entry must be ignored
(never run, never trusted); ``CPF_NO_CACHE`` turns it off.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from cpf_rules import cache, loader
from cpf_rules.api import evaluate
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
    fresh = _answer()  # fills the cache
    assert list(cache_dir.glob("module-*.json")) and list(cache_dir.glob("legal-refs-*.json"))
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
    entry.write_text(json.dumps({"$": "Popen", "f": [["touch", "/tmp/pwned"]]}), encoding="utf-8")
    module = cache.parse_module_cached(source, "rules/x.cpf")  # ignored, parsed again, rewritten
    assert module.declarations[0].name == "x"
    with pytest.raises(KeyError):
        cache.decode({"$": "Popen", "f": []})


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
