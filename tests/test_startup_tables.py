"""The shipped parser tables and the fast parser (issue 8: start-up without building Lark's tables).

syntax_tables.json / syntax_tables_lark.json must be regenerated when grammar/cpf.lark
changes (``python -m cpf_rules.syntax_tables``), and the fast path (syntax_fast.py) must
give exactly what the Lark path gives: the same ast nodes, with the same spans, for every
text Lark accepts, and a hand-over to Lark (hence Lark's own diagnostics) for the others.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cpf_rules import ast, syntax, syntax_tables
from cpf_rules.diagnostics import CpfError
from cpf_rules.paths import default_rules_dir, grammar_file
from cpf_rules.syntax_fast import Fallback

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = grammar_file().read_text(encoding="utf-8")


def _sources() -> list[tuple[str, str]]:
    """Every rule file of the repository: the bundled rules, the tests' and the examples'."""
    rules = default_rules_dir()
    paths = [
        *sorted(rules.rglob("*.cpf")),
        *sorted((ROOT / "tests").rglob("*.cpf")),
        *sorted((ROOT / "examples").rglob("*.cpf")),
    ]
    return [
        (
            path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name,
            path.read_text(encoding="utf-8"),
        )
        for path in paths
    ]


TRICKY = [
    "",
    "# only a comment",
    "\n\n   \t\n",
    # `days` and `h` are units after a number, names elsewhere (Lark's contextual lexer)
    'parameter delay : days "Délai"\n  from 2019-01-01 = 30 days\n',
    "rule h(d : date) : days = 3 days\nrule days2(h : integer) : integer = h + 1",
    'input h : hours default 0 h "Heures"\ninput year.days : days optional',
    # keywords as parts of names, and names next to keywords
    "rule interpretation_x(y : year) : boolean = not_a or in_force and notice",
    "rule r(y : year) : decimal = if y<=2019 then 1 else if y< =2020 then 2 else 3",
    "rule r(y : year) : boolean = y <= 2019 and y>=2000 or y!=2010 and y==2011",
    # positions: parentheses widen the parent's span, not the child's
    "rule r(y : year) : money = ((500 EUR) + (  credit(y)  )) * (2)",
    "rule r(y : year) : money =\n  let a = 1 in\n    (a\n     + 2)\n  otherwise 0 EUR",
    "rule r(y : year) : money = sum(e.amount for e in ledger if e.date.year == y)",
    'rule r(y : year) : integer "L" cite CT:L6323-11 "al. 2", CT:R1 uncertain "u" interpretation "i" = 1\n'
    '  exception e "E" cite CT:L1 when y == 2019 = 2',
    'enum Status "S" = employee "salarié" | job_seeker\nrecord R "r" { date : date "d" amount : money default 0 EUR }',
    "rule r(y : year) : boolean = -(-(-1)) == -1",
    "rule r(y : year) : date = 2019-02-30",  # a date that does not exist: CPF-E003 through Lark
    "rule r(y : year) : money = 1 +",  # syntax errors: Lark's diagnostics
    "rule r(y : year) : money = 500 €",
    'rule r(y : year) : text = "not closed',
    "rule r(y : year) : integer = " + "-" * 150 + "1",  # too deep: CPF-E013
    "rule r(y : year) : integer = " + "(" * 150 + "1" + ")" * 150,  # parentheses add no level
    "rule r(y : year) : integer = 1\r\nrule s(y : year) : integer = 2\r\n",
    "rule r(y : year) : integer = 1\x0c\nrule s(y : year) : integer =\t2",
]


def _mutants(sources: list[tuple[str, str]], per_file: int, seed: int = 8) -> list[tuple[str, str]]:
    """Texts near the real ones: pieces cut, copied, upper-cased, or odd words put in."""
    pick = random.Random(seed)
    words = [" days", " h", "(", ")", "-", " in ", "<", "=", "\n", "2020-02-30", " EUR/h", "#", '"x"', " if ", "h:"]
    found: list[tuple[str, str]] = []
    for name, text in sources:
        for _ in range(per_file):
            i = pick.randrange(len(text) + 1)
            j = min(len(text), i + pick.randrange(1, 12))
            k = pick.randrange(len(text) + 1)
            change = pick.randrange(4)
            if change == 0:
                mutant = text[:i] + text[j:]
            elif change == 1:
                mutant = text[:k] + text[i:j] + text[k:]
            elif change == 2:
                mutant = text[:i] + pick.choice(words) + text[i:]
            else:
                mutant = text[:i] + text[i:j].upper() + text[j:]
            found.append((name, mutant))
    return found


def _through_lark(text: str, name: str) -> Any:
    try:
        return ast.Module(name, text, tuple(syntax._parse_with_lark(text, name, "start")))
    except CpfError as error:
        return error.diagnostics


def _through_fast(text: str, name: str) -> Any:
    fast = syntax._fast_parser()
    assert fast is not None, "the shipped tables do not match grammar/cpf.lark"
    try:
        return ast.Module(
            name, text, tuple(fast.parse(syntax.AstBuilder(name, text), text, "start", syntax.MAX_NESTING_DEPTH))
        )
    except Fallback:
        return None


def test_the_shipped_tables_were_generated_from_the_grammar() -> None:
    assert syntax_tables.stale(GRAMMAR) == [], "grammar/cpf.lark changed: run python -m cpf_rules.syntax_tables"
    recorded = json.loads(syntax_tables.TABLES_FILE.read_text(encoding="utf-8"))
    assert recorded["grammar_sha256"] == syntax_tables.grammar_digest(GRAMMAR)
    done = subprocess.run(
        [sys.executable, "-m", "cpf_rules.syntax_tables", "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_fast_path_builds_the_nodes_lark_builds_for_every_rule_file() -> None:
    sources = _sources()
    assert len(sources) > 30
    accepted = 0
    for name, text in sources:
        expected = _through_lark(text, name)
        got = _through_fast(text, name)
        if isinstance(expected, ast.Module):
            accepted += 1
            assert got == expected, name  # nodes and spans, field by field
        else:
            assert got is None, f"{name}: Lark refuses it, the fast path must hand it over"
    assert accepted >= 60


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_the_fast_path_agrees_with_lark_on_tricky_texts(text: str) -> None:
    expected = _through_lark(text, "rules/t.cpf")
    got = _through_fast(text, "rules/t.cpf")
    if isinstance(expected, ast.Module):
        assert got == expected
    else:
        assert got is None
    try:
        through_parse_module: Any = syntax.parse_module(text, "rules/t.cpf")
    except CpfError as error:
        through_parse_module = error.diagnostics
    assert through_parse_module == expected  # the public entry point: fast, else Lark's diagnostics


def test_the_fast_path_agrees_with_lark_on_mutated_rule_files() -> None:
    bundled = [(name, text) for name, text in _sources() if name.startswith("rules/")]
    compared = handed_over = 0
    for name, text in _mutants(bundled, per_file=12):
        expected = _through_lark(text, name)
        got = _through_fast(text, name)
        compared += 1
        if isinstance(expected, ast.Module):
            assert got == expected, (name, text)
        else:
            handed_over += 1
            assert got is None, (name, text)
    assert compared > 300 and 0 < handed_over < compared  # both kinds of text were tried


def test_a_lone_value_is_parsed_by_the_fast_path_like_by_lark() -> None:
    for text in ["6000 EUR", "2021-06-30", "-(1.5 + 2) * 3", "count(e for e in ledger)", '"x"', "true"]:
        fast = syntax._fast_parser()
        assert fast is not None
        got = fast.parse(syntax.AstBuilder("what-if", text), text, "value_start", syntax.MAX_NESTING_DEPTH)
        assert got == syntax._parse_with_lark(text, "what-if", "value_start")
        assert syntax.parse_value(text, "what-if") == got[0]


def test_lark_rebuilt_from_the_shipped_file_parses_like_lark_built_from_the_grammar() -> None:
    shipped = syntax_tables.load_lark(GRAMMAR)
    assert shipped is not None, "syntax_tables_lark.json is stale or from another Lark version"
    built = syntax_tables.build_lark(GRAMMAR)
    for name, text in [*_sources()[:10], *(("t", t) for t in TRICKY)]:
        outcomes = []
        for parser in (shipped, built):
            try:
                outcomes.append(parser.parse(text, start="start"))
            except Exception as error:  # the error itself is compared
                outcomes.append((type(error), getattr(error, "line", None), getattr(error, "column", None)))
        assert outcomes[0] == outcomes[1], name


def test_stale_tables_are_ignored_and_lark_parses(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    stale = tmp_path / "syntax_tables.json"
    data = json.loads(syntax_tables.TABLES_FILE.read_text(encoding="utf-8"))
    stale.write_text(json.dumps({**data, "grammar_sha256": "0" * 64}), encoding="utf-8")
    monkeypatch.setattr(syntax_tables, "TABLES_FILE", stale)
    assert syntax_tables.load_tables(GRAMMAR) is None
    assert syntax_tables.stale(GRAMMAR) == ["syntax_tables.json"]
    monkeypatch.setattr(syntax_tables, "TABLES_FILE", tmp_path / "missing.json")
    assert syntax_tables.load_tables(GRAMMAR) is None
    monkeypatch.setattr(syntax_tables, "LARK_FILE", tmp_path / "missing-too.json")
    assert syntax_tables.load_lark(GRAMMAR) is None
    monkeypatch.setenv("CPF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CPF_NO_CACHE", raising=False)
    syntax._fast_parser.cache_clear()
    syntax._parser.cache_clear()
    try:
        assert syntax._fast_parser() is None
        module = syntax.parse_module("rule r(y : year) : money = 500 EUR", "rules/t.cpf")
        assert isinstance(module.declarations[0], ast.RuleDecl)
        assert module == _through_lark("rule r(y : year) : money = 500 EUR", "rules/t.cpf")
        with pytest.raises(CpfError) as raised:
            syntax.parse_module("rule r(y : year) : money = ", "rules/t.cpf")
        assert raised.value.diagnostics[0].code == "CPF-E001"
        assert len(list((tmp_path / "cache").glob("lark-*.cache"))) == 1  # built once, kept by Lark's cache
    finally:
        syntax._fast_parser.cache_clear()
        syntax._parser.cache_clear()


def test_parsing_correct_files_does_not_import_lark() -> None:
    probe = (
        "import sys\n"
        "from cpf_rules.paths import default_rules_dir\n"
        "from cpf_rules.syntax import parse_module, parse_value\n"
        "for path in sorted(default_rules_dir().rglob('*.cpf')):\n"
        "    parse_module(path.read_text(encoding='utf-8'), path.name)\n"
        "parse_value('6000 EUR', 'x')\n"
        "print('lark' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_tables_are_package_data_next_to_the_modules() -> None:
    # hatch ships every file of engine/cpf_rules/ in the wheel; an editable install reads them in place
    for path in (syntax_tables.TABLES_FILE, syntax_tables.LARK_FILE):
        assert path.parent == Path(syntax_tables.__file__).parent
        assert path.stat().st_size > 10_000


@pytest.mark.parametrize("separator", ["\x0c\n", "\n# a note\u2028on two lines\n", "\r\n", "\n# a note\x85and more\n"])
def test_the_text_of_a_formula_is_cut_from_lark_s_lines(separator: str) -> None:
    """Lark counts lines at \\n only: a form feed, U+2028 or NEL is a character of its line
    (str.splitlines would break there and shift every later formula's text)."""
    from cpf_rules.syntax import parse_module

    text = (
        'rule a(y : year) : integer "A" cite CT:L6323-11 = 1'
        + separator
        + 'rule b(y : year) : integer "B" cite CT:L6323-11 = if y.start > 2019-12-31 then 2 else 3\n'
    )
    module = parse_module(text, "rules/t.cpf")
    second = module.declarations[1]
    assert isinstance(second, ast.RuleDecl) and isinstance(second.body, ast.If)
    assert second.body_text == "if y.start > 2019-12-31 then 2 else 3"
    assert second.body.condition_text == "y.start > 2019-12-31"
