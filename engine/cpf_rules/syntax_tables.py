"""Stage 1's parser tables, shipped with the package instead of built by every new process.

Building the LALR tables of grammar/cpf.lark takes Lark about a quarter of a second; a
``cpf`` process with an empty cache paid it before parsing anything. The tables depend
on the grammar alone, so they are generated once, when the grammar changes, into two JSON
files next to this module (plain lists and dicts: no pickle, nothing executable):

- ``syntax_tables.json``: what :mod:`cpf_rules.syntax_fast` needs to parse a correct
  file: the LALR actions of every state, what each grammar rule keeps of its children,
  and the lexers of the states (the regular expressions Lark's contextual lexer uses,
  and its keyword table);
- ``syntax_tables_lark.json``: Lark's own serialized parser (``Lark.memo_serialize``,
  the data its ``cache=`` option pickles), to rebuild a :class:`lark.Lark` without
  recomputing the tables when a file must go through Lark (a syntax error: Lark's error
  says what was expected).

Both record the SHA-256 of the grammar text they were made from; a stale or missing file
is ignored (the tables are built as before) and tests/test_startup_tables.py fails until
they are regenerated::

    python -m cpf_rules.syntax_tables          # rewrite both files
    python -m cpf_rules.syntax_tables --check  # exit 1 if they are stale
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .paths import grammar_file

if TYPE_CHECKING:
    import lark

TABLES_FILE = Path(__file__).with_name("syntax_tables.json")
LARK_FILE = Path(__file__).with_name("syntax_tables_lark.json")
FORMAT = 1
"""Bumped when the layout of :data:`TABLES_FILE` changes."""

LARK_OPTIONS: dict[str, Any] = {
    "parser": "lalr",
    "propagate_positions": True,
    "maybe_placeholders": False,
    "start": ["start", "value_start"],
}
"""The options every parser of grammar/cpf.lark is built with (syntax.py)."""


def grammar_digest(grammar_text: str) -> str:
    """The key of the shipped tables: SHA-256 of the grammar text."""
    return hashlib.sha256(grammar_text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RuleAction:
    """What reducing one grammar rule does, as Lark's parse-tree builder would.

    ``include`` lists the children kept (``(position, splice)``: splice a helper rule's
    list of children into the parent); ``passthrough`` is Lark's ``?rule`` (a single
    kept child is returned as is); ``callback`` names the builder method (syntax_build.py), or is None
    when Lark makes a plain tree (the start rules, the helper rules of ``*`` and ``+``).
    """

    origin: str
    size: int
    include: tuple[tuple[int, bool], ...]
    passthrough: bool
    callback: str | None


@dataclass(frozen=True)
class ParserTables:
    """The decoded :data:`TABLES_FILE`."""

    states: tuple[dict[str, int], ...]
    """Per state, the action on each terminal or rule name: ``n >= 0`` shifts to state
    ``n`` (goes to it after a reduction), ``n < 0`` reduces rule ``~n``."""
    rules: tuple[RuleAction, ...]
    start_states: dict[str, int]
    end_states: dict[str, int]
    state_lexer: tuple[int, ...]
    """Per state, the index in :attr:`lexers` of the lexer Lark's contextual lexer uses there."""
    lexers: tuple[tuple[tuple[str, ...], dict[str, dict[str, str]]], ...]
    """Per lexer: its regular expressions (tried in order; each alternative a named
    group per terminal) and its keywords (a terminal whose whole text is a keyword
    becomes that keyword, e.g. NAME ``rule`` → RULE)."""
    root_lexer: int
    """The lexer of all terminals (tried first; see :mod:`cpf_rules.syntax_fast`)."""
    kept_terminals: frozenset[str]
    """Terminals some rule keeps as a child (they become :class:`lark.Token`)."""
    newline_types: frozenset[str]
    ignore_types: frozenset[str]
    skip: str | None
    """The regular expression of the ignored terminal ``WS`` (whitespace), if any: the fast
    path skips it in the same match as the next token."""


