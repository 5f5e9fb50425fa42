"""Size limits on rule files, shared by the loader and the parser (imports nothing).

Kept apart from :mod:`cpf_rules.syntax` so that the loader can refuse an oversized file
without importing Lark: on a warm cache (:mod:`cpf_rules.cache`) no rule file is parsed.
"""

from __future__ import annotations

MAX_RULE_FILE_BYTES = 256 * 1024
"""Largest rule file accepted (CPF-E012): a hundred times the largest bundled file; parsing
it takes about a second, so a runaway generated file cannot stall `cpf check`."""
