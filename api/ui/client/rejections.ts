import { api } from "./api";
import { announce, byId, fill, h, whileBusy } from "./dom";
import { exactTime } from "./format";
import type { Page, Rejection, RejectionFilters } from "./types";

/**
 * The Rejections page: the ledger of refusals, newest first, a page at a time
 * (Load older follows `next_cursor`), filtered by reason. While the page is
 * open, refusals recorded since are put on top.
 */

let rows: Rejection[] = [];
let nextCursor: string | null = null;
let filters: RejectionFilters = {};
/** Bumped on every new load (another filter, a refresh), so a late answer for an old one is dropped. */
let generation = 0;
let refreshTimer = 0;

const STAGES: Record<Rejection["stage"], string> = {
  connect: "connect",
  mail_from: "MAIL FROM",
  rcpt_to: "RCPT TO",
  data: "DATA",
};

export async function showRejections(): Promise<void> {
  filters = readFilter();
  await reloadRejections();
  window.clearInterval(refreshTimer);
  refreshTimer = window.setInterval(() => {
    if (document.visibilityState === "visible") void addNewest();
  }, 5000);
}

export function leaveRejections(): void {
  window.clearInterval(refreshTimer);
}

/** Forgets what the page showed (signing out). */
export function forgetRejections(): void {
  leaveRejections();
  generation += 1;
  rows = [];
  nextCursor = null;
  fill(byId("rejection-list"), null);
  byId("rejection-count").textContent = "";
  byId("rejections-more").hidden = true;
  byId<HTMLFormElement>("rejection-filter").reset();
}

function readFilter(): RejectionFilters {
  const reason = byId<HTMLSelectElement>("rejection-reason").value;
  return reason ? { reason } : {};
}

async function load(cursor: string | null): Promise<Page<Rejection>> {
  const list = byId("rejection-list");
  list.setAttribute("aria-busy", "true");
  try {
    return await api.rejections(filters, cursor);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

async function reloadRejections(): Promise<void> {
  const asked = ++generation;
  let page: Page<Rejection>;
  try {
    page = await load(null);
  } catch (error) {
    if (asked !== generation) return;
    rows = [];
    nextCursor = null;
    byId("rejections-more").hidden = true;
    byId("rejection-count").textContent = "";
    const text = `Could not load rejections: ${(error as Error).message}`;
    fill(byId("rejection-list"), h("p", { class: "notice warn" }, text));
    return;
  }
  if (asked !== generation) return;
  rows = page.data;
  nextCursor = page.next_cursor;
  render();
}

async function loadOlder(): Promise<void> {
  const asked = generation;
  if (!nextCursor) return;
  let page: Page<Rejection>;
  try {
    page = await load(nextCursor);
  } catch (error) {
    announce(`Could not load older rejections: ${(error as Error).message}`, "error");
    return;
  }
  if (asked !== generation) return;
  const known = new Set(rows.map((row) => row.id));
  rows.push(...page.data.filter((row) => !known.has(row.id)));
  nextCursor = page.next_cursor;
  render();
}

/** Refusals recorded since the newest one shown go on top; after a gap wider than a page, the list starts again. */
async function addNewest(): Promise<void> {
  const asked = generation;
  let page: Page<Rejection>;
  try {
    page = await api.rejections(filters, null);
  } catch {
    return;
  }
  if (asked !== generation) return;
  const newest = rows[0]?.id;
  // Ids are time-ordered, as the ledger's own order.
  const fresh = newest === undefined ? page.data : page.data.filter((row) => row.id > newest);
  if (!fresh.length) return;
  if (fresh.length === page.data.length && (page.next_cursor || !rows.length)) {
    rows = page.data;
    nextCursor = page.next_cursor;
  } else {
    rows.unshift(...fresh);
  }
  render();
}

function render(): void {
  byId("rejections-more").hidden = !nextCursor;
  const count = `${rows.length}${nextCursor ? "+" : ""}`;
  byId("rejection-count").textContent = filters.reason
    ? `${count} ${filters.reason} refusals`
    : `${count} refusals`;
  if (!rows.length) {
    fill(
      byId("rejection-list"),
      h(
        "p",
        { class: "empty" },
        filters.reason ? "No refusals for this reason." : "No refusals recorded: every message was taken.",
      ),
    );
    return;
  }
  fill(
    byId("rejection-list"),
    h(
      "table",
      { class: "data-table", id: "rejection-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Time", "Stage", "Code", "Reason", "Detail", "Sender", "Recipient", "Client"].map((name) =>
            h("th", { scope: "col" }, name),
          ),
        ),
      ),
      h("tbody", {}, rows.map(rejectionRow)),
    ),
  );
}

function rejectionRow(row: Rejection): HTMLElement {
  const none = () => h("span", { class: "muted" }, "—");
  return h(
    "tr",
    { "data-rejection": row.id, "data-reason": row.reason },
    h("td", { "data-label": "Time", class: "nowrap" }, h("time", { datetime: row.at }, exactTime(row.at))),
    h("td", { "data-label": "Stage", class: "nowrap" }, STAGES[row.stage] ?? row.stage),
    h(
      "td",
      { "data-label": "Code", class: "nowrap" },
      row.code ? h("code", {}, `${row.code} ${row.enhanced_code}`.trim()) : none(),
    ),
    h("td", { "data-label": "Reason" }, h("span", { class: "pill" }, row.reason)),
    h("td", { "data-label": "Detail" }, row.detail || none()),
    // An empty MAIL FROM is the null sender (bounces).
    h("td", { "data-label": "Sender" }, row.mail_from === null ? none() : row.mail_from || "<>"),
    h("td", { "data-label": "Recipient" }, row.rcpt_to ?? none()),
    h("td", { "data-label": "Client", class: "nowrap" }, row.client_ip ?? none()),
  );
}

export function wireRejections(): void {
  const form = byId<HTMLFormElement>("rejection-filter");
  const refresh = byId<HTMLButtonElement>("rejections-refresh");
  const more = byId<HTMLButtonElement>("rejections-more");
  const apply = () => {
    filters = readFilter();
    return reloadRejections();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void whileBusy(refresh, apply);
  });
  byId("rejection-reason").addEventListener("change", () => void apply());
  more.addEventListener("click", () => void whileBusy(more, loadOlder));
}
