// Starts the cpf-rules language server (`cpf lsp`, stdio) for *.cpf files.
// The command is the setting `cpf.server.command` (default: ["cpf", "lsp"]).
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("cpf").get("server.command", ["cpf", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "cpf-rules",
    "CPF rules",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "cpf" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
