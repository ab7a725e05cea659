/** Where the webview bundles live in the extension, and the parts of a page that loads one. */
import * as vscode from 'vscode';
import { makeNonce, type DashboardHtmlParts } from './dashboard/dashboardHtml';

/** dist/webview: the folder a panel's page loads its script and stylesheet from. */
export function webviewBundles(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

/** The page parts for bundle `name` (dist/webview/<name>.js and .css) in this webview, with a fresh nonce. */
export function pageParts(webview: vscode.Webview, extensionUri: vscode.Uri, name: string): DashboardHtmlParts {
  const asset = (file: string) => webview.asWebviewUri(vscode.Uri.joinPath(webviewBundles(extensionUri), file)).toString();
  return { cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset(`${name}.js`), styleUri: asset(`${name}.css`) };
}
