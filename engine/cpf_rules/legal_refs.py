"""Legal references: load legal_refs/*.yaml, validate them, find the version in force.

One YAML file per article or text (schema: legal_refs/legal_ref.schema.json). The
registry answers "which version of CT:L6323-11 was in force on 2017-06-30?" so that a
trace cites the wording that applied on the evaluated date.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .diagnostics import CpfError, Diagnostic, Severity, Span
from .readonly import readonly
from .yaml_where import not_utf8, os_error_reason, span_at


@readonly()
class ArticleVersion:
    """One wording of an article, in force from ``in_force_from`` to ``in_force_to``."""

    in_force_from: datetime.date
    in_force_to: datetime.date | None
    amended_by: str
    url: str
    text: str | None
    summary: str | None
    confidence: str
    note: str | None

    def covers(self, day: datetime.date) -> bool:
        return self.in_force_from <= day and (self.in_force_to is None or day <= self.in_force_to)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "in_force_from": self.in_force_from.isoformat(),
            "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
            "amended_by": self.amended_by,
            "url": self.url,
            "confidence": self.confidence,
        }
        if self.text is not None:
            data["text"] = self.text
        if self.summary is not None:
            data["summary"] = self.summary
        if self.note is not None:
            data["note"] = self.note
        return data


@readonly()
class Article:
    id: str
    source: str
    number: str
    title: str
    versions: tuple[ArticleVersion, ...]
    file: str

    def version_on(self, day: datetime.date) -> ArticleVersion | None:
        for version in self.versions:
            if version.covers(day):
                return version
        return None


@dataclass(frozen=True)
class LegalRegistry:
    """All articles by id."""

    articles: dict[str, Article]

    def get(self, ref: str) -> Article | None:
        return self.articles.get(ref)

    def __contains__(self, ref: object) -> bool:
        return ref in self.articles

    def __iter__(self) -> Iterator[Article]:
        return iter(self.articles[key] for key in sorted(self.articles))


def unreadable_legal_ref(shown: str, why: str) -> Diagnostic:
    """CPF-E324 for an entry of legal_refs/ that cannot be read (``shown``: ``legal_refs/CT/X.yaml``)."""
    return Diagnostic(
        "CPF-E324",
        Severity.ERROR,
        f"cannot read {shown}: {why}",
        Span(shown, 1, 1, 1, 2),
        expected="a UTF-8 YAML file per article (legal_refs/CT/L6323-11.yaml), or a folder of them",
        hint="remove or repair it (a symbolic link must lead to a file or a folder)",
    )


def _utf8(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CpfError([not_utf8(data, error, "CPF-E324", shown)]) from None


def _schema(directory: Path) -> dict[str, Any]:
    """legal_refs/legal_ref.schema.json, else the bundled one; CPF-E324 if it cannot be used."""
    from .paths import default_legal_refs_dir

    candidate = directory / "legal_ref.schema.json"
    if not candidate.is_file():
        candidate = default_legal_refs_dir() / "legal_ref.schema.json"
    shown = f"{candidate.parent.name}/{candidate.name}"
    try:
        text = _utf8(candidate.read_bytes(), shown)
    except OSError as error:
        raise CpfError([unreadable_legal_ref(shown, os_error_reason(error))]) from None

    def unusable(message: str, line: int = 1, column: int = 1) -> CpfError:
        return CpfError(
            [
                Diagnostic(
                    "CPF-E324",
                    Severity.ERROR,
                    f"{shown} cannot be used: {message}",
                    Span(shown, line, column, line, column + 1),
                    expected="a JSON Schema (a JSON object) for the legal reference files",
                    hint="restore legal_ref.schema.json from the project, or remove it to use the bundled one",
                )
            ]
        )

    try:
        schema = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise unusable(f"it is not valid JSON ({error.msg})", error.lineno, error.colno) from None
    except RecursionError:
        raise unusable("it is nested too deeply") from None
    if not isinstance(schema, dict):
        raise unusable("it is not a JSON object")
    return schema


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _fast_validator(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """jsonschema-rs's verdict "valid" (compiled); False sends the file to python-jsonschema,
    which decides and names the problems, so the diagnostics are the same either way."""
    try:
        import jsonschema_rs

        fast = jsonschema_rs.validator_for(schema)
    except Exception:  # not installed, or a schema it cannot compile: python-jsonschema decides
        return lambda data: False

    def accepts(data: Any) -> bool:
        try:
            return bool(fast.is_valid(data))
        except Exception:  # a value it cannot read (a Decimal): python-jsonschema decides
            return False

    return accepts


def load_legal_refs(directory: Path) -> LegalRegistry:
    """Load and validate every ``*.yaml`` under ``directory``; raise CpfError on any problem.

    Each problem is located in its file: a schema violation (CPF-E320) at the value the
    schema refuses, a date that is not one or a version that ends before it begins
    (CPF-E321) at that date, a file in the wrong place (CPF-E322) at its ``id``,
    overlapping or unsorted versions (CPF-E323) at the version that overlaps; a file or
    a schema that cannot be read (CPF-E324) at the first byte that is not UTF-8 or the
    JSON syntax error.
    """
    if not directory.is_dir():  # one clear error, not one per citation the rules make
        raise CpfError(
            [
                Diagnostic(
                    "CPF-E324",
                    Severity.ERROR,
                    f"legal references directory not found: {directory}",
                    expected="a directory with one YAML file per article (legal_refs/CT/L6323-11.yaml)",
                    hint="check --legal-refs, or leave it out to use the legal_refs/ beside the rules",
                )
            ]
        )
    schema = _schema(directory)
    accepts = _fast_validator(schema)
    validator: Any = None  # python-jsonschema (≈ 100 ms of import), for a file jsonschema-rs does not accept
    articles: dict[str, Article] = {}
    problems: list[Diagnostic] = []
    for path in sorted(directory.rglob("*.yaml")):
        shown = path.relative_to(directory.parent).as_posix()
        found = _read(path, shown)
        if isinstance(found, Diagnostic):
            problems.append(found)
            continue
        text, data = found
        if not accepts(data):
            if validator is None:
                validator = _python_validator(schema, directory)
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            if errors:
                for problem in errors:
                    steps = list(problem.absolute_path)
                    where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in steps)
                    problems.append(
                        Diagnostic(
                            "CPF-E320",
                            Severity.ERROR,
                            f"legal reference file does not follow legal_ref.schema.json: {problem.message}",
                            span_at(text, shown, steps),
                            path=where,
                        )
                    )
                continue
        try:
            article = _article(data, text, shown, directory, path, problems)
        except (KeyError, TypeError, AttributeError) as error:  # a schema weaker than the bundled one let it by
            problems.append(
                Diagnostic(
                    "CPF-E320",
                    Severity.ERROR,
                    f"legal reference file lacks what the engine reads ({type(error).__name__}: {error})",
                    Span(shown, 1, 1, 1, 2),
                    hint="legal_refs/legal_ref.schema.json should be the project's schema",
                )
            )
            continue
        if article is not None:
            articles[article.id] = article
    if problems:
        raise CpfError(problems)
    return LegalRegistry(articles)


def _read(path: Path, shown: str) -> tuple[str, Any] | Diagnostic:
    """The text and data of one file, or why they cannot be had (CPF-E324, CPF-F001/F002)."""
    from .yaml_io import YamlError, load_yaml_text  # here: a warm cache (cache.py) reads no YAML

    try:
        data = path.read_bytes()
    except OSError as error:
        why = "a directory, not a .yaml file" if path.is_dir() else os_error_reason(error)
        return unreadable_legal_ref(shown, why)
    try:
        text = _utf8(data, shown)
        return text, load_yaml_text(text, shown, fast=True)  # our files: libyaml
    except CpfError as error:
        return error.diagnostics[0]
    except YamlError as error:
        return error.diagnostic


def _python_validator(schema: dict[str, Any], directory: Path) -> Any:
    """python-jsonschema's validator, which names the problems; CPF-E324 for a schema it cannot use."""
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        shown = f"{directory.name}/legal_ref.schema.json"
        steps = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        raise CpfError(
            [
                Diagnostic(
                    "CPF-E324",
                    Severity.ERROR,
                    f"{shown} cannot be used: it is not a valid JSON Schema ({error.message})",
                    Span(shown, 1, 1, 1, 2),
                    path="$" + steps,
                    hint="restore legal_ref.schema.json from the project, or remove it to use the bundled one",
                )
            ]
        ) from None
    return jsonschema.Draft202012Validator(schema)


