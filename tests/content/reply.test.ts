// Proves that stripReply and stripReplyHtml (core/content/reply.ts) keep exactly the new text of a
// reply: each client's quoting style in English and other languages, signatures, forwards, inline
// answers, the traps a too-eager stripper falls into, and linear time on a 2 MB hostile text.
// Every fixture was written for this project.
import { describe, expect, test } from "bun:test";
import { stripReply, stripReplyHtml } from "../../core/content/reply";
import { expectLinearTime } from "../helpers/linear-time";

interface Fixture {
  name: string;
  input: string;
  strippedText: string;
  signature?: string | null;
}

const lines = (...all: string[]): string => all.join("\n");

const TEXT_FIXTURES: Fixture[] = [
  {
    name: "Gmail: attribution, blank line, > quote",
    input: lines(
      "Thursday works for me.",
      "",
      "On Mon, Mar 2, 2026 at 9:41 AM Jane Doe <jane@x.com> wrote:",
      "",
      "> Can we meet this week?",
      "> Jane",
      "",
    ),
    strippedText: "Thursday works for me.",
  },
  {
    name: "Gmail: the attribution wrapped over two lines",
    input: lines(
      "Thursday works for me.",
      "",
      "On Mon, Mar 2, 2026 at 9:41 AM Jane Doe-Fitzgerald <jane.doe-fitzgerald@example.com>",
      "wrote:",
      "",
      "> Can we meet this week?",
    ),
    strippedText: "Thursday works for me.",
  },
  {
    name: "Gmail: the address wrapped onto the second line",
    input: lines(
      "Fine by me.",
      "",
      "On Mon, Mar 2, 2026 at 9:41 AM Jane Doe <",
      "jane@x.com> wrote:",
      "> Can we meet?",
    ),
    strippedText: "Fine by me.",
  },
  {
    name: "Outlook desktop: -----Original Message----- and its header block",
    input: lines(
      "Approved.",
      "",
      "-----Original Message-----",
      "From: Jane Doe [mailto:jane@x.com]",
      "Sent: Monday, March 2, 2026 9:41 AM",
      "To: John Smith <john@y.com>",
      "Subject: Budget",
      "",
      "Please approve the budget.",
    ),
    strippedText: "Approved.",
  },
  {
    name: "Outlook on the web: the underscore rule above From/Sent/To/Subject",
    input: lines(
      "Yes, see you then.",
      "",
      "________________________________",
      "From: Jane Doe <jane@x.com>",
      "Sent: Monday, March 2, 2026 9:41 AM",
      "To: John Smith <john@y.com>",
      "Subject: Re: Lunch",
      "",
      "Lunch on Thursday?",
    ),
    strippedText: "Yes, see you then.",
  },
  {
    name: "Outlook: a header block with no rule, names in bold as the text part writes them",
    input: lines(
      "Done, thanks.",
      "",
      "*From:* Jane Doe <jane@x.com>",
      "*Sent:* Monday, March 2, 2026 9:41 AM",
      "*To:* John Smith <john@y.com>",
      "*Cc:* Team <team@y.com>",
      "*Subject:* Report",
      "",
      "Could you send the report?",
    ),
    strippedText: "Done, thanks.",
  },
  {
    name: "Apple Mail: On <day> <month> <year>, at <time>",
    input: lines(
      "Sounds good.",
      "",
      "> On 2 Mar 2026, at 09:41, Jane Doe <jane@x.com> wrote:",
      "> ",
      "> Dinner at eight?",
    ),
    strippedText: "Sounds good.",
  },
  {
    name: "Apple Mail: the attribution above the quote, not inside it",
    input: lines(
      "Sounds good.",
      "",
      "On 2 Mar 2026, at 09:41, Jane Doe <jane@x.com> wrote:",
      "",
      "> Dinner at eight?",
    ),
    strippedText: "Sounds good.",
  },
  {
    name: "Thunderbird: On 3/2/26 9:41 AM, Jane wrote:",
    input: lines(
      "I'll bring the slides.",
      "",
      "On 3/2/26 9:41 AM, Jane Doe wrote:",
      "> Who brings the slides?",
    ),
    strippedText: "I'll bring the slides.",
  },
  {
    name: "Yahoo: a long attribution, the original not prefixed with >",
    input: lines(
      "Count me in!",
      "",
      "    On Monday, March 2, 2026, 09:41:07 AM GMT+1, Jane Doe <jane@x.com> wrote:  ",
      " ",
      " Who is coming on Saturday?",
    ),
    strippedText: "Count me in!",
  },
  {
    name: "inline answers between quoted lines: the answers stay, the quoted lines go",
    input: lines(
      "On Mon, Mar 2, 2026 at 9:41 AM Jane Doe <jane@x.com> wrote:",
      "> Can you do Thursday?",
      "Yes, after 2 pm.",
      "",
      "> And will you bring the contract?",
      "",
      "I will.",
      "",
      "> Thanks!",
    ),
    strippedText: "Yes, after 2 pm.\n\nI will.",
  },
  {
    name: "bottom-posting: the answer below the quote",
    input: lines(
      "On 3/2/26 9:41 AM, Jane Doe wrote:",
      "> Is the server up again?",
      "",
      "It is, since 10:05.",
    ),
    strippedText: "It is, since 10:05.",
  },
  {
    name: "nested quotes (>> and > >) go with their attribution",
    input: lines(
      "Agreed with both of you.",
      "",
      "On Tue, Mar 3, 2026 at 8:00 AM Bob <bob@z.com> wrote:",
      "> I think so too.",
      ">",
      "> On Mon, Mar 2, 2026 at 9:41 AM Jane Doe <jane@x.com> wrote:",
      ">> We should ship on Friday.",
      "> > Really.",
    ),
    strippedText: "Agreed with both of you.",
  },
  {
    name: "a forward with a note: the note stays, the forwarded message goes",
    input: lines(
      "FYI, see below.",
      "",
      "---------- Forwarded message ---------",
      "From: Jane Doe <jane@x.com>",
      "Date: Mon, Mar 2, 2026 at 9:41 AM",
      "Subject: Invoice",
      "To: John Smith <john@y.com>",
      "",
      "Here is the invoice.",
    ),
    strippedText: "FYI, see below.",
  },
  {
    name: "a forward with no new words is returned whole",
    input: lines(
      "",
      "---------- Forwarded message ---------",
      "From: Jane Doe <jane@x.com>",
      "Date: Mon, Mar 2, 2026 at 9:41 AM",
      "Subject: Invoice",
      "To: John Smith <john@y.com>",
      "",
      "Here is the invoice.",
      "",
    ),
    strippedText: lines(
      "---------- Forwarded message ---------",
      "From: Jane Doe <jane@x.com>",
      "Date: Mon, Mar 2, 2026 at 9:41 AM",
      "Subject: Invoice",
      "To: John Smith <john@y.com>",
      "",
      "Here is the invoice.",
    ),
  },
  {
    name: "Apple Mail forward: Begin forwarded message:",
    input: lines(
      "Can you handle this?",
      "",
      "Begin forwarded message:",
      "",
      "From: Jane Doe <jane@x.com>",
      "Subject: Broken link",
      "Date: 2 March 2026 at 09:41:00 GMT",
      "To: support@y.com",
      "",
      "The link on the pricing page is broken.",
    ),
    strippedText: "Can you handle this?",
  },
  {
    name: "Thunderbird forward: -------- Forwarded Message --------, Subject first",
    input: lines(
      "Please take a look.",
      "",
      "-------- Forwarded Message --------",
      "Subject: \tBroken link",
      "Date: \tMon, 2 Mar 2026 09:41:00 +0100",
      "From: \tJane Doe <jane@x.com>",
      "To: \tsupport@y.com",
    ),
    strippedText: "Please take a look.",
  },
  {
    name: "a message that is only a quote is returned whole",
    input: lines("> Can we meet?", "> Jane", ""),
    strippedText: "> Can we meet?\n> Jane",
  },
  {
    name: "nothing to strip: trailing whitespace trimmed, leading indent and CRLF line ends normalised",
    input: "  Indented first line.\r\nSecond line.\r\n\r\n   \r\n",
    strippedText: "  Indented first line.\nSecond line.",
  },
];

