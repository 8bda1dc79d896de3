import { describe, expect, test } from "bun:test";
import { drizzle } from "drizzle-orm/libsql";
import { type MessageRowValues, messageInsert } from "../../core/ingest/message-batch";
import { threadIdSql, threadLookupOf } from "../../core/threads/assign";
import * as schema from "../../db/schema";
import { toStatement } from "../../db/statements";

/**
 * messageInsert binds each copy's values into a statement drizzle built once
 * per shape. It must be the statement drizzle builds for that row itself:
 * the same text, the same arguments in the same places (booleans as 0/1).
 */
const db = drizzle.mock({ schema });

function row(overrides: Partial<MessageRowValues> = {}): MessageRowValues {
  return {
    id: "msg_01",
    tenantId: "tnt_01",
    mailboxId: "mbx_01",
    envelopeFrom: "a@example.org",
    envelopeTo: '["b@example.com"]',
    remoteIp: "192.0.2.1",
    helo: null,
    tls: null,
    subject: 'quote "for" 40 units',
    fromAddress: "a@example.org",
    fromName: "A",
    to: "[]",
    cc: "[]",
    replyTo: "[]",
    date: null,
    messageIdHeader: "<m@example.org>",
    inReplyTo: null,
    references: "[]",
    headers: "[]",
    text: "hello",
    html: null,
    textSource: "text",
    kind: "human",
    threadSubject: "quote for 40 units",
    participants: '["a@example.org"]',
    derived: "{}",
    size: 1234,
    rawBlob: "ab".repeat(32),
    traceHeader: "Received: from x",
    receivedAt: 1_796_194_258_000,
    parseError: null,
    auth: null,
    attachmentCount: 0,
    ingress: "smtp",
    ingressKey: null,
    replyRef: null,
    quarantined: false,
    ...overrides,
  };
}

describe("messageInsert", () => {
  test.each([
    ["a reply found by subject", row(), ["<a@example.org>"], "quote for 40 units"],
    ["no subject to join by, quarantined", row({ quarantined: true, subject: null }), [], ""],
    [
      "another copy of the same shape",
      row({ id: "msg_02", text: "other", size: 9 }),
      ["<b@x>", "<b@x>"],
      "x",
    ],
  ] as const)("%s: the statement drizzle builds for the row", (_name, values, references, subjectKey) => {
    const thread = threadLookupOf({
      tenantId: String(values.tenantId),
      mailboxId: String(values.mailboxId),
      references: [...references],
      subjectKey,
      participants: ["a@example.org"],
      receivedAt: Number(values.receivedAt),
      newThreadId: "thr_new",
    });
    const direct = toStatement(
      db.insert(schema.messages).values({
        ...values,
        threadId: threadIdSql(thread.lookup, thread.bySubject),
      } as never),
    );
    expect(messageInsert(db, values, thread)).toEqual(direct);
  });
});
