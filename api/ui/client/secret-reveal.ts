import { announce, h } from "./dom";

/**
 * A signing secret, shown the one time the API returns it (create, rotate),
 * with a copy button. It lives in this element only: never in storage, and
 * gone when the reader clicks Done or leaves the endpoint.
 */
export function secretReveal(options: {
  title: string;
  note: string;
  secret: string;
  done: () => void;
}): HTMLElement {
  const value = h("code", { class: "secret-value", id: "secret-value" }, options.secret);
  const copy = h("button", { type: "button", class: "button small", "data-action": "copy-secret" }, "Copy");
  copy.addEventListener("click", () => void copySecret(options.secret, value, copy));
  const done = h(
    "button",
    { type: "button", class: "button small ghost", "data-action": "hide-secret" },
    "Done",
  );
  done.addEventListener("click", options.done);
  return h(
    "div",
    {
      class: "secret-reveal",
      role: "group",
      "aria-labelledby": "secret-title",
      "aria-describedby": "secret-note",
    },
    h(
      "p",
      {},
      h("strong", { id: "secret-title" }, options.title),
      " ",
      h("span", { id: "secret-note" }, options.note),
    ),
    h("div", { class: "secret-row" }, value, h("span", { class: "secret-actions" }, copy, done)),
  );
}

async function copySecret(secret: string, value: HTMLElement, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(secret);
    button.textContent = "Copied";
    announce("Secret copied to the clipboard");
  } catch {
    // No clipboard here (plain http on another host, or permission refused): select it for the keyboard.
    const range = document.createRange();
    range.selectNodeContents(value);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    announce("Secret selected: press Ctrl+C (⌘C on a Mac) to copy it");
  }
}
