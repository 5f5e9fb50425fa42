"""The analysts' tools on the command line: ``cpf test``, ``fmt``, ``docs``, ``reform``, ``lsp``.

A surface like :mod:`cpf_rules.cli` (which registers these subcommands): it parses
arguments and calls :mod:`testrunner`, :mod:`fmt`, :mod:`docsite`, :mod:`reform` and
:mod:`lsp`, each imported only when its command runs. Exit status as for every ``cpf``
command: 0 success, 1 the input is wrong or a check failed, 2 bad command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

TOOL_COMMANDS = ("test", "fmt", "docs", "reform", "lsp")


def add_parsers(commands: Any) -> None:
    """Register the tool subcommands on ``cpf``'s subparsers."""
    test = commands.add_parser("test", help="run the YAML cases (*.cases.yaml), with coverage")
    test.add_argument("paths", type=Path, nargs="*", help="cases files or folders (default: the bundled rules/)")
    test.add_argument("-k", dest="keyword", help="only the cases whose name contains this text")
    test.add_argument("--coverage", action="store_true", help="report the cases reaching each article and value")
    test.add_argument("--format", choices=("text", "json"), default="text")
    test.add_argument("--rules", type=Path, help="rules directory (default: the rules/ folder above PATH)")
    test.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")

    fmt = commands.add_parser("fmt", help="format rule files (*.cpf) in place")
    fmt.add_argument("paths", type=Path, nargs="*", help="files or folders (default: ./rules)")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file is not formatted")
    fmt.add_argument("--diff", action="store_true", help="with --check, print what would change")

    docs = commands.add_parser("docs", help="write a static documentation site of the rules")
    docs.add_argument("-o", "--output", type=Path, required=True, help="folder to write the site into")
    docs.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    docs.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")
    docs.add_argument("--no-cases", action="store_true", help="do not run the YAML cases (faster, no case lists)")

    reform = commands.add_parser("reform", help="compare a reform with the law over a population of holders")
    reform.add_argument("reform", type=Path, help="reform file (YAML): parameter overrides and/or rule files")
    reform.add_argument("--population", type=Path, required=True, help="holders: JSON Lines or YAML")
    reform.add_argument("--csv", type=Path, help="also write the per-holder changes as CSV (atomically)")
    reform.add_argument("--format", choices=("text", "json"), default="text")
    reform.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    reform.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")

    commands.add_parser("lsp", help="run the language server on stdin/stdout (for editors)")


def run(args: argparse.Namespace) -> int:
    """Run one tool subcommand; CpfError propagates to cli.main, which prints it."""
    if args.command == "test":
        return _run_test(args)
    if args.command == "fmt":
        from .fmt import run_fmt

        return run_fmt(args.paths, check=args.check, diff=args.diff)
    if args.command == "docs":
        from .docsite import run_docs

        return run_docs(args.output, args.rules, args.legal_refs, with_cases=not args.no_cases)
    if args.command == "reform":
        from .reform import run_reform

        return run_reform(args.reform, args.population, args.csv, args.format, args.rules, args.legal_refs)
    try:
        from .lsp.server import serve
    except ImportError as error:
        sys.stderr.write(f"cpf lsp needs pygls ({error}): pip install 'cpf-rules[lsp]'\n")
        return 1
    serve()
    return 0


def _run_test(args: argparse.Namespace) -> int:
    from .loader import load_rules
    from .paths import default_rules_dir
    from .render.json import dumps
    from .testrunner import collect, measure_coverage, render_coverage, render_run, rules_dir_for, run, run_to_json

    paths = list(args.paths) or [default_rules_dir()]
    rules_dir = args.rules or rules_dir_for(paths[0])
    rules = load_rules(rules_dir, args.legal_refs)
    cases, problems = collect(paths, args.keyword)
    if not cases and not problems:
        problems.append("no case found" + (f" matching -k {args.keyword!r}" if args.keyword else ""))
    test_run = run(rules, cases, problems)
    coverage = measure_coverage(rules, test_run.outcomes) if args.coverage else None
    if args.format == "json":
        sys.stdout.write(dumps(run_to_json(test_run, coverage)))
    else:
        if coverage is not None:
            sys.stdout.write(render_coverage(coverage) + "\n")
        sys.stdout.write(render_run(test_run))
    return 0 if test_run.ok else 1
