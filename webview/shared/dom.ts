/** Tiny DOM helpers: elements are built with properties and text nodes only (no innerHTML, so run names cannot inject markup). */
type Attrs = Record<string, string | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children);
  return node;
}

/** A vscode-single-select of `options` ([value, text]) with `value` chosen; `onChange` gets only values it offered. */
export function singleSelect<T extends string>(label: string, options: readonly (readonly [T, string])[], value: T, onChange: (v: T) => void): HTMLElement {
  const s = el('vscode-single-select', { 'aria-label': label });
  for (const [v, text] of options) {
    const o = el('vscode-option', { value: v }, text);
    o.selected = v === value;
    s.append(o);
  }
  s.addEventListener('change', () => {
    const picked = options.find(([v]) => v === s.value);
    if (picked) onChange(picked[0]);
  });
  return s;
}
