// A few DOM helpers: the console is plain DOM, no framework.

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | ((event: Event) => void) | undefined>;

/** h('button', { type: 'button', onclick: fn }, 'Text'): attributes, event handlers, children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== undefined && value !== false) element.setAttribute(name, value);
  }
  element.append(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
  return element;
}

let ids = 0;
export const uniqueId = (prefix: string) => `${prefix}-${++ids}`;

/** A labelled field with its hint and its (initially empty) error line, linked for screen readers. */
export function field(label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string) {
  input.id ||= uniqueId('field');
  const error = h('p', { class: 'error', id: `${input.id}-error`, 'aria-live': 'polite' });
  const hintLine = hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null;
  input.setAttribute('aria-describedby', [hintLine?.id, error.id].filter(Boolean).join(' '));
  const wrapper = h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintLine, error);
  return { wrapper, input, error };
}

export function showError(target: { input: Element; error: HTMLElement }, message: string | undefined): void {
  target.error.textContent = message ?? '';
  if (message) target.input.setAttribute('aria-invalid', 'true');
  else target.input.removeAttribute('aria-invalid');
}

export async function copyText(text: string, button: HTMLButtonElement): Promise<void> {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Select and copy by hand';
  }
  setTimeout(() => (button.textContent = label), 2000);
}