const LANGUAGE_FIXTURES: Fixture[] = [
  {
    name: "German (Gmail): Am … um … schrieb …:",
    input: lines(
      "Passt mir gut.",
      "",
      "Am Mo., 2. März 2026 um 09:41 Uhr schrieb Jane Doe <jane@x.com>:",
      "> Passt dir Donnerstag?",
    ),
    strippedText: "Passt mir gut.",
  },
  {
    name: "German (Thunderbird): … schrieb am …:",
    input: lines("Erledigt.", "", "Jane Doe schrieb am 02.03.2026 um 09:41:", "> Bitte erledigen."),
    strippedText: "Erledigt.",
  },
  {
    name: "French: Le … a écrit : with a no-break space before the colon",
    input: lines(
      "Ça me va.",
      "",
      "Le lun. 2 mars 2026 à 09:41, Jane Doe <jane@x.com> a écrit\u00a0:",
      "> Jeudi, ça te va ?",
    ),
    strippedText: "Ça me va.",
  },
  {
    name: "Spanish: El … escribió:",
    input: lines(
      "Perfecto.",
      "",
      "El lun, 2 mar 2026 a las 9:41, Jane Doe (<jane@x.com>) escribió:",
      "> ¿Te viene bien el jueves?",
    ),
    strippedText: "Perfecto.",
  },
  {
    name: "Portuguese: Em … escreveu:",
    input: lines(
      "Combinado.",
      "",
      "Em seg., 2 de mar. de 2026 às 09:41, Jane Doe <jane@x.com> escreveu:",
      "> Quinta-feira serve?",
    ),
    strippedText: "Combinado.",
  },
  {
    name: "Italian: Il giorno … ha scritto:",
    input: lines(
      "Va bene.",
      "",
      "Il giorno lun 2 mar 2026 alle ore 09:41 Jane Doe <jane@x.com> ha scritto:",
      "> Giovedì va bene?",
    ),
    strippedText: "Va bene.",
  },
  {
    name: "Dutch: Op … schreef …:",
    input: lines(
      "Prima.",
      "",
      "Op ma 2 mrt 2026 om 09:41 schreef Jane Doe <jane@x.com>:",
      "> Komt donderdag uit?",
    ),
    strippedText: "Prima.",
  },
  {
    name: "Swedish: Den … skrev …:",
    input: lines(
      "Det funkar.",
      "",
      "Den mån 2 mars 2026 kl 09:41 skrev Jane Doe <jane@x.com>:",
      "> Passar torsdag?",
    ),
    strippedText: "Det funkar.",
  },
  {
    name: "Danish: Den … kl. 09.41 skrev …:",
    input: lines(
      "Det passer fint.",
      "",
      "Den man. 2. mar. 2026 kl. 09.41 skrev Jane Doe <jane@x.com>:",
      "> Passer torsdag?",
    ),
    strippedText: "Det passer fint.",
  },
  {
    name: "Russian: … написал(а):",
    input: lines(
      "Договорились.",
      "",
      "2 марта 2026 г., в 09:41, Jane Doe <jane@x.com> написал(а):",
      "> Четверг подходит?",
    ),
    strippedText: "Договорились.",
  },
  {
    name: "Polish: … napisał(a):",
    input: lines(
      "Pasuje.",
      "",
      "pon., 2 mar 2026 o 09:41 Jane Doe <jane@x.com> napisał(a):",
      "> Czy czwartek pasuje?",
    ),
    strippedText: "Pasuje.",
  },
  {
    name: "Japanese: …のメッセージ:",
    input: lines(
      "承知しました。",
      "",
      "2026/03/02 9:41、Jane Doe <jane@x.com>のメッセージ:",
      "> 木曜日は大丈夫ですか？",
    ),
    strippedText: "承知しました。",
  },
  {
    name: "Japanese Gmail in English words: … wrote:",
    input: lines(
      "了解です。",
      "",
      "2026年3月2日(月) 9:41 Jane Doe <jane@x.com> wrote:",
      "> 木曜日は大丈夫ですか？",
    ),
    strippedText: "了解です。",
  },
  {
    name: "Chinese: … 写道：",
    input: lines("好的。", "", "Jane Doe <jane@x.com> 于2026年3月2日周一 09:41写道：", "> 周四可以吗？"),
    strippedText: "好的。",
  },
  {
    name: "German Outlook header block: Von / Gesendet / An / Betreff",
    input: lines(
      "Danke, erledigt.",
      "",
      "Von: Jane Doe <jane@x.com>",
      "Gesendet: Montag, 2. März 2026 09:41",
      "An: John Smith <john@y.com>",
      "Betreff: Bericht",
      "",
      "Bitte den Bericht schicken.",
    ),
    strippedText: "Danke, erledigt.",
  },
  {
    name: "French Outlook header block: De : / Envoyé : / À : / Objet :",
    input: lines(
      "Merci, c'est fait.",
      "",
      "De : Jane Doe <jane@x.com>",
      "Envoyé : lundi 2 mars 2026 09:41",
      "À : John Smith <john@y.com>",
      "Objet : Rapport",
      "",
      "Peux-tu envoyer le rapport ?",
    ),
    strippedText: "Merci, c'est fait.",
  },
];

