import type { Mailbox, MessageFilters, MessageSummary } from "./types";

/** What the inbox views share: the mailboxes, the list as shown, and what is open or selected. */

export interface InboxState {
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
  /** Deleted here (waiting out its undo or sent): kept out of every list the API returns. */
  deleted: Set<string>;
}

export const state: InboxState = {
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
  deleted: new Set(),
};

export const mailboxHref = (mailboxId: string) => `#/m/${mailboxId}`;
export const messageHref = (mailboxId: string, messageId: string) => `#/m/${mailboxId}/${messageId}`;

/** The messages of a page the API returned, less those deleted here. */
export const notDeleted = (messages: MessageSummary[]) =>
  messages.filter((message) => !state.deleted.has(message.id));

export const hasFilters = () =>
  Object.values(state.filters).some((value) => value !== undefined && value !== "" && value !== false);
