// Per file, not only in tsconfig: Bun reads tsconfig from the working directory, which for `npm start` may be anywhere.
/** @jsxImportSource hono/jsx */
import { RejectionsPage } from "./rejections-page";
import { RulesPage } from "./rules-page";

/**
 * The inbox's one HTML page: the sign-in form and the empty app frame. Mail and
 * everything per tenant is filled in by the client script after sign-in (the
 * API key lives in the browser tab, so the server renders nothing private).
 */

export function Logo(props: { size?: number }) {
  const size = props.size ?? 28;
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="8" fill="#2151c5" />
      <rect x="7.5" y="10" width="17" height="12" rx="2" fill="none" stroke="#fff" stroke-width="2" />
      <path
        d="M8.5 11.5 16 17.2l7.5-5.7"
        fill="none"
        stroke="#fff"
        stroke-width="2"
        stroke-linecap="round"
        stroke-linejoin="round"
      />
    </svg>
  );
}

function SignIn() {
  return (
    <main id="signin" class="signin">
      <div class="signin-card">
        <span class="brand">
          <Logo size={36} />
          OmniMail
        </span>
        <h1>Sign in to your inbox</h1>
        <p class="muted">Use one of your tenant's API keys.</p>
        <form id="signin-form" autocomplete="off">
          <label for="api-key">API key</label>
          {/* No name attribute: the key is never serialised into a form submission or URL. */}
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            placeholder="om_live_…"
            aria-describedby="signin-hint"
          />
          <p id="signin-error" class="error" role="alert" hidden />
          <button id="signin-submit" class="button primary" type="submit">
            Sign in
          </button>
        </form>
        <p class="hint" id="signin-hint">
          The key stays in this browser tab (session storage) and is sent only as an Authorization header.
          Closing the tab or signing out forgets it. <code>npm start</code> prints a key on first start.
        </p>
        <p class="hint" id="signin-new-key">
          Lost the key? <code>npm run omnimail -- keys create</code> makes a new one (no server needed).
        </p>
        <noscript>
          <p class="error">The inbox needs JavaScript. The API and its reference at /docs work without it.</p>
        </noscript>
      </div>
    </main>
  );
}

function Sidebar() {
  return (
    <aside class="sidebar">
      <a class="brand" href="#/">
        <Logo />
        OmniMail
      </a>
      <nav aria-label="Main">
        <p class="nav-title" id="mailboxes-title">
          Mailboxes
        </p>
        <ul id="mailbox-list" aria-labelledby="mailboxes-title" />
        <p class="nav-title">Policy</p>
        <ul>
          <li>
            <a class="nav-link" data-nav="rules" href="#/rules">
              Rules
            </a>
          </li>
          <li>
            <a class="nav-link" data-nav="rejections" href="#/rejections">
              Rejections
            </a>
          </li>
        </ul>
        <p class="nav-title">Developers</p>
        <ul>
          <li>
            <a class="nav-link" data-nav="webhooks" href="#/webhooks">
              Webhooks
            </a>
          </li>
        </ul>
      </nav>
      <div class="sidebar-foot">
        <a class="nav-link docs-link" href="/docs">
          API reference
        </a>
        <button id="signout" class="button ghost" type="button">
          Sign out
        </button>
      </div>
    </aside>
  );
}

function FilterField(props: { name: string; label: string; type?: string }) {
  return (
    <label>
      {props.label}
      <input name={props.name} type={props.type ?? "text"} autocomplete="off" />
    </label>
  );
}

