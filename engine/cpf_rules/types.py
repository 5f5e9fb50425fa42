"""Types and units of the rule language (base layer: imports nothing of ours but ast).

A number carries a unit made of dimensions (EUR, h, d) with integer powers, so that
``money + hours`` is a static error while ``hours * EUR/h`` is money. The checker infers
a :class:`Type` for every expression; the facts schema and the renderers read it too.

>>> MONEY.display(), HOURS.display(), (MONEY / HOURS).display()
('money', 'hours', 'EUR/h')
>>> (HOURS * (MONEY / HOURS)) == MONEY
True
"""

from __future__ import annotations

from dataclasses import replace

from .readonly import readonly

_UNIT_DIMENSIONS = {"EUR": "EUR", "h": "h", "days": "d"}
_TYPE_UNITS = {"money": "EUR", "hours": "h", "days": "d"}
_DIMENSION_WORDS: dict[tuple[tuple[str, int], ...], str] = {
    (("EUR", 1),): "money",
    (("h", 1),): "hours",
    (("d", 1),): "days",
}


@readonly()
class Unit:
    """Dimensions with powers, sorted: ``(("EUR", 1), ("h", -1))`` is EUR/h."""

    dims: tuple[tuple[str, int], ...] = ()

    @staticmethod
    def of(**powers: int) -> Unit:
        return Unit(tuple(sorted((k, v) for k, v in powers.items() if v)))

    def __mul__(self, other: Unit) -> Unit:
        powers = dict(self.dims)
        for dim, power in other.dims:
            powers[dim] = powers.get(dim, 0) + power
        return Unit(tuple(sorted((k, v) for k, v in powers.items() if v)))

    def __truediv__(self, other: Unit) -> Unit:
        return self * Unit(tuple((k, -v) for k, v in other.dims))

    @property
    def dimensionless(self) -> bool:
        return not self.dims

    def symbol(self) -> str:
        """Unit symbol as written in rule files: ``EUR``, ``h``, ``EUR/h``, ``days``."""
        names = {"EUR": "EUR", "h": "h", "d": "days"}
        up = [names[d] + (f"^{p}" if p > 1 else "") for d, p in self.dims if p > 0]
        down = [names[d] + (f"^{-p}" if p < -1 else "") for d, p in self.dims if p < 0]
        text = "*".join(up) or "1"
        return text + ("/" + "/".join(down) if down else "")


@readonly()
class Type:
    """An expression's type.

    ``kind`` is one of number, boolean, date, year, text, enum, record, list. Numbers have
    a unit and may be integers; enum/record/list name their declaration. ``optional``
    marks a value that may be absent from the facts: it must meet ``otherwise`` before it
    is used as a condition, a rule result or a call argument.
    """

    kind: str
    unit: Unit = Unit()
    integer: bool = False
    name: str | None = None
    optional: bool = False

    def __mul__(self, other: Type) -> Type:
        return Type("number", self.unit * other.unit, self.integer and other.integer)

    def __truediv__(self, other: Type) -> Type:
        return Type("number", self.unit / other.unit, False)

    def as_optional(self, optional: bool = True) -> Type:
        return replace(self, optional=optional)

    def required(self) -> Type:
        return replace(self, optional=False)

    def same_shape(self, other: Type) -> bool:
        """Same type ignoring optionality and integer-ness (integers are decimals).

        The ``unknown`` type (of an expression already reported as wrong) agrees with
        everything, so one mistake gives one diagnostic.
        """
        if "unknown" in (self.kind, other.kind):
            return True
        return self.kind == other.kind and self.unit == other.unit and self.name == other.name

    def display(self) -> str:
        base: str
        if self.kind == "number":
            if self.unit.dimensionless:
                base = "integer" if self.integer else "decimal"
            else:
                base = _DIMENSION_WORDS.get(self.unit.dims, self.unit.symbol())
        elif self.kind in ("enum", "record"):
            base = self.name or self.kind
        elif self.kind == "list":
            base = f"list {self.name}"
        else:
            base = self.kind
        return base + (" (optional)" if self.optional else "")


MONEY = Type("number", Unit.of(EUR=1))
HOURS = Type("number", Unit.of(h=1))
DAYS = Type("number", Unit.of(d=1), integer=True)
DECIMAL = Type("number")
INTEGER = Type("number", integer=True)
BOOLEAN = Type("boolean")
DATE = Type("date")
YEAR = Type("year")
TEXT = Type("text")
UNKNOWN = Type("unknown")

BUILTIN_TYPES: dict[str, Type] = {
    "money": MONEY,
    "hours": HOURS,
    "days": DAYS,
    "decimal": DECIMAL,
    "integer": INTEGER,
    "boolean": BOOLEAN,
    "date": DATE,
    "year": YEAR,
    "text": TEXT,
}

PERIOD_TYPES = ("year", "date")


def unit_of_literal(symbol: str | None) -> Unit:
    """Unit of a literal's suffix: ``EUR``, ``h``, ``EUR/h``, ``days`` or none."""
    if symbol is None:
        return Unit()
    if symbol == "EUR/h":
        return Unit.of(EUR=1, h=-1)
    return Unit.of(**{_UNIT_DIMENSIONS[symbol]: 1})


def unit_of_type_name(name: str) -> Unit | None:
    """Unit named by a numeric type name (``money`` → EUR), None if not a unit type."""
    dim = _TYPE_UNITS.get(name)
    return Unit.of(**{dim: 1}) if dim else None
