// charla for VS Code: the language (highlighting comes from syntaxes/) and a client that starts
// `charla lsp`, the language server built into the charla executable. Plain JavaScript, so the
// extension needs no build step: `npm install` and it runs.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function start() {
  const command = vscode.workspace.getConfiguration("charla").get("path") || "charla";
  const serverOptions = { command, args: ["lsp"] };
  const clientOptions = {
    // Saved files (a bot is the folder of the file) and new, unsaved ones (a bot on its own).
    documentSelector: [
      { scheme: "file", language: "charla" },
      { scheme: "untitled", language: "charla" },
    ],
  };
  client = new LanguageClient("charla", "charla", serverOptions, clientOptions);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `charla: could not start \`${command} lsp\` (${error.message}). ` +
        "Install charla, or set \"charla.path\" to the charla executable.",
    );
  });
}

async function restart() {
  if (client) {
    await client.stop().catch(() => {});
  }
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("charla.path")) {
        restart();
      }
    }),
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
