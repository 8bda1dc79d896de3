import { extractCodes } from "../classify/codes";
import { type BounceRecipient, classifyMessage } from "../classify/kind";
import { extractLinks } from "../classify/links";
import { htmlToText } from "../content/html-text";
import { htmlToMarkdown, textToMarkdown } from "../content/markdown";
import { stripReply, stripReplyHtml } from "../content/reply";
import { normalizeSubject, participantsOf } from "../threads/assign";
import type { MessageAnalysis, ParsedContent } from "./parse";

export type { MessageAnalysis };

/**
 * What a program wants from a message beyond its parts (issue 17): the text of
 * an HTML-only message, the new words of a reply and its signature, Markdown,
 * one-time codes and links, and what kind of mail it is. Computed once per
 * message in the ingest path (the SMTP edge's parse thread, or inline on a
 * Worker), stored with the copies, and recomputed by `messages reparse`.
 *
 * The body analysed is bounded (ANALYSIS_CHARS of text and of HTML): a 25 MB
 * body costs no more than a 1 MB one, and what people act on is at the start.
 */
export const ANALYSIS_CHARS = 1024 * 1024;
/** How much of the text a webhook's derived fields are made from (its body has a budget: core/outbox/payload.ts). */
export const PAYLOAD_TEXT_CHARS = 64 * 1024;

export interface MessageKind {
  kind: "human" | "auto_reply" | "bounce" | "list" | "automated";
  kindReasons: string[];
  bounce: BounceRecipient[] | null;
}

const head = (value: string | null) => (value === null ? null : value.slice(0, ANALYSIS_CHARS));

/** The body's analysis (no envelope needed: this runs where the message is parsed). */
export function analyzeBody(content: Pick<ParsedContent, "subject" | "text" | "html">): MessageAnalysis {
  const html = head(content.html);
  const partText = content.text;
  const text = partText ?? (html ? htmlToText(html) : null);
  const textSource = partText !== null ? "text" : html ? "html" : null;
  const reply = partText !== null ? stripReply(head(partText) ?? "") : html ? stripReplyHtml(html) : null;
  const stripped = reply?.strippedText ?? null;
  return {
    text,
    textSource,
    strippedText: stripped !== null && text !== null && stripped === asStripped(text) ? null : stripped,
    signature: reply?.signature ?? null,
    markdown: html ? htmlToMarkdown(html) : null,
    textMarkdown:
      partText !== null && !html ? markdownOf(null, partText.slice(0, PAYLOAD_TEXT_CHARS), "text") : null,
    codes: extractCodes({ subject: content.subject, text: head(text) }),
    links: extractLinks({ html, text: head(partText) }),
  };
}

/** What stripReply gives back for a text it strips nothing from: line endings as \n, trailing space trimmed. */
function asStripped(text: string): string {
  return text.replace(/\r\n?/g, "\n").trimEnd();
}

/** `stripped_text` as shown: what was stored, or the text itself when nothing was stripped. */
export function strippedTextOf(stored: string | null, text: string | null): string | null {
  return stored ?? (text === null ? null : asStripped(text));
}

/** `markdown` as shown: what was stored (from HTML), or the text body rendered now. */
export function markdownOf(
  stored: string | null,
  text: string | null,
  textSource: string | null,
): string | null {
  if (stored !== null) return stored;
  return text !== null && textSource !== "html" ? textToMarkdown(text.slice(0, ANALYSIS_CHARS)) : null;
}

/** The kind of mail, which needs the envelope sender (a bounce comes from the null sender). */
export function classifyKind(content: ParsedContent | null, envelopeFrom: string): MessageKind {
  const result = classifyMessage({
    headers: content?.headers ?? [],
    subject: content?.subject ?? null,
    from: content?.from ?? null,
    envelopeFrom,
    text: content?.text ?? null,
    attachments: (content?.attachments ?? []).map((attachment) => ({
      contentType: attachment.contentType,
      content: attachment.content,
      filename: attachment.filename,
    })),
  });
  return { kind: result.kind, kindReasons: result.reasons, bounce: result.bounce };
}

/** What `messages.derived` holds (core/ingest/message-batch.ts): the derived fields without a column of their own. */
export interface DerivedFields {
  stripped_text: string | null;
  signature: string | null;
  markdown: string | null;
  codes: Array<{ value: string; context: string }>;
  links: Array<{ url: string; text: string }>;
  kind_reasons: string[];
  bounce: MessageKind["bounce"];
  header_anomalies: string[];
}

export const EMPTY_DERIVED: DerivedFields = {
  stripped_text: null,
  signature: null,
  markdown: null,
  codes: [],
  links: [],
  kind_reasons: [],
  bounce: null,
  header_anomalies: [],
};

/** The stored `derived` of one message, from its analysis, kind and header fields. */
export function derivedFieldsOf(
  analysis: MessageAnalysis | null,
  kind: MessageKind,
  content: Pick<ParsedContent, "headerAnomalies"> | null,
): DerivedFields {
  return {
    stripped_text: analysis?.strippedText ?? null,
    signature: analysis?.signature ?? null,
    markdown: analysis?.markdown ?? null,
    codes: analysis?.codes ?? [],
    links: analysis?.links ?? [],
    kind_reasons: kind.kindReasons,
    bounce: kind.bounce,
    header_anomalies: content?.headerAnomalies ?? [],
  };
}

/** What a new copy joins its thread by: In-Reply-To and References, the subject key and the participants. */
export function threadKeysOf(content: ParsedContent | null) {
  return {
    subjectKey: normalizeSubject(content?.subject ?? null),
    participants: content ? participantsOf(content) : [],
    references: [...(content?.inReplyTo ? [content.inReplyTo] : []), ...(content?.references ?? [])],
  };
}
