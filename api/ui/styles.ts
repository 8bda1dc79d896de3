/** The inbox's stylesheet, served as /ui/app.css. Light and dark, phone to desktop, visible focus everywhere. */
export const INBOX_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --panel: #ffffff; --sidebar: #eef0f4; --line: #e1e4ea; --line-strong: #cdd2db;
  --fg: #1b2230; --muted: #596273; --accent: #2151c5; --accent-fg: #ffffff; --accent-soft: #e9effd;
  --hover: #f3f5f9; --focus: #2f6bf0; --danger: #b42318; --danger-soft: #fdecea;
  --pass: #17703d; --pass-soft: #e6f4ec; --warn: #8a5a00; --warn-soft: #fdf3dc; --fail: #b42318; --fail-soft: #fdecea;
  --none: #4f5866; --none-soft: #eef0f3; --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 10%);
  --radius: 8px; --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --panel: #171b21; --sidebar: #0d1014; --line: #262c35; --line-strong: #343b46;
    --fg: #e4e7ec; --muted: #9aa3b1; --accent: #7fa7ff; --accent-fg: #0d1014; --accent-soft: #1c2840;
    --hover: #1d222a; --focus: #8fb3ff; --danger: #ff8a80; --danger-soft: #3a1d1b;
    --pass: #6fd39a; --pass-soft: #173323; --warn: #f0c060; --warn-soft: #3a2f14; --fail: #ff8a80; --fail-soft: #3a1d1b;
    --none: #b3bac6; --none-soft: #232932; --shadow: none;
  }
}
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
[hidden] { display: none !important; }
a { color: var(--accent); }
code, pre { font-family: var(--mono); font-size: 12.5px; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; border-radius: 4px; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.skip-link { position: absolute; left: -999px; top: 8px; background: var(--panel); padding: 6px 10px; z-index: 10; }
.skip-link:focus { left: 8px; }

/* buttons and fields */
.button { display: inline-flex; align-items: center; gap: 6px; font: inherit; font-weight: 500; color: var(--fg);
  background: var(--panel); border: 1px solid var(--line-strong); border-radius: 6px; padding: 5px 12px; cursor: pointer; white-space: nowrap; }
.button:hover { background: var(--hover); }
.button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); }
.button.primary:hover { filter: brightness(1.08); }
.button.danger { color: var(--danger); }
.button.danger:hover { background: var(--danger-soft); }
.button.small { padding: 3px 9px; font-size: 12.5px; }
.button.ghost { border-color: transparent; background: transparent; }
.button:disabled { opacity: .6; cursor: progress; }
input[type=search], input[type=text], input[type=password], input[type=url], input[type=date], input[type=number], select {
  font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--line-strong); border-radius: 6px; padding: 7px 10px; width: 100%; }
[aria-invalid=true] { border-color: var(--danger); box-shadow: 0 0 0 1px var(--danger); }
.field-error { color: var(--danger); font-size: 12.5px; margin: 0; overflow-wrap: anywhere; }
.button.danger-solid { background: var(--danger); border-color: var(--danger); color: var(--accent-fg); }
.button.danger-solid:hover { filter: brightness(1.08); }
input.switch { appearance: none; flex: none; position: relative; width: 36px; height: 20px; margin: 0; border-radius: 999px;
  background: var(--line-strong); cursor: pointer; transition: background .15s; }
