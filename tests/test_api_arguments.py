"""Arguments the Python API and the facts reader cannot use: a precise error, never a crash.

Found by an adversarial review (2026-11-25): ``as_of`` given as a ``datetime`` (a
``date`` subclass) failed deep in the evaluator with "can't compare datetime.datetime
to datetime.date"; ``max_steps=1.5`` gave CPF-R007 on the interpreter and a TypeError
on the compiled evaluator; ``questions=None`` or ``[2019]`` raised from inside the
question parser; ``cpf evaluate /dev/zero`` read for ever; a facts path holding a NUL
raised ValueError; a 2 MB text read as the whole document was echoed back in full.
"""

from __future__ import annotations

import datetime
import os
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cpf_rules import evaluate, load_rules
from cpf_rules.diagnostics import CpfError
from cpf_rules.limits import MAX_FACTS_BYTES

ROOT = Path(__file__).resolve().parent.parent
FACTS = {"years": [{"year": 2019, "worked_hours": 1607}]}


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"as_of": datetime.datetime(2024, 1, 1, 12, 0)}, "as_of must be a datetime.date"),
        ({"as_of": "2024-01-01"}, "as_of must be a datetime.date"),
        ({"max_steps": 1.5}, "max_steps must be a whole number"),
        ({"max_steps": "10"}, "max_steps must be a whole number"),
        ({"questions": None}, "questions must be a list of texts"),
        ({"questions": "credit(2019)"}, "questions must be a list of texts"),
        ({"questions": [2019]}, "each question must be a text"),
        ({"questions": [None]}, "each question must be a text"),
    ],
)
@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "interpreter"])
def test_arguments_of_the_wrong_type_are_named_in_a_type_error(
    arguments: dict[str, Any], named: str, compiled: bool
) -> None:
    """The same TypeError on both evaluators, before any work is done."""
    call: dict[str, Any] = {"questions": ["credit(2019)"], **arguments}
    with pytest.raises(TypeError, match=named):
        evaluate(load_rules(), FACTS, compiled=compiled, **call)


def test_well_typed_arguments_still_answer_the_credit_of_l6323_11() -> None:
    """A full year worked in 2019 (1,607 h): 500 € (L6323-11 al. 1, R6323-1 I)."""
    result = evaluate(load_rules(), FACTS, ["credit(2019)"], as_of=datetime.date(2024, 1, 1), max_steps=100_000)
    assert result.value("credit(2019)") == Decimal("500.00")


def test_a_device_is_refused_instead_of_read_for_ever() -> None:
    with pytest.raises(CpfError) as raised:
        evaluate(load_rules(), "/dev/zero", ["credit(2019)"])
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "CPF-F003" and "device" in diagnostic.message


def test_a_path_holding_a_nul_is_a_cpf_f003() -> None:
    with pytest.raises(CpfError) as raised:
        evaluate(load_rules(), "/tmp/a\x00b.yaml", ["credit(2019)"])
    assert [d.code for d in raised.value.diagnostics] == ["CPF-F003"]


def _through_a_pipe(tmp_path: Path, data: bytes) -> Path:
    """A named pipe that a thread fills with ``data`` (as ``<(cat facts.yaml)`` would)."""
    pipe = tmp_path / "facts.yaml"
    os.mkfifo(pipe)

    def write() -> None:
        with pipe.open("wb") as stream:
            try:
                stream.write(data)
            except BrokenPipeError:  # the reader stopped at the size limit
                pass

    threading.Thread(target=write, daemon=True).start()
    return pipe


def test_facts_read_from_a_pipe_are_answered(tmp_path: Path) -> None:
    """A pipe has no size to check first: it is read up to the limit (CPF-F109)."""
    text = (ROOT / "examples" / "employee_full_time.yaml").read_bytes()
    result = evaluate(load_rules(), _through_a_pipe(tmp_path, text), ["balance(2024)"])
    assert result.value("balance(2024)") == Decimal("4440.00")  # as from the file (tests/test_personas.py)


def test_a_pipe_longer_than_the_limit_is_cut_at_the_limit_and_refused(tmp_path: Path) -> None:
    pipe = _through_a_pipe(tmp_path, b"a" * (MAX_FACTS_BYTES + 1000))
    with pytest.raises(CpfError) as raised:
        evaluate(load_rules(), pipe, ["credit(2019)"])
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "CPF-F109" and diagnostic.found == f"more than {MAX_FACTS_BYTES:,} bytes"


def test_a_long_text_read_as_the_document_is_not_echoed_back_whole(tmp_path: Path) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("a" * 5000, encoding="utf-8")  # one YAML word: the document is a text
    with pytest.raises(CpfError) as raised:
        evaluate(load_rules(), facts, ["credit(2019)"])
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "CPF-F101"
    assert diagnostic.found is not None and len(diagnostic.found) < 120 and "characters)" in diagnostic.found
