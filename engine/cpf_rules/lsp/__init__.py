"""The language server of the rule language (``cpf lsp``), for VS Code and other editors.

:mod:`.analysis` holds the editor-independent logic (which rule set a file belongs
to, diagnostics with the unsaved buffers, hover text, definitions) and is tested
directly; :mod:`.server` wires it to the Language Server Protocol with pygls (the
``lsp`` extra: ``pip install 'cpf-rules[lsp]'``). Run with ``cpf lsp`` or
``python -m cpf_rules.lsp``; it speaks LSP on stdin/stdout.
"""
