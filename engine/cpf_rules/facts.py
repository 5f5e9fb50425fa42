"""Stage 4, facts document → typed facts: the JSON Schema generated from `input`s.

The schema is built from the ``input`` and ``record`` declarations of the checked rules
(:mod:`cpf_rules.facts_schema`), so it cannot drift from them. A facts document (JSON or
YAML, one holder) is validated with jsonschema; each problem becomes a diagnostic naming
the JSON path, what was expected and what was found (:mod:`cpf_rules.facts_diagnostics`). Valid documents are converted to exact values: numbers to
:class:`~fractions.Fraction`, dates to :class:`datetime.date`.

Two validators read the same schema. jsonschema-rs (compiled, about 2 µs a holder)
answers "valid or not" first; only a document it refuses, or one holding a value whose
type the project reads more strictly than JSON does (a float, a non-finite or a
decimal-written whole number), goes to the Python jsonschema validator, which names
every problem (about 400 µs a holder, and 100 ms to import, paid only then). The
verdict that counts is the Python validator's whenever it runs; the two are compared
on generated and corrupted documents in tests/test_fuzz_facts.py.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import stat
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import CpfError, Diagnostic, Severity
from .facts_diagnostics import (
    diagnostics_for,
    found_text,
    json_path,
    overlong_lists,
    python_validator,
    too_large_document,
    within_bounds,
)
from .facts_schema import YEARS_KEY, facts_schema
from .limits import MAX_DECIMALS, MAX_FACTS_BYTES, MAX_INTEGER_DIGITS, MAX_LIST_ITEMS
from .resolve import Symbols
from .types import Type
from .yaml_io import YamlError, load_document_text

if TYPE_CHECKING:
    import jsonschema


@dataclass(frozen=True)
class Facts:
    """One holder's validated facts."""

    sections: dict[str, dict[str, Any]]  # "holder" -> {input name: value}
    years: dict[int, dict[str, Any]]  # 2019 -> {input name: value}
    year_positions: dict[int, int]  # 2019 -> index in the document's years list
    lists: dict[str, tuple[dict[str, Any], ...]]
    digest: str  # sha256 of the canonical document ("" when read with digest=False)


_INTEGER_LIMIT = 10**MAX_INTEGER_DIGITS
_CENT = Decimal("0.01")
_NO_SCHEMA: dict[str, Any] = {}


