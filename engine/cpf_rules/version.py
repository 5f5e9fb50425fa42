"""The engine's version, recorded in every result (base layer)."""

__version__ = "0.1.0"
