import { byId } from "./dom";

/**
 * Asks before something that cannot be undone, in the page's one confirmation
 * <dialog> (shell.tsx): modal, so focus stays inside; Escape or Cancel answer
 * no. Cancel has the focus first, so a stray Enter deletes nothing.
 */
export function confirmAction(options: { title: string; body: string; confirm: string }): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>("confirm");
  const ok = byId<HTMLButtonElement>("confirm-ok");
  const cancel = byId<HTMLButtonElement>("confirm-cancel");
  byId("confirm-title").textContent = options.title;
  byId("confirm-body").textContent = options.body;
  ok.textContent = options.confirm;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    const listening = new AbortController();
    const { signal } = listening;
    ok.addEventListener("click", () => dialog.close("confirm"), { signal });
    cancel.addEventListener("click", () => dialog.close(), { signal });
    dialog.addEventListener(
      "close",
      () => {
        listening.abort();
        resolve(dialog.returnValue === "confirm");
      },
      { signal },
    );
    dialog.showModal();
    cancel.focus();
  });
}
