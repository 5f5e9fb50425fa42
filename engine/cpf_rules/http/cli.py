"""``cpf serve``: check the rules, then serve the HTTP API under uvicorn.

A surface, called by :mod:`cpf_rules.cli` (its parser and its dispatch). Importing this
module needs nothing beyond the engine; fastapi and uvicorn are imported when the
command runs, with a plain message if the ``api`` extra is not installed. Rules that do
not check raise :class:`~cpf_rules.diagnostics.CpfError` before anything listens: the
CLI prints the diagnostics and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..version import __version__


def port_number(text: str) -> int:
    """``--port``: a TCP port, 1 to 65535 (0, "any free port", would not say where the API is).

    >>> port_number("8000")
    8000
    >>> port_number("99999")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: 99999 is not a TCP port: give a number from 1 to 65535
    """
    try:
        port = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number: give a number from 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a TCP port: give a number from 1 to 65535")
    return port


def add_parser(commands: Any) -> None:
    """Add ``serve`` to the ``cpf`` subcommands."""
    serve = commands.add_parser("serve", help="serve the HTTP API (FastAPI; needs the `api` extra)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=port_number, default=8000, help="port, 1-65535 (default: 8000)")
    serve.add_argument("--rules", type=Path, help="rules directory (default: the bundled rules/)")
    serve.add_argument("--legal-refs", type=Path, help="legal_refs directory (default: beside the rules)")
    serve.add_argument("--max-body-bytes", type=int, help="largest request body (default: 1048576)")
    serve.add_argument("--max-holders", type=int, help="holders per batch (default: 100)")
    serve.add_argument("--max-questions", type=int, help="questions per request (default: 50)")
    serve.add_argument("--max-steps", type=int, help="evaluation steps per holder (default: 200000)")
    serve.add_argument("--log-level", default="info", choices=("critical", "error", "warning", "info", "debug"))


def run(args: argparse.Namespace) -> int:
    """Check the rules, then serve until interrupted; 1 if the rules do not check."""
    try:
        import uvicorn

        from .app import create_app
        from .limits import Limits
    except ModuleNotFoundError as error:
        sys.stderr.write(
            f"cpf serve needs the `api` extra ({error.name} is not installed): pip install 'cpf-rules[api]'\n"
        )
        return 1
    from ..loader import load_rules

    chosen = {
        name: getattr(args, name)
        for name in ("max_body_bytes", "max_holders", "max_questions", "max_steps")
        if getattr(args, name) is not None
    }
    try:
        limits = Limits(**chosen)
    except ValueError as error:
        sys.stderr.write(f"cpf serve: {error}\n")
        return 2
    rules = load_rules(args.rules, args.legal_refs)  # CpfError: the CLI prints the diagnostics, exit 1
    app = create_app(rules, limits=limits)
    sys.stderr.write(
        f"cpf-rules {__version__}: {len(rules.rules)} rules checked ({rules.fingerprint[:19]}…); "
        f"API on http://{args.host}:{args.port}/v1, documentation on http://{args.host}:{args.port}/docs\n"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
