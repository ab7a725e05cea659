/**
 * The lenses at the top of a sweep file: "Run sweep" (with its trial count when the file is valid)
 * and "Validate"; an invalid file shows its first mistake, naming the key, as parseSweepSpec (the
 * CLI's validator) words it. The JSON Schema (package.json jsonValidation) underlines mistakes in
 * place; this checks what a schema cannot (ranges, combinations, values `vaerec train` refuses).
 */
import * as vscode from 'vscode';
import { SWEEP_FILE_SUFFIX, checkSweepText } from './sweepFile';

export const SWEEP_FILE_SELECTOR: vscode.DocumentSelector = { scheme: 'file', pattern: `**/*${SWEEP_FILE_SUFFIX}` };

/** Longest mistake shown in a lens title; the Validate command shows it whole. */
const TITLE_MAX = 90;

export class SweepCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: Pick<vscode.TextDocument, 'uri' | 'fileName' | 'getText'>): vscode.CodeLens[] {
    if (!document.fileName.endsWith(SWEEP_FILE_SUFFIX)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const check = checkSweepText(document.getText());
    const args = [document.uri];
    if ('spec' in check) {
      return [
        new vscode.CodeLens(top, {
          title: `$(play) Run sweep (${check.trials} trial${check.trials === 1 ? '' : 's'}, ${check.spec.executor.type})`,
          command: 'vaerec.startSweep',
          arguments: args,
        }),
        new vscode.CodeLens(top, { title: '$(check) Validate', command: 'vaerec.validateSweep', arguments: args }),
      ];
    }
    const mistake = check.error.length > TITLE_MAX ? `${check.error.slice(0, TITLE_MAX - 1)}…` : check.error;
    return [
      // Offered anyway: started, it refuses with the whole message (a lens cannot be greyed out).
      new vscode.CodeLens(top, { title: '$(play) Run sweep', command: 'vaerec.startSweep', arguments: args }),
      new vscode.CodeLens(top, { title: `$(warning) ${mistake}`, tooltip: check.error, command: 'vaerec.validateSweep', arguments: args }),
    ];
  }
}
