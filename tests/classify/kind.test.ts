// Proves classifyMessage on messages parsed as the app parses them: RFC 3464 DSNs and the prose
// bounces of Postfix, Exim, Exchange, Gmail, qmail and Sendmail give kind "bounce" with one entry per
// failed (or, in a delay warning, delayed) recipient; RFC 3834 and Exchange out-of-office replies are
// auto_reply, while a vacation subject alone stays human; list and automated mail are told apart by
// their headers; precedence is bounce > auto_reply > list > automated > human.
import { describe, expect, test } from "bun:test";
import { type Classification, classifyMessage } from "../../core/classify/kind";
import { expectLinearTime } from "../helpers/linear-time";
import {
  EXCHANGE,
  EXIM,
  FORWARDED_BOUNCE,
  GMAIL,
  MIXED_DSN,
  POSTFIX_DELAYED,
  POSTFIX_DSN,
  QMAIL,
  SENDMAIL,
  SUCCESS_DSN,
} from "./bounce-fixtures";
import { classifyInputOf, rawMessage } from "./classify-input";

interface Case {
  name: string;
  raw: string;
  /** The SMTP MAIL FROM; "" is the null reverse-path `<>`. */
  envelopeFrom: string;
  expected: Classification;
}

/** A plain one-part message from header lines and a body. */
function mail(headers: string[], body = "Hello.\n"): string {
  const base = ["Date: Mon, 2 Mar 2026 10:00:00 +0000", "Message-ID: <m@example.org>", "MIME-Version: 1.0"];
  const contentType = headers.some((line) => /^content-type:/i.test(line))
    ? []
    : ["Content-Type: text/plain; charset=utf-8"];
  return `${[...base, ...headers, ...contentType].join("\n")}\n\n${body}`;
}

const human = (): Classification => ({ kind: "human", reasons: [], bounce: null });

