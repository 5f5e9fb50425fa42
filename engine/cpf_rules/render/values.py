"""Formatting of typed values, shared by the renderers (French conventions)."""

from __future__ import annotations

import datetime
from fractions import Fraction
from typing import Any

from ..types import Type
from ..values import format_hours, format_money, french_number, is_terminating, plain_number


def is_missing(value: Any) -> bool:
    return type(value).__name__ == "_Missing"


def format_value(value: Any, type_: Type | None) -> str:
    """Human form: ``1 440,00 €``, ``96 h``, ``oui``, ``01/01/2019``, ``absent``."""
    if is_missing(value) or value is None:
        return "absent"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Fraction):
        kind = type_.display() if type_ is not None else "decimal"
        kind = kind.replace(" (optional)", "")
        if kind == "money":
            return format_money(value)
        if kind == "hours":
            return format_hours(value)
        if kind == "days":
            return french_number(value) + " jours"
        if kind == "EUR/h":
            return french_number(value) + " €/h"
        return french_number(value)
    return str(value)


def machine_value(value: Any, type_: Type | None) -> dict[str, Any]:
    """JSON form of a value: ``{"value": "217.80", "type": "money", "unit": "EUR"}``."""
    kind = type_.required().display() if type_ is not None else None
    data: dict[str, Any] = {"type": kind}
    if is_missing(value) or value is None:
        data["value"] = None
        return data
    if isinstance(value, bool):
        data["value"] = value
    elif isinstance(value, datetime.date):
        data["value"] = value.isoformat()
    elif isinstance(value, Fraction):
        exact = is_terminating(value)
        data["value"] = plain_number(value, 2 if kind == "money" and exact else None)
        if type_ is not None and not type_.unit.dimensionless:
            data["unit"] = type_.unit.symbol()
        if not exact:
            data["exact"] = f"{value.numerator}/{value.denominator}"
    else:
        data["value"] = value
    return data
