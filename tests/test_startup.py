"""Start-up of a ``cpf`` process (issue 8): what a warm process imports, and the libyaml path.

No timing here (bench/startup.py measures); these tests fail when a change brings back
an import the warm path does not need (Lark, python-jsonschema, the other commands'
modules), or when the libyaml loader of legal_refs/ reads a file differently from the
pure-Python one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpf_rules import yaml_io
from cpf_rules.paths import default_legal_refs_dir

ROOT = Path(__file__).resolve().parent.parent
PERSONA = ROOT / "examples" / "employee_full_time.yaml"
_PROBE = """
import json, sys
from cpf_rules.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _modules_of(arguments: list[str], cache: Path) -> tuple[int, set[str]]:
    env = {**os.environ, "CPF_CACHE_DIR": str(cache)}
    env.pop("CPF_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def test_a_warm_evaluate_imports_neither_lark_nor_jsonschema_nor_other_commands(tmp_path: Path) -> None:
    arguments = ["evaluate", str(PERSONA), "-q", "balance(2024)", "--no-trace"]
    code, cold = _modules_of(arguments, tmp_path)  # fills the cache: parses (shipped tables, no Lark)
    assert code == 0 and "cpf_rules.syntax" in cold and "lark" not in cold
    code, warm = _modules_of(arguments, tmp_path)
    assert code == 0
    unneeded = {
        "lark",
        "jsonschema",
        "cpf_rules.syntax",
        "cpf_rules.lints",
        "cpf_rules.batch.cli",
        "cpf_rules.tools_cli",
    }
    assert not unneeded & warm, sorted(unneeded & warm)
    assert "yaml" in warm  # the persona is a YAML document


def test_a_warm_check_imports_no_yaml_and_no_lark(tmp_path: Path) -> None:
    assert _modules_of(["check"], tmp_path)[0] == 0
    code, warm = _modules_of(["check"], tmp_path)
    assert code == 0
    assert not {"lark", "yaml", "jsonschema", "cpf_rules.lints"} & warm


def test_the_libyaml_loader_reads_every_legal_reference_like_the_pure_python_one() -> None:
    if yaml_io._fast_loader() is None:
        pytest.skip("PyYAML without libyaml")
    files = sorted(default_legal_refs_dir().rglob("*.yaml"))
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yaml_io.load_yaml_text(text, path.name, fast=True)
        assert fast == yaml_io.load_yaml_text(text, path.name), path.name
    # L6323-11: the article of the employee's annual credit, read with its dates as text.
    article = yaml_io.load_yaml_text((default_legal_refs_dir() / "CT" / "L6323-11.yaml").read_text(), "x", fast=True)
    assert article["id"] == "CT:L6323-11" and isinstance(article["versions"][0]["in_force_from"], str)


@pytest.mark.parametrize(
    "text",
    [
        "id: CT:L1\nid: CT:L2\n",  # a key given twice (our constructor)
        "a:\n\t- b\n",  # a tab in the indentation (the scanner)
        "a: [1, 2\n",  # an unclosed list (the parser)
    ],
)
def test_a_document_libyaml_refuses_gets_the_pure_python_diagnostic(text: str) -> None:
    with pytest.raises(yaml_io.YamlError) as fast:
        yaml_io.load_yaml_text(text, "legal_refs/CT/L1.yaml", fast=True)
    with pytest.raises(yaml_io.YamlError) as pure:
        yaml_io.load_yaml_text(text, "legal_refs/CT/L1.yaml")
    assert fast.value.diagnostic == pure.value.diagnostic
    assert fast.value.diagnostic.code == "CPF-F001"


def test_a_legal_reference_breaking_the_schema_is_named_by_python_jsonschema(tmp_path: Path) -> None:
    import shutil

    from cpf_rules.diagnostics import CpfError
    from cpf_rules.legal_refs import load_legal_refs

    refs = tmp_path / "legal_refs"
    (refs / "CT").mkdir(parents=True)
    shutil.copy(default_legal_refs_dir() / "legal_ref.schema.json", refs)
    good = (default_legal_refs_dir() / "CT" / "L6323-11.yaml").read_text(encoding="utf-8")
    (refs / "CT" / "L6323-11.yaml").write_text(good, encoding="utf-8")
    assert [a.id for a in load_legal_refs(refs)] == ["CT:L6323-11"]  # accepted by jsonschema-rs
    bad = good.replace('url: "http://', 'url: "ftp://', 1).replace("title:", "title: 1.5\nx_title:", 1)
    (refs / "CT" / "L6323-11.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(CpfError) as error:
        load_legal_refs(refs)
    messages = sorted(d.message for d in error.value.diagnostics)
    assert [d.code for d in error.value.diagnostics] == ["CPF-E320"] * 3
    assert any("Additional properties are not allowed ('x_title' was unexpected)" in m for m in messages)
    assert any("Decimal('1.5') is not of type 'string'" in m for m in messages)
    assert any("'ftp://" in m and "does not match '^https?://'" in m for m in messages)