const SIGNATURE_FIXTURES: Fixture[] = [
  {
    name: "RFC 3676 '-- ' delimiter",
    input: lines("See you Thursday.", "", "-- ", "John Smith", "ACME Corp | +1 555 0100"),
    strippedText: "See you Thursday.",
    signature: "John Smith\nACME Corp | +1 555 0100",
  },
  {
    name: "a bare '--' delimiter (trailing space lost on the way)",
    input: lines("See you Thursday.", "--", "John"),
    strippedText: "See you Thursday.",
    signature: "John",
  },
  {
    name: "signature above the quoted history",
    input: lines(
      "Works for me.",
      "",
      "-- ",
      "John",
      "",
      "On Mon, Mar 2, 2026 at 9:41 AM Jane Doe <jane@x.com> wrote:",
      "> Thursday?",
    ),
    strippedText: "Works for me.",
    signature: "John",
  },
  {
    name: "Sent from my iPhone",
    input: lines("On my way.", "", "Sent from my iPhone"),
    strippedText: "On my way.",
    signature: "Sent from my iPhone",
  },
  {
    name: "Get Outlook for Android, above an Outlook header block",
    input: lines(
      "Approved.",
      "",
      "Get Outlook for Android",
      "________________________________",
      "From: Jane Doe <jane@x.com>",
      "Sent: Monday, March 2, 2026 9:41:07 AM",
      "To: John Smith <john@y.com>",
      "Subject: Budget",
    ),
    strippedText: "Approved.",
    signature: "Get Outlook for Android",
  },
  {
    name: "Get Outlook for iOS",
    input: lines("Approved.", "", "Get Outlook for iOS"),
    strippedText: "Approved.",
    signature: "Get Outlook for iOS",
  },
  {
    name: "Sent from Mail for Windows",
    input: lines("Received, thanks.", "", "Sent from Mail for Windows"),
    strippedText: "Received, thanks.",
    signature: "Sent from Mail for Windows",
  },
  {
    name: "Sent from my Galaxy",
    input: lines("Running late.", "", "Sent from my Galaxy"),
    strippedText: "Running late.",
    signature: "Sent from my Galaxy",
  },
  {
    name: "Von meinem iPhone gesendet",
    input: lines("Bin unterwegs.", "", "Von meinem iPhone gesendet"),
    strippedText: "Bin unterwegs.",
    signature: "Von meinem iPhone gesendet",
  },
  {
    name: "Envoyé de mon iPhone",
    input: lines("J'arrive.", "", "Envoyé de mon iPhone"),
    strippedText: "J'arrive.",
    signature: "Envoyé de mon iPhone",
  },
  {
    name: "Enviado desde mi iPhone, above a quote",
    input: lines(
      "Llego en cinco minutos.",
      "",
      "Enviado desde mi iPhone",
      "",
      "> El 2 mar 2026, a las 9:41, Jane Doe <jane@x.com> escribió:",
      "> ¿Dónde estás?",
    ),
    strippedText: "Llego en cinco minutos.",
    signature: "Enviado desde mi iPhone",
  },
  {
    name: "a phone signature and a quote, no new words: returned whole, no signature",
    input: lines("Sent from my iPhone", "", "> On 2 Mar 2026, at 09:41, Jane <jane@x.com> wrote:", "> Hi"),
    strippedText: lines(
      "Sent from my iPhone",
      "",
      "> On 2 Mar 2026, at 09:41, Jane <jane@x.com> wrote:",
      "> Hi",
    ),
    signature: null,
  },
];

