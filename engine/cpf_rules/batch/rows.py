"""One input row of ``cpf batch`` as a holder's facts, read by the rules of ``cpf evaluate``.

Pipeline position: between the readers (:mod:`~cpf_rules.batch.io`, which yield each
JSONL line as text; a Parquet row comes as a dict, from :mod:`~cpf_rules.batch.columnar`,
when its columns did not prove it valid or ``--row-path`` asks for it) and the kernel. A JSONL line is
read as a JSON facts document is for ``cpf evaluate``: by
:func:`cpf_rules.yaml_io.load_json_text` (exact decimals; a duplicate key, NaN or
Infinity, a syntax error or a nesting too deep to read are CPF-F002, located at the
line and column of the input file), within the size limit of a facts document
(CPF-F109); then, like any document, by :meth:`cpf_rules.facts.FactsReader.read_document`
(CPF-F101…F110). Its optional ``id`` must be a text or a whole number (CPF-F101). A
row of a ``cpf reform`` population (``{"id", "facts"}``) is read too: its ``facts``
are the document (diagnostics give their paths from the row: ``$.facts.years[0]…``).

A bad row never stops the run: :func:`read_row` returns that row's diagnostics, which
become the row's ``errors`` in the output, and the other holders are answered.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..diagnostics import CpfError, Diagnostic, Severity, Span
from ..facts import Facts, FactsReader
from ..facts_diagnostics import found_text
from ..limits import MAX_FACTS_BYTES
from ..yaml_io import YamlError, load_json_text
from .io import Oversized, Unreadable

NO_ID = object()
"""The ``id`` of a row that has none, or whose document could not be read (no ``id`` in the output)."""


@dataclass(frozen=True)
class Row:
    """One input row read: its ``id``, and its facts or the diagnostics that refuse it."""

    identifier: Any
    facts: Facts | None
    problems: tuple[Diagnostic, ...] = ()


def read_row(reader: FactsReader, raw: Any, number: int, source: str) -> Row:
    """The row's ``id`` (or :data:`NO_ID`) and its validated facts, or its diagnostics.

    ``raw`` is a JSONL line (text, or :class:`~cpf_rules.batch.io.Oversized`) or a
    Parquet row (a dict); ``number`` is its index (the JSONL line number from 0),
    ``source`` the input file's name for the diagnostics' locations.
    """
    try:
        document = _document(raw, number, source) if isinstance(raw, (str, Oversized, Unreadable)) else raw
    except CpfError as error:
        return Row(NO_ID, None, tuple(error.diagnostics))
    identifier: Any = NO_ID
    if isinstance(document, dict) and "id" in document:
        document = dict(document)
        identifier = document.pop("id")
        if not is_valid_id(identifier):
            return Row(NO_ID, None, (_bad_id(identifier),))
    wrapped = _is_population_entry(document)  # `cpf reform`'s {id, facts} rows
    try:
        facts = reader.read_document(document["facts"] if wrapped else document, digest=False)  # never shown
        return Row(identifier, facts)
    except CpfError as error:
        diagnostics = tuple(_under_facts(d) for d in error.diagnostics) if wrapped else tuple(error.diagnostics)
        return Row(identifier, None, diagnostics)


def is_valid_id(value: Any) -> bool:
    """An ``id`` a row may have: a text or a whole number (not a boolean)."""
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _is_population_entry(document: Any) -> bool:
    """A row written as in a ``cpf reform`` population: ``{"id", "facts"}``, the facts
    under ``facts`` (no facts document holds that key at its top level)."""
    return isinstance(document, dict) and set(document) == {"facts"} and isinstance(document["facts"], dict)


def _under_facts(diagnostic: Diagnostic) -> Diagnostic:
    """A diagnostic of the facts of a ``{"id", "facts"}`` row, its JSON paths from the row
    (path, message and hint)."""
    if diagnostic.path is None or not diagnostic.path.startswith("$"):
        return diagnostic
    return dataclasses.replace(
        diagnostic,
        path="$.facts" + diagnostic.path[1:],
        message=_rooted(diagnostic.message),
        hint=_rooted(diagnostic.hint) if diagnostic.hint is not None else None,
    )


_JSON_ROOT = re.compile(r"(?<!\S)\$(?=$|[.\[\s,;:)])")
"""The ``$`` that starts a JSON path in a diagnostic's words (``in $``, ``$.years[0] …``)."""


def _rooted(text: str) -> str:
    """``text`` with each JSON path starting at the row's ``$.facts``; names quoted between
    backticks (a field called ``a $ b``) are left as written."""
    parts = text.split("`")
    return "`".join(_JSON_ROOT.sub("$.facts", part) if index % 2 == 0 else part for index, part in enumerate(parts))


def _document(raw: str | Oversized | Unreadable, number: int, source: str) -> Any:
    """A JSONL line parsed as ``cpf evaluate`` parses a JSON facts file."""
    if isinstance(raw, Unreadable):
        raise CpfError(
            [
                Diagnostic(
                    "CPF-F101",
                    Severity.ERROR,
                    f"row {number} of {source} holds a value that cannot be read ({raw.reason})",
                    path="$",
                    expected="dates between years 1 and 9999, text in UTF-8",
                    found=raw.reason,
                    hint="check how the Parquet file was written",
                )
            ]
        )
    if isinstance(raw, Oversized):
        raise CpfError(
            [
                Diagnostic(
                    "CPF-F109",
                    Severity.ERROR,
                    f"line {number + 1} of {source} is too large for a facts document",
                    Span(source, number + 1, 1, number + 1, 2),
                    path="$",
                    expected=f"at most {MAX_FACTS_BYTES:,} bytes (one holder)",
                    found=f"{raw.size:,} bytes",
                    hint="send one holder per line",
                )
            ]
        )
    try:
        return load_json_text(raw, source)
    except YamlError as error:
        raise CpfError([_on_line(error.diagnostic, number)]) from None


def _on_line(diagnostic: Diagnostic, number: int) -> Diagnostic:
    """A diagnostic of a one-line document, placed on its line of the input file."""
    message = diagnostic.message.replace("this file is", f"line {number + 1} is", 1)
    span = diagnostic.span
    if span is not None:
        span = dataclasses.replace(span, line=number + 1, end_line=number + 1)
    return dataclasses.replace(diagnostic, message=message, span=span)


def _bad_id(value: Any) -> Diagnostic:
    return Diagnostic(
        "CPF-F101",
        Severity.ERROR,
        "$.id has the wrong type",
        path="$.id",
        expected="a text or a whole number identifying the holder",
        found=found_text(value),  # the same words as every facts diagnostic
    )
