"""Review 3, legal_refs/: bad files are located diagnostics, never a traceback.

A file that is not UTF-8, a directory named like a file, a loop of symbolic links or a
broken legal_ref.schema.json gave exit 3 (UnicodeDecodeError, IsADirectoryError, OSError
ELOOP, JSONDecodeError); a version ending before it begins was accepted; CPF-E320,
E321, E322 and E323 all pointed at line 1, column 1. The file mutated in most tests is
CT:R6323-1 (the computation of an employee's credit: the hours version 2015-2018, then
the euros version from 2019-01-01), copied with the rest of legal_refs/ into tmp_path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cpf_rules import loader
from cpf_rules.diagnostics import CpfError, Diagnostic, render_all_text
from cpf_rules.legal_refs import load_legal_refs
from cpf_rules.paths import default_legal_refs_dir

RULE = 'rule r : integer "R" cite CT:R6323-1 = 1\n'


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CPF_NO_CACHE", raising=False)
    monkeypatch.setattr(loader, "_CACHE", {})


def _project(tmp_path: Path) -> tuple[Path, Path]:
    """rules/ with one rule citing R6323-1, beside a copy of the bundled legal_refs/."""
    rules, refs = tmp_path / "rules", tmp_path / "legal_refs"
    rules.mkdir()
    (rules / "r.cpf").write_text(RULE, encoding="utf-8")
    shutil.copytree(default_legal_refs_dir(), refs)
    return rules, refs


def _check(rules: Path) -> list[Diagnostic]:
    """`cpf check` twice (cold, then through the cache): the same diagnostics, rendered without error."""
    first = loader.check_rules(rules)
    loader._CACHE.clear()
    second = loader.check_rules(rules)
    assert first.diagnostics == second.diagnostics
    assert "Traceback" not in render_all_text(first.diagnostics, first.sources)
    return list(first.diagnostics)


def _where(diagnostic: Diagnostic) -> tuple[str, str, int, int]:
    assert diagnostic.span is not None, diagnostic
    return diagnostic.code, diagnostic.span.file, diagnostic.span.line, diagnostic.span.column


def _line_of(path: Path, needle: str) -> tuple[int, int]:
    """1-based line and column where ``needle`` starts in ``path`` (the expected place)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- unreadable entries (were exit 3) ---------------------------------------------------


