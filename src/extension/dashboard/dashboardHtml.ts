/**
 * The dashboard page shell. Pure string building (no vscode) so the CSP can be unit-tested.
 * Scripts run only by nonce; styles come from the extension's files (uPlot and our CSS bundled by
 * esbuild) plus constructable stylesheets, which Lit-based vscode-elements use and CSP allows.
 */
import { randomBytes } from 'node:crypto';

export interface DashboardHtmlParts {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The shell every webview of the extension uses: CSP, one stylesheet, one nonce'd script. */
export function renderPageShell(p: DashboardHtmlParts, title: string, loading: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}" nonce="${attr(p.nonce)}">
<title>${attr(title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">${attr(loading)}</p></main>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}

export function renderDashboardHtml(p: DashboardHtmlParts): string {
  return renderPageShell(p, 'VAE Recommender Dashboard', 'Loading runs…');
}
