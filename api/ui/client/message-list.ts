import { api } from "./api";
import { announce, byId, fill, h, icon, PAPERCLIP } from "./dom";
import { displayName, shortDate } from "./format";
import { hasFilters, messageHref, notDeleted, state } from "./state";
import type { MessageFilters, MessageSummary } from "./types";

/** The message list: search and filters, pages on the cursor as it scrolls, one row per message. */

export async function applyFilters(filters: MessageFilters): Promise<void> {
  state.filters = filters;
  await reloadList();
}

export async function reloadList(): Promise<void> {
  const mailboxId = state.mailboxId;
  if (!mailboxId) return;
  const generation = ++state.generation;
  state.loading = true;
  byId("message-list").setAttribute("aria-busy", "true");
  try {
    const page = await api.messages(mailboxId, state.filters, null);
    if (generation !== state.generation) return;
    state.messages = notDeleted(page.data);
    state.nextCursor = page.next_cursor;
    renderList();
  } catch (error) {
    announce(`Could not load messages: ${(error as Error).message}`, "error");
  } finally {
    if (generation === state.generation) {
      state.loading = false;
      byId("message-list").setAttribute("aria-busy", "false");
    }
  }
}

export async function loadMore(): Promise<void> {
  const mailboxId = state.mailboxId;
  if (!mailboxId || !state.nextCursor || state.loading) return;
  const generation = state.generation;
  state.loading = true;
  try {
    const page = await api.messages(mailboxId, state.filters, state.nextCursor);
    if (generation !== state.generation) return;
    const known = new Set(state.messages.map((message) => message.id));
    state.messages.push(...notDeleted(page.data).filter((message) => !known.has(message.id)));
    state.nextCursor = page.next_cursor;
    renderList();
  } catch (error) {
    announce(`Could not load more: ${(error as Error).message}`, "error");
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

function emptyState(): HTMLElement {
  const { quarantined, ...others } = state.filters;
  const searching = Object.values(others).some(
    (value) => value !== undefined && value !== "" && value !== false,
  );
  if (quarantined && !searching) {
    return h(
      "li",
      { class: "empty" },
      h("p", { class: "empty-title" }, "Nothing in quarantine"),
      h(
        "p",
        { class: "muted" },
        "Mail a quarantine rule holds waits here, unannounced, until you release it.",
      ),
    );
  }
  if (hasFilters()) return h("li", { class: "empty" }, h("p", {}, "No messages match this search."));
  const mailbox = state.mailboxes.find((item) => item.id === state.mailboxId);
  const address = mailbox?.address.replace(/^\*@/, "anything@") ?? "this mailbox";
  return h(
    "li",
    { class: "empty" },
    h("p", { class: "empty-title" }, "Waiting for mail"),
    h(
      "p",
      { class: "muted" },
      "Send a message to ",
      h("code", {}, address),
      "; it appears here as soon as it is stored.",
    ),
  );
}

export function renderList(): void {
  const list = byId("message-list");
  const rows = state.messages.map(messageRow);
  if (!rows.length) rows.push(emptyState());
  if (state.nextCursor) {
    const more = h("button", { type: "button", class: "button small", id: "load-more" }, "Load more");
    more.addEventListener("click", () => void loadMore());
    rows.push(h("li", { class: "more" }, more));
  }
  fill(list, rows);
  const sentinel = list.querySelector(".more");
  if (sentinel) moreObserver.observe(sentinel);
  byId("list-count").textContent = listCountText();
}

function listCountText(): string {
  const count = `${state.messages.length}${state.nextCursor ? "+" : ""}`;
  if (state.filters.quarantined) return `${count} quarantined`;
  return hasFilters() ? `${count} found` : `${count} messages`;
}

const moreObserver = new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) void loadMore();
});

function messageRow(message: MessageSummary): HTMLElement {
  const classes = ["row", message.seen ? "" : "unread", state.fresh.has(message.id) ? "fresh" : ""];
  const link = h(
    "a",
    {
      href: messageHref(message.mailbox_id, message.id),
      class: classes.filter(Boolean).join(" "),
      "data-id": message.id,
      "aria-current": message.id === state.openId ? "true" : null,
    },
    h("span", { class: "dot", "aria-hidden": "true" }),
    h("span", { class: "from" }, displayName(message.from)),
    h(
      "span",
      { class: "when" },
      message.attachment_count ? icon(PAPERCLIP, "Has attachments") : null,
      h("time", { datetime: message.received_at ?? "" }, shortDate(message.received_at)),
    ),
    h(
      "span",
      { class: "subject-line" },
      message.seen ? null : h("span", { class: "visually-hidden" }, "Unread. "),
      message.subject || "(no subject)",
    ),
    h("span", { class: "preview" }, message.preview ?? ""),
  );
  if (message.id === state.selectedId) link.classList.add("selected");
  return h("li", {}, link);
}

export function updateRow(message: MessageSummary): void {
  const row = document.querySelector(`#message-list [data-id="${CSS.escape(message.id)}"]`);
  row?.parentElement?.replaceWith(messageRow(message));
}
export function markCurrentRow(): void {
  for (const row of document.querySelectorAll<HTMLElement>("#message-list .row")) {
    const current = row.dataset.id === state.openId;
    if (current) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
    row.classList.toggle("selected", row.dataset.id === state.selectedId);
  }
}

export function resetSearchForm(): void {
  (byId("search-form") as HTMLFormElement).reset();
}

export function readSearchForm(): MessageFilters {
  const form = new FormData(byId<HTMLFormElement>("search-form"));
  const text = (name: string) => String(form.get(name) ?? "").trim() || undefined;
  return {
    q: text("q"),
    from: text("from"),
    to: text("to"),
    subject: text("subject"),
    since: text("since"),
    until: text("until"),
    unread: form.get("unread") === "on",
    quarantined: form.get("quarantined") === "on",
  };
}
