import { api } from "./api";
import { announce, byId, ENVELOPE, fill, h, icon, PAPERCLIP } from "./dom";
import { displayName, shortDate } from "./format";
import { renderMessage } from "./message-view";
import type { Mailbox, Message, MessageFilters, MessageSummary } from "./types";

/** Mailboxes, the message list (search, filters, infinite scroll, live arrivals) and the actions on messages. */

interface InboxState {
  mailboxes: Mailbox[];
  mailboxId: string | null;
  filters: MessageFilters;
  messages: MessageSummary[];
  nextCursor: string | null;
  loading: boolean;
  /** The newest message id of the mailbox (unfiltered): where the long poll starts. */
  latestId: string | null;
  openId: string | null;
  selectedId: string | null;
  /** Bumped on every new list load, so a late answer for an old one is dropped. */
  generation: number;
  poll: AbortController | null;
  fresh: Set<string>;
}

const state: InboxState = {
  mailboxes: [],
  mailboxId: null,
  filters: {},
  messages: [],
  nextCursor: null,
  loading: false,
  latestId: null,
  openId: null,
  selectedId: null,
  generation: 0,
  poll: null,
  fresh: new Set(),
};

export const mailboxHref = (mailboxId: string) => `#/m/${mailboxId}`;
export const messageHref = (mailboxId: string, messageId: string) => `#/m/${mailboxId}/${messageId}`;

const hasFilters = () =>
  Object.values(state.filters).some((value) => value !== undefined && value !== "" && value !== false);

// ---- mailboxes ----------------------------------------------------------------

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

