"""``cpf reform``, the report's renderings: a text table, JSON and CSV.

:func:`cpf_rules.reform.compare` builds a :class:`~cpf_rules.reform.ReformReport` (the
values that change, holder by holder, and the totals of each year); this module shows
it: the text table printed by ``cpf reform``, its JSON (``--format json``) and the CSV
of ``--csv`` (one row per holder and value that changes, then the totals). Money is
printed exactly: in euros with a comma in the table, as plain numbers in JSON and CSV.
"""

from __future__ import annotations

import csv
import io
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .render.values import format_value
from .types import MONEY
from .values import plain_number

if TYPE_CHECKING:
    from .reform import ReformReport


def _money(value: Fraction) -> str:
    return format_value(value, MONEY)


def _plain(value: Fraction) -> str:
    return plain_number(value, 2)


def render_report(report: ReformReport) -> str:
    lines = [f"Réforme : {report.reform.name} ({report.reform.file})", ""]
    if report.changes:
        width = max(len(c.holder) for c in report.changes)
        qwidth = max(len(c.question) for c in report.changes)
        lines.append(
            f"{'titulaire'.ljust(width)}  {'valeur'.ljust(qwidth)}  {'droit':>12}  {'réforme':>12}  {'écart':>12}"
        )
        for change in report.changes:
            lines.append(
                f"{change.holder.ljust(width)}  {change.question.ljust(qwidth)}  {_money(change.law):>12}  "
                f"{_money(change.reform):>12}  {_money(change.reform - change.law):>12}"
            )
    else:
        lines.append("aucune valeur ne change")
    lines.append("")
    lines.append(
        f"{'année':<6}  {'titulaires':>10}  {'crédits (droit)':>16}  {'crédits (réforme)':>18}  "
        f"{'au plafond (droit)':>18}  {'au plafond (réforme)':>20}  {'coût de la réforme':>18}"
    )
    for year, t in report.totals.items():
        lines.append(
            f"{year:<6}  {report.holders:>10}  {_money(t.law_credits):>16}  {_money(t.reform_credits):>18}  "
            f"{t.law_at_ceiling:>18}  {t.reform_at_ceiling:>20}  {_money(t.cost_difference):>18}"
        )
    return "\n".join(lines) + "\n"


def report_to_json(report: ReformReport) -> dict[str, Any]:
    return {
        "reform": {"name": report.reform.name, "file": report.reform.file},
        "holders": report.holders,
        "changes": [
            {
                "holder": c.holder,
                "question": c.question,
                "law": _plain(c.law),
                "reform": _plain(c.reform),
                "difference": _plain(c.reform - c.law),
            }
            for c in report.changes
        ],
        "totals": {
            str(year): {
                "law_credits": _plain(t.law_credits),
                "reform_credits": _plain(t.reform_credits),
                "law_at_ceiling": t.law_at_ceiling,
                "reform_at_ceiling": t.reform_at_ceiling,
                "cost_difference": _plain(t.cost_difference),
            }
            for year, t in report.totals.items()
        },
    }


def changes_csv(report: ReformReport) -> str:
    """One row per holder and value that changes, then one row per year of totals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["holder", "question", "law", "reform", "difference"])
    for c in report.changes:
        writer.writerow([c.holder, c.question, _plain(c.law), _plain(c.reform), _plain(c.reform - c.law)])
    for year, t in report.totals.items():
        writer.writerow(
            [
                f"TOTAL {report.holders} holders",
                f"credits({year})",
                _plain(t.law_credits),
                _plain(t.reform_credits),
                _plain(t.cost_difference),
            ]
        )
        writer.writerow(
            [
                f"TOTAL {report.holders} holders",
                f"at_ceiling({year})",
                t.law_at_ceiling,
                t.reform_at_ceiling,
                t.reform_at_ceiling - t.law_at_ceiling,
            ]
        )
    return buffer.getvalue()
