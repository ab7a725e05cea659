/**
 * The page shell every webview panel of the extension loads. Pure string building (no vscode) so
 * the CSP can be unit-tested. Scripts run only by nonce; styles come from the extension's files (our
 * CSS and uPlot's, bundled by esbuild) plus constructable stylesheets, which the Lit-based
 * vscode-elements use and the CSP allows. No 'unsafe-inline', no 'unsafe-eval', no remote origin.
 */
import { randomBytes } from 'node:crypto';

/** The parts of one page load in one webview. */
export interface PageParts {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** What a page says before its script has drawn anything. */
export interface PageText {
  title: string;
  loading: string;
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

/** CSP, one stylesheet, one nonce'd script, and a loading line until the script replaces it. */
export function renderPageShell(p: PageParts, text: PageText): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}" nonce="${attr(p.nonce)}">
<title>${attr(text.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">${attr(text.loading)}</p></main>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}
