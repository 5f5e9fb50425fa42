"""Golden-file comparison shared by the tests: `pytest --update-golden` rewrites them."""

from __future__ import annotations

from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"


def compare_golden(request: pytest.FixtureRequest, expected_file: Path, actual: str) -> None:
    """Assert ``actual`` equals the file's text, or rewrite it under --update-golden."""
    if request.config.getoption("--update-golden"):
        expected_file.write_text(actual, encoding="utf-8")
        return
    if not expected_file.exists():
        pytest.fail(f"{expected_file} is missing: run pytest --update-golden and review the diff")
    assert actual == expected_file.read_text(encoding="utf-8")
