import { api } from "./api";
import { announce, byId, fill, h, saveBlob, whileBusy } from "./dom";
import { formatAddress, formatAddresses, formatBytes, longDate } from "./format";
import { showTab, type Tab } from "./message-tabs";
import type { Attachment, AuthResults, Message } from "./types";

/** The reading pane: one message with its tabs (HTML, text, headers, raw). */

export interface MessageActions {
  close(): void;
  toggleSeen(message: Message): void;
  remove(id: string): void;
  /** Quarantined mail only: make it ordinary mail, listed and announced. */
  release(message: Message): Promise<void>;
}

export function renderMessage(message: Message, actions: MessageActions): void {
  const reader = byId("reader");
  const tabs: Tab[] = message.html ? ["html", "text", "headers", "raw"] : ["text", "headers", "raw"];
  const panel = h("div", { class: "tab-panel", id: "message-panel", role: "tabpanel", tabindex: "0" });
  const tabButtons = tabs.map((tab) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        id: `tab-${tab}`,
        "aria-controls": "message-panel",
        "data-tab": tab,
      },
      tab === "html" ? "HTML" : tab[0]?.toUpperCase() + tab.slice(1),
    ),
  );
  const tabList = h("div", { class: "tabs", role: "tablist", "aria-label": "Message views" }, tabButtons);

  const select = (tab: Tab, focus = false) => {
    for (const button of tabButtons) {
      const selected = button.dataset.tab === tab;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    panel.setAttribute("aria-labelledby", `tab-${tab}`);
    panel.dataset.tab = tab;
    void showTab(panel, tab, message);
  };
  tabList.addEventListener("click", (event) => {
    const tab = (event.target as HTMLElement).closest<HTMLElement>("[role=tab]")?.dataset.tab;
    if (tab) select(tab as Tab);
  });
  tabList.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const current = tabs.indexOf(panel.dataset.tab as Tab);
    const next = tabs[(current + step + tabs.length) % tabs.length];
    if (next) select(next, true);
  });

  fill(
    reader,
    h(
      "article",
      { class: "message", "aria-labelledby": "message-subject" },
      h(
        "div",
        { class: "message-toolbar" },
        toolbarButton("back", "← Back", "Back to the list", actions.close),
        h("span", { class: "spacer" }),
        message.quarantined ? releaseButton(message, actions) : null,
        toolbarButton("seen", message.seen ? "Mark unread" : "Mark read", "Toggle read (u)", () =>
          actions.toggleSeen(message),
        ),
        toolbarButton(
          "eml",
          [h("span", { class: "wide-only" }, "Download"), ".eml"],
          "Download the raw message",
          () => downloadRaw(message.id),
        ),
        toolbarButton("delete", "Delete", "Delete (#)", () => actions.remove(message.id), "danger"),
      ),
      h("h2", { id: "message-subject", class: "subject" }, message.subject || "(no subject)"),
      messageMeta(message),
      message.quarantined
        ? h(
            "p",
            { class: "notice warn", id: "quarantine-notice" },
            "Held by a quarantine rule: not in the inbox and not sent to webhooks until you release it.",
          )
        : null,
      message.auth ? authBadges(message.auth) : null,
      message.parse_error
        ? h("p", { class: "notice warn" }, `This message could not be fully parsed: ${message.parse_error}`)
        : null,
      attachmentList(message),
      tabList,
      panel,
    ),
  );
  select(tabs[0] ?? "text");
  reader.scrollTop = 0;
}

function releaseButton(message: Message, actions: MessageActions): HTMLButtonElement {
  const button: HTMLButtonElement = toolbarButton(
    "release",
    "Release",
    "Release from quarantine: into the inbox, and to webhooks",
    () => void whileBusy(button, () => actions.release(message)),
    "primary",
  );
  return button;
}

function toolbarButton(
  name: string,
  label: string | Array<HTMLElement | string>,
  title: string,
  action: () => void,
  kind = "",
): HTMLButtonElement {
  const button = h(
    "button",
    { type: "button", class: `button ${kind}`.trim(), title, "data-action": name },
    label,
  );
  button.addEventListener("click", action);
  return button;
}

function messageMeta(message: Message): HTMLElement {
  const rows: Array<[string, string]> = [
    ["From", formatAddress(message.from)],
    ["To", formatAddresses(message.to) || message.envelope.rcpt_to.join(", ")],
  ];
  if (message.cc.length) rows.push(["Cc", formatAddresses(message.cc)]);
  if (message.reply_to.length) rows.push(["Reply-To", formatAddresses(message.reply_to)]);
  rows.push(["Date", longDate(message.date ?? message.received_at)]);
  return h(
    "dl",
    { class: "meta" },
    rows.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]),
  );
}

function verdictClass(result: string): string {
  if (result === "pass") return "pass";
  if (result === "fail" || result === "permerror") return "fail";
  if (result === "softfail" || result === "temperror") return "warn";
  return "none";
}

function badge(label: string, result: string, detail: string | null): HTMLElement {
  return h(
    "li",
    { class: `auth-badge ${verdictClass(result)}`, title: detail ?? "" },
    h("strong", {}, label),
    " ",
    result,
    detail ? h("span", { class: "muted" }, ` · ${detail}`) : null,
  );
}

function authBadges(auth: AuthResults): HTMLElement {
  const dkim = auth.dkim.length
    ? auth.dkim
    : [{ result: "none", domain: null, selector: null, aligned: false }];
  return h(
    "ul",
    { class: "auth", "aria-label": "Sender authentication" },
    badge("SPF", auth.spf.result, auth.spf.domain),
    dkim.map((signature) => badge("DKIM", signature.result, signature.domain)),
    badge("DMARC", auth.dmarc.result, auth.dmarc.domain),
  );
}

function attachmentList(message: Message): HTMLElement | null {
  const files = message.attachments.filter((file) => file.disposition !== "inline" || !file.content_id);
  if (!files.length) return null;
  return h(
    "ul",
    { class: "attachments", "aria-label": "Attachments" },
    files.map((file) => {
      const button = h(
        "button",
        { type: "button", class: "attachment", "data-attachment": file.id },
        h("span", { class: "file-icon", "aria-hidden": "true" }, fileBadge(file)),
        h("span", { class: "file-name" }, file.filename ?? "attachment"),
        h("span", { class: "muted" }, formatBytes(file.size)),
      );
      button.setAttribute(
        "aria-label",
        `Download ${file.filename ?? "attachment"}, ${formatBytes(file.size)}`,
      );
      button.addEventListener("click", () => void downloadAttachment(message.id, file));
      return h("li", {}, button);
    }),
  );
}

function fileBadge(file: Attachment): string {
  const extension = file.filename?.split(".").pop();
  return (extension && extension.length <= 4 ? extension : (file.content_type.split("/")[1] ?? "file"))
    .slice(0, 4)
    .toUpperCase();
}

async function downloadAttachment(messageId: string, file: Attachment): Promise<void> {
  try {
    saveBlob(await api.attachment(messageId, file.id), file.filename ?? "attachment");
  } catch (error) {
    announce(`Download failed: ${(error as Error).message}`, "error");
  }
}

async function downloadRaw(messageId: string): Promise<void> {
  try {
    saveBlob(await api.raw(messageId), `${messageId}.eml`);
  } catch (error) {
    announce(`Download failed: ${(error as Error).message}`, "error");
  }
}
