"""Stage 5, what stops an evaluation: its errors, and the value of an absent fact.

Shared by every evaluator (the interpreter of :mod:`cpf_rules.evaluate`, the compiled
closures of :mod:`cpf_rules.compiled` and the batch kernel), so that an evaluation
stops with the same located diagnostic (codes CPF-R…) whichever evaluator runs it.
"""

from __future__ import annotations

import datetime

from .diagnostics import Diagnostic, Severity, Span


class _Missing:
    """The value of an optional fact that is absent; ``otherwise`` replaces it."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class EvaluationError(Exception):
    """Evaluation cannot go on; carries a located diagnostic (codes CPF-R…)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.message)


class Undefined(EvaluationError):
    """A parameter has no value on a date; ``otherwise`` in the same rule may catch it."""

    def __init__(self, diagnostic: Diagnostic, depth: int) -> None:
        super().__init__(diagnostic)
        self.depth = depth


def error(code: str, message: str, span: Span | None, hint: str | None = None) -> EvaluationError:
    return EvaluationError(Diagnostic(code, Severity.ERROR, message, span, hint=hint))


def outside_calendar(what: str, span: Span | None) -> EvaluationError:
    """CPF-R008: date or year arithmetic left the calendar (years 1 to 9999)."""
    return error(
        "CPF-R008",
        f"{what} is outside the calendar (years {datetime.MINYEAR} to {datetime.MAXYEAR})",
        span,
        hint="a computation on dates or years runs away: check the days or years added or removed",
    )