const TRAP_FIXTURES: Fixture[] = [
  {
    name: "'wrote:' in the middle of a paragraph is text",
    input: lines(
      "Last week I re-read the note.",
      "On the other hand, I wrote:",
      "the plan still holds, and nothing changed.",
      "",
      "Best, John",
    ),
    strippedText: lines(
      "Last week I re-read the note.",
      "On the other hand, I wrote:",
      "the plan still holds, and nothing changed.",
      "",
      "Best, John",
    ),
  },
  {
    name: "'… I wrote:' ending the message, with no quote after it, is text",
    input: lines("Here is what I meant.", "", "On the other hand, I wrote:"),
    strippedText: lines("Here is what I meant.", "", "On the other hand, I wrote:"),
  },
  {
    name: "a body line starting with 'From:' is text",
    input: lines(
      "From: the team's point of view, the launch went well.",
      "To: be fair, support had a long week.",
      "",
      "John",
    ),
    strippedText: lines(
      "From: the team's point of view, the launch went well.",
      "To: be fair, support had a long week.",
      "",
      "John",
    ),
  },
  {
    name: "a '--' with many lines after it is not a signature delimiter",
    input: lines("Agenda", "--", ...Array.from({ length: 14 }, (_, index) => `Item ${index + 1}`)),
    strippedText: lines("Agenda", "--", ...Array.from({ length: 14 }, (_, index) => `Item ${index + 1}`)),
  },
  {
    name: "'Sent from my iPhone' quoted in a sentence is text",
    input: lines("She said the mail was sent from my iPhone, not hers.", "", "John"),
    strippedText: lines("She said the mail was sent from my iPhone, not hers.", "", "John"),
  },
];

