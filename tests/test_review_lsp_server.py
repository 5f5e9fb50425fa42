"""The language server over stdio: places as LSP clients count them, nothing dropped.

Real LSP messages to ``python -m cpf_rules.lsp`` (the client of ``test_lsp.py``):
diagnostics after an emoji are in UTF-16 units (or the encoding negotiated), a
CR-only buffer is reported on its lines, hover and definition find the name under
the cursor after a U+2028 or in a CR-only buffer, a sibling rule file that is not UTF-8
is reported, and an unsaved buffer stands for its file (no "empty rules/" for a new one).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpf_rules.paths import default_legal_refs_dir
from test_lsp import GOOD, Client

pytest.importorskip("pygls")

EMOJI = "\U0001f600"
# `anual` (a typo of annual_amount) after a label holding an emoji, on line 1
EMOJI_LINE = f'rule r(y : year) : money "{EMOJI} x" cite CT:R6323-1 = anual(y.start)\n'
ANUAL = EMOJI_LINE.index("anual")  # in code points


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    shutil.copytree(default_legal_refs_dir(), tmp_path / "legal_refs")
    (tmp_path / "rules" / "credit.cpf").write_text(GOOD, encoding="utf-8")
    return tmp_path


def _start(workspace: Path, encodings: list[str] | None = None) -> tuple[Client, dict[str, Any]]:
    client = Client(workspace)
    capabilities: dict[str, Any] = {"general": {"positionEncodings": encodings}} if encodings else {}
    result = client.request(
        "initialize", {"processId": None, "rootUri": workspace.as_uri(), "capabilities": capabilities}
    )
    client.notify("initialized", {})
    return client, result["capabilities"]


@pytest.fixture
def server(workspace: Path) -> Iterator[tuple[Client, str]]:
    client, _ = _start(workspace)
    uri = (workspace / "rules" / "credit.cpf").as_uri()
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "cpf", "version": 1, "text": GOOD}}
    )
    assert client.diagnostics_for(uri) == []
    try:
        yield client, uri
    finally:
        client.close()


def _change(client: Client, uri: str, text: str, version: int) -> None:
    client.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}
    )


def _at(client: Client, method: str, uri: str, line: int, character: int) -> Any:
    return client.request(method, {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})


def _range(line: int, start: int, end: int) -> dict[str, Any]:
    return {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}


def test_utf16_by_default_and_full_document_sync(workspace: Path) -> None:
    """UTF-16 unless the client offers another encoding; whole texts, not pygls' splitlines edits."""
    client, capabilities = _start(workspace)
    try:
        assert capabilities["positionEncoding"] == "utf-16"
        assert capabilities["textDocumentSync"]["change"] == 1  # Full
    finally:
        client.close()


def test_column_after_an_emoji_is_in_utf16_units(server: tuple[Client, str]) -> None:
    client, uri = server
    _change(client, uri, EMOJI_LINE, 2)
    (diagnostic,) = client.diagnostics_for(uri)
    assert diagnostic["code"] == "CPF-E101"
    assert diagnostic["range"] == _range(0, ANUAL + 1, ANUAL + 6)  # the emoji is two UTF-16 units


@pytest.mark.parametrize(("encoding", "shift"), [("utf-32", 0), ("utf-8", 3)])
def test_position_encoding_offered_by_the_client(workspace: Path, encoding: str, shift: int) -> None:
    client, capabilities = _start(workspace, [encoding, "utf-16"])
    try:
        assert capabilities["positionEncoding"] == encoding
        uri = (workspace / "rules" / "credit.cpf").as_uri()
        text = EMOJI_LINE + GOOD.replace("annual_amount", "cap_amount")
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "cpf", "version": 1, "text": text}}
        )
        (diagnostic,) = client.diagnostics_for(uri)
        assert diagnostic["range"] == _range(0, ANUAL + shift, ANUAL + shift + 5)  # the emoji: 1 code point, 4 bytes
    finally:
        client.close()


def test_cr_only_buffer_reported_on_its_lines_and_definition_there(server: tuple[Client, str]) -> None:
    client, uri = server
    broken = (
        'parameter p : money "M"\r  from 2019-01-01 = 500 EUR cite CT:R6323-1 "I"\r'
        'rule r(y : year) : money "R" cite CT:R6323-1 = anual(y.start)\r'
    )
    _change(client, uri, broken, 2)
    (diagnostic,) = client.diagnostics_for(uri)
    third = broken.split("\r")[2]
    assert diagnostic["range"] == _range(2, third.index("anual"), third.index("anual") + 5)

    # the rule before the parameter it reads, CR-only: the declaration is on LSP line 2
    parameter, rule = GOOD.replace("\n", "\r").split("\r\r")
    text = rule + "\r" + parameter
    lines = text.split("\r")
    assert lines[2] == "  = annual_amount(y.start)" and lines[4].startswith("parameter annual_amount")
    _change(client, uri, text, 3)
    assert client.diagnostics_for(uri) == []
    location = _at(client, "textDocument/definition", uri, 2, lines[2].index("annual_amount") + 2)
    assert location["uri"] == uri and location["range"]["start"] == {"line": 4, "character": 0}


def test_hover_after_a_line_separator_in_a_comment(server: tuple[Client, str]) -> None:
    client, uri = server
    text = "# montant\u2028annuel\x0c\n" + GOOD  # neither U+2028 nor a form feed ends a line for LSP
    _change(client, uri, text, 2)
    assert client.diagnostics_for(uri) == []
    line = text.split("\n")[6]
    assert line == "  = annual_amount(y.start)"
    hover = _at(client, "textDocument/hover", uri, 6, line.index("annual_amount") + 3)
    assert hover is not None and "parameter annual_amount : money" in hover["contents"]["value"]
    location = _at(client, "textDocument/definition", uri, 6, line.index("annual_amount") + 3)
    assert location["range"]["start"] == {"line": 1, "character": 0}


def test_a_sibling_file_that_is_not_utf8_is_published(workspace: Path, server: tuple[Client, str]) -> None:
    client, uri = server
    bad = workspace / "rules" / "bad.cpf"
    bad.write_bytes(b"rule \xff\n")
    _change(client, uri, GOOD, 2)
    (diagnostic,) = client.diagnostics_for(bad.as_uri())
    assert diagnostic["code"] == "CPF-E011" and diagnostic["severity"] == 1
    assert "rules/bad.cpf" in diagnostic["message"] and diagnostic["range"]["start"]["line"] == 0
    bad.unlink()
    _change(client, uri, GOOD, 3)
    assert client.diagnostics_for(bad.as_uri()) == []  # cleared once the file is gone


def test_a_new_unsaved_file_in_an_empty_rules_folder_is_checked_from_its_buffer(tmp_path: Path) -> None:
    """The buffer stands for the file: no CPF-E010 "no rule file" for the folder (the
    loader used to read the disk before the buffers). Publishing a diagnostic that names
    no file is tested on diagnostics_by_file (tests/test_review_lsp_positions.py)."""
    (tmp_path / "rules").mkdir()
    shutil.copytree(default_legal_refs_dir(), tmp_path / "legal_refs")
    client, _ = _start(tmp_path)
    try:
        uri = (tmp_path / "rules" / "new.cpf").as_uri()
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "cpf", "version": 1, "text": GOOD}}
        )
        diagnostics = client.diagnostics_for(uri)
        assert not [d for d in diagnostics if d["severity"] == 1], diagnostics  # no error
        assert "CPF-E010" not in [d["code"] for d in diagnostics]
    finally:
        client.close()
