"""pytest hooks: collect the analysts' ``*.cases.yaml`` files under rules/ as tests,
and the ``--update-golden`` switch for golden files under tests/golden/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpf_rules.cases import CASES_SUFFIX, Case, load_cases, run_case
from cpf_rules.loader import load_rules


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ expected files")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name.endswith(CASES_SUFFIX):
        return CasesFile.from_parent(parent, path=file_path)
    return None


class CasesFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        for case in load_cases(self.path):
            yield CaseItem.from_parent(self, name=case.name, case=case)


class CaseFailure(Exception):
    pass


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        outcome = run_case(load_rules(), self.case)
        if not outcome.passed:
            raise CaseFailure("\n".join(outcome.failures))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return f"case {self.case.name!r} ({self.case.article}) failed:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.case.name} [{self.case.article}]"
