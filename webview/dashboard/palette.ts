/**
 * Run colours. Each has a relative luminance between ~0.17 and 0.26, which gives at least 3:1
 * contrast against white, the dark editor background and black, so lines stay readable on light,
 * dark and high-contrast themes. Hues are spread so neighbouring indexes are easy to tell apart.
 */
export const RUN_PALETTE: readonly string[] = [
  '#3a7bd5', // blue
  '#e0582a', // vermilion
  '#1f9e5a', // green
  '#b455c9', // purple
  '#b07d00', // amber
  '#0f9aa8', // teal
  '#d6457a', // pink
  '#7a7fd6', // periwinkle
  '#7f8f14', // olive
  '#a0724a', // brown
];

export function runColour(index: number): string {
  const n = RUN_PALETTE.length;
  return RUN_PALETTE[((Math.trunc(index) % n) + n) % n];
}

/** `#rrggbb` with an alpha, for the faint raw line behind a smoothed one. */
export function withAlpha(hex: string, alpha: number): string {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

export function relativeLuminance(hex: string): number {
  const v = parseInt(hex.slice(1), 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((v >> 16) & 255) + 0.7152 * channel((v >> 8) & 255) + 0.0722 * channel(v & 255);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
