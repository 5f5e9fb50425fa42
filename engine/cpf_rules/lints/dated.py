"""Lints on dated values: gaps and restatements in a parameter's history.

A parameter's values follow each other (a value ends where the next starts), so two
values cannot overlap except on the same date (CPF-E402, an error). What remains:

- CPF-L201: a gap — the parameter has no value from a ``none`` until a later value;
  a rule reading it in between fails (CPF-R001) unless it uses ``otherwise``;
- CPF-L202: a value restating the previous one with the same citations: it overlaps
  the previous value without saying anything new (a new text setting the same figure
  cites that text, and is then fine).
"""

from __future__ import annotations

import datetime
import itertools

from ..diagnostics import DiagnosticBag
from ..resolve import Symbols
from .walk import shape


def lint_dated_values(symbols: Symbols, bag: DiagnosticBag) -> None:
    for parameter in symbols.parameters.values():
        values = parameter.values
        for earlier, later in itertools.pairwise(values):
            if later.start <= earlier.start:
                continue  # CPF-E401/E402
            if earlier.value is None and later.value is not None:
                last = later.start - datetime.timedelta(days=1)
                bag.warning(
                    "CPF-L201",
                    f"parameter `{parameter.name}` has no value from {earlier.start} to {last}, "
                    f"then a value again from {later.start}",
                    earlier.span,
                    hint="if the regime really stopped, read the parameter with `otherwise` in the rules "
                    "that may meet those dates; else give the value in force in between",
                )
            if (
                earlier.value is not None
                and later.value is not None
                and shape(earlier.value) == shape(later.value)
                and shape(earlier.citations) == shape(later.citations)
            ):
                bag.warning(
                    "CPF-L202",
                    f"the value of `{parameter.name}` from {later.start} repeats the value from "
                    f"{earlier.start} with the same citations",
                    later.span,
                    hint="delete it, or cite the text that set the value again on that date",
                )
