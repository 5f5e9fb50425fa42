"""Stage 5, citations: the version of each cited article in force on a date.

Every rule, exception and dated parameter value carries its citations (``cite CT:…``);
the evaluators record, in each step of the trace, the article version of legal_refs/
in force on the date the step is read (1 January of a rule's year), or why there is
none: not yet in force, ended, or a gap between two versions (then reported as a
warning, CPF-W603, because legal_refs/ lacks the wording that applied).
"""

from __future__ import annotations

import datetime
from typing import Any

from . import ast
from .diagnostics import Span
from .legal_refs import LegalRegistry
from .trace import CitedVersion


def cite(
    registry: LegalRegistry,
    citations: tuple[ast.Citation, ...],
    on: datetime.date,
    version_gaps: dict[tuple[str, datetime.date], Span],
) -> tuple[CitedVersion, ...]:
    """The versions of ``citations`` on ``on``; each gap is added to ``version_gaps``."""
    cited = []
    for citation in citations:
        article = registry.get(citation.ref)
        version = article.version_on(on) if article else None
        status = "in_force"
        if version is None and article is not None:
            status = _status_outside(article.versions, on)
            if status == "gap":
                # A hole between two versions: legal_refs/ lacks the wording that applied.
                # Before the first version or after a repeal, a rule that spans several
                # regimes simply cites another text for that date.
                version_gaps.setdefault((citation.ref, on), citation.span)
        cited.append(
            CitedVersion(
                citation.ref,
                citation.locator,
                article.title if article else None,
                article.source if article else None,
                on,
                version,
                status,
            )
        )
    return tuple(cited)


def _status_outside(versions: tuple[Any, ...], on: datetime.date) -> str:
    """Why no version of an article covers ``on``: not_yet, ended or gap."""
    if on < versions[0].in_force_from:
        return "not_yet"
    last_end = versions[-1].in_force_to
    if last_end is not None and on > last_end:
        return "ended"
    return "gap"
