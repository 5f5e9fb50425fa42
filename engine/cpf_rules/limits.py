"""Size limits on rule files, shared by the loader, the parser and the evaluator (imports nothing).

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