const BOUNCES: Case[] = [
  {
    name: "Postfix DSN (also Auto-Submitted: auto-replied: the bounce wins)",
    raw: POSTFIX_DSN,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "Content-Type: multipart/report; report-type=delivery-status",
        "message/delivery-status part",
        "envelope sender is empty",
        "From: MAILER-DAEMON@mx1.example.net",
        "Subject: Undelivered Mail Returned to Sender",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.1.1",
          final_recipient: "nobody@example.com",
          diagnostic_code:
            "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
          remote_mta: "mx.example.com",
          original_message_id: "<c0ffee-1@example.org>",
        },
      ],
    },
  },
  {
    name: "Postfix delay warning: a bounce whose entries are delayed, the id from text/rfc822-headers",
    raw: POSTFIX_DELAYED,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "Content-Type: multipart/report; report-type=delivery-status",
        "message/delivery-status part",
        "envelope sender is empty",
        "From: MAILER-DAEMON@mx1.example.net",
        "Subject: Delayed Mail (still being retried)",
      ],
      bounce: [
        {
          action: "delayed",
          status: "4.4.1",
          final_recipient: "slow@example.com",
          diagnostic_code: "connect to mx.example.com[192.0.2.20]:25: Connection timed out",
          remote_mta: null,
          original_message_id: "<c0ffee-2@example.org>",
        },
      ],
    },
  },
  {
    name: "a DSN for three recipients reports only the failed one (delivered and relayed are left out)",
    raw: MIXED_DSN,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "Content-Type: multipart/report; report-type=delivery-status",
        "message/delivery-status part",
        "envelope sender is empty",
        "From: postmaster@relay.example.net",
        "Subject: Delivery Status Notification (Failure)",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.2.1",
          final_recipient: "gone@example.com",
          diagnostic_code: "550 5.2.1 The email account that you tried to reach is disabled",
          remote_mta: "[192.0.2.30]",
          original_message_id: "<c0ffee-3@example.org>",
        },
      ],
    },
  },
  {
    name: "Exim: X-Failed-Recipients and the SMTP error under the address",
    raw: EXIM,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "envelope sender is empty",
        "From: Mailer-Daemon@smtp.example.net",
        "X-Failed-Recipients: full@example.com",
        "Subject: Mail delivery failed: returning message to sender",
        "text: This message was created automatically by mail delivery software",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.2.2",
          final_recipient: "full@example.com",
          diagnostic_code: "552 5.2.2 Mailbox full",
          remote_mta: "mx.example.com",
          original_message_id: "<c0ffee-4@example.org>",
        },
      ],
    },
  },
  {
    name: "Exchange: Undeliverable:, the administrators' line with the SMTP reply wins",
    raw: EXCHANGE,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "envelope sender is empty",
        "From: postmaster@corp.example.net",
        "Subject: Undeliverable: Quarterly numbers",
        "text: Delivery has failed to these recipients",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.1.10",
          final_recipient: "carol@corp.example.net",
          diagnostic_code:
            "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
          remote_mta: null,
          original_message_id: "<c0ffee-5@example.org>",
        },
      ],
    },
  },
  {
    name: "Gmail: the address alone on its line, the reply a few lines further",
    raw: GMAIL,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "envelope sender is empty",
        "From: mailer-daemon@googlemail.com",
        "Subject: Delivery Status Notification (Failure)",
        "text: Delivery to the following recipient failed",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.1.1",
          final_recipient: "typo@example.com",
          diagnostic_code: "550 5.1.1 The email account that you tried to reach does not exist.",
          remote_mta: null,
          original_message_id: "<c0ffee-6@example.org>",
        },
      ],
    },
  },
  {
    name: "qmail: failure notice with two <addr>: blocks",
    raw: QMAIL,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "envelope sender is empty",
        "From: MAILER-DAEMON@mail.example.net",
        "Subject: failure notice",
        "text: I'm afraid I wasn't able to deliver",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.1.1",
          final_recipient: "one@example.com",
          diagnostic_code: "550 5.1.1 <one@example.com>... User unknown Giving up on 192.0.2.60.",
          remote_mta: null,
          original_message_id: "<c0ffee-7@example.org>",
        },
        {
          action: "failed",
          status: "5.1.2",
          final_recipient: "two@example.com",
          diagnostic_code: "Sorry, I couldn't find any host named example.com. (#5.1.2)",
          remote_mta: null,
          original_message_id: "<c0ffee-7@example.org>",
        },
      ],
    },
  },
  {
    name: "Sendmail without MIME: the reason under the address, the transcript ignored",
    raw: SENDMAIL,
    envelopeFrom: "",
    expected: {
      kind: "bounce",
      reasons: [
        "envelope sender is empty",
        "From: MAILER-DAEMON@gw.example.net",
        "Subject: Returned mail: see transcript for details",
        "text: The following addresses had permanent fatal errors",
      ],
      bounce: [
        {
          action: "failed",
          status: "5.7.1",
          final_recipient: "dave@example.com",
          diagnostic_code: "550 5.7.1 Relaying denied",
          remote_mta: null,
          original_message_id: "<c0ffee-8@example.org>",
        },
      ],
    },
  },
  {
    name: "a success DSN is automated, not a bounce",
    raw: SUCCESS_DSN,
    envelopeFrom: "",
    expected: {
      kind: "automated",
      reasons: [
        "Content-Type: multipart/report; report-type=delivery-status",
        "message/delivery-status part",
        "Action: delivered",
        "envelope sender is empty",
        "From: MAILER-DAEMON@mx1.example.net",
      ],
      bounce: null,
    },
  },
  {
    name: "a person forwarding a bounce is human",
    raw: FORWARDED_BOUNCE,
    envelopeFrom: "alice@example.org",
    expected: human(),
  },
  {
    name: "a bounce subject from a person, with no other sign, is human",
    raw: mail(["From: Bob <bob@example.com>", "To: alice@example.org", "Subject: Undeliverable: my bike"]),
    envelopeFrom: "bob@example.com",
    expected: human(),
  },
  {
    name: "MAILER-DAEMON with an ordinary subject and text is automated, not a bounce",
    raw: mail([
      "From: MAILER-DAEMON@mx1.example.net",
      "To: alice@example.org",
      "Subject: Quarantine summary",
    ]),
    envelopeFrom: "MAILER-DAEMON@mx1.example.net",
    expected: { kind: "automated", reasons: ["From: MAILER-DAEMON@mx1.example.net"], bounce: null },
  },
];

