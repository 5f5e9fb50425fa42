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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


def _schema(directory: Path) -> dict[str, Any]:
    from .paths import default_legal_refs_dir

    candidate = directory / "legal_ref.schema.json"
    if not candidate.is_file():
        candidate = default_legal_refs_dir() / "legal_ref.schema.json"
    result: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
    return result


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
    """Load and validate every ``*.yaml`` under ``directory``; raise CpfError on any problem."""
    from .yaml_io import YamlError, load_yaml_text  # here: a warm cache (cache.py) reads no YAML

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
        try:
            data = load_yaml_text(path.read_text(encoding="utf-8"), shown, fast=True)  # our files: libyaml
        except YamlError as error:
            problems.append(error.diagnostic)
            continue
        errors = []
        if not accepts(data):
            if validator is None:
                import jsonschema

                validator = jsonschema.Draft202012Validator(schema)
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            for problem in errors:
                where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in problem.absolute_path)
                problems.append(
                    Diagnostic(
                        "CPF-E320",
                        Severity.ERROR,
                        f"legal reference file does not follow legal_ref.schema.json: {problem.message}",
                        Span(shown, 1, 1, 1, 2),
                        path=where,
                    )
                )
            continue
        try:
            versions = tuple(
                ArticleVersion(
                    in_force_from=datetime.date.fromisoformat(v["in_force_from"]),
                    in_force_to=_date(v.get("in_force_to")),
                    amended_by=v["amended_by"],
                    url=v["url"],
                    text=v.get("text"),
                    summary=v.get("summary"),
                    confidence=v["confidence"],
                    note=v.get("note"),
                )
                for v in data["versions"]
            )
        except ValueError as error:
            problems.append(
                Diagnostic(
                    "CPF-E321", Severity.ERROR, f"invalid date in legal reference: {error}", Span(shown, 1, 1, 1, 2)
                )
            )
            continue
        prefix, _, number = data["id"].partition(":")
        expected_path = directory / prefix / f"{number}.yaml"
        if path != expected_path and path.resolve() != expected_path.resolve():  # same text: same file
            problems.append(
                Diagnostic(
                    "CPF-E322",
                    Severity.ERROR,
                    f"legal reference {data['id']} is stored in the wrong file",
                    Span(shown, 1, 1, 1, 2),
                    hint=f"move it to {expected_path}",
                )
            )
            continue
        for earlier, later in itertools.pairwise(versions):
            if earlier.in_force_to is None or earlier.in_force_to >= later.in_force_from:
                problems.append(
                    Diagnostic(
                        "CPF-E323",
                        Severity.ERROR,
                        f"versions of {data['id']} overlap or are unsorted "
                        f"({earlier.in_force_from} and {later.in_force_from})",
                        Span(shown, 1, 1, 1, 2),
                        hint="sort versions by in_force_from; each but the last needs an in_force_to before the next",
                    )
                )
        articles[data["id"]] = Article(data["id"], data["source"], data["number"], data["title"], versions, shown)
    if problems:
        raise CpfError(problems)
    return LegalRegistry(articles)
