// Per file, not only in tsconfig: Bun reads tsconfig from the working directory, which for `npm start` may be anywhere.
/** @jsxImportSource hono/jsx */

/**
 * The Rejections page's frame: the reason filter and the place for the ledger,
 * which the client (client/rejections.ts) fills a page at a time.
 */

/** The reasons GET /v1/rejections documents for a tenant's mail. */
const REASONS: Array<[string, string]> = [
  ["rule_rejected", "a rule"],
  ["mailbox_unknown", "unknown mailbox"],
  ["domain_unverified", "domain not verified"],
  ["hook_rejected", "the RCPT hook"],
  ["hook_failed", "the RCPT hook failed"],
  ["quota_exceeded", "quota used up"],
  ["reply_address_invalid", "invalid reply address"],
  ["too_big", "message too big"],
  ["insufficient_storage", "storage low"],
  ["storage_failed", "storage failed"],
  ["ledger_dropped", "over the ledger's bound"],
];

export function RejectionsPage() {
  return (
    <section class="page rejections-page" aria-labelledby="rejections-title">
      <div class="page-head">
        <h1 id="rejections-title">Rejections</h1>
        <p class="muted">Every refusal of mail to your domains, newest first.</p>
      </div>
      <form id="rejection-filter" class="filter-bar" aria-label="Filter rejections">
        <label for="rejection-reason">Reason</label>
        <select id="rejection-reason">
          <option value="">All reasons</option>
          {REASONS.map(([reason, what]) => (
            <option value={reason}>
              {reason} ({what})
            </option>
          ))}
        </select>
        <button id="rejections-refresh" class="button small" type="submit">
          Refresh
        </button>
      </form>
      <p id="rejection-count" class="list-meta" role="status" />
      <div id="rejection-list" />
      <p class="more">
        <button id="rejections-more" class="button small" type="button" hidden>
          Load older
        </button>
      </p>
    </section>
  );
}