function runFixtures(
  fixtures: Fixture[],
  strip: (input: string) => { strippedText: string; signature: string | null },
) {
  for (const fixture of fixtures) {
    test(fixture.name, () => {
      expect(strip(fixture.input)).toEqual({
        strippedText: fixture.strippedText,
        signature: fixture.signature ?? null,
      });
    });
  }
}

describe("stripReply: client quoting styles", () => runFixtures(TEXT_FIXTURES, stripReply));
describe("stripReply: attributions in other languages", () => runFixtures(LANGUAGE_FIXTURES, stripReply));
describe("stripReply: signatures", () => runFixtures(SIGNATURE_FIXTURES, stripReply));
describe("stripReply: what must not be stripped", () => runFixtures(TRAP_FIXTURES, stripReply));

const HTML_FIXTURES: Fixture[] = [
  {
    name: "Gmail: div.gmail_quote with its gmail_attr, and the signature after '-- '",
    input:
      '<div dir="ltr">Thursday works for me.<div><br></div></div><br clear="all"><div><br></div>' +
      '<span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">John Smith</div><br>' +
      '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Mar 2, 2026 at 9:41 AM ' +
      'Jane Doe &lt;<a href="mailto:jane@x.com">jane@x.com</a>&gt; wrote:<br></div>' +
      '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">' +
      '<div dir="ltr">Can we meet this week?</div></blockquote></div>',
    strippedText: "Thursday works for me.",
    signature: "John Smith",
  },
  {
    name: "Outlook on the web: #appendonsend, the <hr> and #divRplyFwdMsg, and the message after them",
    input:
      '<div style="font-family:Calibri">Yes, see you then.</div><div id="appendonsend"></div>' +
      '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">' +
      '<font face="Calibri" style="font-size:11pt"><b>From:</b> Jane Doe &lt;jane@x.com&gt;<br><b>Sent:</b> Monday, ' +
      "March 2, 2026 9:41 AM<br><b>To:</b> John Smith &lt;john@y.com&gt;<br><b>Subject:</b> Lunch</font>" +
      "<div>&nbsp;</div></div><div>Lunch on Thursday?</div>",
    strippedText: "Yes, see you then.",
  },
  {
    name: "Outlook desktop: the border-top:solid #E1E1E1 header block",
    input:
      '<div class="WordSection1"><p class="MsoNormal">Approved.<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>' +
      '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal">' +
      "<b>From:</b> Jane Doe &lt;jane@x.com&gt;<br><b>Sent:</b> Monday, March 2, 2026 9:41 AM<br><b>To:</b> John<br>" +
      '<b>Subject:</b> Budget<o:p></o:p></p></div></div><p class="MsoNormal">Please approve.</p></div>',
    strippedText: "Approved.",
  },
  {
    name: "Apple Mail: blockquote type=cite, with its unmarked attribution and a phone signature",
    input:
      '<html><body dir="auto">Sounds good.<br><br><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br>' +
      '<blockquote type="cite">On 2 Mar 2026, at 09:41, Jane Doe &lt;jane@x.com&gt; wrote:<br><br></blockquote></div>' +
      '<blockquote type="cite"><div dir="ltr">Dinner at eight?</div></blockquote></body></html>',
    strippedText: "Sounds good.",
    signature: "Sent from my iPhone",
  },
  {
    name: "Apple Mail: answers between blockquotes stay",
    input:
      '<div>On 2 Mar 2026, at 09:41, Jane Doe &lt;jane@x.com&gt; wrote:</div><blockquote type="cite">' +
      '<div>Thursday?</div></blockquote><div>Yes.</div><blockquote type="cite"><div>Eight?</div></blockquote>' +
      "<div>Better at nine.</div>",
    strippedText: "Yes.\n\nBetter at nine.",
  },
  {
    name: "Thunderbird: div.moz-cite-prefix and blockquote type=cite",
    input:
      '<p>I\'ll bring the slides.</p><div class="moz-cite-prefix">On 3/2/26 9:41 AM, Jane Doe wrote:<br></div>' +
      '<blockquote type="cite" cite="mid:1@x.com">Who brings the slides?</blockquote>',
    strippedText: "I'll bring the slides.",
  },
  {
    name: "Yahoo: div.yahoo_quoted",
    input:
      '<div class="ydp1"><div>Count me in!</div></div><div id="yahoo_quoted_1234" class="yahoo_quoted">' +
      '<div style="font-size:13px">On Monday, March 2, 2026, 09:41:07 AM GMT+1, Jane Doe &lt;jane@x.com&gt; wrote:</div>' +
      "<div><br></div><div>Who is coming?</div></div>",
    strippedText: "Count me in!",
  },
  {
    name: "an Outlook forward with no new words is returned as htmlToText gives it",
    input:
      '<div id="divRplyFwdMsg"><b>From:</b> Jane Doe<br><b>Sent:</b> Monday<br><b>To:</b> John<br>' +
      "<b>Subject:</b> Invoice</div><div>Here is the invoice.</div>",
    strippedText: "From: Jane Doe\nSent: Monday\nTo: John\nSubject: Invoice\nHere is the invoice.",
  },
];

