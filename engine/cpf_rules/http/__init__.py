"""The HTTP API of cpf-rules: a FastAPI app over one checked rule set (``cpf serve``).

A surface, beside the CLI: it calls the public API (:mod:`cpf_rules.api`) and the
renderers. ``create_app()`` builds the app (rules loaded and checked once, at start);
``cpf serve`` (:mod:`cpf_rules.http.cli`) runs it under uvicorn. Requires the ``api``
extra (``pip install 'cpf-rules[api]'``: fastapi, uvicorn, httpx); importing this package
does not, so that ``cpf`` works without it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Limits", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "Limits":
        from .limits import Limits

        return Limits
    raise AttributeError(name)
