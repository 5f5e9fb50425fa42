"""Atomic file output: a result file is either the old one or the complete new one.

Base layer, used by every surface that writes files (reports, goldens, formatted rule
files, batch outputs). The text is written to a temporary file in the same directory,
flushed and synced, then moved over the target with :func:`os.replace` (atomic on POSIX
and Windows within one file system). An interrupted run (an exception, Ctrl-C, a
killed process) leaves the previous file untouched and no half-written result; the
temporary file is removed on error. A target that is not a file but a stream (a device
such as ``/dev/null``, a FIFO, ``/dev/stdout`` leading to a pipe or a terminal) is
written directly: replacing it by a regular file would destroy it (``/dev/null`` as root).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "report.html"
>>> write_text_atomic(target, "<p>ok</p>")
>>> target.read_text(encoding="utf-8")
'<p>ok</p>'
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_writer", "is_stream", "write_bytes_atomic", "write_text_atomic"]


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on a clean exit, move it over ``path``.

    ``mode`` is ``"w"`` (text) or ``"wb"`` (bytes). The new file keeps the permissions
    of the file it replaces (or gets the usual 0o666 minus umask). A symbolic link is
    followed: the file it points to is replaced and the link stays a link. A device, a
    FIFO or a socket is opened and written as it is (see the module's docstring).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_writer writes whole files: mode 'w' or 'wb', not {mode!r}")
    if is_stream(path):
        with open(path, mode, encoding=None if "b" in mode else encoding) as stream:
            yield stream
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, mode, encoding=None if "b" in mode else encoding, newline=None) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _permissions(target))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def is_stream(path: str | os.PathLike[str]) -> bool:
    """``path`` names a device, a FIFO or a socket (``/dev/null``; ``/dev/stdout``, whose
    link leads to a pipe or a terminal that has no path of its own)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _permissions(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_writer(path, "w", encoding) as handle:
        handle.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, "wb", None) as handle:
        handle.write(data)
