"""cpf-rules: a rules-as-code engine for the French Compte personnel de formation.

Pipeline: rule files (``rules/*.cpf``) → :mod:`syntax` → :mod:`resolve` → :mod:`check`
→ checked :class:`RuleSet`; facts (JSON/YAML) → :mod:`facts`; evaluation
(:mod:`evaluate`) → :class:`Result` with values and traces → :mod:`render`.

Public API::

    from cpf_rules import load_rules, evaluate
    rules = load_rules()
    result = evaluate(rules, "examples/employee_full_time.yaml", ["balance(2024)"])

The names of the API are imported on first use (PEP 562): ``import cpf_rules`` alone,
or a ``cpf`` command that needs only part of the engine, does not load the rest.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType as _ModuleType  # `types` would be the submodule cpf_rules.types
from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .api import check_rules, evaluate, load_rules, read_facts
    from .diagnostics import CpfError, Diagnostic, Severity, Span
    from .facts import Facts
    from .model import RuleSet
    from .trace import Answer, Result, TraceNode

_HOMES = {
    "Answer": "trace",
    "CpfError": "diagnostics",
    "Diagnostic": "diagnostics",
    "Facts": "facts",
    "Result": "trace",
    "RuleSet": "model",
    "Severity": "diagnostics",
    "Span": "diagnostics",
    "TraceNode": "trace",
    "check_rules": "api",
    "evaluate": "api",
    "load_rules": "api",
    "read_facts": "api",
}
"""Each public name and the module it is imported from on first use."""

__all__ = [
    "Answer",
    "CpfError",
    "Diagnostic",
    "Facts",
    "Result",
    "RuleSet",
    "Severity",
    "Span",
    "TraceNode",
    "__version__",
    "check_rules",
    "evaluate",
    "load_rules",
    "read_facts",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


class _Package(_ModuleType):
    """This package, whose attribute ``evaluate`` is the API function, never the submodule.

    Importing the submodule :mod:`cpf_rules.evaluate` (the interpreter) would bind its
    name in the package; that binding is dropped, so ``cpf_rules.evaluate`` stays the
    function (``importlib.import_module("cpf_rules.evaluate")`` gives the module).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "evaluate" and isinstance(value, _ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
