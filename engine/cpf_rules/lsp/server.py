"""The LSP wiring (pygls): diagnostics as you type, hover, go to definition.

On open, change, save and close of a ``.cpf`` document, its rule set is checked with every
open buffer of that rule set overlaid on the disk, and diagnostics are published for
every file of the rule set (an edit in one file can break another: names are global).
Hover and definition use the last rule set of the workspace that checked without error.

Documents are synchronised in full (the client sends the whole text at each change):
pygls applies incremental changes on ``str.splitlines`` lines, which also cut at a form
feed or U+2028, where LSP clients cut at ``\\r\\n``, ``\\n`` and ``\\r`` only. Positions
are in the encoding negotiated at initialisation (UTF-16 unless the client offers
UTF-32 or UTF-8), converted by :mod:`.positions`.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from ..diagnostics import Diagnostic
from ..version import __version__
from .analysis import (
    Workspace,
    definition,
    diagnostics_by_file,
    display_name,
    file_of,
    hover_markdown,
    lsp_range,
    rules_dir_for,
    text_of,
    word_at,
)
from .positions import Encoding, encoding_of


class CpfLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("cpf-rules", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.workspaces: dict[Path, Workspace] = {}
        self.published: dict[Path, set[str]] = {}  # rules dir -> uris with diagnostics

    def workspace_of(self, uri: str) -> tuple[Workspace, Path] | None:
        path_text = to_fs_path(uri)
        if path_text is None:
            return None
        path = Path(path_text)
        rules_dir = rules_dir_for(path).resolve()
        if rules_dir not in self.workspaces:
            self.workspaces[rules_dir] = Workspace(rules_dir)
        return self.workspaces[rules_dir], path

    def overlay(self, rules_dir: Path) -> dict[str, str]:
        buffers: dict[str, str] = {}
        for uri, document in self.workspace.text_documents.items():
            path_text = to_fs_path(uri)
            if path_text and path_text.endswith(".cpf") and rules_dir_for(Path(path_text)).resolve() == rules_dir:
                buffers[display_name(rules_dir, Path(path_text))] = document.source
        return buffers

    @property
    def encoding(self) -> Encoding:
        """The position encoding agreed with the client."""
        return encoding_of(self.workspace.position_encoding)

    def validate(self, uri: str) -> None:
        found = self.workspace_of(uri)
        if found is None:
            return
        workspace, path = found
        rules_dir = workspace.rules_dir
        report = workspace.analyze(self.overlay(rules_dir))
        try:
            current = display_name(rules_dir, path)
        except ValueError:  # a link out of the workspace: its diagnostics go to the document itself
            current = uri
        grouped = diagnostics_by_file(report, rules_dir, current)
        now: set[str] = set()
        for name, items in grouped.items():
            file_uri = uri if name == current else from_fs_path(str(file_of(rules_dir, name))) or name
            now.add(file_uri)
            text = text_of(rules_dir, name, report.sources)
            diagnostics = [_to_lsp(d, text, self.encoding) for d in items]
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=file_uri, diagnostics=diagnostics))
        for stale in self.published.get(workspace.rules_dir, set()) - now | ({uri} - now):
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=stale, diagnostics=[]))
        self.published[workspace.rules_dir] = now


def _to_lsp(diagnostic: Diagnostic, text: str | None, encoding: Encoding) -> lsp.Diagnostic:
    assert diagnostic.span is not None  # diagnostics_by_file places every diagnostic
    line, character, end_line, end_character = lsp_range(diagnostic.span, text, encoding)
    message = diagnostic.message
    if diagnostic.expected:
        message += f"\nexpected: {diagnostic.expected}"
    if diagnostic.hint:
        message += f"\nhint: {diagnostic.hint}"
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(line, character), lsp.Position(end_line, end_character)),
        message=message,
        severity=lsp.DiagnosticSeverity.Error if diagnostic.is_error else lsp.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        source="cpf",
    )


server = CpfLanguageServer()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CpfLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.validate(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CpfLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.validate(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: CpfLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    ls.validate(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CpfLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.validate(params.text_document.uri)  # the file on disk replaces the closed buffer


def _name_at(ls: CpfLanguageServer, uri: str, position: lsp.Position) -> tuple[Workspace, str] | None:
    found = ls.workspace_of(uri)
    if found is None:
        return None
    workspace, _ = found
    if workspace.last_good is None:
        workspace.analyze(ls.overlay(workspace.rules_dir))
    name = word_at(ls.workspace.get_text_document(uri).source, position.line, position.character, ls.encoding)
    return (workspace, name) if name else None


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: CpfLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    found = _name_at(ls, params.text_document.uri, params.position)
    if found is None or found[0].last_good is None:
        return None
    text = hover_markdown(found[0].last_good, found[1])
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def goto_definition(ls: CpfLanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    found = _name_at(ls, params.text_document.uri, params.position)
    if found is None:
        return None
    workspace, name = found
    rules = workspace.last_good
    span = definition(rules, name) if rules is not None else None
    if rules is None or span is None:
        return None
    text = text_of(workspace.rules_dir, span.file, rules.sources)  # the text the span was counted in
    line, character, end_line, end_character = lsp_range(span, text, ls.encoding)
    uri = from_fs_path(str(file_of(workspace.rules_dir, span.file))) or span.file
    return lsp.Location(uri, lsp.Range(lsp.Position(line, character), lsp.Position(end_line, end_character)))


def serve() -> None:
    """Speak LSP on stdin/stdout until the client says exit."""
    server.start_io()
