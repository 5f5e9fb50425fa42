"""``cpf reform`` writes only inside its temporary copy of rules/, and reads its files safely.

A reform file's ``replace_rules`` keys name rule files relative to rules/ (README,
"`cpf reform`"). A key that is absolute, goes up with ``..``, is not a ``.cpf`` file or
leads out of rules/ through a symbolic link is refused with CPF-E112 before anything is
written: the file it names keeps its content. A population or reform file that is not
UTF-8 is a located CPF-E112, not an internal error. The reform used is the example one
(ceiling 6,000 € from 2027, R6323-1 I), which is valid apart from the key under test.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from cpf_rules.cli import main
from cpf_rules.diagnostics import CpfError
from cpf_rules.paths import default_rules_dir
from cpf_rules.reform import load_reform, reformed_rules
from cpf_rules.reform_paths import RuleKeyError, destination, rule_file_key

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
POPULATION = EXAMPLES / "population.jsonl"
OVERRIDE = "overrides: [{parameter: euro_ceiling, from: 2027-01-01, value: 6000 EUR}]\nyears: [2027]\n"


def _reform(tmp_path: Path, key: str) -> Path:
    (tmp_path / "payload.cpf").write_text("written by a reform file\n", encoding="utf-8")
    reform = tmp_path / "reform.yaml"
    reform.write_text(OVERRIDE + f'replace_rules: {{"{key}": "payload.cpf"}}\n', encoding="utf-8")
    return reform


@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_a_replace_rules_key_outside_rules_is_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    victim = tmp_path / "outside" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("ORIGINAL CONTENT\n", encoding="utf-8")
    if kind == "absolute":
        key = str(victim)
    else:  # from rules/ up to the root, then down to the victim
        key = "../" * len(default_rules_dir().resolve().parts) + str(victim).lstrip("/")
    reform = _reform(tmp_path, key)
    assert main(["reform", str(reform), "--population", str(POPULATION)]) == 1
    err = capsys.readouterr().err
    assert "error[CPF-E112]" in err and key in err and "Traceback" not in err
    assert f"{reform}:3:" in err  # the line of the key
    assert "expected: the path of an existing .cpf file relative to the rules directory" in err
    assert victim.read_text(encoding="utf-8") == "ORIGINAL CONTENT\n"


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("/etc/passwd", "is an absolute path"),
        ("accrual/../../x.cpf", "goes up out of rules/"),
        ("..", "goes up out of rules/"),
        ("C:/rules/x.cpf", "is an absolute path"),
        ("accrual\\euro_era.cpf", "backslash"),
        ("accrual/employee/euro_era.cases.yaml", "is not a rule file"),
        ("", "is not a path"),
    ],
)
def test_rule_file_key_refuses_what_could_leave_rules(key: str, why: str) -> None:
    with pytest.raises(RuleKeyError, match=why):
        rule_file_key(key)


def test_rule_file_key_normalises_a_plain_relative_path() -> None:
    assert rule_file_key("./accrual/employee/euro_era.cpf") == "accrual/employee/euro_era.cpf"


def test_a_symlink_out_of_rules_is_refused(tmp_path: Path) -> None:
    rules, copy, outside = tmp_path / "rules", tmp_path / "copy", tmp_path / "outside"
    for folder in (rules, copy, outside):
        folder.mkdir()
    (outside / "victim.cpf").write_text("ORIGINAL\n", encoding="utf-8")
    (rules / "link").symlink_to(outside)
    (copy / "link").symlink_to(outside)
    with pytest.raises(RuleKeyError, match="leads out of"):
        destination(rules, copy, "link/victim.cpf")
    (rules / "own.cpf").write_text("x\n", encoding="utf-8")
    (copy / "own.cpf").symlink_to(outside / "victim.cpf")  # the copy itself tampered with
    with pytest.raises(RuleKeyError, match="leads out of the copy"):
        destination(rules, copy, "own.cpf")
    assert (outside / "victim.cpf").read_text(encoding="utf-8") == "ORIGINAL\n"


def test_reformed_rules_checks_every_key_before_writing(tmp_path: Path) -> None:
    """A Reform built in Python (not read from a file) is checked again where it writes."""
    from cpf_rules import load_rules

    law = load_rules()
    victim = tmp_path / "victim.cpf"
    victim.write_text("ORIGINAL\n", encoding="utf-8")
    reform = load_reform(_reform(tmp_path, "accrual/employee/euro_era.cpf"))
    sneaky = dataclasses.replace(reform, replace_rules={str(victim): tmp_path / "payload.cpf"})
    with pytest.raises(CpfError) as raised:
        reformed_rules(law, sneaky)
    assert raised.value.diagnostics[0].code == "CPF-E112"
    assert victim.read_text(encoding="utf-8") == "ORIGINAL\n"


def test_a_symlinked_rules_folder_is_refused_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.cpf").write_text("ORIGINAL\n", encoding="utf-8")
    (rules / "escape").symlink_to(outside, target_is_directory=True)
    reform = _reform(tmp_path, "escape/victim.cpf")
    legal_refs = default_rules_dir().parent / "legal_refs"
    argv = ["reform", str(reform), "--population", str(POPULATION), "--rules", str(rules)]
    assert main([*argv, "--legal-refs", str(legal_refs)]) == 1
    err = capsys.readouterr().err
    assert "CPF-E112" in err and "escape/victim.cpf" in err and "symbolic link" in err
    assert (outside / "victim.cpf").read_text(encoding="utf-8") == "ORIGINAL\n"


def test_a_population_that_is_not_utf8_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    population = tmp_path / "p.jsonl"
    population.write_bytes(b'{"id": "a", "facts": {"years": []}}\n\xff\xfe\n')
    reform = tmp_path / "reform.yaml"
    reform.write_text(OVERRIDE, encoding="utf-8")
    assert main(["reform", str(reform), "--population", str(population)]) == 1
    err = capsys.readouterr().err
    assert "error[CPF-E112]: the population file is not UTF-8 text (byte 0xff" in err
    assert f"{population}:2:1" in err and "internal error" not in err


def test_a_reform_file_that_is_not_utf8_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_bytes(b"name: r\xe9forme\n" + OVERRIDE.encode())
    assert main(["reform", str(reform), "--population", str(POPULATION)]) == 1
    err = capsys.readouterr().err
    assert "the reform file is not UTF-8 text (byte 0xe9" in err and f"{reform}:1:8" in err
