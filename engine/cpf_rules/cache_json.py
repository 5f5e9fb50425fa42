"""The JSON encoding of the cache entries of :mod:`cpf_rules.cache` (never pickle).

An entry is three lines: its key, the JSON list of the file names its spans refer to,
then the JSON value. In the value a JSON array is a tuple and a one-key object is a
tagged value: ``{"$F": [n, d]}`` a fraction, ``{"$D": "2019-01-01"}`` a date,
``{"$M": [[k, v], ...]}`` a dict, ``{"$S": "error"}`` a severity, ``{"Binary": [...]}``
a dataclass by its fields in order. A node whose first field is its span (most of the
syntax tree) writes that span inline as ``file index, line, column, end line, end
column`` ahead of its other fields: spans are half the objects of a tree. Decoding runs
in ``json.loads``' ``object_pairs_hook``, so the C parser walks the text and Python only builds
the objects.

Trust boundary: the decoder rebuilds only the dataclasses of :mod:`cpf_rules.ast`, the
legal-reference registry, :class:`~cpf_rules.types.Type`,
:class:`~cpf_rules.diagnostics.Diagnostic`, dates and fractions. A planted entry can at
worst give a wrong tree, never run code.

Both directions also list the dataclass instances in the order they are written (each
after its fields), so that a table keyed by object identity (the checker's types, keyed
by ``id(expression)``) can be stored as positions in that order and rebuilt on the
decoded objects.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import json
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from . import ast
from .diagnostics import Diagnostic, Severity, Span


def _decodable() -> dict[str, type]:
    from .legal_refs import Article, ArticleVersion, LegalRegistry
    from .types import Type, Unit

    classes: dict[str, type] = {"Span": Span, "Article": Article, "ArticleVersion": ArticleVersion}
    classes.update(LegalRegistry=LegalRegistry, Type=Type, Unit=Unit, Diagnostic=Diagnostic)
    for name in dir(ast):
        value = getattr(ast, name)
        if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == ast.__name__:
            classes[name] = value
    return classes


_CLASSES: dict[str, type] | None = None
_SPANNED: frozenset[type] = frozenset()
"""The classes whose first field is ``span``: written with the span inline."""


def _classes() -> dict[str, type]:
    global _CLASSES, _SPANNED
    if _CLASSES is None:
        _CLASSES = _decodable()
        _SPANNED = frozenset(
            cls for cls in _CLASSES.values() if cls is not Span and dataclasses.fields(cls)[0].name == "span"
        )
    return _CLASSES


_PLAIN = frozenset({str, int, bool, type(None)})
"""Values written as they are (:meth:`Encoder.encode` returns them unchanged)."""


class Encoder:
    """Turns values into their JSON-ready form, numbering the files of their spans.

    ``order`` lists the dataclass instances encoded so far, each after its fields: the
    order in which :class:`Decoder` rebuilds them.
    """

    def __init__(self) -> None:
        self.files: dict[str, int] = {}
        self.order: list[Any] = []
        self.classes = _classes()
        self._field_names: dict[type, tuple[str, ...]] = {}

    def span(self, span: Any) -> list[Any]:
        if type(span) is not Span:
            raise TypeError("cannot cache a node without a span")
        index = self.files.setdefault(span.file, len(self.files))
        return [index, span.line, span.column, span.end_line, span.end_column]

    def encode(self, value: Any) -> Any:
        cls = type(value)
        if cls is tuple:  # the commonest value after the plain ones: a node's arguments, citations, flags
            return [item if type(item) in _PLAIN else self.encode(item) for item in value]
        names = self._field_names.get(cls)
        if names is None:  # not a node class met before
            if value is None or cls in (bool, int, str):
                return value
            if isinstance(value, Severity):
                return {"$S": value.value}
            if isinstance(value, Fraction):
                return {"$F": [value.numerator, value.denominator]}
            if isinstance(value, datetime.date):
                return {"$D": value.isoformat()}
            if isinstance(value, tuple):
                return [self.encode(item) for item in value]
            if isinstance(value, dict):
                return {"$M": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
            if self.classes.get(cls.__name__) is not cls:
                raise TypeError(f"cannot cache a {cls.__name__}")  # lists included: an array is a tuple
            names = self._field_names[cls] = tuple(f.name for f in dataclasses.fields(cls))
        name = cls.__name__
        if cls is Span:
            encoded = {name: self.span(value)}
        elif cls in _SPANNED:
            span = getattr(value, names[0])
            if type(span) is not Span:
                raise TypeError("cannot cache a node without a span")
            index = self.files.setdefault(span.file, len(self.files))
            encoded = {name: [index, span.line, span.column, span.end_line, span.end_column]}
            items = encoded[name]
            for field in names[1:]:
                item = getattr(value, field)
                items.append(item if type(item) in _PLAIN else self.encode(item))  # most fields: a name
        else:
            encoded = {name: [self.encode(getattr(value, field)) for field in names]}
        self.order.append(value)
        return encoded


def _tuple(value: Any) -> Any:
    return tuple([_tuple(item) if type(item) is list else item for item in value]) if type(value) is list else value


def _builder(cls: type, files: list[str]) -> Callable[[list[Any]], Any]:
    """How to rebuild one class from its JSON fields: arrays become tuples, spans are inline."""
    fields = dataclasses.fields(cls)
    nested = [i for i, f in enumerate(fields) if str(f.type).startswith("tuple[tuple")]
    flat = [i for i, f in enumerate(fields) if str(f.type).startswith("tuple") and i not in nested]
    if cls is Span:
        return lambda value: Span(files[value[0]], *value[1:5])
    if cls in _SPANNED:
        offset = 4  # five numbers stand for the one span field
        if not flat and not nested:
            return lambda value: cls(Span(files[value[0]], *value[1:5]), *value[5:])

        def spanned(value: list[Any]) -> Any:
            for i in flat:
                value[i + offset] = tuple(value[i + offset])
            for i in nested:
                value[i + offset] = _tuple(value[i + offset])
            return cls(Span(files[value[0]], *value[1:5]), *value[5:])

        return spanned

    def plain(value: list[Any]) -> Any:
        for i in flat:
            value[i] = tuple(value[i])
        for i in nested:
            value[i] = _tuple(value[i])
        return cls(*value)

    return plain


class Decoder:
    """The ``object_pairs_hook`` of ``json.loads``: rebuilds only known dataclasses, dates and fractions.

    ``order`` lists the dataclass instances rebuilt so far (see :class:`Encoder`).
    """

    def __init__(self, files: list[str]) -> None:
        if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
            raise ValueError("not a cpf-rules cache entry")
        self.builders = {name: _builder(cls, files) for name, cls in _classes().items()}
        self.order: list[Any] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> Any:
        ((tag, value),) = pairs  # ValueError unless exactly one key
        builder = self.builders.get(tag)
        if builder is not None:
            built = builder(value)  # TypeError or IndexError unless a list of the fields
            self.order.append(built)
            return built
        if tag == "$F":
            numerator, denominator = value
            return Fraction(int(numerator), int(denominator))
        if tag == "$D":
            return datetime.date.fromisoformat(value)
        if tag == "$M":
            return {_tuple(k): _tuple(v) for k, v in value}
        if tag == "$S":
            return Severity(value)
        raise KeyError(tag)  # anything else: the entry is ignored


def encode(value: Any) -> dict[str, Any]:
    """A JSON-ready form of a syntax tree or registry: ``{"files": [...], "value": ...}``."""
    encoder = Encoder()
    data = encoder.encode(value)
    return {"files": list(encoder.files), "value": data}


def decode(data: Any) -> Any:
    """Rebuild what :func:`encode` wrote; only known dataclasses, dates and fractions."""
    if not isinstance(data, dict) or set(data) != {"files", "value"}:
        raise ValueError("not a cpf-rules cache entry")
    hook = Decoder(data["files"])

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(x) for x in item]
        if isinstance(item, dict):
            return hook([(k, walk(v)) for k, v in item.items()])
        return item

    return _tuple(walk(data["value"]))


def entry_text(key: str, encoder: Encoder, data: Any) -> str:
    """The text of an entry: ``key``, the files numbered by ``encoder``, then ``data`` it encoded."""
    # A tree built fresh by the encoder: no cycle to look for (check_circular=False is faster).
    return "\n".join(
        [key, json.dumps(list(encoder.files)), json.dumps(data, separators=(",", ":"), check_circular=False)]
    )


def dumps_entry(key: str, value: Any) -> str:
    """The text of an entry holding ``value`` (TypeError if it holds something not cacheable)."""
    encoder = Encoder()
    return entry_text(key, encoder, encoder.encode(value))


def loads_entry(text: str, key: str) -> tuple[Any, list[Any]] | None:
    """The value of an entry and its dataclass instances in order; None if it has another key.

    Raises ValueError, KeyError, TypeError or IndexError on a damaged or planted entry.
    """
    stored_key, files, body = text.split("\n", 2)
    if stored_key != key:
        return None
    decoder = Decoder(json.loads(files))
    collecting = gc.isenabled()
    gc.disable()  # thousands of small objects and no cycle: collecting them is wasted time
    try:
        return _tuple(json.loads(body, object_pairs_hook=decoder)), decoder.order
    finally:
        if collecting:
            gc.enable()
