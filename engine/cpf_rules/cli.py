"""The ``cpf`` command line: ``evaluate``, ``check``, ``schema`` (the analysts' tools ``test``,
``fmt``, ``docs``, ``reform``, ``lsp`` are in :mod:`tools_cli`).

A surface: it only parses arguments, calls the public API and prints renderings.
Exit status: 0 success, 1 the input is wrong (rules, facts, question: diagnostics are
printed), 2 the command line itself is wrong, 3 an internal error (a bug, reported in
one line), 130 interrupted by Ctrl-C (143 when ``cpf batch`` is stopped by SIGTERM); an
interrupted command leaves no partial output. No traceback is shown.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .diagnostics import CpfError, Diagnostic, render_all_text
from .version import __version__


def _color(stream: object, choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


_CORE_COMMANDS = ("evaluate", "check", "schema")


def _parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; for a core command in ``argv``, without the other commands' parsers.

    The other commands (batch, serve, explain, the analysts' tools) are added only when
    they may be asked for, so that ``cpf evaluate`` does not import their modules.
    """
    parser = argparse.ArgumentParser(
        prog="cpf",
        description="Rules-as-code for the Compte personnel de formation: check rule files, evaluate a holder.",
    )
    parser.add_argument("--version", action="version", version=f"cpf-rules {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    evaluate = commands.add_parser("evaluate", help="answer questions for one holder, with the trace")
    evaluate.add_argument("facts", type=Path, help="facts document (YAML or JSON), one holder")
    evaluate.add_argument(
        "-q",
        "--question",
        action="append",
        required=True,
        help="rule and period, e.g. 'balance(2024)', 'credit(2019)', 'converted_amount(2019-01-01)'; repeatable",
    )
    evaluate.add_argument("--format", choices=("text", "json"), default="text")
    evaluate.add_argument("--no-trace", action="store_true", help="print the values only")
    evaluate.add_argument("--as-of", type=_date, help="date for citing rules without a period (default: today)")
    evaluate.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    evaluate.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")
    evaluate.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    check = commands.add_parser("check", help="run every static check on a rules directory")
    check.add_argument("rules_dir", type=Path, nargs="?", help="rules directory (default: the bundled rules/)")
    check.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")
    check.add_argument("--format", choices=("text", "json"), default="text")

    schema = commands.add_parser("schema", help="print the JSON Schema of a facts document")
    schema.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    schema.add_argument("--legal-refs", type=Path)

    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0] in _CORE_COMMANDS:  # `cpf -h …` and typos still list every command
        return parser
    from .batch.cli import add_parser as add_batch_parser

    add_batch_parser(commands, _date)
    from .http.cli import add_parser as add_serve_parser

    add_serve_parser(commands)

    from .explain.cli import add_parsers

    add_parsers(commands, _date)
    from .tools_cli import add_parsers as add_tool_parsers

    add_tool_parsers(commands)
    return parser


def _print_diagnostics(diagnostics: Sequence[Diagnostic], sources: dict[str, str], as_json: bool) -> None:
    if as_json:
        from .render.json import diagnostics_to_json, dumps

        sys.stdout.write(dumps(diagnostics_to_json(diagnostics)))
    else:
        sys.stderr.write(render_all_text(diagnostics, sources) + "\n")


def _run_check(args: argparse.Namespace) -> int:
    from .loader import check_rules

    report = check_rules(args.rules_dir, args.legal_refs)
    if args.format == "json":
        _print_diagnostics(report.diagnostics, report.sources, True)
    elif report.diagnostics:
        _print_diagnostics(report.diagnostics, report.sources, False)
    if report.ok and args.format == "text":
        assert report.ruleset is not None
        model = report.ruleset
        print(
            f"ok: {len(report.sources)} rule files, {len(model.rules)} rules, {len(model.parameters)} parameters, "
            f"{len(model.inputs)} inputs, {len(model.registry.articles)} legal references ({model.fingerprint[:19]}…)"
        )
    return 0 if report.ok else 1


def _run_evaluate(args: argparse.Namespace) -> int:
    from .api import evaluate
    from .loader import load_rules

    rules = load_rules(args.rules, args.legal_refs)
    as_of = args.as_of or datetime.date.today()
    result = evaluate(rules, args.facts, args.question, as_of=as_of, trace=not args.no_trace, compiled=True)
    if args.format == "json":
        from .render.json import dumps, result_to_json

        replay = ["cpf", "evaluate", str(args.facts), *[f"--question={q}" for q in args.question]]
        replay += ["--format=json", f"--as-of={as_of.isoformat()}"]
        if args.rules:
            replay.append(f"--rules={args.rules}")
        sys.stdout.write(dumps(result_to_json(result, with_trace=not args.no_trace, command=shlex.join(replay))))
    else:
        from .render.text import render_result

        sys.stdout.write(render_result(result, color=_color(sys.stdout, args.color), with_trace=not args.no_trace))
    return 0 if result.ok else 1


def _run_schema(args: argparse.Namespace) -> int:
    from .loader import load_rules
    from .render.json import dumps

    sys.stdout.write(dumps(load_rules(args.rules, args.legal_refs).facts_schema()))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; ``argv`` None means this process's own command line (the ``cpf`` script).

    Then a core command owns the process until it exits: it allocates tens of thousands of
    long-lived objects (the modules it imports, the rule set it decodes) and no garbage
    cycle, so the cyclic garbage collector, which would walk them over and over, stays
    off (about 10% of a warm ``cpf evaluate``; bench/startup.py).
    """
    if argv is None and sys.argv[1:2] and sys.argv[1] in _CORE_COMMANDS:
        gc.disable()
    args = _parser(argv).parse_args(argv)
    as_json = getattr(args, "format", "text") == "json"
    try:
        if args.command == "check":
            return _run_check(args)
        if args.command == "evaluate":
            return _run_evaluate(args)
        if args.command == "batch":
            from .batch.cli import run as run_batch

            return run_batch(args)
        if args.command == "serve":
            from .http.cli import run as run_serve

            return run_serve(args)
        if args.command in ("test", "fmt", "docs", "reform", "lsp"):
            from .tools_cli import run as run_tool

            return run_tool(args)
        if args.command in ("explain", "diff"):
            from .explain.cli import run

            return run(args, _color(sys.stdout, getattr(args, "color", "auto")))
        return _run_schema(args)
    except CpfError as error:
        _print_diagnostics(error.diagnostics, error.sources, as_json)
        return 1
    except BrokenPipeError:  # e.g. `cpf evaluate … | head`
        return 0
    except KeyboardInterrupt:  # Ctrl-C: what was being written has been removed (atomic writers)
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as error:  # a bug of ours: say so plainly, without a traceback
        sys.stderr.write(
            f"internal error of cpf-rules {__version__} ({type(error).__name__}: {error}).\n"
            "Please report it with the command line and the input files.\n"
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
