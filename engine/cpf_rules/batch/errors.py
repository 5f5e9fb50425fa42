"""The one exception of the batch kernel: a question it does not vectorise.

Raised by the evaluator (:mod:`~cpf_rules.batch.kernel`) and by the modules it reads
columns and applies operators with (``columns``, ``operators``, ``aggregates``) when
a question uses something that differs between holders where the kernel needs it
uniform, or a construct it has no vector form for. The runner
(:mod:`~cpf_rules.batch.run`) then answers the whole question on the scalar engine
and reports ``reason``. Re-exported by :mod:`~cpf_rules.batch.kernel`.
"""

from __future__ import annotations

from typing import Any


class Unvectorisable(Exception):
    """The question uses something the kernel does not vectorise; ``reason`` says what, and where."""

    def __init__(self, reason: str, span: Any = None) -> None:
        self.reason = f"{reason} ({span})" if span is not None else reason
        super().__init__(self.reason)
