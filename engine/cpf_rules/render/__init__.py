"""Stage 6, trace → renderings: text for terminals, JSON for machines.

Each renderer reads a :class:`~cpf_rules.trace.Result` and nothing upstream of it.
"""

from .json import result_to_json, value_to_json
from .text import render_result, render_trace
from .values import format_value

__all__ = ["format_value", "render_result", "render_trace", "result_to_json", "value_to_json"]
