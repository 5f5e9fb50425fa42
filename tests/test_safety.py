"""Safety: what users supply is only ever read as data.

- YAML is loaded with safe loaders only (``yaml.load`` with a ``SafeLoader`` subclass,
  ``yaml.safe_load``); no ``eval``, ``exec``, ``compile``, ``pickle``, ``marshal`` or
  ``shelve`` anywhere in the engine. Checked on the engine's syntax trees, so a new
  module cannot slip one in.
- The HTML report escapes every string that comes from a rule file (labels, locators,
  flags) or from a facts document (a text fact), tested with hostile labels.
- Files are written atomically (:mod:`cpf_rules.atomic_io`): an interrupted write,
  even a killed process, leaves the previous file and never a half-written one.
"""

from __future__ import annotations

import ast
import importlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from cpf_rules import evaluate
from cpf_rules.atomic_io import atomic_writer, write_bytes_atomic, write_text_atomic
from fuzzing import bundled_sources, check_sources

ENGINE = Path(__file__).resolve().parent.parent / "engine" / "cpf_rules"
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle"}
UNSAFE_YAML = {"unsafe_load", "unsafe_load_all", "full_load", "full_load_all"}


def _engine_modules() -> list[tuple[str, ast.Module]]:
    return [
        (path.relative_to(ENGINE.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for path in sorted(ENGINE.rglob("*.py"))
    ]


def _module_name(shown: str) -> str:
    return shown.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def test_yaml_is_loaded_with_safe_loaders_only() -> None:
    checked = 0
    for shown, tree in _engine_modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "yaml"):
                continue
            assert node.func.attr not in UNSAFE_YAML, f"{shown}:{node.lineno}: yaml.{node.func.attr}"
            if node.func.attr in ("load", "load_all"):
                loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
                if loader is None and len(node.args) > 1:
                    loader = node.args[1]
                assert isinstance(loader, (ast.Name, ast.Attribute)), f"{shown}:{node.lineno}: yaml.load without Loader"
                if isinstance(loader, ast.Attribute):
                    value = getattr(yaml, loader.attr)
                else:
                    value = getattr(importlib.import_module(_module_name(shown)), loader.id)
                assert issubclass(value, yaml.SafeLoader), f"{shown}:{node.lineno}: {value} is not a SafeLoader"
                checked += 1
    assert checked >= 1  # the facts reader's loader was found and checked


def test_no_eval_exec_or_pickle_in_the_engine() -> None:
    for shown, tree in _engine_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in FORBIDDEN_CALLS, f"{shown}:{node.lineno}: {node.func.id}()"
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
                assert not names & FORBIDDEN_MODULES, f"{shown}:{node.lineno}: import {names}"
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in FORBIDDEN_MODULES, f"{shown}:{node.lineno}: {node.module}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Lark":
                # Lark's table cache is a pickle: only through cache.lark_cache_file (a private directory).
                for keyword in (k for k in node.keywords if k.arg == "cache"):
                    value = keyword.value
                    assert isinstance(value, ast.Call) and getattr(value.func, "id", "") == "lark_cache_file", shown


def test_the_parser_table_cache_is_refused_in_a_directory_others_can_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lark unpickles its table cache: a directory writable by others is not trusted."""
    cache = pytest.importorskip("cpf_rules.cache")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("CPF_CACHE_DIR", str(shared))
    monkeypatch.delenv("CPF_NO_CACHE", raising=False)
    assert cache.cache_dir() is None
    assert cache.lark_cache_file("grammar", "1.0") is False
    private = tmp_path / "private"
    monkeypatch.setenv("CPF_CACHE_DIR", str(private))
    assert cache.cache_dir() == private and private.stat().st_mode & 0o077 == 0


def test_the_yaml_reader_refuses_python_tags() -> None:
    from cpf_rules.yaml_io import YamlError, load_yaml_text

    for text in ("!!python/object/apply:os.system ['touch /tmp/pwned']", "!!python/name:os.system"):
        with pytest.raises(YamlError) as caught:
            load_yaml_text(text, "x.yaml")
        assert caught.value.diagnostic.code == "CPF-F001"


# ---- HTML report: every string from rules and facts escaped ------------------------------
HOSTILE = '<script>alert(\\"cpf\\")</script><img src=x onerror=alert(1)>'
HOSTILE_RULES = f"""
input holder.hostile_note : text optional "{HOSTILE} note"

rule hostile(y : year) : money "{HOSTILE} règle"
  cite CT:L6323-11 "{HOSTILE} locator"
  uncertain "{HOSTILE} flag"
  = if hostile_text(y) == "" then 0 EUR else credit(y)
  exception odd "{HOSTILE} exception" cite CT:L6323-11 when y.start == 1999-01-01 = 1 EUR

rule hostile_text(y : year) : text "{HOSTILE} texte" cite CT:L6323-11
  = hostile_note otherwise "{HOSTILE} défaut"
"""


def test_the_html_report_escapes_strings_from_rules_and_facts() -> None:
    html_module = pytest.importorskip("cpf_rules.render.html")
    diagnostics, ruleset = check_sources({**bundled_sources(), "rules/zz_hostile.cpf": HOSTILE_RULES})
    assert ruleset is not None, [(d.code, d.message) for d in diagnostics if d.is_error]
    facts = {"holder": {"hostile_note": "<script>alert('facts')</script>"}}
    result = evaluate(ruleset, facts, ["hostile(2019)", "hostile_text(2019)"])
    assert result.ok, [a.error for a in result.answers]
    page = html_module.render_html(result)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page  # shown, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# ---- atomic writes -------------------------------------------------------------------
def test_an_atomic_write_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    write_text_atomic(target, "old")
    write_text_atomic(target, '{"balance": "4440.00"}')
    assert target.read_text(encoding="utf-8") == '{"balance": "4440.00"}'
    write_bytes_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_an_atomic_write_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    """`cpf fmt rules/link.cpf` on a linked rule file: the real file gets the formatted
    text and the link stays a link (it used to become a copy, the real file unformatted)."""
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "accrual.cpf"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.cpf"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_text(encoding="utf-8") == "new" and real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["accrual.cpf"]


def test_an_exception_during_the_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("the previous complete report", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as handle:
        handle.write("<html><body>half of the new rep")
        raise KeyboardInterrupt  # Ctrl-C in the middle of the write
    assert target.read_text(encoding="utf-8") == "the previous complete report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_killed_writer_never_leaves_a_half_written_file(tmp_path: Path) -> None:
    """SIGKILL in the middle of a 40 MB write: the target still holds the old text."""
    target = tmp_path / "batch.csv"
    target.write_text("old,complete\n", encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import sys, time
        from cpf_rules.atomic_io import atomic_writer
        with atomic_writer({str(target)!r}) as handle:
            for i in range(4000):
                handle.write("x" * 10_000 + "\\n")
                handle.flush()
                if i == 10:
                    print("writing", flush=True)
                time.sleep(0.001)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "writing"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert target.read_text(encoding="utf-8") == "old,complete\n"
    leftovers = [p for p in tmp_path.iterdir() if p.name != "batch.csv"]
    assert all(p.name.startswith(".batch.csv.") and p.name.endswith(".tmp") for p in leftovers)
