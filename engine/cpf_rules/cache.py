"""Cross-process caches of the front half of the pipeline: parser tables, syntax trees, checks.

A ``cpf`` process would otherwise rebuild the LALR tables of grammar/cpf.lark, re-parse
every rule file, re-read every legal_refs/*.yaml file and type-check everything before
answering anything. This module keeps, in a per-user cache directory:

- ``rules-<hash>.json``: a whole rules directory — its legal-reference registry, its
  syntax trees and, when it checked without error, the checker's results (the type of
  every expression, the warnings, the lints once run). One entry per (rules directory,
  legal_refs directory), overwritten when its key changes: the loader's fingerprint
  (every rule file and legal reference), the grammar and the code of the modules the
  loader runs (:data:`FRONT_HALF`). A warm ``cpf`` process reads this one file, imports
  neither Lark nor PyYAML nor python-jsonschema for its rules and only rebuilds the
  symbol tables (:func:`cpf_rules.resolve.resolve`, a few milliseconds);
- ``lark-<hash>.cache``: Lark's own cache of the parser tables (``Lark(cache=...)``),
  keyed on the grammar text, the Lark version and the engine version;
- ``module-<hash>.json``: the syntax tree of one rule file, keyed on the grammar, the
  engine version, the file's name and its text (an edited file is parsed alone);
- ``legal-refs-<hash>.json``: the validated legal-reference registry, keyed on every
  file of legal_refs/ (names and bytes), the engine version and the loader's code.

Only successful results are stored: a file with errors is parsed again and gives the
same diagnostics; a rule set with errors is checked again. An editor's unsaved buffers
(``overlay``) use the per-file entries only.

Trust boundary. Entries are JSON (:mod:`cpf_rules.cache_json`), decoded into the
dataclasses of :mod:`cpf_rules.ast`, of the legal-reference registry, types and
diagnostics, plus dates and fractions: a planted file can at worst give a wrong tree,
never run code. Lark's parser-table cache is a pickle written by Lark itself; it is read
only from a directory owned by the current user and not writable by others (created
with mode 0700), and ignored otherwise. Set ``CPF_CACHE_DIR`` to move the cache,
``CPF_NO_CACHE=1`` to disable it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from . import ast
from .cache_json import Encoder, dumps_entry, entry_text, loads_entry
from .cache_json import decode as decode  # re-exported: the encoding is tested through this module
from .cache_json import encode as encode
from .diagnostics import Diagnostic
from .version import __version__

if TYPE_CHECKING:
    from .legal_refs import LegalRegistry
    from .types import Type

T = TypeVar("T")

_FORMAT = "3"
"""Bumped when the encoding (cache_json.py) or the content of an entry changes."""


def cache_dir() -> Path | None:
    """The cache directory, created private to the user; None if caching is off or unsafe."""
    if os.environ.get("CPF_NO_CACHE"):
        return None
    configured = os.environ.get("CPF_CACHE_DIR")
    if configured:
        directory = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        directory = Path(base) / "cpf-rules"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None  # someone else could plant files here: do not trust it
    return directory


def _digest(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in (_FORMAT, __version__, *parts):
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:40]


def lark_cache_file(grammar_text: str, lark_version: str) -> str | bool:
    """The file for ``Lark(cache=...)``: keyed on the grammar (edited while we work) and versions.

    Used only when the tables shipped with the package (syntax_tables.py) were made
    from another grammar text or another Lark version: a grammar being edited.
    """
    directory = cache_dir()
    if directory is None:
        return False
    return str(directory / f"lark-{_digest(grammar_text, lark_version)}.cache")


def _load(path: Path, key: str) -> tuple[Any, list[Any]] | None:
    """An entry's value and its objects in order (see :mod:`cache_json`); None if absent or unusable."""
    try:
        return loads_entry(path.read_text(encoding="utf-8"), key)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _write(path: Path, text: str) -> None:
    """Write atomically (a reader never sees half a file); a cache that cannot be written is skipped."""
    import tempfile  # only when writing: a warm process does not need it

    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError:
        pass


