"""The two sides of ``cpf diff``: a rule set named by a directory, a git revision or a reform.

A side is a rules directory (``legal_refs/`` beside it), ``git:REV`` (the ``rules/`` and
``legal_refs/`` of that revision of the git repository around the current directory,
extracted with ``git archive`` into a temporary directory), or either of them with a
reform file applied: a YAML or JSON list of ``{parameter, from, value}`` overrides
(:func:`cpf_rules.whatif.overrides_from_data`), or a mapping ``{title, overrides}``, or a
``cpf reform`` file (``{name, overrides, years}``; its ``replace_rules`` is refused).

Problems are diagnostics: CPF-D001 (a git revision cannot be read), CPF-D002 (a reform
file cannot be read); a bad override inside a reform is CPF-E110/E111.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import CpfError, Diagnostic, Severity
from ..loader import load_rules
from ..model import RuleSet
from ..whatif import apply_overrides, overrides_from_data
from ..yaml_io import YamlError, load_yaml_text


@dataclass(frozen=True)
class Side:
    """One rule set of a comparison and how the user named it."""

    rules: RuleSet
    name: str


def _git_problem(spec: str, message: str, hint: str) -> CpfError:
    return CpfError([Diagnostic("CPF-D001", Severity.ERROR, f"{spec}: {message}", path=spec, hint=hint)])


def _git(git: str, *arguments: str) -> bytes:
    """Run git without a shell; its standard output (CalledProcessError on failure)."""
    return subprocess.run([git, *arguments], capture_output=True, check=True).stdout  # noqa: S603


def _extract_revision(spec: str, revision: str, into: Path) -> str:
    """Extract rules/ and legal_refs/ of ``revision`` into ``into``; return its short hash."""
    if not revision or revision.startswith("-"):
        raise _git_problem(spec, "no revision named", "write git:HEAD, git:main or git:a1b2c3d")
    git = shutil.which("git")
    try:
        if git is None:
            raise FileNotFoundError("git")
        top = _git(git, "rev-parse", "--show-toplevel").decode().strip()
        commit = _git(git, "-C", top, "rev-parse", "--short", "--verify", f"{revision}^{{commit}}").decode().strip()
        archive = _git(git, "-C", top, "archive", "--format=tar", commit, "rules", "legal_refs")
    except FileNotFoundError:
        raise _git_problem(spec, "git is not installed", "install git, or compare two directories") from None
    except subprocess.CalledProcessError as error:
        detail = bytes(error.stderr or b"").decode(errors="replace").strip()
        raise _git_problem(
            spec,
            f"cannot read the rules of revision {revision!r} ({detail.splitlines()[-1] if detail else 'git failed'})",
            "run cpf diff inside the repository; the revision must contain rules/ and legal_refs/",
        ) from None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return commit


def read_reform(path: Path) -> tuple[str, list[object], str, tuple[str, ...]]:
    """The title, the override list, the text of a reform file and the key of the list
    in it (``("overrides",)`` or ``()``), to place each override in the file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CpfError(
            [Diagnostic("CPF-D002", Severity.ERROR, f"cannot read the reform file {path}: {error}", path=str(path))]
        ) from None
    try:
        data = load_yaml_text(text, str(path))
    except YamlError as error:
        raise CpfError([error.diagnostic]) from None
    title = path.name
    at: tuple[str, ...] = ()
    if isinstance(data, dict) and "replace_rules" in data:  # with or without overrides
        raise CpfError(
            [
                Diagnostic(
                    "CPF-D002",
                    Severity.ERROR,
                    f"{path}: replace_rules is not applied by cpf diff",
                    path=str(path),
                    hint="copy rules/ with the replaced files and compare with --new DIR",
                )
            ]
        )
    if isinstance(data, dict) and "overrides" in data:
        # The `cpf reform` format: {name, overrides, years}; `years` names the population's
        # years and does not matter here (the questions name their periods).
        title = str(data.get("title") or data.get("name") or path.name)
        data, at = data["overrides"], ("overrides",)
    if not isinstance(data, list):
        raise CpfError(
            [
                Diagnostic(
                    "CPF-D002",
                    Severity.ERROR,
                    f"{path}: expected a list of overrides or a mapping {{title, overrides}}",
                    path=str(path),
                    hint="e.g. - {parameter: annual_amount, from: 2025-01-01, value: 600 EUR}",
                )
            ]
        )
    return title, data, text, at


@contextmanager
def load_side(spec: str | None, reform: Path | None) -> Iterator[Side]:
    """The rule set named by ``spec`` (None: the bundled rules), with ``reform`` applied."""
    with tempfile.TemporaryDirectory(prefix="cpf-diff-") as scratch:
        if spec is None:
            rules, name = load_rules(), "rules/"
        elif spec.startswith("git:"):
            commit = _extract_revision(spec, spec[4:], Path(scratch))
            rules = load_rules(Path(scratch) / "rules", Path(scratch) / "legal_refs")
            name = f"{spec} ({commit})"
        else:
            rules, name = load_rules(Path(spec)), spec
        if reform is not None:
            title, data, text, at = read_reform(reform)
            overrides = overrides_from_data(data, str(reform), text=text, file=str(reform), at=at)
            rules = apply_overrides(rules, overrides)
            name = f"{name} + {title}"
        yield Side(rules, name)
