"""``import cpf_rules`` is lazy (issue 8): the public names load their modules on first use.

A ``cpf`` command imports only what it runs, so the package itself must not import the
engine. These tests pin what that must not change: every public name is the object it
always was (``cpf_rules.evaluate`` is the API function, even once the interpreter
module of the same name is loaded), and the ``cpf`` process switches the cyclic garbage
collector off for a core command only when it owns the process.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cpf_rules
from cpf_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
PERSONA = str(ROOT / "examples" / "employee_full_time.yaml")


def _probe(code: str, *arguments: str, cache: Path | None = None) -> dict[str, object]:
    env = {**os.environ}
    if cache is not None:
        env["CPF_CACHE_DIR"] = str(cache)
        env.pop("CPF_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", code, *arguments], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_importing_the_package_loads_no_part_of_the_engine() -> None:
    report = _probe("import json, sys, cpf_rules; print(json.dumps(sorted(sys.modules)))\n")
    loaded = {name for name in report if name.startswith("cpf_rules.")}  # type: ignore[union-attr]
    assert loaded == {"cpf_rules.version"}


def test_every_public_name_is_the_object_of_its_module() -> None:
    for name, home in cpf_rules._HOMES.items():
        assert getattr(cpf_rules, name) is getattr(importlib.import_module(f"cpf_rules.{home}"), name)
    assert sorted(cpf_rules.__all__) == sorted([*cpf_rules._HOMES, "__version__"])
    assert set(cpf_rules.__all__) <= set(dir(cpf_rules))
    with pytest.raises(AttributeError):
        cpf_rules.no_such_name  # noqa: B018


def test_evaluate_stays_the_api_function_once_the_interpreter_module_is_loaded() -> None:
    code = """
import importlib, json, types
from cpf_rules.api import evaluate as api_evaluate
import cpf_rules.evaluate  # the interpreter module, imported by name
import cpf_rules
from cpf_rules import evaluate
module = importlib.import_module("cpf_rules.evaluate")
print(json.dumps([cpf_rules.evaluate is api_evaluate, evaluate is api_evaluate, isinstance(module, types.ModuleType)]))
"""
    assert _probe(code) == [True, True, True]  # type: ignore[comparison-overlap]


def test_the_api_function_can_be_replaced_and_imports_raise_no_warning() -> None:
    # A user's test patches cpf_rules.evaluate (monkeypatch, unittest.mock) once the engine
    # (and so the submodule cpf_rules.types) is loaded; importlib reports a failed binding
    # as an ImportWarning, which -W error turns into an error.
    code = """
import json, warnings
warnings.simplefilter("error")
import cpf_rules
cpf_rules.load_rules
from cpf_rules import evaluate
original = cpf_rules.evaluate
cpf_rules.evaluate = print
replaced = cpf_rules.evaluate is print
cpf_rules.evaluate = original
import cpf_rules.evaluate
print(json.dumps([replaced, cpf_rules.evaluate is evaluate]))
"""
    assert _probe(code) == [True, True]  # type: ignore[comparison-overlap]


def test_the_cpf_process_runs_a_core_command_without_the_cyclic_collector(tmp_path: Path) -> None:
    code = """
import gc, json, sys
from cpf_rules.cli import main
sys.argv = ["cpf", *sys.argv[1:]]
status = main()
print(json.dumps({"status": status, "collecting": gc.isenabled()}))
"""
    # R6323-1: the full-time employee's balance, as `cpf evaluate` prints it.
    report = _probe(code, "evaluate", PERSONA, "-q", "balance(2024)", "--no-trace", cache=tmp_path)
    assert report == {"status": 0, "collecting": False}


def test_a_command_run_in_process_leaves_the_collector_as_it_was(capsys: pytest.CaptureFixture[str]) -> None:
    assert gc.isenabled()
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "object"
    assert gc.isenabled()


def test_a_warm_check_does_not_load_the_facts_validator(tmp_path: Path) -> None:
    code = """
import json, sys
from cpf_rules.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""
    _probe(code, "check", cache=tmp_path)
    report = _probe(code, "check", cache=tmp_path)
    assert report["status"] == 0
    modules = set(report["modules"])  # type: ignore[call-overload]
    assert not {"jsonschema_rs", "yaml", "cpf_rules.facts", "cpf_rules.evaluate"} & modules