input.switch::before { content: ""; position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%;
  background: #fff; box-shadow: 0 1px 2px rgb(0 0 0 / 30%); transition: transform .15s; }
input.switch:checked { background: var(--pass); }
input.switch:checked::before { transform: translateX(16px); }
input.switch:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
input.switch:disabled { opacity: .6; cursor: progress; }
@media (prefers-reduced-motion: reduce) { input.switch, input.switch::before { transition: none; } }
input::placeholder { color: var(--muted); }
label { font-weight: 500; }

/* sign in */
.signin { min-height: 100%; display: grid; place-items: center; padding: 24px; }
.signin-card { width: min(420px, 100%); background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 32px; box-shadow: var(--shadow); }
.signin-card h1 { font-size: 20px; margin: 16px 0 4px; }
.signin-card form { display: grid; gap: 8px; margin-top: 20px; }
.signin-card .button.primary { justify-content: center; padding: 8px 12px; margin-top: 4px; }
.signin-card .hint { font-size: 12.5px; color: var(--muted); margin: 16px 0 0; }
.error { color: var(--danger); background: var(--danger-soft); border-radius: 6px; padding: 8px 10px; margin: 0; }
.brand { display: flex; align-items: center; gap: 10px; font-weight: 700; font-size: 16px; color: var(--fg); text-decoration: none; }
.brand svg { flex: none; }

/* the app shell */
.app { display: grid; grid-template-columns: 232px minmax(300px, 400px) minmax(0, 1fr); height: 100vh; }
body:not([data-view=inbox]) .app { grid-template-columns: 232px minmax(0, 1fr); }
body:not([data-view=inbox]) .list-pane, body:not([data-view=inbox]) .reader { display: none; }
body:not([data-view=webhooks]) .webhooks-page, body:not([data-view=rules]) .rules-page,
body:not([data-view=rejections]) .rejections-page { display: none; }
.sidebar { background: var(--sidebar); border-right: 1px solid var(--line); display: flex; flex-direction: column; padding: 16px 12px; gap: 18px; min-height: 0; }
.sidebar nav { display: flex; flex-direction: column; gap: 2px; min-height: 0; overflow-y: auto; }
.nav-title { font-size: 11px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); margin: 10px 8px 4px; }
.sidebar ul { list-style: none; margin: 0; padding: 0; }
.mailbox-link, .nav-link { display: flex; align-items: center; gap: 8px; padding: 6px 8px; border-radius: 6px; color: var(--fg); text-decoration: none; }
.mailbox-link:hover, .nav-link:hover { background: var(--hover); }
.mailbox-link[aria-current], .nav-link[aria-current] { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.mailbox-address { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1; }
.count { background: var(--accent); color: var(--accent-fg); border-radius: 999px; font-size: 11.5px; font-weight: 600; padding: 0 7px; line-height: 18px; }
.sidebar-foot { margin-top: auto; display: flex; flex-direction: column; gap: 2px; border-top: 1px solid var(--line); padding-top: 10px; }
.sidebar-foot .button { justify-content: flex-start; font-weight: 400; padding: 6px 8px; border: 0; }
.empty-nav { padding: 6px 8px; font-size: 12.5px; }

/* message list */
.list-pane { display: flex; flex-direction: column; min-height: 0; border-right: 1px solid var(--line); background: var(--panel); }
.list-head { padding: 14px 14px 10px; border-bottom: 1px solid var(--line); display: grid; gap: 10px; }
.list-title-row { display: flex; align-items: baseline; gap: 8px; min-width: 0; }
.list-title-row h1 { font-size: 16px; margin: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.live { margin-left: auto; font-size: 12px; color: var(--muted); display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.live::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: var(--warn); }
.live[data-live=true]::before { background: var(--pass); box-shadow: 0 0 0 3px var(--pass-soft); }
.search-row { display: flex; gap: 8px; align-items: center; }
.search-row input[type=search] { flex: 1; }
.check { display: inline-flex; align-items: center; gap: 6px; font-weight: 400; white-space: nowrap; }
.filters summary { cursor: pointer; color: var(--muted); font-size: 12.5px; width: max-content; }
.filter-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin-top: 8px; }
.filter-grid label { display: grid; gap: 2px; font-size: 12px; color: var(--muted); }
.filter-actions { grid-column: 1 / -1; display: flex; gap: 8px; justify-content: flex-end; }
.list-meta { font-size: 12px; color: var(--muted); margin: 0; }
.list-meta-row { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
.list-meta-row .check { font-weight: 500; }
.icon { width: 14px; height: 14px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; vertical-align: -2px; margin-left: 6px; color: var(--muted); }
#message-list { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; }
.row { display: grid; grid-template-columns: 10px minmax(0, 1fr) auto; column-gap: 10px; row-gap: 1px; padding: 10px 14px 11px 12px;
  border-bottom: 1px solid var(--line); border-left: 3px solid transparent; color: var(--fg); text-decoration: none; }
.row:hover { background: var(--hover); }
.row.selected { background: var(--hover); border-left-color: var(--line-strong); }
.row[aria-current] { background: var(--accent-soft); border-left-color: var(--accent); }
.row:focus-visible { outline-offset: -2px; border-radius: 0; }
.row .dot { grid-row: 1; align-self: center; width: 8px; height: 8px; border-radius: 50%; }
.row.unread .dot { background: var(--accent); }
.row .from { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row .when { font-size: 12px; color: var(--muted); white-space: nowrap; display: inline-flex; align-items: center; gap: 6px; }
.row .subject-line, .row .preview { grid-column: 2 / -1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.row .preview { color: var(--muted); font-size: 13px; }
.row.unread .from, .row.unread .subject-line { font-weight: 650; }
.row.fresh { animation: arrive 1.6s ease-out; }
@keyframes arrive { from { background: var(--accent-soft); } }
@media (prefers-reduced-motion: reduce) { .row.fresh { animation: none; } }
.empty { padding: 40px 24px; text-align: center; color: var(--muted); }
.empty-title { font-size: 15px; font-weight: 600; color: var(--fg); margin: 0 0 4px; }
.empty code { background: var(--none-soft); padding: 1px 5px; border-radius: 4px; }
.more { padding: 12px; text-align: center; }

/* reader */
.reader { min-width: 0; min-height: 0; overflow-y: auto; background: var(--panel); }
.reader-empty { height: 100%; display: grid; place-content: center; text-align: center; color: var(--fg); padding: 24px; }
.reader-empty p { margin: 2px 0; }
.reader-empty .icon { width: 44px; height: 44px; margin: 0 auto 10px; stroke-width: 1.2; }
.reader-empty kbd { color: var(--fg); }
.message { display: flex; flex-direction: column; gap: 12px; padding: 16px 24px 24px; min-height: 100%; }
.message-toolbar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.message-toolbar .spacer { flex: 1; }
.message-toolbar [data-action=back] { display: none; }
.subject { font-size: 20px; line-height: 1.3; margin: 4px 0 0; overflow-wrap: anywhere; }
.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 14px; margin: 0; }
.meta dt { color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.auth { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; padding: 0; margin: 0; }
.auth-badge, .pill { font-size: 12px; border-radius: 999px; padding: 1px 9px; background: var(--none-soft); color: var(--none); white-space: nowrap; }
.pass { background: var(--pass-soft); color: var(--pass); }
.warn { background: var(--warn-soft); color: var(--warn); }
.fail { background: var(--fail-soft); color: var(--fail); }
.none { background: var(--none-soft); color: var(--none); }
.auth-badge .muted { color: inherit; opacity: .8; }
.attachments { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; margin: 0; padding: 0; }
.attachment { display: inline-flex; align-items: center; gap: 8px; font: inherit; color: var(--fg); background: var(--panel);
  border: 1px solid var(--line-strong); border-radius: var(--radius); padding: 6px 12px 6px 6px; cursor: pointer; max-width: 100%; }
.attachment:hover { background: var(--hover); }
.file-icon { font: 700 10px/1 var(--mono); background: var(--accent-soft); color: var(--accent); border-radius: 5px; padding: 8px 5px; min-width: 34px; text-align: center; }
.file-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 240px; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin-top: 4px; overflow-x: auto; }
.tabs [role=tab] { font: inherit; font-weight: 500; color: var(--muted); background: none; border: 0; border-bottom: 2px solid transparent; padding: 8px 12px; cursor: pointer; }
.tabs [role=tab]:hover { color: var(--fg); }
.tabs [role=tab][aria-selected=true] { color: var(--accent); border-bottom-color: var(--accent); }
.tab-panel { flex: 1; display: flex; flex-direction: column; gap: 10px; min-height: 0; }
.mail-frame { width: 100%; flex: 1; min-height: max(420px, calc(100vh - 380px)); border: 1px solid var(--line); border-radius: var(--radius); background: #fff; color-scheme: light; }
.notice { margin: 0; padding: 8px 12px; border-radius: 6px; background: var(--accent-soft); display: flex; flex-wrap: wrap; align-items: center; gap: 10px; justify-content: space-between; }
.notice.warn { background: var(--warn-soft); color: var(--warn); }
.text-body { white-space: pre-wrap; overflow-wrap: anywhere; font: 14px/1.55 var(--mono); margin: 0; }
pre.raw { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); border: 1px solid var(--line); border-radius: var(--radius); padding: 12px; margin: 0; font-size: 12px; }
.headers-view h3 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 16px 0 6px; }
.header-table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
.header-table th, .header-table td { text-align: left; vertical-align: top; border-top: 1px solid var(--line); padding: 4px 8px; overflow-wrap: anywhere; }
.header-table th { font-family: var(--mono); font-weight: 600; white-space: nowrap; color: var(--muted); width: 1%; }
.header-table td { font-family: var(--mono); }

/* webhooks page */
.webhooks-page { overflow-y: auto; padding: 24px 32px; min-width: 0; }
.page-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.page-head h1 { font-size: 20px; margin: 0; }
.webhook-form { display: grid; gap: 4px; margin: 16px 0; max-width: 720px; }
.form-row { display: flex; gap: 8px; }
.form-row input { flex: 1; }
#webhook-list { list-style: none; padding: 0; margin: 0 0 24px; display: grid; gap: 8px; max-width: 980px; }
.endpoint { display: flex; align-items: center; gap: 12px; background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 10px 14px; box-shadow: var(--shadow); }
.endpoint[aria-current] { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
.endpoint-link { flex: 1; min-width: 0; display: grid; gap: 2px; color: var(--fg); text-decoration: none; }
.endpoint-url { font-family: var(--mono); font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.endpoint-meta { font-size: 12.5px; color: var(--muted); }
.endpoint-reason { font-size: 12.5px; color: var(--fail); }
#endpoints-title:focus { outline: none; }
.settings-card { display: grid; gap: 14px; max-width: 980px; margin: 0 0 24px; background: var(--panel); border: 1px solid var(--line);
  border-radius: var(--radius); padding: 14px 16px 16px; box-shadow: var(--shadow); }
.settings-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; }
.settings-head .section-title { margin: 0; }
.switch-label { display: inline-flex; align-items: center; gap: 8px; cursor: pointer; }
.settings-form { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr) auto; gap: 12px; align-items: start; }
.field { display: grid; gap: 4px; min-width: 0; }
.field label { font-size: 12.5px; }
.form-actions { padding-top: 23px; }
.settings-foot { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 12px 24px; border-top: 1px solid var(--line); padding-top: 14px; }
.settings-foot h3 { font-size: 13px; margin: 0; }
.settings-foot p { margin: 2px 0 8px; }
.secret-slot:empty { display: none; }
.secret-slot { margin-top: 10px; }
.secret-reveal { display: grid; gap: 8px; background: var(--accent-soft); border-radius: 6px; padding: 10px 12px; }
.secret-reveal p { margin: 0; }
.secret-row { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.secret-value { flex: 1 1 260px; min-width: 0; background: var(--panel); border: 1px solid var(--line-strong); border-radius: 6px;
  padding: 5px 10px; overflow-wrap: anywhere; user-select: all; }
.secret-actions { display: inline-flex; gap: 6px; }
.section-title { font-size: 15px; margin: 8px 0 10px; }
#delivery-log { max-width: 980px; }
.deliveries, .data-table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); overflow: hidden; box-shadow: var(--shadow); }
.deliveries th, .data-table th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); background: var(--bg); padding: 8px 12px; border-bottom: 1px solid var(--line); }
.deliveries td, .data-table td { padding: 10px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
.deliveries tr:last-child td, .data-table tr:last-child td { border-bottom: 0; }
.deliveries .actions, .data-table .actions { text-align: right; }
.deliveries details summary { cursor: pointer; color: var(--muted); font-size: 12.5px; margin-top: 4px; }
.attempts { margin: 6px 0 0; padding-left: 18px; font-size: 12.5px; }
.error-text { color: var(--danger); }
pre.raw.small { max-height: 160px; overflow: auto; margin-top: 4px; }

/* rules and rejections pages */
.page { overflow-y: auto; padding: 24px 32px; min-width: 0; }
#rule-list, .rule-forms { max-width: 1180px; }
.rule-forms { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; align-items: start; }
.rule-forms .settings-card { margin: 0; }
.rule-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; align-items: start; }
.field.wide { grid-column: 1 / -1; }
.field p.muted { margin: 0; }
.settings-card > p { margin: 0; }
.settings-card .form-actions { padding-top: 0; }
#rule-list { margin: 0 0 24px; }
#rule-list-title:focus { outline: none; }
.data-table td { overflow-wrap: break-word; }
.data-table .nowrap { white-space: nowrap; }
.data-table tr[data-matched] td { background: var(--accent-soft); }
.conditions code { background: var(--none-soft); padding: 0 5px; border-radius: 4px; }
.test-result:empty { display: none; }
.test-result { display: grid; gap: 6px; border-top: 1px solid var(--line); padding-top: 12px; }
.test-result p { margin: 0; }
.reply-line { font: 13px var(--mono); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; overflow-wrap: anywhere; }
.filter-bar { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 16px 0 8px; }
.filter-bar select { width: auto; max-width: 100%; }
#rejection-count { margin: 0 0 8px; }

