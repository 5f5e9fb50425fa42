"""Load a rule set: read files → parse → resolve → check → cycles → :class:`RuleSet`.

This is the front half of the pipeline. :func:`check_rules` returns every diagnostic
(for ``cpf check``); :func:`load_rules` raises :class:`CpfError` unless the rules are
free of errors. Results are cached in the process per (rules dir, legal refs dir,
fingerprint), and across processes by :mod:`cpf_rules.cache`: a directory read before
comes back parsed and checked from one entry, and only its symbol tables are rebuilt.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from . import ast
from .cache import (
    CheckedEntry,
    grammar_bytes,
    load_legal_refs_cached,
    parse_module_cached,
    read_rules_entry,
    store_rules_entry,
)
from .diagnostics import CpfError, Diagnostic, DiagnosticBag, Severity, Span
from .legal_refs import LegalRegistry, unreadable_legal_ref
from .limits import MAX_RULE_FILE_BYTES
from .model import RuleSet
from .paths import default_legal_refs_dir, default_rules_dir
from .resolve import resolve
from .yaml_where import not_utf8, os_error_reason

RULE_SUFFIX = ".cpf"


@dataclass(frozen=True)
class CheckReport:
    """What ``cpf check`` reports: the diagnostics, the sources, and the model if clean."""

    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, str]
    ruleset: RuleSet | None

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def _legal_refs_for(rules_dir: Path, legal_refs_dir: Path | None) -> Path:
    if legal_refs_dir is not None:
        return legal_refs_dir
    sibling = rules_dir.parent / "legal_refs"
    return sibling if sibling.is_dir() else default_legal_refs_dir()


Unreadable = tuple[tuple[str, ...], str, str]
"""An entry of a listed directory that cannot be used: its parts below the directory, its path, why."""


def _files_under(
    directory: Path, unreadable: list[Unreadable] | None = None, file_suffix: str | None = None
) -> list[tuple[tuple[str, ...], str]]:
    """The files under ``directory``: (the parts of each one's path below it, its path).

    The files and the order of ``sorted(directory.rglob("*"))`` keeping what ``is_file()``
    (part by part; symbolic links to directories not followed, missing entries and
    broken links skipped), with ``os.scandir`` alone: a warm process lists ~110 files this way before
    it can key its cache, and pathlib's objects took two thirds of that time.

    What cannot be examined goes to ``unreadable`` (when given) instead of raising: an entry
    whose kind cannot be told (a loop of symbolic links), a folder that cannot be listed (no
    permission), and a directory whose name ends with ``file_suffix`` (where a file of
    that kind was expected; its files are listed all the same).
    """
    found: list[tuple[tuple[str, ...], str]] = []

    def visit(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as error:  # missing or not a directory: nothing listed (as rglob)
            if unreadable is not None and error.errno not in (errno.ENOENT, errno.ENOTDIR):
                unreadable.append((parts, folder, os_error_reason(error)))
            return
        for entry in listed:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if file_suffix is not None and unreadable is not None and entry.name.endswith(file_suffix):
                        unreadable.append(((*parts, entry.name), entry.path, f"a directory, not a {file_suffix} file"))
                    visit(entry.path, (*parts, entry.name))
                elif entry.is_file():
                    found.append(((*parts, entry.name), entry.path))
            except OSError as error:  # ELOOP: DirEntry.is_file() raises where Path.is_file() said False
                if unreadable is not None:
                    unreadable.append(((*parts, entry.name), entry.path, os_error_reason(error)))

    visit(str(directory), ())
    found.sort()
    if unreadable is not None:
        unreadable.sort()
    return found


def decode_rule_file(data: bytes, shown: str) -> str | Diagnostic:
    """The text of a rule file: UTF-8, a leading byte-order mark dropped (Windows editors
    write one), line ends made ``\\n`` as Python's text mode did; else CPF-E011 at the
    first byte that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return not_utf8(data, error, "CPF-E011", shown)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def _read_sources(rules_dir: Path, replaced: Collection[str] = ()) -> dict[str, str]:
    """Rule files by display name (``rules/accrual/x.cpf``), sorted; those ``replaced``
    (an editor's unsaved buffers stand for them) are not read, nor refused."""
    if not rules_dir.exists():
        raise CpfError(
            [Diagnostic("CPF-E010", Severity.ERROR, f"rules directory not found: {rules_dir}", hint="check the path")]
        )
    sources: dict[str, str] = {}
    problems: list[Diagnostic] = []
    if rules_dir.is_file():
        files = [(rules_dir.name, str(rules_dir))]
    else:
        above = rules_dir.relative_to(rules_dir.parent).parts  # `rules`, or nothing for `.`
        unreadable: list[Unreadable] = []
        files = [("/".join((*above, *parts)), path) for parts, path in _files_under(rules_dir, unreadable)]
        files = [(shown, path) for shown, path in files if shown.endswith(RULE_SUFFIX)]
        for parts, _, why in unreadable:  # it may be a rule file, or a folder of them
            shown = "/".join((*above, *parts)) or str(rules_dir)
            if shown in replaced:
                continue
            problems.append(
                Diagnostic(
                    "CPF-E011",
                    Severity.ERROR,
                    f"cannot read {shown}: {why}",
                    Span(shown, 1, 1, 1, 2),
                    expected=f"{RULE_SUFFIX} rule files and folders of them",
                    hint="remove or repair it (a symbolic link must lead to a file or a folder)",
                )
            )
    for shown, path in files:
        if shown in replaced:
            continue
        try:
            size = os.stat(path).st_size
            if size > MAX_RULE_FILE_BYTES:  # refused before reading it into memory
                problems.append(
                    Diagnostic(
                        "CPF-E012",
                        Severity.ERROR,
                        f"{shown} is too large to be a rule file",
                        expected=f"at most {MAX_RULE_FILE_BYTES:,} bytes",
                        found=f"{size:,} bytes",
                        hint="split the rules into several files, one per legal mechanism",
                    )
                )
                continue
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError as error:  # gone or made unreadable since it was listed
            problems.append(
                Diagnostic(
                    "CPF-E011",
                    Severity.ERROR,
                    f"cannot read {shown}: {os_error_reason(error)}",
                    Span(shown, 1, 1, 1, 2),
                )
            )
            continue
        text = decode_rule_file(data, shown)
        if isinstance(text, Diagnostic):
            problems.append(text)
        else:
            sources[shown] = text
    if not files and not problems and not replaced:
        problems.append(Diagnostic("CPF-E010", Severity.ERROR, f"no {RULE_SUFFIX} rule file under {rules_dir}"))
    if problems:
        raise CpfError(problems)
    return sources


def _fingerprint(
    sources: dict[str, str], legal_refs_dir: Path, problems: list[Diagnostic] | None = None
) -> tuple[str, list[bytes]]:
    """The rules' fingerprint: every rule file and every ``.yaml``/``.json`` file of
    ``legal_refs_dir`` (names and bytes); and what was read of the legal references (the
    key of their own cache entry, hashed only if that entry is looked up). What there
    cannot be read goes to ``problems`` (CPF-E324, when given) and into both as such."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    refs: list[bytes] = []
    unreadable: list[Unreadable] = []
    for parts, path in _files_under(legal_refs_dir, unreadable, ".yaml"):
        name = parts[-1]
        dot = name.rfind(".")
        if 0 < dot < len(name) - 1 and name[dot:] in (".yaml", ".json"):  # Path.suffix
            try:
                with open(path, "rb") as stream:
                    part = "/".join(parts).encode() + b"\0" + stream.read() + b"\0"
                digest.update(part)
                refs.append(part)
            except OSError as error:
                unreadable.append((parts, path, os_error_reason(error)))
    above = legal_refs_dir.name or str(legal_refs_dir)
    for parts, _, why in unreadable:
        part = b"\1" + "/".join(parts).encode() + b"\0" + why.encode() + b"\0"
        digest.update(part)
        refs.append(part)
        if problems is not None:
            problems.append(unreadable_legal_ref("/".join((above, *parts)), why))
    return "sha256:" + digest.hexdigest(), refs


_CACHE: dict[tuple[str, str, str, bool], RuleSet] = {}
_CACHE_SIZE = 64
"""Rule sets kept (oldest dropped first): the language server checks a new text at each edit."""


def check_rules(
    rules_dir: Path | None = None,
    legal_refs_dir: Path | None = None,
    overlay: dict[str, str] | None = None,
    lints: bool = True,
) -> CheckReport:
    """Run every static check; never raises for bad rule files (diagnostics instead).

    ``overlay`` maps display names (``rules/x.cpf``) to texts that replace or add to the
    files on disk: the editor's unsaved buffers (used by the language server).
    ``lints=False`` skips the lints (CPF-L…, warnings only): evaluation does not need
    them, and they cost about a third of the check.
    """
    rules_dir = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    refs_dir = _legal_refs_for(rules_dir, Path(legal_refs_dir) if legal_refs_dir else None)
    try:
        sources = _read_sources(rules_dir, overlay.keys() if overlay else ())
    except CpfError as error:
        return CheckReport(error.diagnostics, {}, None)
    if overlay:  # an editor's buffer may keep the byte-order mark a file on disk loses here
        sources = dict(sorted({**sources, **{k: v.removeprefix("\ufeff") for k, v in overlay.items()}}.items()))
    unreadable_refs: list[Diagnostic] = []
    fingerprint, refs_read = _fingerprint(sources, refs_dir, unreadable_refs)
    key = (str(rules_dir.resolve()), str(refs_dir.resolve()), fingerprint, lints)
    if key in _CACHE:
        cached = _CACHE[key]
        return CheckReport(cached.warnings, sources, cached)

    bag = DiagnosticBag()
    grammar = grammar_bytes()
    # The whole directory is one cache entry, except with an editor's unsaved buffers (one per keystroke).
    whole = grammar if not overlay else None
    entry = read_rules_entry(rules_dir, refs_dir, fingerprint, whole) if whole is not None else None
    modules: list[ast.Module]
    if entry is not None:
        registry, modules = entry.registry, list(entry.modules)
    else:
        try:
            if unreadable_refs:  # seen while fingerprinting (a loop of links): the cache's listing skips them
                raise CpfError(unreadable_refs)
            registry = load_legal_refs_cached(refs_dir, refs_read)  # cache.py: keyed on what was read
        except CpfError as error:
            bag.extend(error.diagnostics)
            registry = LegalRegistry({})
        from .syntax import parse_module  # not on the warm path

        modules = []
        for name, text in sources.items():
            try:
                # With an editor's buffers, each file through its own cache entry (one edit
                # per keystroke); a directory is parsed whole: the shipped tables parse its
                # files faster than their entries are written, and it is then stored whole.
                modules.append(parse_module_cached(text, name, grammar) if overlay else parse_module(text, name))
            except CpfError as error:
                bag.extend(error.diagnostics)
        if bag.has_errors:
            return CheckReport(tuple(bag.items), sources, None)
    checked = entry.checked if entry is not None else None
    if checked is not None:  # checked when stored, by this very code: only the symbol tables are rebuilt
        symbols = resolve(modules, registry, DiagnosticBag(), report=False)  # its findings: checked.diagnostics
        bag.extend(checked.diagnostics)
    else:
        from .check import check  # not on the warm path: a cached entry holds the check's results
        from .cycles import check_cycles

        symbols = resolve(modules, registry, bag)
        result = check(symbols, bag)
        check_cycles(result.edges, bag)
        if not bag.has_errors:
            checked = CheckedEntry(result.types, tuple(bag.items), None)
    lint_findings = checked.lints if checked is not None else None
    if lints and not bag.has_errors:  # lints (CPF-L…, warnings) reason on a rule set free of errors
        if lint_findings is None:
            from .lints import run_lints

            lint_findings = tuple(run_lints(symbols, registry))
            assert checked is not None  # no error: the check above passed
            checked = CheckedEntry(checked.types, checked.diagnostics, lint_findings)
            entry = None  # store it again, with the lints
        bag.extend(lint_findings)
    if whole is not None and entry is None:  # new, or now with the lints
        store_rules_entry(rules_dir, refs_dir, fingerprint, whole, registry, tuple(modules), checked)
    diagnostics = tuple(sorted(bag.items, key=_order))
    if bag.has_errors or checked is None:  # checked is set whenever there is no error
        return CheckReport(diagnostics, sources, None)
    ruleset = RuleSet(
        symbols=symbols,
        types=checked.types,
        registry=registry,
        sources=sources,
        fingerprint=fingerprint,
        warnings=diagnostics,
        rules_dir=rules_dir,
        legal_refs_dir=refs_dir,
        modules=tuple(modules),
    )
    _CACHE[key] = ruleset
    while len(_CACHE) > _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    return CheckReport(diagnostics, sources, ruleset)


def _order(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    span = diagnostic.span
    if span is None:
        return ("", 0, 0, diagnostic.code)
    return (span.file, span.line, span.column, diagnostic.code)


def load_rules(rules_dir: Path | str | None = None, legal_refs_dir: Path | str | None = None) -> RuleSet:
    """Load and check a rule set (the bundled one by default); raise CpfError on errors."""
    report = check_rules(
        Path(rules_dir) if rules_dir is not None else None,
        Path(legal_refs_dir) if legal_refs_dir is not None else None,
        lints=False,
    )
    if report.ruleset is None:
        raise CpfError([d for d in report.diagnostics if d.is_error] or list(report.diagnostics), report.sources)
    return report.ruleset
