"""Write facts documents as JSONL with exact decimal numbers (no binary float on the way)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

_MARK = re.compile(r'"\\u0000([-0-9.E+]+)\\u0000"')


def _marked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v) for v in value]
    if isinstance(value, Decimal):
        return f"\0{value}\0"
    return value


def dumps_exact(document: Any) -> str:
    """JSON text where Decimals are written as JSON numbers with all their digits."""
    return _MARK.sub(r"\1", json.dumps(_marked(document), sort_keys=True))


def write_jsonl(path: Path, documents: list[Any]) -> None:
    path.write_text("".join(dumps_exact(d) + "\n" for d in documents), encoding="utf-8")
