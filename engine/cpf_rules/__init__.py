"""cpf-rules: a rules-as-code engine for the French Compte personnel de formation.

Pipeline: rule files (``rules/*.cpf``) → :mod:`syntax` → :mod:`resolve` → :mod:`check`
→ checked :class:`RuleSet`; facts (JSON/YAML) → :mod:`facts`; evaluation
(:mod:`evaluate`) → :class:`Result` with values and traces → :mod:`render`.

Public API::

    from cpf_rules import load_rules, evaluate
    rules = load_rules()
    result = evaluate(rules, "examples/employee_full_time.yaml", ["balance(2024)"])
"""

from .api import check_rules, evaluate, load_rules, read_facts
from .diagnostics import CpfError, Diagnostic, Severity, Span
from .facts import Facts
from .model import RuleSet
from .trace import Answer, Result, TraceNode
from .version import __version__

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
