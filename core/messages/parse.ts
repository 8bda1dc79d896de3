import PostalMime, { type Address, type Email } from "postal-mime";
import { sha256Hex } from "../crypto";

/** What we keep of a parsed message. Every field is safe to store as-is. */
export interface ParsedContent {
  subject: string | null;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  date: string | null;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  headers: Array<{ name: string; value: string }>;
  text: string | null;
  html: string | null;
  attachments: ParsedAttachment[];
}

export interface MailAddress {
  address: string;
  name: string;
}

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  disposition: string | null;
  contentId: string | null;
  content: Uint8Array;
  size: number;
  sha256: string;
}

export type ParseResult = { ok: true; content: ParsedContent } | { ok: false; error: string };

/** Limits against hostile MIME: postal-mime rejects the parse past them, and we store raw. */
const PARSE_LIMITS = { maxNestingDepth: 100, maxHeadersSize: 2 * 1024 * 1024 };

/**
 * Parses raw RFC 5322 bytes with postal-mime. Never throws: a message that
 * cannot be parsed is still stored raw and announced, with `parse_error` set.
 */
export async function parseMessage(raw: Uint8Array): Promise<ParseResult> {
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { ...PARSE_LIMITS, attachmentEncoding: "arraybuffer" });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const attachments: ParsedAttachment[] = [];
  for (const attachment of email.attachments) {
    const content =
      attachment.content instanceof Uint8Array
        ? attachment.content
        : typeof attachment.content === "string"
          ? new TextEncoder().encode(attachment.content)
          : new Uint8Array(attachment.content);
    attachments.push({
      filename: attachment.filename,
      contentType: attachment.mimeType,
      disposition: attachment.disposition,
      contentId: attachment.contentId ?? null,
      content,
      size: content.byteLength,
      sha256: await sha256Hex(content),
    });
  }
  return {
    ok: true,
    content: {
      subject: email.subject ?? null,
      from: email.from ? (flattenAddresses([email.from])[0] ?? null) : null,
      to: flattenAddresses(email.to),
      cc: flattenAddresses(email.cc),
      replyTo: flattenAddresses(email.replyTo),
      date: email.date ?? null,
      messageId: email.messageId ?? null,
      inReplyTo: email.inReplyTo ?? null,
      references: (email.references ?? "").split(/\s+/).filter((ref) => ref !== ""),
      headers: email.headers.map((header) => ({ name: header.originalKey, value: header.value })),
      text: email.text ?? null,
      html: email.html ?? null,
      attachments,
    },
  };
}

/** Groups (`Team: a@x, b@x;`) are unwrapped into their members. */
function flattenAddresses(list: Address[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  for (const entry of list ?? []) {
    if (entry.group)
      out.push(...entry.group.map((member) => ({ address: member.address, name: member.name })));
    else out.push({ address: entry.address, name: entry.name });
  }
  return out;
}
