"""The published JSON Schema of the JSON results (``trace.schema.json``, shipped in the package).

``cpf evaluate --format json`` and ``cpf explain --format json`` write documents that
validate against it; tests check every golden rendering with :func:`validate_trace_json`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("trace.schema.json")


@functools.cache
def trace_schema() -> dict[str, Any]:
    """The schema as a dict (read once)."""
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return data


def validate_trace_json(document: Any) -> None:
    """Raise :class:`jsonschema.ValidationError` if ``document`` does not match the schema."""
    import jsonschema  # about 100 ms of import: only when a document is validated

    jsonschema.Draft202012Validator(trace_schema()).validate(document)