class FactsReader:
    """Validates facts documents against the schema of one rule set (reusable)."""

    def __init__(self, symbols: Symbols) -> None:
        self.symbols = symbols
        self.schema = facts_schema(symbols)
        self._yearly_types: dict[str, Type] = {}
        self._section_types: dict[str, dict[str, Type]] = {}
        self._list_types: dict[str, Type] = {}
        for decl in symbols.inputs.values():
            type_ = symbols.type_of(decl.type)
            if decl.section is None:
                self._list_types[decl.name] = type_
            elif decl.section == "year":
                self._yearly_types[decl.name] = type_
            else:
                self._section_types.setdefault(decl.section, {})[decl.name] = type_
        import jsonschema_rs  # with the first reader: `cpf check` and the rules alone never load it (≈ 20 ms)

        self._fast_validator = jsonschema_rs.validator_for(self.schema)
        self._python_validator: Any = None

    def schema_accepts(self, document: dict[str, Any]) -> bool:
        """jsonschema-rs's verdict on a parsed document (False also when it cannot read a
        value): the first check of :meth:`read_document`, for ``cpf batch``'s columnar
        reading of JSONL (the checks after the schema are made there on columns)."""
        try:
            return bool(self._fast_validator.is_valid(document))
        except Exception:  # a value jsonschema-rs cannot read: the Python validator decides
            return False

    def _fast_accepts(self, document: dict[str, Any]) -> tuple[bool, list[Diagnostic]]:
        """jsonschema-rs's verdict, then the checks JSON Schema cannot make in the same
        walk: (accepted, their problems). Not accepted when jsonschema-rs refuses the
        document or cannot read it, or when the walk meets a number the project reads
        more strictly than JSON (a float, a non-finite or an integer written as a
        decimal) or an overlong list: the precise path then decides."""
        if not self.schema_accepts(document):
            return False, []
        problems, loose = self._semantic_problems(document)
        return not loose, problems

    def _schema_errors(self, document: dict[str, Any]) -> list[jsonschema.ValidationError]:
        """Every violation of the schema the Python validator finds, in a stable order."""
        if self._python_validator is None:
            self._python_validator = python_validator(self.schema)
        errors: list[jsonschema.ValidationError] = list(self._python_validator.iter_errors(document))
        return sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))

    def read_file(self, path: Path) -> Facts:
        """Read and validate a JSON or YAML facts file."""
        shown = str(path)
        try:
            info = path.stat()
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode) or stat.S_ISSOCK(info.st_mode):
                raise CpfError(
                    [
                        Diagnostic(
                            "CPF-F003",
                            Severity.ERROR,
                            f"cannot read facts file {shown}: it is a device or a socket, not a file",
                            hint="give the path of a JSON or YAML facts file",
                        )
                    ]
                )
            if info.st_size > MAX_FACTS_BYTES:  # refused before reading it into memory
                raise CpfError([too_large_document(shown, info.st_size)])
            with path.open("rb") as stream:  # a pipe (`<(...)`, /dev/stdin) has no size: read one byte past the limit
                data = stream.read(MAX_FACTS_BYTES + 1)
            if len(data) > MAX_FACTS_BYTES:
                raise CpfError([too_large_document(shown, len(data), read_so_far=True)])
            text = data.decode("utf-8-sig")
        except FileNotFoundError:
            raise CpfError(
                [Diagnostic("CPF-F003", Severity.ERROR, f"facts file not found: {shown}", hint="check the path")]
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CpfError(
                [Diagnostic("CPF-F003", Severity.ERROR, f"cannot read facts file {shown}: {error}")]
            ) from None
        except ValueError:  # a NUL character in the path
            raise CpfError(
                [Diagnostic("CPF-F003", Severity.ERROR, f"cannot read facts file {shown!r}: the path holds a NUL")]
            ) from None
        return self.read_text(text, shown)

    def read_text(self, text: str, name: str = "facts.yaml") -> Facts:
        if len(text) > MAX_FACTS_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_FACTS_BYTES:
            raise CpfError([too_large_document(name, len(text.encode("utf-8", "surrogatepass")))])
        try:
            document = load_document_text(text, name)
        except YamlError as error:
            raise CpfError([error.diagnostic], {name: text}) from None
        return self.read_document(document)

    def read_document(self, document: Any, *, digest: bool = True) -> Facts:
        """Validate an already parsed document (numbers as int/Decimal, dates as text).

        ``digest=False`` leaves :attr:`Facts.digest` empty (about a tenth of the time of
        a small document): for callers that never show it (``cpf batch``)."""
        if not isinstance(document, dict):
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-F101",
                        Severity.ERROR,
                        "the facts document must be an object (a mapping)",
                        path="$",
                        expected="an object with " + ", ".join(self.schema["properties"]),
                        found="an empty document" if document is None else found_text(document),
                        hint="put the yearly entries under a `years:` key" if isinstance(document, list) else None,
                    )
                ]
            )
        accepted, problems = self._fast_accepts(document)
        if not accepted:  # the precise path: list lengths, then every schema problem named
            too_long = overlong_lists(document)
            if too_long:
                raise CpfError(too_long)
            problems = [d for e in self._schema_errors(document) for d in diagnostics_for(e)]
            if not problems:
                problems, _ = self._semantic_problems(document)
        if problems:
            raise CpfError(problems)
        return self._convert(document, digest)

    # ---- after the schema: what JSON Schema cannot say ---------------------------------
    def _semantic_problems(self, document: dict[str, Any]) -> tuple[list[Diagnostic], bool]:
        """Problems of a schema-valid document that JSON Schema cannot express (F106-F108,
        F111), and whether the walk met a value only the precise path may judge (see
        :meth:`_fast_accepts`)."""
        problems: list[Diagnostic] = []
        loose = False

        def refuse(code: str, path: list[Any], what: str, expected: str, found: str, hint: str | None = None) -> None:
            where = json_path(path)
            problems.append(
                Diagnostic(
                    code, Severity.ERROR, f"{where} {what}", path=where, expected=expected, found=found, hint=hint
                )
            )

        def too_large(value: int | Decimal, path: list[Any]) -> None:
            text = str(value)
            found = found_text(value) if len(text) < 40 else f"a number written with {len(text)} characters"
            digits = f"at most {MAX_INTEGER_DIGITS} digits before the decimal point and {MAX_DECIMALS} after it"
            refuse("CPF-F108", path, "is too large or too precise", digits, found)

        def walk(value: Any, schema: dict[str, Any], path: list[Any]) -> None:
            # The JSON types first, by exact type (the common case, one test each); `path`
            # is extended in place and restored, and copied only into a diagnostic.
            nonlocal loose
            kind = type(value)
            if kind is dict:
                properties = schema.get("properties", _NO_SCHEMA)
                for key, item in value.items():
                    path.append(key)
                    walk(item, properties.get(key, _NO_SCHEMA), path)
                    path.pop()
            elif kind is list:
                if len(value) > MAX_LIST_ITEMS:
                    loose = True
                    return
                items = schema.get("items", _NO_SCHEMA)
                for index, item in enumerate(value):
                    path.append(index)
                    walk(item, items, path)
                    path.pop()
            elif kind is int:
                if not -_INTEGER_LIMIT < value < _INTEGER_LIMIT:
                    too_large(value, path)
            elif kind is str:
                if schema.get("format") == "date":
                    try:
                        datetime.date.fromisoformat(value)
                    except ValueError:
                        refuse(
                            "CPF-F106",
                            path,
                            "is not a calendar date",
                            "a date that exists, written YYYY-MM-DD",
                            found_text(value),
                        )
            elif kind is bool or value is None:
                return
            elif isinstance(value, float) or (
                isinstance(value, Decimal) and (not value.is_finite() or schema.get("type") == "integer")
            ):
                loose = True
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                if not within_bounds(value):
                    too_large(value, path)
                elif (
                    isinstance(value, Decimal)
                    and schema.get("x-cpf-type") == "money"
                    and value != value.quantize(_CENT)
                ):
                    expected = "an amount in euros with at most 2 decimals (e.g. 12.34)"
                    hint = "amounts on the account and on payslips are in euros and cents"
                    refuse("CPF-F111", path, "is not a whole number of cents", expected, found_text(value), hint)
            elif isinstance(value, (dict, list)):  # a subclass: walked as its JSON type
                walk(dict(value) if isinstance(value, dict) else list(value), schema, path)

        walk(document, self.schema, [])
        seen: dict[int, int] = {}
        for index, entry in enumerate(document.get(YEARS_KEY, [])):
            year = entry["year"]
            if year in seen:
                problems.append(
                    Diagnostic(
                        "CPF-F107",
                        Severity.ERROR,
                        f"year {year} is given again at $.years[{index}] (first at $.years[{seen[year]}])",
                        path=f"$.years[{index}].year",
                        expected="one entry per calendar year",
                        found=f"another entry for {year}",
                        hint="add up the hours of several employers in one entry",
                    )
                )
            else:
                seen[year] = index
        return problems, loose

    def _convert_value(self, value: Any, type_: Type) -> Any:
        if type_.kind == "number":
            return Fraction(value)
        if type_.kind == "date":
            return datetime.date.fromisoformat(value)
        if type_.kind == "record" and type_.name is not None:
            return self._convert_record(value, type_.name)
        if type_.kind == "list" and type_.name is not None:
            return tuple(self._convert_record(item, type_.name) for item in value)
        return value

    def _convert_record(self, value: dict[str, Any], record_name: str) -> dict[str, Any]:
        record = self.symbols.records[record_name]
        result: dict[str, Any] = {}
        for f in record.fields:
            if f.name in value:
                result[f.name] = self._convert_value(value[f.name], self.symbols.type_of(f.type))
        return result

    def _convert(self, document: dict[str, Any], with_digest: bool = True) -> Facts:
        # One pass over what the document holds (not over every declaration for every
        # year); every declared section and list gets its slot, every year its entry.
        sections: dict[str, dict[str, Any]] = {section: {} for section in self._section_types}
        years: dict[int, dict[str, Any]] = {}
        positions: dict[int, int] = {}
        if self._yearly_types:
            for index, entry in enumerate(document.get(YEARS_KEY, [])):
                positions[entry["year"]] = index
                slot = years.setdefault(entry["year"], {})
                for name, raw in entry.items():
                    type_ = self._yearly_types.get(name)
                    if type_ is not None:
                        slot[name] = self._convert_value(raw, type_)
        for section, declared in self._section_types.items():
            slot = sections[section]
            for name, raw in document.get(section, _NO_SCHEMA).items():
                type_ = declared.get(name)
                if type_ is not None:
                    slot[name] = self._convert_value(raw, type_)
        lists = {name: self._convert_value(document.get(name, []), type_) for name, type_ in self._list_types.items()}
        if not with_digest:
            return Facts(sections, years, positions, lists, "")
        canonical = json.dumps(document, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return Facts(sections, years, positions, lists, digest)
