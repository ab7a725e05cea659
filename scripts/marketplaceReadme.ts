/**
 * The package's details page: resources/marketplace/README.md (written for users, with the
 * screenshots by their paths in the repository) turned into the README inside the .vsix. VS Code
 * shows that page in a webview whose policy loads images only from https: and data: URIs, and the
 * package names no repository for vsce to rewrite relative links against, so every local image is
 * embedded as a data: URI; https images are kept; anything else is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MARKETPLACE_README = path.join('resources', 'marketplace', 'README.md');

const MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif' };

/** Markdown images `![alt](src)` and HTML `<img src="...">`, with where each source sits in the text. */
export function imageSources(markdown: string): { src: string; index: number; length: number }[] {
  const found: { src: string; index: number; length: number }[] = [];
  for (const m of markdown.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const start = (m.index ?? 0) + m[0].indexOf(m[1]);
    found.push({ src: m[1], index: start, length: m[1].length });
  }
  for (const m of markdown.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)) {
    const start = (m.index ?? 0) + m[0].lastIndexOf(m[1]);
    found.push({ src: m[1], index: start, length: m[1].length });
  }
  return found.sort((a, b) => a.index - b.index);
}

export const isHttps = (src: string): boolean => /^https:\/\//i.test(src);

/** The page with every local image (a path relative to `baseDir`) embedded; throws naming an image it cannot use. */
export function embedImages(markdown: string, baseDir: string): string {
  let out = '';
  let at = 0;
  for (const image of imageSources(markdown)) {
    out += markdown.slice(at, image.index);
    at = image.index + image.length;
    if (isHttps(image.src)) {
      out += image.src;
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(image.src)) throw new Error(`${image.src}: an image must be a file of the repository or an https URL`);
    const file = path.resolve(baseDir, decodeURI(image.src));
    const mime = MIME[path.extname(file).toLowerCase()];
    if (!mime) throw new Error(`${image.src}: not a PNG, JPEG or GIF image (VS Code's details page does not show SVG)`);
    if (!fs.existsSync(file)) throw new Error(`${image.src}: no such file (${file})`);
    out += `data:${mime};base64,${fs.readFileSync(file).toString('base64')}`;
  }
  return out + markdown.slice(at);
}

/** Writes the page for the package under out/ and returns its path (relative to `root`, as vsce --readme-path takes it). */
export function writeMarketplaceReadme(root: string): string {
  const source = path.join(root, MARKETPLACE_README);
  const target = path.join('out', 'marketplace', 'README.md');
  fs.mkdirSync(path.join(root, path.dirname(target)), { recursive: true });
  fs.writeFileSync(path.join(root, target), embedImages(fs.readFileSync(source, 'utf8'), path.dirname(source)));
  return target;
}