function renderMailboxes(): void {
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

function refreshMailboxesQuietly(): void {
  loadMailboxes().catch(() => {});
}

// ---- the list -----------------------------------------------------------------

/** Shows a mailbox; with `messageId`, also opens that message. */
export async function showMailbox(mailboxId: string, messageId: string | null): Promise<void> {
  if (state.mailboxId !== mailboxId) {
    state.mailboxId = mailboxId;
    state.filters = {};
    state.openId = null;
    resetSearchForm();
    renderMailboxes();
    const mailbox = state.mailboxes.find((item) => item.id === mailboxId);
    byId("list-title").textContent = mailbox?.address ?? "Mailbox";
    await reloadList();
    if (state.mailboxId !== mailboxId) return;
    state.latestId = state.messages[0]?.id ?? null;
    startLivePoll(mailboxId);
  }
  if (messageId) await openMessage(messageId);
  else closeReader();
}

export async function applyFilters(filters: MessageFilters): Promise<void> {
  state.filters = filters;
  await reloadList();
}

async function reloadList(): Promise<void> {
  const mailboxId = state.mailboxId;
  if (!mailboxId) return;
  const generation = ++state.generation;
  state.loading = true;
  byId("message-list").setAttribute("aria-busy", "true");
  try {
    const page = await api.messages(mailboxId, state.filters, null);
    if (generation !== state.generation) return;
    state.messages = page.data;
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
    state.messages.push(...page.data.filter((message) => !known.has(message.id)));
    state.nextCursor = page.next_cursor;
    renderList();
  } catch (error) {
    announce(`Could not load more: ${(error as Error).message}`, "error");
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

function emptyState(): HTMLElement {
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

function renderList(): void {
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

function updateRow(message: MessageSummary): void {
  const row = document.querySelector(`#message-list [data-id="${CSS.escape(message.id)}"]`);
  row?.parentElement?.replaceWith(messageRow(message));
}

// ---- live arrivals ----------------------------------------------------------------

function startLivePoll(mailboxId: string): void {
  state.poll?.abort();
  const controller = new AbortController();
  state.poll = controller;
  void pollLoop(mailboxId, controller.signal);
}

export function stopLivePoll(): void {
  state.poll?.abort();
  state.poll = null;
  state.mailboxId = null;
}

function setLive(live: boolean): void {
  const badge = byId("live");
  badge.dataset.live = String(live);
  badge.textContent = live ? "Live" : "Reconnecting…";
}

async function pollLoop(mailboxId: string, signal: AbortSignal): Promise<void> {
  let failures = 0;
  while (!signal.aborted) {
    try {
      setLive(true);
      const arrived = await api.waitForMessages(mailboxId, state.latestId, signal);
      failures = 0;
      if (signal.aborted) return;
      // Nothing seen yet: a message stored between the first list and this wait is caught here.
      if (arrived === null) {
        if (!state.latestId && !hasFilters()) await reloadAfterQuietWait();
        continue;
      }
      if (arrived.length === 0) continue;
      state.latestId = arrived[0]?.id ?? state.latestId;
      await onArrived(arrived);
    } catch {
      if (signal.aborted) return;
      failures += 1;
      setLive(false);
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** failures)));
    }
  }
}

async function reloadAfterQuietWait(): Promise<void> {
  await reloadList();
  state.latestId = state.messages[0]?.id ?? null;
}

async function onArrived(arrived: MessageSummary[]): Promise<void> {
  for (const message of arrived) state.fresh.add(message.id);
  if (hasFilters()) await reloadList();
  else {
    const known = new Set(state.messages.map((message) => message.id));
    state.messages.unshift(...arrived.filter((message) => !known.has(message.id)));
    renderList();
  }
  byId("live-region").textContent =
    arrived.length === 1
      ? `New message: ${arrived[0]?.subject ?? "(no subject)"}`
      : `${arrived.length} new messages`;
  refreshMailboxesQuietly();
}

// ---- reading and actions -------------------------------------------------------

async function openMessage(id: string): Promise<void> {
  state.openId = id;
  state.selectedId = id;
  document.body.dataset.reading = "true";
  markCurrentRow();
  let message: Message;
  try {
    message = await api.message(id);
  } catch (error) {
    fill(
      byId("reader"),
      h("p", { class: "notice warn" }, `Could not open the message: ${(error as Error).message}`),
    );
    return;
  }
  if (state.openId !== id) return;
  const wasSeen = message.seen;
  // Opening marks it read: show it so at once (the PATCH follows).
  message.seen = true;
  renderMessage(message, { close: closeMessage, toggleSeen, remove: deleteMessage });
  if (!wasSeen) void setSeen(message, true, false);
}

function markCurrentRow(): void {
  for (const row of document.querySelectorAll<HTMLElement>("#message-list .row")) {
    const current = row.dataset.id === state.openId;
    if (current) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
    row.classList.toggle("selected", row.dataset.id === state.selectedId);
  }
}

function closeReader(): void {
  state.openId = null;
  document.body.dataset.reading = "false";
  fill(
    byId("reader"),
    h(
      "div",
      { class: "reader-empty" },
      icon(ENVELOPE),
      h("p", { class: "empty-title" }, "No message selected"),
      h(
        "p",
        { class: "muted" },
        h("kbd", {}, "j"),
        " ",
        h("kbd", {}, "k"),
        " to move, ",
        h("kbd", {}, "Enter"),
        " to open, ",
        h("kbd", {}, "/"),
        " to search, ",
        h("kbd", {}, "?"),
        " for all shortcuts",
      ),
    ),
  );
  markCurrentRow();
}

function closeMessage(): void {
  if (state.mailboxId) location.hash = mailboxHref(state.mailboxId);
}

async function setSeen(message: Message | MessageSummary, seen: boolean, rerender: boolean): Promise<void> {
  try {
    const updated = await api.setSeen(message.id, seen);
    const summary = state.messages.find((item) => item.id === message.id);
    if (summary) {
      summary.seen = seen;
      updateRow(summary);
    }
    if (rerender && state.openId === message.id) {
      renderMessage(updated, { close: closeMessage, toggleSeen, remove: deleteMessage });
    }
    refreshMailboxesQuietly();
  } catch (error) {
    announce(`Could not update the message: ${(error as Error).message}`, "error");
  }
}

function toggleSeen(message: Message | MessageSummary): void {
  const seen = !message.seen;
  void setSeen(message, seen, true).then(() => announce(seen ? "Marked as read" : "Marked as unread"));
}

export async function deleteMessage(id: string): Promise<void> {
  const index = state.messages.findIndex((message) => message.id === id);
  try {
    await api.deleteMessage(id);
  } catch (error) {
    announce(`Could not delete: ${(error as Error).message}`, "error");
    return;
  }
  state.messages = state.messages.filter((message) => message.id !== id);
  const next = state.messages[Math.min(index, state.messages.length - 1)];
  renderList();
  announce("Message deleted");
  refreshMailboxesQuietly();
  const mailboxId = state.mailboxId;
  if (!mailboxId) return;
  if (state.openId === id) location.hash = next ? messageHref(mailboxId, next.id) : mailboxHref(mailboxId);
  else if (next) select(next.id);
}

// ---- keyboard -------------------------------------------------------------------

function select(id: string): void {
  state.selectedId = id;
  markCurrentRow();
  const row = document.querySelector<HTMLElement>(`#message-list [data-id="${CSS.escape(id)}"]`);
  row?.focus();
  row?.scrollIntoView({ block: "nearest" });
}

/** j / k: the next or previous message; while one is open, open that one. */
export function moveSelection(step: 1 | -1): void {
  const mailboxId = state.mailboxId;
  if (!mailboxId || !state.messages.length) return;
  const from = state.messages.findIndex((message) => message.id === (state.openId ?? state.selectedId));
  const index = from === -1 ? 0 : Math.max(0, Math.min(state.messages.length - 1, from + step));
  const target = state.messages[index];
  if (!target) return;
  if (index === state.messages.length - 1 && state.nextCursor) void loadMore();
  if (state.openId) location.hash = messageHref(mailboxId, target.id);
  else select(target.id);
}

export function openSelected(): void {
  if (state.mailboxId && state.selectedId && !state.openId) {
    location.hash = messageHref(state.mailboxId, state.selectedId);
  }
}

export function deleteCurrent(): void {
  const id = state.openId ?? state.selectedId;
  if (id) void deleteMessage(id);
}

export function toggleSeenCurrent(): void {
  const id = state.openId ?? state.selectedId;
  const message = state.messages.find((item) => item.id === id);
  if (message) toggleSeen(message);
}

export function closeCurrent(): void {
  if (state.openId) closeMessage();
}

// ---- search form ---------------------------------------------------------------

function resetSearchForm(): void {
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
  };
}
