"""Where a value sits in a YAML document: line and column of a key or value, for diagnostics.

Base layer beside :mod:`yaml_io`. :func:`yaml_io.load_yaml_text` gives plain values
(exact decimals, dates as text) without positions; when a reader of a YAML file (the
analysts' cases, a reform file) finds a value it refuses, it asks here where that value
was written, so that the diagnostic says ``file:line:col``. The document is composed
again (nodes only, no construction), which costs nothing next to reporting an error and
keeps the happy path free of position bookkeeping.

>>> locate("cases:\\n  - name: x\\n    as_of: 5\\n", ("cases", 0, "as_of"))
(3, 12)
>>> locate("cases:\\n  - name: x\\n    as_of: 5\\n", ("cases", 0, "as_of"), key=True)
(3, 5)
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .diagnostics import CpfError, Diagnostic, Severity, Span


def _compose(text: str) -> Any:
    import yaml

    try:
        return yaml.compose(text.removeprefix("\ufeff"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def locate(text: str, steps: Sequence[str | int], key: bool = False) -> tuple[int, int] | None:
    """1-based (line, column) of the value at ``steps`` (mapping keys, list indexes), or
    of its key when ``key`` is true; the deepest place found when the path stops early;
    None when the text is not YAML."""
    import yaml

    node = _compose(text)
    if node is None:
        return None
    place = node.start_mark
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        if isinstance(node, yaml.MappingNode):
            pair = next((p for p in node.value if isinstance(p[0], yaml.ScalarNode) and p[0].value == str(step)), None)
            if pair is None:
                break
            if last and key:
                place = pair[0].start_mark
                break
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
        else:
            break
        place = node.start_mark
    return place.line + 1, place.column + 1


def span_at(text: str, file: str, steps: Sequence[str | int], key: bool = False) -> Span:
    """A one-character span at :func:`locate`'s place (line 1, column 1 when unknown)."""
    line, column = locate(text, steps, key) or (1, 1)
    return Span(file, line, column, line, column + 1)


def read_utf8_text(path: Path, code: str, what: str) -> str:
    """The text of an analyst's YAML file (a cases, reform or population file); a
    :class:`CpfError` with ``code`` when it cannot be read or is not UTF-8, located at
    the first byte that is not."""
    shown = str(path)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        message = f"cannot read the {what} file: {error.strerror}"
        raise CpfError([Diagnostic(code, Severity.ERROR, message, Span(shown, 1, 1, 1, 2))]) from None
    except UnicodeDecodeError as error:
        data = path.read_bytes()
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        diagnostic = Diagnostic(
            code,
            Severity.ERROR,
            f"the {what} file is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})",
            Span(shown, line, column, line, column + 1),
            expected="UTF-8 text",
            found=f"the byte 0x{data[error.start]:02x}",
            hint="save the file as UTF-8",
        )
        raise CpfError([diagnostic]) from None


def utf8_error_span(data: bytes, start: int, file: str) -> Span:
    """Where the byte at ``start`` of ``data`` (the first one that is not UTF-8) sits: a
    one-character span, 1-based line and column counted in characters as the engine
    counts them (``\\r\\n`` and a lone ``\\r`` end a line, a leading byte-order mark is
    not a column).

    >>> utf8_error_span(b"\\xc3\\xa9\\r\\nab\\xff", 6, "x.cpf")  # é, CRLF, a, b, then 0xff
    Span(file='x.cpf', line=2, column=3, end_line=2, end_column=4)
    """
    before = data[:start].decode("utf-8", errors="replace").removeprefix("\ufeff")
    before = before.replace("\r\n", "\n").replace("\r", "\n")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Span(file, line, column, line, column + 1)


def not_utf8(data: bytes, error: UnicodeDecodeError, code: str, shown: str) -> Diagnostic:
    """``code`` for a file (``shown``) whose bytes ``data`` are not UTF-8: at the first bad
    byte (:func:`utf8_error_span`), saying which byte and why."""
    bad = data[error.start]
    span = utf8_error_span(data, error.start, shown)
    return Diagnostic(
        code,
        Severity.ERROR,
        f"{shown} is not UTF-8 text (byte 0x{bad:02x} at line {span.line}, column {span.column})",
        span,
        expected="UTF-8 text",
        found=f"the byte 0x{bad:02x} ({error.reason})",
        hint="save the file as UTF-8",
    )


def os_error_reason(error: OSError) -> str:
    """Why a file or folder cannot be read, in words, without its path (the caller names it).

    >>> import errno
    >>> os_error_reason(OSError(errno.ELOOP, "Too many levels of symbolic links"))
    'a loop of symbolic links'
    >>> os_error_reason(IsADirectoryError(errno.EISDIR, "Is a directory"))
    'is a directory'
    """
    if error.errno == errno.ELOOP:
        return "a loop of symbolic links"
    return (error.strerror or str(error)).lower()
