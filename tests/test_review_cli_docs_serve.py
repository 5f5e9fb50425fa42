"""``cpf docs -o`` refuses an output it cannot write (CPF-D003, exit 1, nothing half-written);
``cpf serve --port`` refuses a port outside 1-65535 on the command line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpf_rules import load_rules
from cpf_rules.cli import main
from cpf_rules.docsite import build_site


@pytest.mark.parametrize("where", ["existing file", "under a file", "in /proc"])
def test_docs_into_a_place_that_cannot_hold_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("keep me\n", encoding="utf-8")
    output = {"existing file": existing, "under a file": existing / "site", "in /proc": Path("/proc/cpf-docs")}[where]
    assert main(["docs", "-o", str(output), "--no-cases"]) == 1
    err = capsys.readouterr().err
    assert f"error[CPF-D003]: cannot write the documentation site into {output}: " in err
    assert "expected: a folder that exists or can be created" in err and "internal error" not in err
    assert existing.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_write_failing_midway_leaves_the_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = load_rules()
    site = tmp_path / "site"
    pages = build_site(rules, site, None)
    assert (
        pages
        == len(list((site / "rules").iterdir()))
        + len(list((site / "parameters").iterdir()))
        + len(list((site / "articles").iterdir()))
        + 1
    )  # + index.html
    (site / "mine.txt").write_text("a file of the user\n", encoding="utf-8")
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    written = 0
    real_write_text = Path.write_text

    def failing_write_text(self: Path, *args: object, **kwargs: object) -> int:
        nonlocal written
        written += 1
        if written > 50:
            raise OSError(28, "No space left on device")
        return real_write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    from cpf_rules.diagnostics import CpfError

    with pytest.raises(CpfError) as raised:
        build_site(rules, site, None)
    monkeypatch.undo()
    assert raised.value.diagnostics[0].code == "CPF-D003"
    assert "No space left on device" in raised.value.diagnostics[0].message
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before  # same files, same bytes; no staging folder left


@pytest.mark.parametrize("port", ["99999", "65536", "0", "-1", "http"])
def test_serve_refuses_a_port_outside_1_65535(capsys: pytest.CaptureFixture[str], port: str) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["serve", "--port", port])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "argument --port:" in err and "give a number from 1 to 65535" in err and "Traceback" not in err
