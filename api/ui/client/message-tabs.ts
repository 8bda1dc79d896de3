import { api } from "./api";
import { fill, h } from "./dom";
import { formatBytes } from "./format";
import { createMailFrame, hasRemoteContent, mailDocument, normalizeContentId } from "./mail-frame";
import type { Message } from "./types";

/** The reading pane's four views of a message. Only the HTML view renders markup, and only in the sandboxed frame. */

export type Tab = "html" | "text" | "headers" | "raw";

const RAW_PREVIEW_BYTES = 1024 * 1024;
const INLINE_IMAGE_BYTES = 5 * 1024 * 1024;

export async function showTab(panel: HTMLElement, tab: Tab, message: Message): Promise<void> {
  if (tab === "html") return showHtml(panel, message, false);
  if (tab === "text") return fill(panel, textView(message));
  if (tab === "headers") return fill(panel, headersView(message));
  fill(panel, h("p", { class: "muted" }, "Loading the raw source…"));
  try {
    const raw = await api.raw(message.id);
    const text = await raw.slice(0, RAW_PREVIEW_BYTES).text();
    if (panel.dataset.tab !== "raw") return;
    fill(
      panel,
      raw.size > RAW_PREVIEW_BYTES
        ? h(
            "p",
            { class: "notice" },
            `Showing the first 1 MB of ${formatBytes(raw.size)}; download the .eml for all.`,
          )
        : null,
      h("pre", { class: "raw" }, text),
    );
  } catch (error) {
    fill(panel, h("p", { class: "notice warn" }, `Could not load the source: ${(error as Error).message}`));
  }
}

async function showHtml(panel: HTMLElement, message: Message, remoteImages: boolean): Promise<void> {
  const html = message.html ?? "";
  const inlineImages = await loadInlineImages(message);
  if (panel.dataset.tab !== "html") return;
  const blocked = !remoteImages && hasRemoteContent(html);
  let bar: HTMLElement | null = null;
  if (blocked) {
    const load = h(
      "button",
      { type: "button", class: "button small", "data-action": "remote-images" },
      "Load remote images",
    );
    load.addEventListener("click", () => void showHtml(panel, message, true));
    bar = h(
      "p",
      { class: "notice" },
      "Remote images are blocked, so the sender cannot see when you open this. ",
      load,
    );
  }
  fill(
    panel,
    bar,
    createMailFrame(mailDocument(html, { remoteImages, inlineImages }), "Message content (HTML, sandboxed)"),
  );
}

/** cid: images become data: URLs: the frame may load nothing else, and could not send our key anyway. */
async function loadInlineImages(message: Message): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  const wanted = message.attachments.filter(
    (file) => file.content_id && file.content_type.startsWith("image/") && file.size <= INLINE_IMAGE_BYTES,
  );
  await Promise.all(
    wanted.map(async (file) => {
      try {
        const blob = await api.attachment(message.id, file.id);
        images.set(
          normalizeContentId(file.content_id ?? ""),
          await toDataUrl(new Blob([blob], { type: file.content_type })),
        );
      } catch {
        // A missing inline image leaves its cid: reference, which the frame's policy blocks.
      }
    }),
  );
  return images;
}

function toDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Plain text with http(s) links made clickable; everything else stays text. */
function textView(message: Message): HTMLElement {
  const text = message.text ?? "";
  if (!text.trim()) return h("p", { class: "muted" }, "This message has no text part.");
  const parts: Array<Node | string> = [];
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"')\]]+/g)) {
    const index = match.index ?? 0;
    parts.push(text.slice(last, index));
    parts.push(h("a", { href: match[0], target: "_blank", rel: "noopener noreferrer" }, match[0]));
    last = index + match[0].length;
  }
  parts.push(text.slice(last));
  return h("pre", { class: "text-body" }, parts);
}

function headersView(message: Message): HTMLElement {
  const envelope: Array<[string, string]> = [
    ["MAIL FROM", message.envelope.mail_from || "<>"],
    ["RCPT TO", message.envelope.rcpt_to.join(", ")],
    ["Client", [message.envelope.remote_ip, message.envelope.helo].filter(Boolean).join(" · ")],
    [
      "TLS",
      message.envelope.tls
        ? `${message.envelope.tls.protocol ?? ""} ${message.envelope.tls.cipher ?? ""}`
        : "none",
    ],
    ["Size", formatBytes(message.size)],
  ];
  return h(
    "div",
    { class: "headers-view" },
    h("h3", {}, "Envelope"),
    h(
      "dl",
      { class: "meta compact" },
      envelope.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]),
    ),
    message.auth?.header
      ? [h("h3", {}, "Authentication-Results"), h("pre", { class: "raw" }, message.auth.header)]
      : null,
    h("h3", {}, "Headers"),
    h(
      "table",
      { class: "header-table" },
      h(
        "tbody",
        {},
        message.headers.map((header) =>
          h("tr", {}, h("th", { scope: "row" }, header.name), h("td", {}, header.value)),
        ),
      ),
    ),
  );
}
