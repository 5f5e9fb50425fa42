"""Questions: parse ``balance(2024)``, ``credit(2019)``, ``converted_amount``.

A question names a rule (or a parameter) and, when it has one, its period: a year for
``(y : year)`` rules, a date for ``(d : date)`` rules and for parameters.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from .diagnostics import CpfError, Diagnostic, Severity, did_you_mean, suggest
from .model import RuleSet
from .readonly import readonly

_QUESTION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([^()]*?)\s*\))?\s*$")


@readonly()
class Question:
    text: str
    name: str
    period: Any  # int year, datetime.date, or None


def _problem(text: str, message: str, hint: str | None = None, suggestions: tuple[str, ...] = ()) -> CpfError:
    return CpfError(
        [Diagnostic("CPF-Q001", Severity.ERROR, message, path=f"question {text!r}", hint=hint, suggestions=suggestions)]
    )


_LIST_HINT = "`cpf docs -o site/` writes the list of the rules and parameters that can be asked (site/index.html)"


def parse_question(text: str, model: RuleSet) -> Question:
    """Parse and check one question against the rule set; raise CpfError if it is wrong."""
    match = _QUESTION.match(text)
    if match is None:
        raise _problem(text, f"cannot read the question {text!r}", "write NAME or NAME(2024) or NAME(2024-12-31)")
    name, argument = match.group(1), match.group(2)
    symbols = model.symbols
    if name in symbols.rules:
        formals = symbols.rules[name].formals
        kind = symbols.type_of(formals[0].type).kind if formals else None
    elif name in symbols.parameters:
        kind = "date"
    else:
        suggestions = suggest(name, [*symbols.rules, *symbols.parameters])
        raise _problem(
            text,
            f"no rule or parameter is named `{name}`",
            did_you_mean(suggestions) or _LIST_HINT,
            suggestions,
        )
    canonical = name if kind is None else f"{name}({argument})"
    if kind is None:
        if argument is not None:
            raise _problem(text, f"rule `{name}` has no period", f"ask `{name}` without parentheses")
        return Question(canonical, name, None)
    if not argument:
        example = "2024" if kind == "year" else "2024-12-31"
        raise _problem(text, f"`{name}` needs its period", f"ask `{name}({example})`")
    if kind == "year":
        if not re.fullmatch(r"[0-9]{4}", argument):
            raise _problem(text, f"`{name}` takes a year, not {argument!r}", f"ask `{name}(2024)`")
        return Question(canonical, name, int(argument))
    try:
        return Question(canonical, name, datetime.date.fromisoformat(argument))
    except ValueError:
        raise _problem(text, f"`{name}` takes a date, not {argument!r}", f"ask `{name}(2024-12-31)`") from None
