/**
 * Chart colours from the VS Code theme. Canvas cannot use CSS variables, so the current values
 * are read once per theme and the charts are rebuilt when the theme changes (body class).
 */
export interface ChartTheme {
  text: string;
  grid: string;
  font: string;
  highContrast: boolean;
}

/** Resolves a CSS colour expression (possibly a var()) to the rgb()/rgba() the browser computes. */
function resolveColour(expression: string): string {
  const probe = document.createElement('span');
  probe.style.color = expression;
  document.body.append(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour;
}

function withOpacity(rgb: string, alpha: number): string {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(rgb);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : rgb;
}

export function isHighContrast(): boolean {
  return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}

export function readChartTheme(): ChartTheme {
  const highContrast = isHighContrast();
  const foreground = resolveColour('var(--vscode-editor-foreground, var(--vscode-foreground, #808080))');
  const style = getComputedStyle(document.body);
  const family = style.getPropertyValue('--vscode-font-family').trim() || 'sans-serif';
  return {
    text: resolveColour('var(--vscode-descriptionForeground, var(--vscode-foreground, #808080))'),
    grid: withOpacity(foreground, highContrast ? 0.35 : 0.12),
    font: `11px ${family}`,
    highContrast,
  };
}

/**
 * Calls back when VS Code switches theme: the body class changes with the theme kind, and the
 * --vscode-* variables are rewritten on <html>'s style even between two themes of the same kind.
 * Coalesced to one call per frame since both change together.
 */
export function onThemeChange(callback: () => void): void {
  let frame = 0;
  const observer = new MutationObserver(() => {
    if (frame === 0) {
      frame = requestAnimationFrame(() => {
        frame = 0;
        callback();
      });
    }
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
