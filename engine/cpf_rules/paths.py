"""Where the bundled data lives: rules/, grammar/ and legal_refs/.

In a wheel they are shipped inside the package as ``cpf_rules/data/…`` (see the
``force-include`` table of pyproject.toml); in a source checkout or an editable install
they are the top-level folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPOSITORY_DIR = _PACKAGE_DIR.parent.parent


def data_dir(name: str) -> Path:
    """The bundled folder ``name`` (``rules``, ``grammar`` or ``legal_refs``)."""
    shipped = _PACKAGE_DIR / "data" / name
    if shipped.is_dir():
        return shipped
    return _REPOSITORY_DIR / name


def default_rules_dir() -> Path:
    return data_dir("rules")


def default_legal_refs_dir() -> Path:
    return data_dir("legal_refs")


def grammar_file() -> Path:
    return data_dir("grammar") / "cpf.lark"