const AUTO_REPLIES: Case[] = [
  {
    name: "RFC 3834 Auto-Submitted: auto-replied, with parameters",
    raw: mail([
      "From: Bob <bob@example.com>",
      "To: alice@example.org",
      "Subject: Re: Lunch?",
      "Auto-Submitted: auto-replied; owner-email=bob@example.com",
    ]),
    envelopeFrom: "",
    expected: {
      kind: "auto_reply",
      reasons: ["Auto-Submitted: auto-replied; owner-email=bob@example.com"],
      bounce: null,
    },
  },
  {
    name: "Exchange out-of-office: Automatic reply: with its headers",
    raw: mail([
      "From: Carol <carol@corp.example.net>",
      "To: alice@example.org",
      "Subject: Automatic reply: Quarterly numbers",
      "Auto-Submitted: auto-generated",
      "X-Auto-Response-Suppress: All",
      "X-MS-Exchange-Inbox-Rules-Loop: carol@corp.example.net",
      "Thread-Topic: Quarterly numbers",
    ]),
    envelopeFrom: "carol@corp.example.net",
    expected: {
      kind: "auto_reply",
      reasons: [
        "Subject: Automatic reply: Quarterly numbers",
        "X-Auto-Response-Suppress: All",
        "Auto-Submitted: auto-generated",
        "X-MS-Exchange-Inbox-Rules-Loop: carol@corp.example.net",
      ],
      bounce: null,
    },
  },
  {
    name: "Abwesenheitsnotiz with X-Auto-Response-Suppress",
    raw: mail([
      "From: Dieter <dieter@example.de>",
      "To: alice@example.org",
      "Subject: Abwesenheitsnotiz: Angebot",
      "X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply",
    ]),
    envelopeFrom: "dieter@example.de",
    expected: {
      kind: "auto_reply",
      reasons: [
        "Subject: Abwesenheitsnotiz: Angebot",
        "X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply",
      ],
      bounce: null,
    },
  },
  {
    name: "Réponse automatique sent with a null envelope sender",
    raw: mail([
      "From: Élise <elise@example.fr>",
      "To: alice@example.org",
      "Subject: Réponse automatique : Devis",
    ]),
    envelopeFrom: "",
    expected: {
      kind: "auto_reply",
      reasons: ["Subject: Réponse automatique : Devis", "envelope sender is empty"],
      bounce: null,
    },
  },
  {
    name: "自动回复 with Precedence: junk",
    raw: mail([
      "From: wang@example.cn",
      "To: alice@example.org",
      "Subject: 自动回复: 会议",
      "Precedence: junk",
    ]),
    envelopeFrom: "wang@example.cn",
    expected: {
      kind: "auto_reply",
      reasons: ["Subject: 自动回复: 会议", "Precedence: junk"],
      bounce: null,
    },
  },
  {
    name: "X-Autoreply: yes",
    raw: mail(["From: eve@example.com", "To: alice@example.org", "Subject: Re: Hello", "X-Autoreply: yes"]),
    envelopeFrom: "eve@example.com",
    expected: { kind: "auto_reply", reasons: ["X-Autoreply: yes"], bounce: null },
  },
  {
    name: "X-Autorespond",
    raw: mail(["From: eve@example.com", "To: alice@example.org", "Subject: Thanks", "X-Autorespond: Thanks"]),
    envelopeFrom: "eve@example.com",
    expected: { kind: "auto_reply", reasons: ["X-Autorespond: Thanks"], bounce: null },
  },
  {
    name: "Precedence: auto_reply",
    raw: mail([
      "From: eve@example.com",
      "To: alice@example.org",
      "Subject: Received",
      "Precedence: auto_reply",
    ]),
    envelopeFrom: "eve@example.com",
    expected: { kind: "auto_reply", reasons: ["Precedence: auto_reply"], bounce: null },
  },
  {
    name: "a vacation reply to a list (Precedence: bulk) is an auto-reply, not list mail",
    raw: mail([
      "From: frank@example.com",
      "To: dev@lists.example.org",
      "Subject: Out of Office: [dev] Release plan",
      "Precedence: bulk",
    ]),
    envelopeFrom: "frank@example.com",
    expected: {
      kind: "auto_reply",
      reasons: ["Subject: Out of Office: [dev] Release plan", "Precedence: bulk"],
      bounce: null,
    },
  },
  {
    name: "an out-of-office subject alone stays human",
    raw: mail(["From: Gina <gina@example.com>", "To: alice@example.org", "Subject: Out of office tomorrow?"]),
    envelopeFrom: "gina@example.com",
    expected: human(),
  },
  {
    name: "Automatic reply: written by a person (no header says otherwise) stays human",
    raw: mail([
      "From: Gina <gina@example.com>",
      "To: alice@example.org",
      "Subject: Automatic reply: how do I set one?",
    ]),
    envelopeFrom: "gina@example.com",
    expected: human(),
  },
  {
    name: "X-Auto-Response-Suppress alone (Exchange sets it on ordinary mail) stays human",
    raw: mail([
      "From: Carol <carol@corp.example.net>",
      "To: alice@example.org",
      "Subject: Quarterly numbers",
      "X-Auto-Response-Suppress: All",
    ]),
    envelopeFrom: "carol@corp.example.net",
    expected: human(),
  },
];