def _store(path: Path, value: Any, key: str) -> None:
    try:
        text = dumps_entry(key, value)
    except (TypeError, ValueError):  # something that cannot be cached (a 5,000-digit number): never mind
        return
    _write(path, text)


def _cached(name: str, kind: type[T], build: Callable[[], T]) -> T:
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / name
    entry = _load(path, name) if path.exists() else None
    if entry is not None and isinstance(entry[0], kind):
        return entry[0]
    value = build()
    _store(path, value, name)
    return value


def grammar_bytes() -> bytes | None:
    """The text of grammar/cpf.lark, part of every syntax-tree key; None if unreadable."""
    from .paths import grammar_file

    try:
        return grammar_file().read_bytes()
    except OSError:
        return None


def parse_module_cached(source: str, file: str, grammar: bytes | None = None) -> ast.Module:
    """:func:`cpf_rules.syntax.parse_module`, through the cache (keyed on the grammar too).

    ``grammar`` is the grammar text if the caller has read it already (:func:`grammar_bytes`).
    """

    def build() -> ast.Module:
        from .syntax import parse_module

        return parse_module(source, file)

    grammar = grammar if grammar is not None else grammar_bytes()
    if grammar is None:
        return build()
    return _cached(f"module-{_digest(grammar, file, source)}.json", ast.Module, build)


def load_legal_refs_cached(directory: Path, content: list[bytes]) -> Any:
    """:func:`cpf_rules.legal_refs.load_legal_refs`, through the cache: keyed on the
    directory, the loader's code and ``content``, the name and bytes of every
    ``.yaml``/``.json`` file under it as the loader read them while fingerprinting."""
    from .legal_refs import LegalRegistry, load_legal_refs

    if not directory.is_dir():
        return load_legal_refs(directory)  # CPF-E324, whatever an older entry for this path says
    parts: list[str | bytes] = [str(directory.resolve()), _engine_code(), *content]  # an edited reader misses too
    return _cached(f"legal-refs-{_digest(*parts)}.json", LegalRegistry, lambda: load_legal_refs(directory))


# ---- a whole rules directory, parsed and checked, in one entry ---------------------------
#
# One file per (rules directory, legal_refs directory) pair, overwritten when its key
# changes, so it does not pile up. Its key is the loader's fingerprint (every rule file
# and every legal reference, names and bytes), the grammar and the loader's code (name,
# size and modification time of each module it runs: an edited checker misses). A hit
# replaces dozens of small entries, a second reading of legal_refs/ and the type check.


class CheckedEntry(NamedTuple):
    """What the checker found on a rule set free of errors (a named tuple: ten times
    cheaper to define than a dataclass, and only the loader handles it)."""

    types: dict[int, Type]
    """The type of each expression, keyed by ``id()`` of the decoded nodes."""
    diagnostics: tuple[Diagnostic, ...]
    """The findings of resolution, type check and cycle check, in the order reported."""
    lints: tuple[Diagnostic, ...] | None
    """The lints' findings, None if they were not run."""


class RulesEntry(NamedTuple):
    """The registry and syntax trees of a rules directory, and the check if it passed."""

    registry: LegalRegistry
    modules: tuple[ast.Module, ...]
    checked: CheckedEntry | None


FRONT_HALF = (
    *("ast", "cache", "cache_json", "calendar", "check", "check_calls", "check_literals", "check_operators"),
    *("cycles", "diagnostics", "legal_refs", "bounds", "check_bounds", "readonly"),
    *("limits", "loader", "paths", "resolve", "syntax", "types", "version", "yaml_io", "yaml_where", "lints"),
    *("syntax_build", "syntax_fast", "syntax_tables"),
)
"""The modules (and the package ``lints``) whose code decides what a rules entry holds:
everything the loader runs. tests/test_cache.py checks that they import nothing else of ours."""


