"""Indented JSON text in time linear in its size, for the renderers' ``dumps``.

Writes exactly what ``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)``
writes, byte for byte, for the documents the renderers build: dicts with text keys,
lists and tuples, text, integers, floats, booleans and ``None``.

Why not ``json.dumps`` itself: with an indent, the standard library encodes in pure
Python through one generator per open container, each chunk passing up through every
enclosing generator (``yield from``). A trace N rule calls deep nests about 2N
containers, so each of its O(N) lines costs O(N) generator resumptions: 3 s for a trace
590 calls deep (``bench/render_depth.py``). Here one loop walks the document with an
explicit stack; each value costs a bounded number of list appends, and the indentation
strings are built once per level, so the work is linear in the number of values plus
one copy of the output by ``str.join``. No recursion either: nesting is bounded by
memory only, not by Python's recursion limit.

Anything else (a non-text key, an unsupported type, a cycle) is handed to
``json.dumps``, which then writes the same text or raises its own error.

Why not a C encoder such as orjson: it stops at 255 levels of nesting ("Recursion
limit reached"), and a trace within MAX_DEPTH (600 rule calls) nests about 1,200.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any, Final

_INDENT: Final = "  "


class _Unsupported(Exception):
    """A value this writer leaves to ``json.dumps`` (it raises or writes the same)."""


def _float(value: float) -> str:
    """A float as ``json`` writes it (``allow_nan``: NaN and infinities as JavaScript names)."""
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == -float("inf"):
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str:
    """A value that opens no container, as ``json`` writes it."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    raise _Unsupported


class _Frame:
    """An open container: its items after the first, its closing bracket, its identity."""

    __slots__ = ("closer", "is_dict", "items", "marker")

    def __init__(self, items: Iterator[Any], is_dict: bool, marker: int) -> None:
        self.items = items
        self.is_dict = is_dict
        self.closer = "}" if is_dict else "]"
        self.marker = marker


def _write(data: Any, out: list[str]) -> None:
    """Append the pieces of ``data``'s indented text to ``out`` (without the final newline)."""
    append = out.append
    newline = ["\n"]  # newline[k]: a line break then the indentation of level k
    comma = [",\n"]  # comma[k]: the separator before an item at level k after the first
    stack: list[_Frame] = []
    open_ids: set[int] = set()  # containers being written: a cycle is left to json.dumps
    end = object()
    value = data
    while True:
        # Write ``value``: a scalar whole, a container up to its first item.
        if isinstance(value, (dict, list, tuple)) and value:
            marker = id(value)
            if marker in open_ids:
                raise _Unsupported
            open_ids.add(marker)
            level = len(stack) + 1
            if level == len(newline):
                newline.append(newline[-1] + _INDENT)
                comma.append(comma[-1] + _INDENT)
            if isinstance(value, dict):
                for key in value:
                    if not isinstance(key, str):
                        raise _Unsupported
                # Distinct text keys: sorting the items never compares two values.
                iterator: Iterator[Any] = iter(sorted(value.items()))
                key, value = next(iterator)
                append("{")
                append(newline[level])
                append(encode_basestring(key))
                append(": ")
                stack.append(_Frame(iterator, True, marker))
            else:
                iterator = iter(value)
                value = next(iterator)
                append("[")
                append(newline[level])
                stack.append(_Frame(iterator, False, marker))
            continue
        if isinstance(value, dict):
            append("{}")
        elif isinstance(value, (list, tuple)):
            append("[]")
        else:
            append(_scalar(value))
        # Move on to the next item, closing the containers that are done.
        while stack:
            frame = stack[-1]
            item: Any = next(frame.items, end)
            if item is end:
                stack.pop()
                open_ids.discard(frame.marker)
                append(newline[len(stack)])
                append(frame.closer)
                continue
            append(comma[len(stack)])
            if frame.is_dict:
                append(encode_basestring(item[0]))
                append(": ")
                value = item[1]
            else:
                value = item
            break
        else:
            return


def dumps_indented(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)``, in linear time."""
    out: list[str] = []
    try:
        _write(data, out)
    except _Unsupported:
        pass  # json.dumps below, outside the handler: its errors are not chained to ours
    else:
        return "".join(out)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
