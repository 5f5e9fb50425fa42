"""``python -m cpf_rules.lsp``: run the language server on stdin/stdout."""

from .server import serve

if __name__ == "__main__":
    serve()