describe("stripReplyHtml", () => runFixtures(HTML_FIXTURES, stripReplyHtml));

describe("stripReply in linear time", () => {
  test("a 2 MB hostile text: attribution look-alikes, header look-alikes, long runs", () => {
    const hostileText = (segment: number) => {
      const fill = (unit: string) => unit.repeat(Math.ceil(segment / unit.length));
      return [
        fill("On the other hand, I wrote:\nmore\n"),
        `On ${"9:41 2026 ".repeat(segment / 10)}wrote:\n`,
        fill("From: a\nTo: b\n\n"),
        fill("> quoted\nanswer\n"),
        `${" ".repeat(segment)}x\n`,
        `${"-".repeat(segment)}\n`,
        `${"_".repeat(segment)}\n`,
        `${"wrote: ".repeat(segment / 7)}\n`,
        fill("On 3/2/26 9:41 AM, Jane\n"),
      ].join("");
    };
    const hostile = hostileText(256 * 1024);
    expect(hostile.length).toBeGreaterThan(2 * 1024 * 1024);
    const { strippedText, signature } = stripReply(hostile);
    expect(strippedText.startsWith("On the other hand, I wrote:\nmore\n")).toBe(true);
    expect(strippedText.includes("> quoted")).toBe(false);
    expect(signature).toBeNull();
    expectLinearTime((segment) => {
      const text = hostileText(segment);
      return () => stripReply(text);
    }, 256 * 1024);
  });

  test("stripReplyHtml on 100,000 nested blockquotes", () => {
    expectLinearTime((n) => {
      const html = `Reply<blockquote type="cite">${"<blockquote>".repeat(n)}deep`;
      return () => expect(stripReplyHtml(html)).toEqual({ strippedText: "Reply", signature: null });
    }, 100_000);
  });
});
