"""Cross-process caches of the front half of the pipeline: parser tables, syntax trees, legal refs.

A ``cpf`` process would otherwise rebuild the LALR tables of grammar/cpf.lark, re-parse
every rule file and re-read every legal_refs/*.yaml file (pure-Python YAML) before
answering anything. This module keeps, in a per-user cache directory:

- ``lark-<hash>.cache``: Lark's own cache of the parser tables (``Lark(cache=...)``),
  keyed on the grammar text, the Lark version and the engine version;
- ``module-<hash>.json``: the syntax tree of one rule file, keyed on the grammar, the
  engine version, the file's name and its text;
- ``legal-refs-<hash>.json``: the validated legal-reference registry, keyed on every
  file of legal_refs/ (names and bytes) and the engine version.

Only successful results are stored: a file with errors is parsed again and gives the
same diagnostics. Resolution, type checking and cycle checks always run (they take a
few milliseconds), so a cached rule set is checked exactly like a fresh one.

Trust boundary. Syntax trees and registries are stored as JSON and decoded by
:func:`decode`, which rebuilds only the dataclasses of :mod:`cpf_rules.ast` and of
the legal-reference registry, plus dates and fractions: a planted file can at worst
give a wrong tree, never run code. Lark's parser-table cache is a pickle written by
Lark itself; it is read only from a directory owned by the current user and not
writable by others (created with mode 0700), and ignored otherwise. Set
``CPF_CACHE_DIR`` to move the cache, ``CPF_NO_CACHE=1`` to disable it.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from . import ast
from .diagnostics import Span
from .version import __version__

T = TypeVar("T")

_FORMAT = "1"
"""Bumped when the encoding below changes."""


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
    """The file for ``Lark(cache=...)``: keyed on the grammar (edited while we work) and versions."""
    directory = cache_dir()
    if directory is None:
        return False
    return str(directory / f"lark-{_digest(grammar_text, lark_version)}.cache")


# ---- a JSON encoding of the syntax tree and the registry ------------------------------
def _decodable() -> dict[str, type]:
    from .legal_refs import Article, ArticleVersion, LegalRegistry

    classes: dict[str, type] = {"Span": Span, "Article": Article, "ArticleVersion": ArticleVersion}
    classes["LegalRegistry"] = LegalRegistry
    for name in dir(ast):
        value = getattr(ast, name)
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == ast.__name__:
            classes[name] = value
    return classes


_CLASSES: dict[str, type] | None = None


def _classes() -> dict[str, type]:
    global _CLASSES
    if _CLASSES is None:
        _CLASSES = _decodable()
    return _CLASSES


def encode(value: Any) -> Any:
    """A JSON-ready form of a syntax tree or registry (see :func:`decode`)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Fraction):
        return {"$F": [value.numerator, value.denominator]}
    if isinstance(value, datetime.date):
        return {"$D": value.isoformat()}
    if isinstance(value, tuple):
        return {"$T": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {"$M": [[encode(k), encode(v)] for k, v in value.items()]}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and _classes().get(name) is type(value):
        return {"$": name, "f": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    raise TypeError(f"cannot cache a {name}")


def decode(data: Any) -> Any:
    """Rebuild what :func:`encode` wrote; only known dataclasses, dates and fractions."""
    if data is None or isinstance(data, (bool, int, str)):
        return data
    if isinstance(data, list):
        return [decode(item) for item in data]
    if isinstance(data, dict):
        if "$" in data:
            cls = _classes()[data["$"]]  # KeyError on anything else: the entry is ignored
            return cls(*[decode(item) for item in data["f"]])
        if "$T" in data:
            return tuple(decode(item) for item in data["$T"])
        if "$F" in data:
            numerator, denominator = data["$F"]
            return Fraction(int(numerator), int(denominator))
        if "$D" in data:
            return datetime.date.fromisoformat(data["$D"])
        if "$M" in data:
            return {decode(k): decode(v) for k, v in data["$M"]}
    raise ValueError("not a cpf-rules cache entry")


def _load(path: Path) -> Any:
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(path: Path, value: Any) -> None:
    """Write atomically (a reader never sees half a file); a cache that cannot be written is skipped."""
    try:
        text = json.dumps(encode(value), separators=(",", ":"))
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except (OSError, TypeError):
        pass


def _cached(key: str, kind: type[T], build: Callable[[], T]) -> T:
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / key
    value = _load(path) if path.exists() else None
    if isinstance(value, kind):
        return value
    value = build()
    _store(path, value)
    return value


def parse_module_cached(source: str, file: str) -> ast.Module:
    """:func:`cpf_rules.syntax.parse_module`, through the cache (keyed on the grammar too)."""
    from .paths import grammar_file

    def build() -> ast.Module:
        from .syntax import parse_module

        return parse_module(source, file)

    try:
        grammar = grammar_file().read_bytes()
    except OSError:
        return build()
    return _cached(f"module-{_digest(grammar, file, source)}.json", ast.Module, build)


def load_legal_refs_cached(directory: Path) -> Any:
    """:func:`cpf_rules.legal_refs.load_legal_refs`, through the cache (keyed on every file)."""
    from .legal_refs import LegalRegistry, load_legal_refs

    parts: list[str | bytes] = [str(directory.resolve())]
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            parts += [path.relative_to(directory).as_posix(), path.read_bytes()]
    return _cached(f"legal-refs-{_digest(*parts)}.json", LegalRegistry, lambda: load_legal_refs(directory))
