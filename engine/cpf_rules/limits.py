"""Size limits on rule files and on evaluations, shared by the loader, the parser and the evaluators (imports nothing).

Kept apart from :mod:`cpf_rules.syntax` so that the loader can refuse an oversized file
without importing Lark: on a warm cache (:mod:`cpf_rules.cache`) no rule file is parsed.
"""

from __future__ import annotations

MAX_RULE_FILE_BYTES = 256 * 1024
"""Largest rule file accepted (CPF-E012): a hundred times the largest bundled file; parsing
it takes about a second, so a runaway generated file cannot stall `cpf check`."""

MAX_NESTING_DEPTH = 100
"""Deepest syntax tree accepted (CPF-E013); the bundled rules reach 14. The later stages
walk the tree recursively, so 10,000 nested `-` or `if` get a diagnostic, not a
RecursionError. Parentheses alone add no level and are bounded by the file size. Every
formula is thus at most this many expressions high (the evaluator counts on it)."""

MAX_DEPTH = 600
"""Deepest chain of rule calls (a balance over 40 years needs about 3 per year)."""

MAX_NESTING = 3_000
"""Deepest nesting of formulas along a chain of rule calls: the sum of the formula
heights (:meth:`cpf_rules.model.RuleSet.formula_height`) of the rules being evaluated, each counted
whole however deep its call sits. With :data:`MAX_DEPTH` it bounds the Python frames
an evaluation can use, so that every evaluator (interpreter, compiled, without trace)
stops at the same call with the same CPF-R003 instead of running out of Python's
stack at a point that depends on its own frames. The bundled rules reach 575
(balance(2060) of the examples: 140 calls deep, formulas at most 16 high)."""

NESTING_WATCH = MAX_NESTING // MAX_NESTING_DEPTH - 1
"""Rule calls deep enough to sum the formula heights: below it, the calls (this one
included) are at most ``MAX_NESTING // MAX_NESTING_DEPTH`` formulas of at most
MAX_NESTING_DEPTH expressions each (CPF-E013), so they cannot pass MAX_NESTING; the
common case thus costs one comparison per call."""

RECURSION_LIMIT = 20 * MAX_DEPTH + 4 * MAX_NESTING
"""Python's recursion limit during an evaluation: the interpreter uses at most 20
frames per rule call and 4 per formula level (tests/test_limits.py measures the
worst shapes at both limits)."""

MAX_STEPS = 2_000_000
"""Expressions evaluated for one question before the evaluation is stopped."""


# ---- facts documents and number literals -------------------------------------------

MAX_INTEGER_DIGITS = 12
MAX_DECIMALS = 12
"""The bounds of a number: at most 12 digits before the decimal point and 12 after it,
in a facts document (CPF-F108) as in a rule file's literal (CPF-E206). Euros and hours
of the law fit with room to spare; 1e999999999 would take minutes to convert exactly."""

MAX_FACTS_BYTES = 2_000_000
"""Largest facts document read (CPF-F109): one holder's facts take a few kilobytes; a
ledger of 10,000 operations about 700 KB."""

MAX_LIST_ITEMS = 10_000
"""Longest list in a facts document (CPF-F110): years, ledger or any other list."""