def _article(
    data: dict[str, Any], text: str, shown: str, directory: Path, path: Path, problems: list[Diagnostic]
) -> Article | None:
    """The article of a file that follows the schema; None (with ``problems`` added) if its
    dates, its place or the order of its versions are wrong."""
    reference = data["id"]
    versions: list[ArticleVersion] = []
    dated = True
    for index, version in enumerate(data["versions"]):
        days: dict[str, datetime.date | None] = {}
        for field in ("in_force_from", "in_force_to"):
            try:
                days[field] = _date(version.get(field))
            except ValueError as error:
                problems.append(
                    Diagnostic(
                        "CPF-E321",
                        Severity.ERROR,
                        f"invalid date in legal reference {reference}: {field} {version[field]!r} ({error})",
                        span_at(text, shown, ("versions", index, field)),
                        expected="a date of the calendar, YYYY-MM-DD",
                        found=repr(version[field]),
                    )
                )
                dated = False
        start, end = days.get("in_force_from"), days.get("in_force_to")
        if dated and start is None:  # required by the project's schema
            raise KeyError("in_force_from")
        if start is not None and end is not None and end < start:
            problems.append(
                Diagnostic(
                    "CPF-E321",
                    Severity.ERROR,
                    f"a version of {reference} ends before it begins: in_force_to {end} is before in_force_from {start}",
                    span_at(text, shown, ("versions", index, "in_force_to")),
                    expected=f"in_force_to on or after {start} (both days are inclusive)",
                    found=str(end),
                    hint="swap the two dates, or correct the one that was mistyped",
                )
            )
            dated = False
        if not dated or start is None:
            continue  # reported above
        versions.append(
            ArticleVersion(
                in_force_from=start,
                in_force_to=end,
                amended_by=version["amended_by"],
                url=version["url"],
                text=version.get("text"),
                summary=version.get("summary"),
                confidence=version["confidence"],
                note=version.get("note"),
            )
        )
    if not dated:
        return None
    prefix, _, number = reference.partition(":")
    expected_path = directory / prefix / f"{number}.yaml"
    if path != expected_path and path.resolve() != expected_path.resolve():  # same text: same file
        problems.append(
            Diagnostic(
                "CPF-E322",
                Severity.ERROR,
                f"legal reference {reference} is stored in the wrong file",
                span_at(text, shown, ("id",)),
                hint=f"move it to {expected_path}",
            )
        )
        return None
    overlapping = False
    for index, (earlier, later) in enumerate(itertools.pairwise(versions)):
        if earlier.in_force_to is None or earlier.in_force_to >= later.in_force_from:
            ended = "has no in_force_to" if earlier.in_force_to is None else f"ends on {earlier.in_force_to}"
            problems.append(
                Diagnostic(
                    "CPF-E323",
                    Severity.ERROR,
                    f"versions of {reference} overlap or are unsorted ({earlier.in_force_from} and "
                    f"{later.in_force_from}): the version from {earlier.in_force_from} {ended}",
                    span_at(
                        text, shown, ("versions", index, "in_force_to" if earlier.in_force_to else "in_force_from")
                    ),
                    hint="sort versions by in_force_from; each but the last needs an in_force_to before the next",
                )
            )
            overlapping = True
    if overlapping:
        return None
    return Article(reference, data["source"], data["number"], data["title"], tuple(versions), shown)
