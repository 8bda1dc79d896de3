import { api } from "./api";
import { announce, byId, ENVELOPE, fill, h, icon } from "./dom";
import { startLivePoll } from "./live";
import { refreshMailboxesQuietly, renderMailboxes } from "./mailboxes";
import { loadMore, markCurrentRow, reloadList, renderList, resetSearchForm, updateRow } from "./message-list";
import { type MessageActions, renderMessage } from "./message-view";
import { mailboxHref, messageHref, state } from "./state";
import type { Message, MessageSummary } from "./types";
import { deleteWithUndo } from "./undo-delete";

/** The inbox view: which mailbox and message are shown, the actions on messages, and the keys for them. */

const messageActions: MessageActions = {
  close: closeMessage,
  toggleSeen,
  remove: deleteMessage,
  release: releaseMessage,
};

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
  renderMessage(message, messageActions);
  if (!wasSeen) void setSeen(message, true, false);
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
    if (rerender && state.openId === message.id) renderMessage(updated, messageActions);
    refreshMailboxesQuietly();
  } catch (error) {
    announce(`Could not update the message: ${(error as Error).message}`, "error");
  }
}

function toggleSeen(message: Message | MessageSummary): void {
  const seen = !message.seen;
  void setSeen(message, seen, true).then(() => announce(seen ? "Marked as read" : "Marked as unread"));
}

/**
 * Release from quarantine: the message leaves the quarantined list and is
 * ordinary mail from now on (in the mailbox's list, and its webhooks are sent).
 */
async function releaseMessage(message: Message): Promise<void> {
  let released: Message;
  try {
    released = await api.releaseMessage(message.id);
  } catch (error) {
    announce(`Could not release the message: ${(error as Error).message}`, "error");
    return;
  }
  if (state.filters.quarantined) {
    state.messages = state.messages.filter((item) => item.id !== message.id);
    renderList();
  }
  if (state.openId === message.id) renderMessage(released, messageActions);
  announce("Released: the message is in the inbox now, and sent to webhooks");
  refreshMailboxesQuietly();
}

/**
 * Delete, with an undo (undo-delete.ts): the message leaves the list at once and
 * the next one is shown; the DELETE is sent when the toast's Undo has expired.
 */
export function deleteMessage(id: string): void {
  const mailboxId = state.mailboxId;
  const index = state.messages.findIndex((message) => message.id === id);
  const summary = state.messages[index];
  const wasOpen = state.openId === id;
  state.messages = state.messages.filter((message) => message.id !== id);
  const next = index === -1 ? undefined : state.messages[Math.min(index, state.messages.length - 1)];
  renderList();
  deleteWithUndo(id, {
    restore: () => restoreMessage(id, summary, mailboxId, wasOpen),
    sent: refreshMailboxesQuietly,
    failed: (message) => {
      announce(`Could not delete: ${message}`, "error");
      restoreMessage(id, summary, mailboxId, false);
    },
  });
  if (!mailboxId) return;
  if (wasOpen) location.hash = next ? messageHref(mailboxId, next.id) : mailboxHref(mailboxId);
  else if (next) select(next.id);
}

/** Puts a message back in the list (in id order, newest first) and selects it, or opens it again. */
function restoreMessage(
  id: string,
  summary: MessageSummary | undefined,
  mailboxId: string | null,
  reopen: boolean,
): void {
  if (!mailboxId || state.mailboxId !== mailboxId) return;
  if (summary && !state.messages.some((message) => message.id === id)) {
    const at = state.messages.findIndex((message) => message.id < id);
    state.messages.splice(at === -1 ? state.messages.length : at, 0, summary);
    renderList();
  }
  if (reopen) location.hash = messageHref(mailboxId, id);
  else select(id);
}

// The keys (keyboard.ts) act on the open message, or on the selected row when none is open.

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
  if (id) deleteMessage(id);
}

export function toggleSeenCurrent(): void {
  const id = state.openId ?? state.selectedId;
  const message = state.messages.find((item) => item.id === id);
  if (message) toggleSeen(message);
}

export function closeCurrent(): void {
  if (state.openId) closeMessage();
}