# ---- generation ----------------------------------------------------------------------------


def build_lark(grammar_text: str) -> lark.Lark:
    """Lark's parser of the grammar, its tables computed now (no cache: see syntax._parser)."""
    import lark

    return lark.Lark(grammar_text, **LARK_OPTIONS)


def _lexer_spec(lexer: Any) -> tuple[list[str], dict[str, dict[str, str]]]:
    scanner = lexer.scanner  # builds Lark's scanner and its keyword callbacks
    patterns = [compiled.pattern for compiled in scanner._mres]
    keywords: dict[str, dict[str, str]] = {}
    for terminal_name, callback in lexer.callback.items():
        words: dict[str, str] = {}
        for terminal in callback.scanner.terminals:  # in Lark's order: the first full match wins
            assert terminal.pattern.type == "str" and not terminal.pattern.flags, terminal
            words.setdefault(terminal.pattern.value, terminal.name)
        keywords[terminal_name] = words
    return patterns, keywords


def generate(grammar_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The content of :data:`TABLES_FILE` and of :data:`LARK_FILE` for this grammar."""
    import lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef
    from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders, ExpandSingleChild
    from lark.parsers.lalr_analysis import Reduce

    from .syntax_build import AstBuilder

    parser = build_lark(grammar_text)
    frontend: Any = parser.parser
    table = frontend.parser._parse_table
    rule_index: dict[Any, int] = {}
    rules: list[list[Any]] = []
    for rule, chain in parser._parse_tree_builder.rule_builders:
        include = [[i, False] for i in range(len(rule.expansion))]
        for wrapper in chain:
            if getattr(wrapper, "func", None) is ChildFilterLALR_NoPlaceholders:
                include = [[i, bool(splice)] for i, splice in wrapper.args[0]]
            else:
                assert wrapper is ExpandSingleChild or wrapper.__name__ == "PropagatePositions", wrapper
        name = rule.alias or rule.options.template_source or rule.origin.name
        method = getattr(AstBuilder, str(name), None)
        rule_index[rule] = len(rules)
        rules.append(
            [
                str(rule.origin.name),
                len(rule.expansion),
                include,
                ExpandSingleChild in chain,
                str(name) if method else None,
            ]
        )
    assert sorted(table.states) == list(range(len(table.states)))
    states = [
        {str(symbol): (~rule_index[arg] if action is Reduce else arg) for symbol, (action, arg) in row.items()}
        for _, row in sorted(table.states.items())
    ]
    lexer = frontend.lexer
    specs: list[Any] = []
    state_lexer: list[int] = []
    for state in range(len(states)):
        spec = _lexer_spec(lexer.lexers[state])
        if spec not in specs:
            specs.append(spec)
        state_lexer.append(specs.index(spec))
    root = _lexer_spec(lexer.root_lexer)
    if root not in specs:
        specs.append(root)
    kept = sorted(
        {
            s.name
            for r in parser.rules
            for s in r.expansion
            if s.is_term and not (getattr(s, "filter_out", False) and not r.options.keep_all_tokens)
        }
    )
    tables = {
        "format": FORMAT,
        "grammar_sha256": grammar_digest(grammar_text),
        "lark_version": lark.__version__,
        "start_states": table.start_states,
        "end_states": table.end_states,
        "states": states,
        "rules": rules,
        "state_lexer": state_lexer,
        "lexers": specs,
        "root_lexer": specs.index(root),
        "kept_terminals": kept,
        "newline_types": sorted(lexer.root_lexer.newline_types),
        "ignore_types": sorted(lexer.root_lexer.ignore_types),
        "skip": next(
            (t.pattern.to_regexp() for t in parser.terminals if t.name == "WS" and "WS" in parser.ignore_tokens), None
        ),
    }
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {n: v for n, v in data["options"].items() if n not in _LOAD_ALLOWED_OPTIONS}
    saved = {
        "grammar_sha256": grammar_digest(grammar_text),
        "lark_version": lark.__version__,
        "parser": _tag({"data": data, "memo": memo}),
    }
    return tables, saved


def _tag(value: Any) -> Any:
    """Lark's serialized parser as JSON: integer-keyed dicts and tuples are tagged."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            assert "#d" not in value and "#t" not in value
            return {key: _tag(item) for key, item in value.items()}
        return {"#d": [[key, _tag(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {"#t": [_tag(item) for item in value]}
    if isinstance(value, list):
        return [_tag(item) for item in value]
    assert value is None or isinstance(value, (str, int, float)), type(value)
    return value


def _untag(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if "#d" in value:
            return {key: item for key, item in value["#d"]}
        if "#t" in value:
            return tuple(value["#t"])
    return value


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True) + "\n"


def write(grammar_text: str) -> None:
    """Regenerate both files from ``grammar_text``."""
    tables, saved = generate(grammar_text)
    TABLES_FILE.write_text(_dump(tables), encoding="utf-8")
    LARK_FILE.write_text(_dump(saved), encoding="utf-8")


def stale(grammar_text: str) -> list[str]:
    """The shipped files that were not generated from this grammar text (empty: up to date)."""
    digest = grammar_digest(grammar_text)
    found: list[str] = []
    for path in (TABLES_FILE, LARK_FILE):
        try:
            recorded = json.loads(path.read_text(encoding="utf-8")).get("grammar_sha256")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded != digest:
            found.append(path.name)
    return found


# ---- loading -----------------------------------------------------------------------------


def load_tables(grammar_text: str) -> ParserTables | None:
    """The shipped tables if they were made from this grammar text, else None."""
    try:
        raw = json.loads(TABLES_FILE.read_text(encoding="utf-8"))
        if raw.get("format") != FORMAT or raw.get("grammar_sha256") != grammar_digest(grammar_text):
            return None
        return ParserTables(
            states=tuple(raw["states"]),
            rules=tuple(
                RuleAction(origin, size, tuple((i, splice) for i, splice in include), passthrough, callback)
                for origin, size, include, passthrough, callback in raw["rules"]
            ),
            start_states=raw["start_states"],
            end_states=raw["end_states"],
            state_lexer=tuple(raw["state_lexer"]),
            lexers=tuple((tuple(patterns), keywords) for patterns, keywords in raw["lexers"]),
            root_lexer=raw["root_lexer"],
            kept_terminals=frozenset(raw["kept_terminals"]),
            newline_types=frozenset(raw["newline_types"]),
            ignore_types=frozenset(raw["ignore_types"]),
            skip=raw["skip"],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def load_lark(grammar_text: str) -> lark.Lark | None:
    """Lark's parser rebuilt from :data:`LARK_FILE`; None if stale or from another Lark version."""
    import lark

    try:
        saved = json.loads(LARK_FILE.read_text(encoding="utf-8"), object_hook=_untag)
        if saved.get("grammar_sha256") != grammar_digest(grammar_text) or saved.get("lark_version") != lark.__version__:
            return None
        options = {n: v for n, v in LARK_OPTIONS.items() if n == "propagate_positions"}
        load: Any = lark.Lark._load_from_dict  # what Lark's standalone parsers call
        parser: lark.Lark = load(saved["parser"]["data"], saved["parser"]["memo"], **options)
        return parser
    except Exception:  # a file this Lark cannot read back: the tables are built instead
        return None


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    grammar_text = grammar_file().read_text(encoding="utf-8")
    if arguments == ["--check"]:
        found = stale(grammar_text)
        for name in found:
            print(f"{name} is stale: run python -m cpf_rules.syntax_tables", file=sys.stderr)
        return 1 if found else 0
    if arguments:
        print("usage: python -m cpf_rules.syntax_tables [--check]", file=sys.stderr)
        return 2
    write(grammar_text)
    print(f"wrote {TABLES_FILE.name} and {LARK_FILE.name} for grammar sha256 {grammar_digest(grammar_text)[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
