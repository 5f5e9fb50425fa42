"""What the app keeps for its lifetime: the checked rules, their catalogue, the limits.

A surface helper. The rule set is loaded and checked once, when the app is created
(:func:`cpf_rules.http.app.create_app`); requests only read it. The HTML report is
offered when :mod:`cpf_rules.render.html` can be imported; it shows both arms of each
``if`` when :mod:`cpf_rules.explain.branches` is there too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.requests import Request

from ..model import RuleSet
from .describe import Catalogue
from .limits import Limits


@dataclass
class ServiceState:
    rules: RuleSet
    limits: Limits
    catalogue: Catalogue = field(init=False)

    def __post_init__(self) -> None:
        self.catalogue = Catalogue(self.rules)

    @functools.cached_property
    def schemas(self) -> dict[str, dict[str, Any]]:
        """The request schemas the server validates with (facts checked separately)."""
        from . import bodies

        anything: dict[str, Any] = {}
        return {
            "evaluate": bodies.evaluate_schema(self.limits, anything),
            "explain": bodies.explain_schema(self.limits, anything),
            "batch": bodies.batch_schema(self.limits, anything),
        }

    @functools.cached_property
    def if_arms(self) -> Any:
        """For the HTML report: the text of both arms of every ``if`` (None if unavailable)."""
        try:
            from ..explain.branches import if_arms
        except Exception:  # absent or broken: the report shows the arm taken only
            return None
        return if_arms(self.rules)


def state_of(request: Request) -> ServiceState:
    return cast(ServiceState, request.app.state.cpf)


def html_renderer() -> Callable[..., str] | None:
    """``render_html`` of the HTML report module, or None where it is not available."""
    try:
        from ..render import html
    except Exception:  # absent or broken: the API says html is not available
        return None
    renderer = getattr(html, "render_html", None)
    return cast(Callable[..., str], renderer) if callable(renderer) else None