def test_a_legal_reference_that_is_not_utf8_is_located_at_its_first_bad_byte(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    data = path.read_bytes()
    at = data.index(b"Calcul de l")  # the title, line 4: `title: "Calcul de l'alimentation …`
    path.write_bytes(data[:at] + b"\xe9" + data[at:])  # a Latin-1 é typed before it
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E324", "legal_refs/CT/R6323-1.yaml", 4, 9)
    assert problem.message == "legal_refs/CT/R6323-1.yaml is not UTF-8 text (byte 0xe9 at line 4, column 9)"
    assert problem.found == "the byte 0xe9 (invalid continuation byte)"


def test_a_directory_named_like_a_legal_reference_file_is_named(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    (refs / "CT" / "R9999-9.yaml").mkdir()
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E324", "legal_refs/CT/R9999-9.yaml", 1, 1)
    assert problem.message == "cannot read legal_refs/CT/R9999-9.yaml: a directory, not a .yaml file"
    with pytest.raises(CpfError) as raised:  # the registry alone says the same
        load_legal_refs(refs)
    assert [d.message for d in raised.value.diagnostics] == [problem.message]


def test_a_loop_of_symbolic_links_in_legal_refs_is_named(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    (refs / "la").symlink_to("lb")
    (refs / "lb").symlink_to("la")
    (refs / "CT" / "L0000-0.yaml").symlink_to("L0000-0.yaml")  # a link to itself, named like a reference
    problems = _check(rules)
    assert [(_where(d), d.message) for d in problems] == [
        (
            ("CPF-E324", "legal_refs/CT/L0000-0.yaml", 1, 1),
            "cannot read legal_refs/CT/L0000-0.yaml: a loop of symbolic links",
        ),
        (("CPF-E324", "legal_refs/la", 1, 1), "cannot read legal_refs/la: a loop of symbolic links"),
        (("CPF-E324", "legal_refs/lb", 1, 1), "cannot read legal_refs/lb: a loop of symbolic links"),
    ]
    with pytest.raises(CpfError) as raised:  # the registry alone sees the one named *.yaml
        load_legal_refs(refs)
    assert [d.message for d in raised.value.diagnostics] == [problems[0].message]


def test_a_loop_added_after_a_clean_check_is_reported_on_the_warm_path(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    assert loader.check_rules(rules).ok  # now cached: rules entry and registry entry
    (refs / "CT" / "loop").symlink_to("loop")
    assert [_where(d) for d in _check(rules)] == [("CPF-E324", "legal_refs/CT/loop", 1, 1)]


def test_a_schema_that_is_not_json_is_located_at_the_syntax_error(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    (refs / "legal_ref.schema.json").write_text('{\n  "type": "object",\n  "required": [\n}\n', encoding="utf-8")
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E324", "legal_refs/legal_ref.schema.json", 4, 1)
    assert problem.message.startswith("legal_refs/legal_ref.schema.json cannot be used: it is not valid JSON")


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("[]", "it is not a JSON object"),
        ('{"type": 5}', "it is not a valid JSON Schema (5 is not valid under any of the given schemas)"),
    ],
)
def test_a_schema_that_cannot_validate_is_named(tmp_path: Path, schema: str, message: str) -> None:
    rules, refs = _project(tmp_path)
    (refs / "legal_ref.schema.json").write_text(schema, encoding="utf-8")
    [problem] = _check(rules)
    assert (problem.code, problem.message) == (
        "CPF-E324",
        f"legal_refs/legal_ref.schema.json cannot be used: {message}",
    )


def test_a_schema_weaker_than_the_engine_needs_gives_e320_not_a_key_error(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    (refs / "legal_ref.schema.json").write_text("{}", encoding="utf-8")  # accepts anything
    _edit(refs / "CT" / "R6323-1.yaml", 'source: "Code du travail"\n', "")
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E320", "legal_refs/CT/R6323-1.yaml", 1, 1)
    assert problem.message == "legal reference file lacks what the engine reads (KeyError: 'source')"


# ---- dates and versions: checked, and located at the value ------------------------------


def test_r6323_1_hours_version_ending_before_it_begins_is_an_error_at_its_end_date(tmp_path: Path) -> None:
    """The hours wording of R6323-1 (décret 2014-1120) is in force 2015-01-01 to 2018-12-31;
    an end typed as 2014-12-31 made the version empty and was accepted."""
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    _edit(path, 'in_force_to: "2018-12-31"', 'in_force_to: "2014-12-31"')
    [problem] = _check(rules)
    line, column = _line_of(path, '"2014-12-31"')
    assert _where(problem) == ("CPF-E321", "legal_refs/CT/R6323-1.yaml", line, column)
    assert problem.message == (
        "a version of CT:R6323-1 ends before it begins: in_force_to 2014-12-31 is before in_force_from 2015-01-01"
    )
    assert problem.found == "2014-12-31"


def test_a_one_day_version_is_accepted(tmp_path: Path) -> None:
    """in_force_from and in_force_to are both inclusive: the same day is one day in force."""
    _, refs = _project(tmp_path)
    _edit(refs / "CT" / "R6323-1.yaml", 'in_force_from: "2015-01-01"', 'in_force_from: "2018-12-31"')
    version = load_legal_refs(refs).articles["CT:R6323-1"].versions[0]
    assert (version.in_force_from.isoformat(), str(version.in_force_to)) == ("2018-12-31", "2018-12-31")


def test_r6323_1_impossible_date_is_located_at_the_date(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    _edit(path, 'in_force_from: "2019-01-01"', 'in_force_from: "2019-02-30"')  # the euros version
    [problem] = _check(rules)
    line, column = _line_of(path, '"2019-02-30"')
    assert line > 20  # far down the file: the second version
    assert _where(problem) == ("CPF-E321", "legal_refs/CT/R6323-1.yaml", line, column)
    assert problem.message == (
        "invalid date in legal reference CT:R6323-1: in_force_from '2019-02-30' (day is out of range for month)"
    )


def test_r6323_1_overlapping_versions_are_located_at_the_end_that_overlaps(tmp_path: Path) -> None:
    """The hours version ends 2018-12-31, the euros version (décret 2018-1329) begins 2019-01-01."""
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    _edit(path, 'in_force_to: "2018-12-31"', 'in_force_to: "2019-06-30"')
    [problem] = _check(rules)
    line, column = _line_of(path, '"2019-06-30"')
    assert _where(problem) == ("CPF-E323", "legal_refs/CT/R6323-1.yaml", line, column)
    assert problem.message == (
        "versions of CT:R6323-1 overlap or are unsorted (2015-01-01 and 2019-01-01): "
        "the version from 2015-01-01 ends on 2019-06-30"
    )


def test_an_open_version_before_another_is_located_at_its_start(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    _edit(path, '    in_force_to: "2018-12-31"\n', "")
    [problem] = _check(rules)
    line, column = _line_of(path, '"2015-01-01"')
    assert _where(problem) == ("CPF-E323", "legal_refs/CT/R6323-1.yaml", line, column)
    assert problem.message.endswith("the version from 2015-01-01 has no in_force_to")


def test_a_schema_violation_is_located_at_the_refused_value(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index('confidence: "P"', text.index('in_force_from: "2019-01-01"'))  # the euros version's grade
    path.write_text(text[:at] + 'confidence: "Z"' + text[at + len('confidence: "P"') :], encoding="utf-8")
    [problem] = _check(rules)
    line, column = _line_of(path, '"Z"')
    assert _where(problem) == ("CPF-E320", "legal_refs/CT/R6323-1.yaml", line, column)
    assert problem.path == "$.versions[1].confidence"


def test_a_reference_in_the_wrong_file_is_located_at_its_id(tmp_path: Path) -> None:
    rules, refs = _project(tmp_path)
    path = refs / "CT" / "R6323-1.yaml"
    _edit(path, 'title: "Calcul', '# the id is below\ntitle: "Calcul')
    _edit(path, 'id: "CT:R6323-1"\n', "")
    _edit(path, "# the id is below\n", 'id: "CT:R6323-2"\n')
    [problem] = _check(rules)
    assert _where(problem) == ("CPF-E322", "legal_refs/CT/R6323-1.yaml", 3, 5)
