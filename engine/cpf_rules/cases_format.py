"""Reading an analysts' ``*.cases.yaml`` file: every key checked, every mistake located.

Part of :mod:`cpf_rules.cases` (which documents the format and runs the cases). A file
that cannot be read (missing, not UTF-8, not YAML) is CPF-T001; one that does not follow
the format (a case that is not a mapping, an unknown or missing key, ``expect`` or
``error`` that is not a mapping of questions, an expected value that is a list, an
``as_of`` that is not a date YYYY-MM-DD of the calendar) is CPF-T002; a bad ``what_if``
keeps the what-if codes (CPF-E110/E111). Each is raised as a :class:`CaseFormatError`
carrying a diagnostic at ``file:line:col`` (found again in the YAML when needed, by
:mod:`cpf_rules.yaml_where`), with what was expected and what was found.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .cases import CaseFormatError
from .diagnostics import CpfError, Diagnostic, Severity
from .whatif import overrides_from_data
from .yaml_io import YamlError, load_yaml_text
from .yaml_where import read_utf8_text, span_at

CASE_KEYS = ("name", "article", "facts", "expect", "error", "as_of", "what_if")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"CPF-[A-Z]\d{3}")
_SCALARS = (str, int, Decimal)


def _found(value: Any) -> str:
    """How a refused YAML value is shown: its YAML kind and a short form."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value[:60]!r}"
    text = str(value)
    return f"the number {text if len(text) <= 40 else text[:20] + '…'}"


def _read_text(path: Path) -> str:
    try:
        return read_utf8_text(path, "CPF-T001", "cases")
    except CpfError as error:
        raise CaseFormatError(error.diagnostics[0]) from None


class _Reader:
    """Checks one parsed cases file; ``fail`` raises a located CPF-T002."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file

    def fail(
        self, steps: Sequence[str | int], message: str, expected: str, found: Any, key: bool = False
    ) -> CaseFormatError:
        where = "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")
        return CaseFormatError(
            Diagnostic(
                "CPF-T002",
                Severity.ERROR,
                f"{where}: {message}" if where else message,
                span_at(self.text, self.file, steps, key),
                expected=expected,
                found=_found(found),
            )
        )

    def case(self, index: int, raw: Any, default_as_of: datetime.date) -> dict[str, Any]:
        at: tuple[str | int, ...] = ("cases", index)
        if not isinstance(raw, dict):
            raise self.fail(at, "a case is a mapping", "name, article, facts and expect or error", raw)
        for key in raw:
            if key not in CASE_KEYS:
                raise self.fail((*at, str(key)), f"unknown key `{key}`", f"one of {', '.join(CASE_KEYS)}", key, True)
        for key in ("name", "article", "facts"):
            if key not in raw:
                raise self.fail(at, f"`{key}` is required", "name, article, facts and expect or error", raw)
        for key in ("name", "article"):
            if not isinstance(raw[key], (str, int)) or isinstance(raw[key], bool) or not str(raw[key]).strip():
                raise self.fail((*at, key), f"`{key}` must be a text", "a text", raw[key])
        facts = raw["facts"] if raw["facts"] is not None else {}
        if not isinstance(facts, dict):
            raise self.fail(
                (*at, "facts"), "`facts` must be a facts document", "a mapping such as {years: [...]}", facts
            )
        expect = self.questions(at, raw, "expect", "values such as {credit(2019): 217.80 EUR}")
        errors = self.questions(at, raw, "error", "error codes such as {hours_credit(2019): CPF-R001}")
        for question, value in expect.items():
            if not isinstance(value, (*_SCALARS, bool)):
                raise self.fail((*at, "expect", question), "an expected value is one value", "e.g. 217.80 EUR", value)
        for question, code in errors.items():
            if not isinstance(code, str) or not _CODE.fullmatch(code):
                raise self.fail(
                    (*at, "error", question), "an expected error is a code", "a code such as CPF-R001", code
                )
        if not expect and not errors:
            raise self.fail(at, "give `expect:` values or an `error:` code", "expect: or error:", raw)
        return {
            "file": self.file,
            "name": str(raw["name"]),
            "article": str(raw["article"]),
            "facts": facts,
            "expect": {str(k): v for k, v in expect.items()},
            "errors": {str(k): v for k, v in errors.items()},
            "as_of": self.as_of(at, raw, default_as_of),
            "what_if": self.what_if(at, raw),
        }

    def questions(self, at: tuple[str | int, ...], raw: dict[str, Any], key: str, expected: str) -> dict[Any, Any]:
        value = raw.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail((*at, key), f"`{key}` maps questions to {expected.split(' such')[0]}", expected, value)
        for question in value:
            if not isinstance(question, (str, int)) or isinstance(question, bool):
                raise self.fail(
                    (*at, key), f"`{key}` has a key that is not a question", "questions such as credit(2019)", question
                )
        return value

    def as_of(self, at: tuple[str | int, ...], raw: dict[str, Any], default: datetime.date) -> datetime.date:
        value = raw.get("as_of")
        if value is None:
            return default
        expected = "a date YYYY-MM-DD of the calendar, e.g. 2024-02-29"
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise self.fail((*at, "as_of"), "`as_of` is not a date YYYY-MM-DD", expected, value)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise self.fail((*at, "as_of"), f"`as_of` {value} is not a day of the calendar", expected, value) from None

    def what_if(self, at: tuple[str | int, ...], raw: dict[str, Any]) -> tuple[Any, ...]:
        if "what_if" not in raw:
            return ()
        where = f"cases[{at[1]}].what_if"
        try:
            return tuple(
                overrides_from_data(raw["what_if"], where, text=self.text, file=self.file, at=(*at, "what_if"))
            )
        except CpfError as error:
            first = error.diagnostics[0]
            raise CaseFormatError(
                Diagnostic(
                    first.code,
                    Severity.ERROR,
                    first.message,
                    span_at(self.text, self.file, (*at, "what_if")),
                    hint=first.hint,
                    expected=first.expected,
                    found=first.found,
                )
            ) from None


def read_cases_file(path: Path, default_as_of: datetime.date) -> list[dict[str, Any]]:
    """The fields of each case of ``path`` (for :class:`cases.Case`), or CaseFormatError."""
    shown = str(path)
    text = _read_text(path)
    try:
        document = load_yaml_text(text, shown)
    except YamlError as error:
        d = error.diagnostic
        raise CaseFormatError(Diagnostic("CPF-T001", Severity.ERROR, d.message, d.span, hint=d.hint)) from None
    reader = _Reader(text, shown)
    if not isinstance(document, dict):
        raise reader.fail((), "a cases file is a mapping with a `cases:` list", "cases: [...]", document)
    if not isinstance(document.get("cases"), list):
        raise reader.fail(("cases",), "`cases` must be a list of cases", "cases: [...]", document.get("cases"))
    return [reader.case(index, raw, default_as_of) for index, raw in enumerate(document["cases"])]
