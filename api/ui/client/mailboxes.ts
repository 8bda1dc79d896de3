import { api } from "./api";
import { byId, fill, h } from "./dom";
import { mailboxHref, state } from "./state";
import type { Mailbox } from "./types";

/** The sidebar's mailboxes with their unread counts. */

export async function loadMailboxes(): Promise<Mailbox[]> {
  // Named mailboxes A to Z, each domain's catch-all after them.
  state.mailboxes = (await api.mailboxes()).data.sort(
    (a, b) =>
      Number(a.address.startsWith("*@")) - Number(b.address.startsWith("*@")) ||
      a.address.localeCompare(b.address),
  );
  renderMailboxes();
  return state.mailboxes;
}

export function renderMailboxes(): void {
  const list = byId("mailbox-list");
  if (!state.mailboxes.length) {
    fill(
      list,
      h("li", { class: "muted empty-nav" }, "No mailboxes yet: create one with POST /v1/mailboxes."),
    );
    return;
  }
  fill(
    list,
    state.mailboxes.map((mailbox) =>
      h(
        "li",
        {},
        h(
          "a",
          {
            href: mailboxHref(mailbox.id),
            class: "mailbox-link",
            "aria-current": mailbox.id === state.mailboxId ? "page" : null,
            "data-mailbox": mailbox.id,
          },
          h("span", { class: "mailbox-address" }, mailbox.address),
          mailbox.unread_count
            ? h(
                "span",
                { class: "count", "aria-label": `${mailbox.unread_count} unread` },
                String(mailbox.unread_count),
              )
            : null,
        ),
      ),
    ),
  );
}

export function refreshMailboxesQuietly(): void {
  loadMailboxes().catch(() => {});
}