const LISTS_AND_AUTOMATED: Case[] = [
  {
    name: "Mailman list mail: List-Id, List-Unsubscribe, List-Post, Precedence: list",
    raw: mail([
      "From: Hank <hank@example.com>",
      "To: dev@lists.example.org",
      "Subject: [dev] Release plan",
      "List-Id: Developers <dev.lists.example.org>",
      "List-Unsubscribe: <https://lists.example.org/options/dev>, <mailto:dev-request@lists.example.org?subject=unsubscribe>",
      "List-Post: <mailto:dev@lists.example.org>",
      "Precedence: list",
    ]),
    envelopeFrom: "dev-bounces@lists.example.org",
    expected: {
      kind: "list",
      reasons: [
        "List-Id: Developers <dev.lists.example.org>",
        "List-Unsubscribe: <https://lists.example.org/options/dev>, <mailto:dev-request@lists.example.org?subject=unsubscribe>",
        "List-Post: <mailto:dev@lists.example.org>",
        "Precedence: list",
      ],
      bounce: null,
    },
  },
  {
    name: "a newsletter with Precedence: bulk only",
    raw: mail([
      "From: news@shop.example.com",
      "To: alice@example.org",
      "Subject: Spring sale",
      "Precedence: bulk",
    ]),
    envelopeFrom: "bounce@shop.example.com",
    expected: { kind: "list", reasons: ["Precedence: bulk"], bounce: null },
  },
  {
    name: "ezmlm's Mailing-List and X-Mailing-List",
    raw: mail([
      "From: ivy@example.com",
      "To: users@example.org",
      "Subject: question",
      "Mailing-List: contact users-help@example.org; run by ezmlm",
      "X-Mailing-List: users@example.org",
    ]),
    envelopeFrom: "users-return-1@example.org",
    expected: {
      kind: "list",
      reasons: [
        "X-Mailing-List: users@example.org",
        "Mailing-List: contact users-help@example.org; run by ezmlm",
      ],
      bounce: null,
    },
  },
  {
    name: "list mail that is also auto-generated is list mail",
    raw: mail([
      "From: ci@example.com",
      "To: commits@lists.example.org",
      "Subject: [commits] build passed",
      "Auto-Submitted: auto-generated",
      "List-Id: <commits.lists.example.org>",
    ]),
    envelopeFrom: "ci@example.com",
    expected: { kind: "list", reasons: ["List-Id: <commits.lists.example.org>"], bounce: null },
  },
  {
    name: "cron output: Auto-Submitted: auto-generated",
    raw: mail([
      "From: root@host.example.net (Cron Daemon)",
      "To: root@host.example.net",
      "Subject: Cron <root@host> /usr/local/bin/backup",
      "Auto-Submitted: auto-generated",
    ]),
    envelopeFrom: "root@host.example.net",
    expected: { kind: "automated", reasons: ["Auto-Submitted: auto-generated"], bounce: null },
  },
  {
    name: "Auto-Submitted: auto-notified",
    raw: mail([
      "From: sieve@example.net",
      "To: alice@example.org",
      "Subject: Notice",
      "Auto-Submitted: auto-notified",
    ]),
    envelopeFrom: "sieve@example.net",
    expected: { kind: "automated", reasons: ["Auto-Submitted: auto-notified"], bounce: null },
  },
  {
    name: "Auto-Submitted: no is a person",
    raw: mail(["From: jack@example.com", "To: alice@example.org", "Subject: Hi", "Auto-Submitted: no"]),
    envelopeFrom: "jack@example.com",
    expected: human(),
  },
  {
    name: "Precedence: junk",
    raw: mail([
      "From: monitor@example.net",
      "To: alice@example.org",
      "Subject: Disk at 91%",
      "Precedence: junk",
    ]),
    envelopeFrom: "monitor@example.net",
    expected: { kind: "automated", reasons: ["Precedence: junk"], bounce: null },
  },
  {
    name: "a no-reply sender with a sending platform's header",
    raw: mail([
      "From: Example Shop <no-reply@shop.example.com>",
      "To: alice@example.org",
      "Subject: Your receipt",
      "Feedback-ID: 1.eu-west-1.abc:AmazonSES",
      "X-SES-Outgoing: 2026.03.02-54.240.1.1",
    ]),
    envelopeFrom: "0102abc@eu-west-1.amazonses.com",
    expected: {
      kind: "automated",
      reasons: [
        "From: no-reply@shop.example.com",
        "Feedback-ID: 1.eu-west-1.abc:AmazonSES",
        "X-SES-Outgoing: 2026.03.02-54.240.1.1",
      ],
      bounce: null,
    },
  },
  {
    name: "a no-reply sender alone stays human",
    raw: mail(["From: noreply@example.com", "To: alice@example.org", "Subject: Hello"]),
    envelopeFrom: "noreply@example.com",
    expected: human(),
  },
  {
    name: "a read receipt (report-type=disposition-notification) is automated",
    raw: mail(
      [
        "From: Bob <bob@example.com>",
        "To: alice@example.org",
        "Subject: Read: Lunch?",
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="B-mdn"',
      ],
      `--B-mdn
Content-Type: text/plain

Your message was displayed.

--B-mdn
Content-Type: message/disposition-notification

Final-Recipient: rfc822; bob@example.com
Disposition: manual-action/MDN-sent-manually; displayed

--B-mdn--
`,
    ),
    envelopeFrom: "",
    expected: {
      kind: "automated",
      reasons: [
        "Content-Type: multipart/report; report-type=disposition-notification",
        "envelope sender is empty",
      ],
      bounce: null,
    },
  },
  {
    name: "a null envelope sender and nothing else is automated",
    raw: mail(["From: system@example.net", "To: alice@example.org", "Subject: Your export is ready"]),
    envelopeFrom: "",
    expected: { kind: "automated", reasons: ["envelope sender is empty"], bounce: null },
  },
  {
    name: "a person's mail is human",
    raw: mail(
      ["From: Alice <alice@example.org>", "To: bob@example.com", "Subject: Lunch?"],
      "Thursday at noon?\n",
    ),
    envelopeFrom: "alice@example.org",
    expected: human(),
  },
];

