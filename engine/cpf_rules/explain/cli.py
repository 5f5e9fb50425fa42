"""The ``cpf explain`` and ``cpf diff`` subcommands (argument parsing and output only).

``cpf explain FACTS -q Q [--format text|json|html] [--lang fr|en] [-o FILE]``;
``cpf diff FACTS -q Q [--old SPEC] (--new SPEC | --reform FILE) [...]`` where a SPEC is
a rules directory or ``git:REV`` (the ``rules/`` and ``legal_refs/`` of a revision of
the current git repository). Heavy modules are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_parsers(commands: Any, date_type: Callable[[str], datetime.date]) -> None:
    """Declare ``explain`` and ``diff`` on the ``cpf`` subcommand parser."""
    explain = commands.add_parser(
        "explain", help="explain answers for an auditor: summary, trace, counterfactuals (text, JSON, HTML)"
    )
    diff = commands.add_parser(
        "diff", help="the same facts under two rule sets (directories, git revisions) or a reform file"
    )
    for sub in (explain, diff):
        sub.add_argument("facts", type=Path, help="facts document (YAML or JSON), one holder")
        sub.add_argument("-q", "--question", action="append", required=True, help="e.g. 'credit(2019)'; repeatable")
        sub.add_argument("--format", choices=("text", "json", "html"), default="text")
        sub.add_argument("--lang", choices=("fr", "en"), default="fr", help="words of the report (default fr)")
        sub.add_argument("-o", "--output", type=Path, help="write to FILE instead of the standard output")
        sub.add_argument("--as-of", type=date_type, help="date for citing rules without a period (default: today)")
        sub.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    explain.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    explain.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")
    explain.add_argument("--no-counterfactuals", action="store_true", help="skip the search for counterfactuals")
    explain.add_argument(
        "--max-evaluations", type=int, default=600, help="bound of the counterfactual search per question (default 600)"
    )
    diff.add_argument("--old", default=None, help="rules directory or git:REV (default: the bundled rules/)")
    diff.add_argument("--new", default=None, help="rules directory or git:REV (default: the old rules)")
    diff.add_argument("--reform", type=Path, help="YAML/JSON list of {parameter, from, value} applied to the new rules")


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output is None:
        sys.stdout.write(text)
        return
    from ..atomic_io import write_text_atomic
    from ..diagnostics import CpfError, Diagnostic, Severity

    try:
        write_text_atomic(args.output, text)
    except OSError as error:
        message = f"cannot write {args.output}: {error.strerror or error}"
        raise CpfError([Diagnostic("CPF-D003", Severity.ERROR, message, path=str(args.output))]) from None
    sys.stderr.write(f"wrote {args.output}\n")


def _replay(args: argparse.Namespace, as_of: datetime.date) -> str:
    words = ["cpf", args.command, str(args.facts), *[f"--question={q}" for q in args.question]]
    words += [f"--format={args.format}", f"--lang={args.lang}", f"--as-of={as_of.isoformat()}"]
    for option in ("rules", "old", "new", "reform"):
        value = getattr(args, option, None)
        if value is not None:
            words.append(f"--{option}={value}")
    return shlex.join(words)


def _run_explain(args: argparse.Namespace, color: bool) -> int:
    from ..loader import load_rules
    from ..render.json import dumps
    from .report import explain, explain_to_json, render_explain_html, render_explain_text

    rules = load_rules(args.rules, args.legal_refs)
    as_of = args.as_of or datetime.date.today()
    explanation = explain(
        rules,
        args.facts,
        args.question,
        as_of,
        with_counterfactuals=not args.no_counterfactuals,
        max_evaluations=max(0, args.max_evaluations),
        command=_replay(args, as_of),
    )
    if args.format == "json":
        _write(args, dumps(explain_to_json(explanation, args.lang)))
    elif args.format == "html":
        _write(args, render_explain_html(explanation, args.lang))
    else:
        _write(args, render_explain_text(explanation, args.lang, color and args.output is None))
    return 0 if explanation.result.ok else 1


def _run_diff(args: argparse.Namespace, color: bool) -> int:
    from ..render.json import dumps
    from .diff import diff_rule_sets, diff_to_json, render_diff_html, render_diff_text
    from .sides import load_side

    if args.new is None and args.reform is None:
        sys.stderr.write("cpf diff: give --new SPEC (a rules directory or git:REV) or --reform FILE\n")
        return 2
    as_of = args.as_of or datetime.date.today()
    with load_side(args.old, None) as old, load_side(args.new or args.old, args.reform) as new:
        report = diff_rule_sets(old, new, args.facts, args.question, as_of, command=_replay(args, as_of))
    if args.format == "json":
        _write(args, dumps(diff_to_json(report)))
    elif args.format == "html":
        _write(args, render_diff_html(report, args.lang))
    else:
        _write(args, render_diff_text(report, args.lang))
    return 0


def run(args: argparse.Namespace, color: bool) -> int:
    """Run ``explain`` or ``diff``; CpfError propagates to the CLI's handler."""
    if args.command == "explain":
        return _run_explain(args, color)
    return _run_diff(args, color)
