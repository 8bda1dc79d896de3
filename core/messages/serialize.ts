/** JSON shapes of the API and of webhook payloads (DESIGN.md, "HTTP API"). Times are ISO 8601. */

export interface Links {
  /** e.g. https://mail.example.com, no trailing slash. */
  publicUrl: string;
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function messageUrl(links: Links, id: string): string {
  return `${links.publicUrl}/v1/messages/${id}`;
}

/** An attachment's metadata as the API and webhooks show it; `messageUrl` is the message's API URL. */
export function toAttachmentJson(
  attachment: {
    id: string;
    filename: string | null;
    contentType: string;
    disposition: string | null;
    contentId: string | null;
    size: number;
    sha256: string;
  },
  messageUrl: string,
) {
  return {
    id: attachment.id,
    filename: attachment.filename,
    content_type: attachment.contentType,
    disposition: attachment.disposition,
    content_id: attachment.contentId,
    size: attachment.size,
    sha256: attachment.sha256,
    url: `${messageUrl}/attachments/${attachment.id}`,
  };
}