for (const [title, cases] of [
  ["bounces", BOUNCES],
  ["auto-replies", AUTO_REPLIES],
  ["lists and automated mail", LISTS_AND_AUTOMATED],
] as const) {
  describe(title, () => {
    for (const { name, raw, envelopeFrom, expected } of cases) {
      test(name, async () => {
        expect(classifyMessage(await classifyInputOf(rawMessage(raw), envelopeFrom))).toEqual(expected);
      });
    }
  });
}

describe("input built directly", () => {
  const base = {
    headers: [],
    subject: null,
    from: null,
    envelopeFrom: "a@example.org",
    text: null,
    attachments: [],
  };

  test("an empty message is human", () => {
    expect(classifyMessage(base)).toEqual(human());
  });

  test("a DSN part given as bytes, with envelope <>", () => {
    const dsn =
      "Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822;x@example.com\r\nStatus: 5.0.0\r\n";
    expect(
      classifyMessage({
        ...base,
        envelopeFrom: "<>",
        headers: [
          { name: "Content-Type", value: "multipart/report; report-type=delivery-status; boundary=x" },
        ],
        attachments: [
          { contentType: "message/delivery-status", content: new TextEncoder().encode(dsn), filename: null },
        ],
      }),
    ).toEqual({
      kind: "bounce",
      reasons: [
        "Content-Type: multipart/report; report-type=delivery-status",
        "message/delivery-status part",
        "envelope sender is empty",
      ],
      // No Action field: a 5.x.x status counts as failed, and the action is reported as it is (absent).
      bounce: [
        {
          action: null,
          status: "5.0.0",
          final_recipient: "x@example.com",
          diagnostic_code: null,
          remote_mta: null,
          original_message_id: null,
        },
      ],
    });
  });

  test("a hostile text (1 MB of addresses and SMTP codes) is classified in linear time", () => {
    const bounceOf = (text: string) =>
      classifyMessage({
        ...base,
        envelopeFrom: "",
        from: { address: "MAILER-DAEMON@example.net", name: "" },
        subject: "Undelivered Mail Returned to Sender",
        text,
      });
    expectLinearTime((n) => {
      const text = "<a@example.com>: 550 5.1.1 no\n".repeat(n);
      return () => bounceOf(text);
    }, 40_000);
    const result = bounceOf("<a@example.com>: 550 5.1.1 no\n".repeat(40_000));
    expect(result.kind).toBe("bounce");
    expect(result.bounce?.length).toBe(1);
  });
});
