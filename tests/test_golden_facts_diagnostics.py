"""Golden tests: each bad facts document under tests/golden/facts/ gives its precise errors.

Each error names the JSON path, what was expected and what was found; the rendering
must equal ``NAME.expected``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cpf_rules.diagnostics import CpfError, render_all_text
from cpf_rules.loader import load_rules
from golden import GOLDEN, compare_golden

BAD_FACTS = sorted(p for p in (GOLDEN / "facts").iterdir() if p.suffix in (".yaml", ".json"))


def test_there_are_at_least_ten_bad_facts_documents() -> None:
    assert len(BAD_FACTS) >= 10


@pytest.mark.parametrize("facts_file", BAD_FACTS, ids=[p.name for p in BAD_FACTS])
def test_bad_facts_diagnostics(facts_file: Path, request: pytest.FixtureRequest) -> None:
    reader = load_rules().facts_reader
    with pytest.raises(CpfError) as caught:
        reader.read_text(facts_file.read_text(encoding="utf-8"), f"tests/golden/facts/{facts_file.name}")
    diagnostics = caught.value.diagnostics
    assert all(d.code.startswith("CPF-F") for d in diagnostics)
    assert all(d.path is not None or d.span is not None for d in diagnostics)
    text = render_all_text(diagnostics, caught.value.sources) + "\n"
    compare_golden(request, facts_file.with_suffix(".expected"), text)
