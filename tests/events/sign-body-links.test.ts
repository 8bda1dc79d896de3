import { describe, expect, test } from "bun:test";
import {
  generateLinkKey,
  signBodyLinks,
  signLinksInText,
  signMessageLinks,
} from "../../core/links/signed-links";

/**
 * The drain signs a delivery's links in the body's text when it can
 * (signBodyLinks); the bytes sent must be exactly what parsing the body and
 * signing its data gives, for every body the event log can hold.
 */
const linkKey = generateLinkKey();
const now = Date.UTC(2026, 11, 2, 8, 0, 0);
const url = "https://mail.example/v1/messages/msg_01JZ0000000000000000000000";

function body(data: Record<string, unknown>): string {
  return `{"type":"message.received","timestamp":"2026-12-02T08:00:00.000Z","data":${JSON.stringify(data)}}`;
}

async function bySigningParsed(text: string): Promise<string> {
  const event = JSON.parse(text) as { data: unknown };
  return JSON.stringify({ ...event, data: await signMessageLinks(event.data, linkKey, 3600, now) });
}

const hostile = 'a "raw_url":"https://evil.example/raw" } ]} "attachments":[] \\ \u2028 \ud83d\ude00';
const base = {
  id: "msg_01JZ0000000000000000000000",
  subject: hostile,
  text: `${hostile}\n"url":"${url}/attachments/att_1"}`,
  links: [{ url: `${url}/raw`, text: hostile }],
  thread_id: "thr_01",
  url,
  raw_url: `${url}/raw`,
  attachments_included: false,
};

describe("signBodyLinks gives the bytes of parse, sign, serialize", () => {
  test.each([
    ["no attachments, hostile strings everywhere", { ...base, attachments: [] }],
    [
      "attachments (parsed)",
      {
        ...base,
        attachments: [
          { id: "att_1", filename: hostile, size: 3, url: `${url}/attachments/att_1` },
          { id: "att_2", filename: "b.pdf", size: 4, url: `${url}/attachments/att_2` },
        ],
      },
    ],
    ["attachments before raw_url, empty subject", { attachments: [], ...base, subject: "" }],
  ])("%s", async (name, data) => {
    const text = body(data);
    // Mail without attachments is signed in the text; with them, parsed.
    const inPlace = await signLinksInText(text, linkKey, 3600, now);
    expect(inPlace === null).toBe(name === "attachments (parsed)");
    const signed = await signBodyLinks(text, linkKey, 3600, now);
    expect(signed).toBe(await bySigningParsed(text));
    const parsed = JSON.parse(signed) as { data: { raw_url: string; expires_at: string } };
    expect(parsed.data.raw_url).toStartWith(`${url}/raw?expires=`);
    expect(parsed.data.expires_at).toBe("2026-12-02T09:00:00.000Z");
  });

  test("a body without links is sent as it is", async () => {
    const text = body({ id: "x" });
    expect(await signBodyLinks(text, linkKey, 3600, now)).toBe(await bySigningParsed(text));
  });
});
