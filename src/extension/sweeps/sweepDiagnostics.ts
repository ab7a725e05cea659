/**
 * The sweep validator's mistake as a diagnostic in the sweep file, at the key it names. The JSON
 * Schema (package.json jsonValidation) underlines what a schema can express; this adds what only
 * parseSweepSpec knows (ranges, combinations, values `vaerec train` refuses), with the same words
 * the CLI and the CodeLens use. Text that is not JSON is left to the JSON language's own errors.
 */
import * as vscode from 'vscode';
import { SWEEP_FILE_SUFFIX, checkSweepText, locateKey } from './sweepFile';

/** Typing is not interrupted by a check at every key stroke. */
const DEBOUNCE_MS = 300;

export class SweepDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('vaerec-sweep');
  private readonly subscriptions: vscode.Disposable[];
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    ];
    for (const d of vscode.workspace.textDocuments) this.check(d);
  }

  check(document: vscode.TextDocument): void {
    if (!document.fileName.endsWith(SWEEP_FILE_SUFFIX)) return;
    const text = document.getText();
    const result = checkSweepText(text);
    const where = 'error' in result && result.key !== undefined ? locateKey(text, result.key) : undefined;
    if (!('error' in result) || !where) {
      this.collection.delete(document.uri);
      return;
    }
    const range = new vscode.Range(document.positionAt(where.offset), document.positionAt(where.offset + where.length));
    const diagnostic = new vscode.Diagnostic(range, result.error, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'vaerec sweep';
    this.collection.set(document.uri, [diagnostic]);
  }

  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }

  private schedule(document: vscode.TextDocument): void {
    if (!document.fileName.endsWith(SWEEP_FILE_SUFFIX)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.check(document);
      }, DEBOUNCE_MS),
    );
  }
}
