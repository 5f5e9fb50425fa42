"""Which files a reform may replace: rule files inside the rules directory, nothing else.

Part of ``cpf reform`` (:mod:`cpf_rules.reform`). A reform file's ``replace_rules`` maps
a rule file, named by its path relative to ``rules/``, to its replacement; the reformed
rule set is built in a temporary copy of ``rules/``. A key is a place where the command
writes, so it is checked twice: when the reform file is read (:func:`rule_file_key`: a
relative path of a ``.cpf`` file, no absolute path, no ``..``, no backslash) and when the
copy is made (:func:`destination`: the path, symlinks resolved, is a rule file inside
both the rules directory and its copy). Every key is checked before anything is written.
A refused key is CPF-E112 (a bad reform file), naming the key and what is expected.
:func:`read_text` reads a reform or population file (CPF-E112 when unreadable or not
UTF-8, at the line and column of the first bad byte).

>>> rule_file_key("accrual/employee/euro_era.cpf")
'accrual/employee/euro_era.cpf'
>>> rule_file_key("../../etc/passwd")
Traceback (most recent call last):
...
cpf_rules.reform_paths.RuleKeyError: `../../etc/passwd` goes up out of rules/ with `..`
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from .diagnostics import CpfError, Diagnostic, Severity
from .yaml_where import read_utf8_text, span_at

EXPECTED = "the path of an existing .cpf file relative to the rules directory, e.g. accrual/employee/euro_era.cpf"


class RuleKeyError(ValueError):
    """A ``replace_rules`` key that does not name a rule file inside ``rules/``."""


def rule_file_key(key: Any) -> str:
    """The key as a normalised relative POSIX path; RuleKeyError when it could name a file
    outside the rules directory or a file that is not a rule file."""
    if not isinstance(key, str) or not key.strip():
        raise RuleKeyError(f"the key {key!r} is not a path")
    if "\x00" in key or "\\" in key:
        raise RuleKeyError(f"`{key}` contains a backslash or a NUL character (separate folders with /)")
    path = PurePosixPath(key)
    if path.is_absolute() or PureWindowsPath(key).drive:
        raise RuleKeyError(f"`{key}` is an absolute path")
    if ".." in path.parts:
        raise RuleKeyError(f"`{key}` goes up out of rules/ with `..`")
    if path.suffix != ".cpf":
        raise RuleKeyError(f"`{key}` is not a rule file (*.cpf)")
    return path.as_posix()


def _inside(path: Path, folder: Path) -> bool:
    return path.is_relative_to(folder)


def destination(rules_dir: Path, copy: Path, key: str) -> Path:
    """The file of ``copy`` (a copy of ``rules_dir``) that the key names, after checking
    that, symlinks resolved, it is a rule file inside ``rules_dir`` and inside ``copy``."""
    key = rule_file_key(key)
    original = (rules_dir / key).resolve()
    if not _inside(original, rules_dir.resolve()):
        raise RuleKeyError(f"`{key}` leads out of {rules_dir} (through a symbolic link)")
    if not original.is_file():
        raise RuleKeyError(f"`{key}` is not a rule file of {rules_dir}")
    target = copy / key
    if target.is_symlink() or not _inside(target.resolve(), copy.resolve()) or not target.is_file():
        raise RuleKeyError(f"`{key}` leads out of the copy of {rules_dir} (through a symbolic link)")
    return target


def read_text(path: Path, what: str) -> str:
    """A reform or population file's text; CPF-E112 when it cannot be read or is not UTF-8."""
    return read_utf8_text(path, "CPF-E112", what)


def replaced_files(replace: dict[Any, Any], path: Path, text: str) -> dict[str, Path]:
    """``replace_rules`` checked: each key a rule file inside rules/, each value a file."""
    shown = str(path)
    replace_rules: dict[str, Path] = {}
    for key, value in replace.items():
        try:
            target = rule_file_key(key)
        except RuleKeyError as error:
            span = span_at(text, shown, ("replace_rules", str(key)), key=True)
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-E112",
                        Severity.ERROR,
                        f"replace_rules: {error}; a reform replaces rule files of rules/ only",
                        span,
                        expected=EXPECTED,
                        found=repr(key),
                    )
                ],
                {shown: text},
            ) from None
        if not isinstance(value, str) or not value.strip():
            span = span_at(text, shown, ("replace_rules", str(key)))
            raise CpfError(
                [
                    Diagnostic(
                        "CPF-E112",
                        Severity.ERROR,
                        f"replace_rules: the replacement of {target} is not a file name",
                        span,
                        expected="the path of the new rule file, relative to the reform file",
                        found=repr(value),
                    )
                ],
                {shown: text},
            )
        replace_rules[target] = path.parent / value
    return replace_rules
