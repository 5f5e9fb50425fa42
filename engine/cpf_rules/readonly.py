"""Read-only dataclasses: immutable for the type checker, plain slotted classes at run time.

Base layer (imports nothing of ours). The syntax tree (:mod:`cpf_rules.ast`) and its
spans (:class:`cpf_rules.diagnostics.Span`), the checked types, the legal references,
the diagnostics and the trace's citations are shared by every later stage, cached and
memoised on: no code may change one once built. ``@dataclass(frozen=True)`` says so at
run time by setting each field through ``object.__setattr__`` and by generating two
more methods per class; a ``cpf`` process rebuilds about 10,000 nodes and spans from
its cache, and imports some 40 such classes. :func:`readonly` declares the classes
frozen to mypy (PEP 681 ``dataclass_transform(frozen_default=True)``: assigning a field
is a type error, and mypy runs in CI on the whole engine) and builds them as plain
slotted dataclasses: a warm ``cpf evaluate`` runs 119 million fewer machine
instructions (callgrind, 786 M → 667 M), about 35 ms.

``eq=True`` (the default) compares and hashes by the fields, as a frozen dataclass does
(``unsafe_hash``: safe here, the fields never change); ``eq=False`` leaves both to the
class or its base (the syntax tree's ``_Node``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

_Class = TypeVar("_Class", bound=type)

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    @dataclass_transform(frozen_default=True)
    def readonly(*, eq: bool = True, repr: bool = True) -> Callable[[_Class], _Class]:
        """A dataclass no code may change once built (checked by mypy)."""

else:

    def readonly(*, eq: bool = True, repr: bool = True) -> Callable[[Any], Any]:
        """A dataclass no code may change once built (checked by mypy)."""
        return dataclass(slots=True, eq=eq, repr=repr, unsafe_hash=eq)