function MessageList() {
  return (
    <section class="list-pane" aria-labelledby="list-title">
      <div class="list-head">
        <div class="list-title-row">
          <h1 id="list-title">Inbox</h1>
          <span id="live" class="live" data-live="false" role="status">
            Connecting…
          </span>
        </div>
        <search>
          <form id="search-form">
            <div class="search-row">
              <label for="search" class="visually-hidden">
                Search messages
              </label>
              <input id="search" name="q" type="search" placeholder="Search mail   /" autocomplete="off" />
              <label class="check">
                <input name="unread" type="checkbox" /> Unread
              </label>
            </div>
            <details class="filters">
              <summary>More filters</summary>
              <div class="filter-grid">
                <FilterField name="from" label="From" />
                <FilterField name="to" label="To" />
                <FilterField name="subject" label="Subject" />
                <span />
                <FilterField name="since" label="Since" type="date" />
                <FilterField name="until" label="Until" type="date" />
                <div class="filter-actions">
                  <button class="button small" type="reset">
                    Clear
                  </button>
                  <button class="button small primary" type="submit">
                    Apply
                  </button>
                </div>
              </div>
            </details>
          </form>
        </search>
        <div class="list-meta-row">
          <p id="list-count" class="list-meta" />
          {/* Part of the search form (its filters, its reset), placed here beside the count it changes. */}
          <label class="check list-meta" title="Mail a quarantine rule holds until you release it">
            <input id="quarantined" name="quarantined" type="checkbox" form="search-form" /> Quarantined
          </label>
        </div>
      </div>
      <ul id="message-list" aria-label="Messages" tabindex={-1} />
    </section>
  );
}

function WebhooksPage() {
  return (
    <section class="webhooks-page" aria-labelledby="webhooks-title">
      <div class="page-head">
        <h1 id="webhooks-title">Webhooks</h1>
        <p class="muted">
          Every stored message is POSTed, signed per Standard Webhooks, to each matching endpoint.
        </p>
      </div>
      <form id="webhook-form" class="webhook-form" aria-label="Add an endpoint">
        <label for="webhook-url" class="visually-hidden">
          Endpoint URL
        </label>
        <div class="form-row">
          <input
            id="webhook-url"
            type="url"
            required
            autocomplete="off"
            placeholder="https://example.com/hooks/omnimail"
          />
          <button id="webhook-add" class="button primary" type="submit">
            Add endpoint
          </button>
        </div>
        <p id="webhook-url-error" class="field-error" hidden />
      </form>
      <h2 class="section-title" id="endpoints-title" tabindex={-1}>
        Endpoints
      </h2>
      <ul id="webhook-list" aria-labelledby="endpoints-title" />
      <section id="webhook-settings" class="settings-card" aria-labelledby="settings-title" hidden />
      <div id="delivery-log" />
    </section>
  );
}

const SHORTCUTS: Array<[string, string]> = [
  ["j / k", "next / previous message"],
  ["Enter", "open the selected message"],
  ["#", "delete"],
  ["z", "undo the delete"],
  ["u", "mark read / unread"],
  ["/", "search"],
  ["Esc", "back to the list"],
  ["?", "this help"],
];

function ShortcutHelp() {
  return (
    <dialog id="shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr>
              <td>
                <kbd>{keys}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button id="shortcuts-close" class="button small" type="button">
          Close
        </button>
      </p>
    </dialog>
  );
}

/** The one confirmation: filled by the client (client/confirm-dialog.ts) before each use. */
function ConfirmDialog() {
  return (
    <dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body">
      <h2 id="confirm-title">Are you sure?</h2>
      <p id="confirm-body" />
      <div class="dialog-actions">
        <button id="confirm-cancel" class="button" type="button">
          Cancel
        </button>
        <button id="confirm-ok" class="button danger-solid" type="button">
          Confirm
        </button>
      </div>
    </dialog>
  );
}

export function InboxPage(props: { scriptUrl: string; styleUrl: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>OmniMail</title>
        <link rel="icon" href="/ui/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={props.styleUrl} />
        <script type="module" src={props.scriptUrl} />
      </head>
      <body data-view="inbox" data-reading="false" data-signed-in="false">
        <SignIn />
        <div id="app" class="app" hidden>
          <Sidebar />
          <MessageList />
          <section id="reader" class="reader" aria-label="Message" />
          <WebhooksPage />
          <RulesPage />
          <RejectionsPage />
        </div>
        <div id="live-region" class="visually-hidden" aria-live="polite" />
        <div id="toast" class="toast" role="status" aria-live="polite" hidden />
        <ShortcutHelp />
        <ConfirmDialog />
      </body>
    </html>
  );
}