/* toast and dialog */
.toast { position: fixed; bottom: 20px; left: 50%; transform: translateX(-50%); background: #1b2230; color: #fff; padding: 8px 16px; border-radius: 8px; box-shadow: 0 8px 24px rgb(0 0 0 / 25%); z-index: 20; max-width: calc(100vw - 32px); }
.toast[data-kind=error] { background: #8f1d14; }
.toast-action { font: inherit; font-weight: 600; color: #a8c3ff; background: none; border: 0; padding: 2px 4px; margin: -2px -4px; border-radius: 4px; cursor: pointer; }
.toast-action:hover { text-decoration: underline; }
.toast-action:focus-visible { outline: 2px solid #a8c3ff; outline-offset: 1px; }
dialog { border: 1px solid var(--line); border-radius: 12px; background: var(--panel); color: var(--fg); padding: 20px 24px; box-shadow: 0 12px 40px rgb(0 0 0 / 25%); }
dialog::backdrop { background: rgb(0 0 0 / 35%); }
dialog h2 { margin: 0 0 12px; font-size: 16px; }
dialog table td { padding: 3px 12px 3px 0; }
#confirm { width: min(460px, calc(100vw - 32px)); }
#confirm p { margin: 0; overflow-wrap: anywhere; }
.dialog-actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 20px; }
kbd { font: 12px var(--mono); border: 1px solid var(--line-strong); border-bottom-width: 2px; border-radius: 4px; padding: 0 5px; background: var(--bg); }

/* phones: one pane at a time */
@media (max-width: 1100px) { .rule-forms { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 760px) {
  .app, body:not([data-view=inbox]) .app { grid-template-columns: minmax(0, 1fr); grid-template-rows: auto minmax(0, 1fr); height: 100dvh; }
  .sidebar { flex-direction: row; flex-wrap: wrap; align-items: center; padding: 8px 12px; gap: 8px; border-right: 0; border-bottom: 1px solid var(--line); min-width: 0; }
  .sidebar nav { flex-direction: row; align-items: center; overflow-x: auto; gap: 4px; order: 3; width: 100%; min-width: 0; padding-bottom: 2px; }
  .sidebar nav ul { display: flex; gap: 4px; }
  .nav-title { display: none; }
  .mailbox-link, .nav-link { white-space: nowrap; padding: 4px 10px; border: 1px solid var(--line); background: var(--panel); }
  .sidebar-foot { margin: 0 0 0 auto; flex-direction: row; border: 0; padding: 0; }
  .sidebar-foot .docs-link { display: none; }
  .list-pane { border-right: 0; }
  body[data-reading=true] .list-pane { display: none; }
  body[data-view=inbox][data-reading=false] .reader { display: none; }
  .message { padding: 12px 14px 20px; }
  .message-toolbar [data-action=back] { display: inline-flex; }
  .message-toolbar { gap: 6px; }
  .message-toolbar .button { padding: 4px 9px; font-size: 13px; }
  .message-toolbar .wide-only, .auth-badge .muted { display: none; }
  .subject { font-size: 18px; }
  .mail-frame { min-height: 70vh; }
  .webhooks-page, .page { padding: 16px; }
  .form-row { flex-direction: column; }
  .settings-form, .settings-foot { grid-template-columns: minmax(0, 1fr); }
  .form-actions { padding-top: 0; }
  .endpoint { flex-direction: column; align-items: stretch; }
  .deliveries, .deliveries tbody, .deliveries tr, .deliveries td,
  .data-table, .data-table tbody, .data-table tr, .data-table td { display: block; }
  .deliveries thead, .data-table thead { display: none; }
  .deliveries tr, .data-table tr { border-bottom: 1px solid var(--line); padding: 6px 0; }
  .deliveries td, .data-table td { border: 0; padding: 3px 12px; }
  .deliveries td[data-label]::before, .data-table td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); font-size: 12px; }
  .deliveries .actions, .data-table .actions { text-align: left; }
}
`;