def _engine_code() -> str:
    """Names, sizes and modification times of the :data:`FRONT_HALF` modules: a cheap code version."""
    package = os.path.dirname(__file__)  # os.path, not pathlib: this runs in every warm process
    lines: list[str] = []
    for name in FRONT_HALF:
        module = os.path.join(package, f"{name}.py")
        if os.path.exists(module):
            paths = [module]
        else:  # a package: its modules
            folder = os.path.join(package, name)
            listed = os.listdir(folder) if os.path.isdir(folder) else []
            paths = sorted(os.path.join(folder, f) for f in listed if f.endswith(".py"))
        for path in paths:
            info = os.stat(path)
            lines.append(f"{os.path.basename(path)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(lines)


def _rules_entry_place(rules_dir: Path, legal_refs_dir: Path, fingerprint: str, grammar: bytes) -> tuple[Path, str]:
    name = f"rules-{_digest(str(rules_dir.resolve()), str(legal_refs_dir.resolve()))}.json"
    return Path(name), _digest(fingerprint, grammar, _engine_code())


def read_rules_entry(rules_dir: Path, legal_refs_dir: Path, fingerprint: str, grammar: bytes) -> RulesEntry | None:
    """The entry stored by :func:`store_rules_entry` for this fingerprint and code, or None."""
    from .legal_refs import LegalRegistry
    from .types import Type

    directory = cache_dir()
    if directory is None:
        return None
    name, key = _rules_entry_place(rules_dir, legal_refs_dir, fingerprint, grammar)
    path = directory / name
    loaded = _load(path, key) if path.exists() else None
    if loaded is None:
        return None
    value, order = loaded
    try:
        (registry, modules), checked = value
        if not isinstance(registry, LegalRegistry) or not all(isinstance(m, ast.Module) for m in modules):
            return None
        if checked is None:
            return RulesEntry(registry, modules, None)
        table, positions, diagnostics, lints = checked
        if not all(isinstance(t, Type) for t in table):
            return None
        types = {id(order[positions[i]]): table[positions[i + 1]] for i in range(0, len(positions), 2)}
        found = (*diagnostics, *(lints or ()))
        if not all(isinstance(d, Diagnostic) for d in found):
            return None
        return RulesEntry(registry, modules, CheckedEntry(types, diagnostics, lints))
    except (ValueError, TypeError, IndexError):
        return None


def store_rules_entry(
    rules_dir: Path,
    legal_refs_dir: Path,
    fingerprint: str,
    grammar: bytes,
    registry: LegalRegistry,
    modules: tuple[ast.Module, ...],
    checked: CheckedEntry | None,
) -> None:
    """Keep a rules directory read without error, and its check if it passed.

    The types are stored once each, with the positions of their nodes among the entry's
    objects (position, type, position, type...); they are left out (the check will run
    again) unless every typed node is found exactly once.
    """
    directory = cache_dir()
    if directory is None:
        return
    name, key = _rules_entry_place(rules_dir, legal_refs_dir, fingerprint, grammar)
    encoder = Encoder()
    try:
        front = encoder.encode((registry, modules))
        check_part = None
        if checked is not None:
            position = {id(node): index for index, node in enumerate(encoder.order)}
            if len(position) == len(encoder.order) and all(node in position for node in checked.types):
                table = {type_: index for index, type_ in enumerate(dict.fromkeys(checked.types.values()))}
                pairs = tuple(n for node, type_ in checked.types.items() for n in (position[node], table[type_]))
                check_part = encoder.encode((tuple(table), pairs, checked.diagnostics, checked.lints))
        text = entry_text(key, encoder, [front, check_part])
    except (TypeError, ValueError):  # a node that cannot be cached, a number JSON cannot write
        return
    _write(directory / name, text)
