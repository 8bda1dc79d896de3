/**
 * The only way the inbox builds DOM: elements with text children. Nothing here
 * parses markup, so no string from a message can become an element or a script
 * in our origin (mail HTML goes to the sandboxed frame in mail-frame.ts only).
 */

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) throw new Error("use listen(), not inline handlers");
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false) {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** A small stroked icon (24×24 path), hidden from assistive technology. */
export function icon(path: string, label = ""): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  if (label) svg.appendChild(document.createElementNS(ns, "title")).textContent = label;
  const shape = svg.appendChild(document.createElementNS(ns, "path"));
  shape.setAttribute("d", path);
  return svg;
}

export const PAPERCLIP =
  "M21 11.5 12.4 20a5.5 5.5 0 0 1-7.8-7.8l8.6-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.5a1.8 1.8 0 0 1-2.6-2.6l7.9-7.8";

export const ENVELOPE = "M4 6h16v12H4z M4.5 6.5 12 12l7.5-5.5";

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** The one button a toast may carry, e.g. Undo. */
export interface ToastAction {
  label: string;
  /** Its `data-action`. */
  name: string;
  run(): void;
}

/**
 * Announces a short status to screen readers and shows it as a toast, for
 * `durationMs` (2.5 s, 6 s for errors); with `action`, a button beside the text.
 */
export function announce(
  text: string,
  kind: "info" | "error" = "info",
  options: { action?: ToastAction; durationMs?: number } = {},
): void {
  const toast = byId("toast");
  const { action } = options;
  if (action) {
    const button = h(
      "button",
      { type: "button", class: "toast-action", "data-action": action.name },
      action.label,
    );
    button.addEventListener("click", () => {
      dismissToast();
      action.run();
    });
    fill(toast, h("span", {}, text), " · ", button);
  } else {
    toast.textContent = text;
  }
  toast.dataset.kind = kind;
  toast.hidden = false;
  window.clearTimeout(Number(toast.dataset.timer ?? 0));
  toast.dataset.timer = String(
    window.setTimeout(dismissToast, options.durationMs ?? (kind === "error" ? 6000 : 2500)),
  );
}

/** Hides the toast; with `action`, only while it offers that action (an Undo no longer possible). */
export function dismissToast(action?: string): void {
  const toast = byId("toast");
  if (action && !toast.querySelector(`[data-action="${CSS.escape(action)}"]`)) return;
  window.clearTimeout(Number(toast.dataset.timer ?? 0));
  toast.hidden = true;
  fill(toast, null);
}

/** Saves bytes as a file: the API needs a bearer header, which a plain link cannot carry. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Disables `control` while `task` runs, and gives it back the focus that disabling took away. */
export async function whileBusy<T>(
  control: HTMLButtonElement | HTMLInputElement,
  task: () => Promise<T>,
): Promise<T> {
  const focused = document.activeElement === control;
  control.disabled = true;
  try {
    return await task();
  } finally {
    control.disabled = false;
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (focused && lost && control.isConnected) control.focus();
  }
}
