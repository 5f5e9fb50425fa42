"""The language server, driven over stdio with real LSP messages (``python -m cpf_rules.lsp``).

A small workspace (a rules/ folder with one rule file, the bundled legal_refs/): the
client initialises, opens a broken file and must receive publishDiagnostics at the
right range; fixes it and receives an empty list; hovers a parameter (label, unit,
citation) and asks for the definition of a parameter read in a rule.
"""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from cpf_rules.lsp.analysis import hover_markdown, word_at
from cpf_rules.paths import default_legal_refs_dir

pytest.importorskip("pygls")

GOOD = """\
parameter annual_amount : money "Montant annuel de l'alimentation"
  from 2019-01-01 = 500 EUR cite CT:R6323-1 "I", CT:L6323-11 "al. 1"

rule yearly_credit(y : year) : money "Droits acquis au titre de l'année"
  cite CT:R6323-1 "I"
  = annual_amount(y.start)
"""
# line 6 (index 5): `anual_amount` is a typo, columns 5-17 (0-based 4-16)
BROKEN = GOOD.replace("= annual_amount(y.start)", "= anual_amount(y.start)")

TIMEOUT = 20


class Client:
    """A minimal LSP client: Content-Length framing, requests with ids, notifications."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cpf_rules.lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any] | None) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in message, message
        return message.get("result")

    def wait(self, predicate: Any) -> dict[str, Any]:
        while True:
            try:
                message = self.messages.get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError("the language server did not answer in time") from None
            if predicate(message):
                return message

    def diagnostics_for(self, uri: str) -> list[dict[str, Any]]:
        message = self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
        )
        return message["params"]["diagnostics"]  # type: ignore[no-any-return]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", {})
            self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    shutil.copytree(default_legal_refs_dir(), tmp_path / "legal_refs")
    (tmp_path / "rules" / "credit.cpf").write_text(GOOD, encoding="utf-8")
    return tmp_path


def test_diagnostics_hover_and_definition_over_stdio(workspace: Path) -> None:
    path = workspace / "rules" / "credit.cpf"
    uri = path.as_uri()
    client = Client(workspace)
    try:
        result = client.request("initialize", {"processId": None, "rootUri": workspace.as_uri(), "capabilities": {}})
        capabilities = result["capabilities"]
        assert capabilities["hoverProvider"] and capabilities["definitionProvider"]
        client.notify("initialized", {})

        # A broken buffer: the unknown name is reported where it is written.
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "cpf", "version": 1, "text": BROKEN}}
        )
        diagnostics = client.diagnostics_for(uri)
        assert [d["code"] for d in diagnostics] == ["CPF-E101"]
        assert diagnostics[0]["range"] == {"start": {"line": 5, "character": 4}, "end": {"line": 5, "character": 16}}
        assert diagnostics[0]["severity"] == 1 and "did you mean `annual_amount`" in diagnostics[0]["message"]

        # Fixed as you type: the diagnostics are cleared.
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": GOOD}]},
        )
        assert client.diagnostics_for(uri) == []

        # Hover on the parameter read in the rule: label, unit, citation of its value.
        hover = client.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 8}}
        )
        text = hover["contents"]["value"]
        assert "Montant annuel de l'alimentation" in text
        assert "parameter annual_amount : money" in text
        assert "| 2019-01-01 | `500 EUR` | CT:R6323-1 I, CT:L6323-11 al. 1 |" in text

        # Go to definition: the parameter's declaration, line 1.
        location = client.request(
            "textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 8}}
        )
        assert location["uri"] == uri
        assert location["range"]["start"] == {"line": 0, "character": 0}

        # Broken again, then closed without saving: the file on disk (correct) is what counts.
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": BROKEN}]},
        )
        assert [d["code"] for d in client.diagnostics_for(uri)] == ["CPF-E101"]
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        assert client.diagnostics_for(uri) == []
    finally:
        client.close()
    assert client.process.returncode == 0


def test_word_at_and_hover_of_a_rule() -> None:
    assert word_at(GOOD, 5, 4) == "annual_amount" and word_at(GOOD, 4, 9) == "CT:R6323-1"
    assert word_at(GOOD, 99, 0) is None
    from cpf_rules.loader import load_rules

    text = hover_markdown(load_rules(), "credit")
    assert text is not None and "`rule credit(y : year) : money`" in text and "CT:L6323-11" in text


# ---- the TextMate grammar of editors/vscode ------------------------------------------

EDITOR = Path(__file__).resolve().parent.parent / "editors" / "vscode"


def _grammar_rules() -> list[tuple[re.Pattern[str], dict[str, Any]]]:
    grammar = json.loads((EDITOR / "syntaxes" / "cpf.tmLanguage.json").read_text(encoding="utf-8"))
    flat: list[tuple[re.Pattern[str], dict[str, Any]]] = []

    def add(rule: dict[str, Any]) -> None:
        if "include" in rule:
            add(grammar["repository"][rule["include"].removeprefix("#")])
        elif "patterns" in rule and "begin" not in rule:
            for inner in rule["patterns"]:
                add(inner)
        elif "begin" in rule:  # strings: "…" on one line
            flat.append((re.compile(r'"(?:[^"\\]|\\.)*"'), rule))
        else:
            flat.append((re.compile(rule["match"]), rule))

    for top in grammar["patterns"]:
        add(top)
    return flat


def _scopes(line: str) -> dict[str, str]:
    """Scan a line like a TextMate engine: leftmost match, then the first rule; text → scope."""
    rules = _grammar_rules()
    found: dict[str, str] = {}
    position = 0
    while position < len(line):
        best = None
        for pattern, rule in rules:
            match = pattern.search(line, position)
            if match and match.end() > match.start() and (best is None or match.start() < best[0].start()):
                best = (match, rule)
        if best is None:
            break
        match, rule = best
        if "captures" in rule:
            for group, capture in rule["captures"].items():
                if match.group(int(group)):
                    found[match.group(int(group))] = capture["name"]
        else:
            found[match.group()] = rule["name"]
        position = match.end()
    return found


def test_textmate_grammar_scopes_the_language() -> None:
    scopes = _scopes('  from 2019-01-01 = 500 EUR cite CT:R6323-1 "I" # ceiling')
    assert scopes["2019-01-01"] == "constant.other.date.cpf"
    assert scopes["500"] == "constant.numeric.cpf" and scopes["EUR"] == "keyword.other.unit.cpf"
    assert scopes["CT:R6323-1"] == "entity.name.tag.citation.cpf"
    assert scopes['"I"'] == "string.quoted.double.cpf" and scopes["# ceiling"].startswith("comment.line")
    scopes = _scopes("rule credit(y : year) : money")
    assert scopes["rule"] == "storage.type.declaration.cpf" and scopes["credit"] == "entity.name.function.cpf"
    assert scopes["year"] == "support.type.cpf"
    scopes = _scopes("  = if a >= b then min(x, 0 EUR) else round_up_to_cent(y)")
    assert scopes["if"] == scopes["then"] == scopes["else"] == "keyword.control.cpf"
    assert scopes["min"] == scopes["round_up_to_cent"] == "support.function.builtin.cpf"


def test_textmate_grammar_knows_every_keyword_of_the_language() -> None:
    lark = (Path(__file__).resolve().parent.parent / "grammar" / "cpf.lark").read_text(encoding="utf-8")
    keywords = set(re.findall(r'"([a-z]+)"', lark))
    assert {"rule", "parameter", "cite", "otherwise", "when"} <= keywords
    for keyword in sorted(keywords):
        line = f"{keyword}(e for e in x)" if keyword in ("sum", "count", "any", "all") else f"{keyword} x"
        scope = _scopes(line).get(keyword, "")
        assert not scope.startswith("variable."), f"`{keyword}` is highlighted as a plain name"


def test_vscode_extension_manifest() -> None:
    manifest = json.loads((EDITOR / "package.json").read_text(encoding="utf-8"))
    language = manifest["contributes"]["languages"][0]
    assert language["extensions"] == [".cpf"]
    grammar = manifest["contributes"]["grammars"][0]
    assert (EDITOR / grammar["path"]).is_file() and grammar["scopeName"] == "source.cpf"
    assert (EDITOR / language["configuration"]).is_file() and (EDITOR / manifest["main"]).is_file()
    assert manifest["contributes"]["configuration"]["properties"]["cpf.server.command"]["default"] == ["cpf", "lsp"]
