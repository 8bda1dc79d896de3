import { api } from "./api";
import { byId } from "./dom";
import { refreshMailboxesQuietly } from "./mailboxes";
import { reloadList, renderList } from "./message-list";
import { hasFilters, notDeleted, state } from "./state";
import type { MessageSummary } from "./types";

/**
 * New mail without a reload: a long poll on the open mailbox
 * (GET …/messages/wait), started again as soon as it answers, backing off on errors.
 */

export function startLivePoll(mailboxId: string): void {
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
    state.messages.unshift(...notDeleted(arrived).filter((message) => !known.has(message.id)));
    renderList();
  }
  byId("live-region").textContent =
    arrived.length === 1
      ? `New message: ${arrived[0]?.subject ?? "(no subject)"}`
      : `${arrived.length} new messages`;
  refreshMailboxesQuietly();
}
