import { byId } from "./dom";
import { closeCurrent, deleteCurrent, moveSelection, openSelected, toggleSeenCurrent } from "./inbox";
import { undoDelete } from "./undo-delete";

/** Mail-client shortcuts, off while typing in a field or with a modifier held. */
const inboxKeys: Record<string, () => void> = {
  j: () => moveSelection(1),
  k: () => moveSelection(-1),
  Enter: openSelected,
  "#": deleteCurrent,
  z: undoDelete,
  u: toggleSeenCurrent,
  Escape: closeCurrent,
  "/": () => byId("search").focus(),
};

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function installShortcuts(): void {
  byId("shortcuts-close").addEventListener("click", () => byId<HTMLDialogElement>("shortcuts").close());
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (document.body.dataset.view !== "inbox" || document.body.dataset.signedIn !== "true") return;
    const help = byId<HTMLDialogElement>("shortcuts");
    if (event.key === "?" && !byId<HTMLDialogElement>("confirm").open) {
      if (help.open) help.close();
      else help.showModal();
      return;
    }
    // A dialog is open: the keys are its own. Escape closes it, the browser's default for a modal
    // <dialog>, which preventDefault() below would cancel; nothing acts on the page under it.
    if (document.querySelector("dialog[open]")) return;
    // Enter on a focused link or button already does its own thing.
    if (event.key === "Enter" && (event.target as HTMLElement).closest("a, button")) return;
    const action = inboxKeys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
