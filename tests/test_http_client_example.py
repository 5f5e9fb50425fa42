"""`cpf serve` for real (uvicorn on a free loopback port) and the example client against it.

The server is started as a user starts it (``python -m cpf_rules.cli serve``); the
client is ``examples/http_client.py``, loaded from its file and run with its own
command line.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "cpf_rules.cli", "serve", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                _, err = process.communicate(timeout=5)
                pytest.fail(f"cpf serve did not start: {err}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def client_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("http_client", ROOT / "examples" / "http_client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_client_prints_the_balance(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = client_module().main(["--base-url", server])
    out = capsys.readouterr().out
    assert code == 0
    # 96 h + 80 DIF h → 2,640 € (DEC:2018-1153); + 6 × 500 € − 1,200 € paid = 4,440 € (R6323-1 I).
    assert "balance(2024) = 4440.00 EUR" in out.splitlines()
    assert out.startswith("cpf-rules ")


def test_example_client_with_trace(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = client_module().main(["--base-url", server, "-q", "credit(2019)", "--trace"])
    out = capsys.readouterr().out
    assert code == 0
    assert "credit(2019) = 500.00 EUR" in out  # L6323-11, R6323-1 I: a full year in 2019
    assert "credit = 500.00 EUR  [CT:L6323-11, CT:R6323-1]" in out


def test_example_client_reports_a_problem(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = client_module().main(["--base-url", server, "-q", "balanse(2024)"])
    err = capsys.readouterr().err
    assert code == 1
    assert "422 A question cannot be asked" in err
    assert "CPF-Q001 at $.questions[0]: no rule or parameter is named `balanse` — did you mean `balance`" in err


def test_example_client_sends_exact_decimals(server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # R6323-1 II: 500 € × 482.1 h / 1,607 h = 150.00 € exactly (a binary float would give 150.01 €).
    facts = tmp_path / "holder.json"
    facts.write_text('{"years": [{"year": 2019, "worked_hours": 482.1}]}', encoding="utf-8")
    code = client_module().main(["--base-url", server, "--facts", str(facts), "-q", "credit(2019)"])
    assert code == 0
    assert "credit(2019) = 150.00 EUR" in capsys.readouterr().out


def test_example_client_without_server(capsys: pytest.CaptureFixture[str]) -> None:
    code = client_module().main(["--base-url", f"http://127.0.0.1:{free_port()}"])
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err
