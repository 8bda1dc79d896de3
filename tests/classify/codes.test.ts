// Proves extractCodes on a table of messages written for these tests: one-time codes announced by a
// keyword in many languages (same sentence or the next line), lone codes on their own line or alone in
// the subject, and the traps that must never be taken for a code: dates, years, times, prices and
// amounts, order, invoice, ticket and tracking numbers, phone numbers, postcodes, percentages, versions.
import { describe, expect, test } from "bun:test";
import { extractCodes } from "../../core/classify/codes";
import { expectLinearTime } from "../helpers/linear-time";

interface Case {
  name: string;
  subject: string | null;
  text: string | null;
  /** The values found, in order. */
  codes: string[];
}

const WITH_CODES: Case[] = [
  {
    name: "English, code after the keyword",
    subject: "Your sign-in code",
    text: "Hi Alice,\n\nYour verification code is 482913. It expires in 10 minutes.\n",
    codes: ["482913"],
  },
  {
    name: "code before 'is your'",
    subject: null,
    text: "829104 is your Example verification code.",
    codes: ["829104"],
  },
  {
    name: "the code in the subject",
    subject: "Your security code: 551203",
    text: "Use the code in the subject to continue.",
    codes: ["551203"],
  },
  {
    name: "the code on the line after its keyword, past a blank line",
    subject: "Confirm your email",
    text: "Enter this verification code in the app:\n\n    740 215\n\nIf you did not ask for it, ignore this message.\n",
    codes: ["740215"],
  },
  { name: "split with a hyphen", subject: null, text: "Your login code: 318-604", codes: ["318604"] },
  { name: "alphanumeric", subject: null, text: "Your one-time passcode is K7Q2X9.", codes: ["K7Q2X9"] },
  { name: "PIN in capitals", subject: null, text: "Your PIN is 7391.", codes: ["7391"] },
  {
    name: "OTP",
    subject: null,
    text: "OTP for your transaction is 904412. Do not share it.",
    codes: ["904412"],
  },
  { name: "use", subject: null, text: "Use 662810 to sign in to Example.", codes: ["662810"] },
  {
    name: "Google's G- prefix",
    subject: null,
    text: "G-583920 is your Google verification code.",
    codes: ["583920"],
  },
  { name: "Spanish código", subject: null, text: "Tu código de verificación es 204817.", codes: ["204817"] },
  { name: "Portuguese código", subject: null, text: "Seu código de verificação: 118204", codes: ["118204"] },
  {
    name: "German Bestätigungscode",
    subject: null,
    text: "Ihr Bestätigungscode lautet 630118. Er ist 15 Minuten gültig.",
    codes: ["630118"],
  },
  { name: "German Sicherheitscode", subject: null, text: "Sicherheitscode: 771204", codes: ["771204"] },
  {
    name: "French code de vérification",
    subject: null,
    text: "Votre code de vérification est 339105.",
    codes: ["339105"],
  },
  {
    name: "Italian codice di verifica",
    subject: null,
    text: "Il tuo codice di verifica è 482006.",
    codes: ["482006"],
  },
  { name: "Dutch verificatiecode", subject: null, text: "Je verificatiecode is 915530.", codes: ["915530"] },
  { name: "Russian код подтверждения", subject: null, text: "Ваш код подтверждения: 5821", codes: ["5821"] },
  {
    name: "Polish kod weryfikacyjny",
    subject: null,
    text: "Twój kod weryfikacyjny to 662103.",
    codes: ["662103"],
  },
  { name: "Czech kód", subject: null, text: "Váš ověřovací kód je 401928.", codes: ["401928"] },
  { name: "Turkish doğrulama kodu", subject: null, text: "Doğrulama kodunuz: 773019", codes: ["773019"] },
  {
    name: "Chinese 验证码, no space before the digits",
    subject: null,
    text: "您的验证码是392015，5分钟内有效。",
    codes: ["392015"],
  },
  { name: "Traditional Chinese 驗證碼", subject: null, text: "您的驗證碼：847120", codes: ["847120"] },
  {
    name: "Japanese 認証コード in full-width digits",
    subject: null,
    text: "認証コード：１２３９８７",
    codes: ["123987"],
  },
  { name: "Japanese 確認コード", subject: null, text: "確認コードは 556677 です。", codes: ["556677"] },
  {
    name: "Korean 인증번호",
    subject: null,
    text: "[Example] 인증번호 [830271]를 입력해 주세요.",
    codes: ["830271"],
  },
  {
    name: "a code-shaped year directly after its keyword is a code",
    subject: null,
    text: "Your code: 2048",
    codes: ["2048"],
  },
  {
    name: "two codes, each value once, in order",
    subject: "Code 111222",
    text: "Your code is 111222.\nBackup code: 333444\n",
    codes: ["111222", "333444"],
  },
  {
    name: "a lone code on its own line (no keyword)",
    subject: "Sign in to Example",
    text: "Hello,\n\nCopy this into the sign-in page:\n\n  **730142**\n\nThanks\n",
    codes: ["730142"],
  },
  {
    name: "the only code-shaped token in the subject (no keyword)",
    subject: "Example: 602931",
    text: "Someone tried to sign in.",
    codes: ["602931"],
  },
  {
    name: "the code next to a date, a price and an order number: only the code",
    subject: "Order #88812 shipped",
    text: "Order #88812 from 02/03/2026, total €129.90.\nTo change the delivery, enter code 552190 on our site.\n",
    codes: ["552190"],
  },
  {
    name: "a code in HTML-derived text with a link beside it",
    subject: null,
    text: "Your verification code is 481516 (https://example.com/verify?code=999999)",
    codes: ["481516"],
  },
];

const WITHOUT_CODES: Case[] = [
  { name: "an ISO date", subject: "Meeting 2026-03-02", text: "See you on 2026-03-02 at 09:41.", codes: [] },
  { name: "a European date", subject: null, text: "Invoice date\n\n02/03/2026\n", codes: [] },
  { name: "a dotted date", subject: null, text: "Termin am 2.3.2026 um 14:00 Uhr.", codes: [] },
  { name: "a year alone on a line", subject: null, text: "Annual report\n\n2025\n", codes: [] },
  { name: "a year in the subject", subject: "Budget 2026", text: "Draft attached.", codes: [] },
  { name: "a year near a code keyword", subject: null, text: "Your code is valid until 2027.", codes: [] },
  { name: "times", subject: null, text: "Departure 9:41 AM, arrival 1130 hrs.", codes: [] },
  { name: "a price in euros", subject: null, text: "Total: €1250.00\n", codes: [] },
  { name: "a dollar amount with thousands", subject: null, text: "You paid $1,234 today.", codes: [] },
  { name: "a German amount", subject: null, text: "Betrag: 1.234,56 EUR", codes: [] },
  { name: "an amount before a currency code", subject: "Payment received", text: "1500 USD\n", codes: [] },
  { name: "an order number", subject: "Your order 4418823", text: "Order number: 4418823\n", codes: [] },
  {
    name: "an order number on the line before",
    subject: null,
    text: "Order number:\n\n90817263\n",
    codes: [],
  },
  {
    name: "an invoice number",
    subject: "Invoice 2026-0042",
    text: "Invoice no. 20260042 is attached.",
    codes: [],
  },
  {
    name: "a ticket number",
    subject: "Ticket #55120 updated",
    text: "Ticket 55120 has a new reply.",
    codes: [],
  },
  { name: "a reference", subject: null, text: "Please quote reference 77120934 when paying.", codes: [] },
  {
    name: "German Bestellung and Nr.",
    subject: "Bestellung 300912",
    text: "Bestellnr. 300912, Kundennummer 118822",
    codes: [],
  },
  { name: "Spanish pedido", subject: null, text: "Tu pedido 4401928 ha sido enviado.", codes: [] },
  { name: "French commande", subject: null, text: "Votre commande n° 8812093 est confirmée.", codes: [] },
  { name: "a tracking number", subject: null, text: "Tracking number: 9400111899223856", codes: [] },
  { name: "a short tracking number", subject: null, text: "Sendungsnummer 0034043416", codes: [] },
  { name: "a US phone number", subject: null, text: "Questions? Call +1 555 123 4567.", codes: [] },
  { name: "a phone number with brackets", subject: null, text: "Support: (555) 123-4567", codes: [] },
  { name: "a German phone number", subject: null, text: "Telefon: 0049 30 1234567", codes: [] },
  {
    name: "a phone number beside a code keyword",
    subject: null,
    text: "No code? Call us at 0800 1234567.",
    codes: [],
  },
  { name: "a ten-digit number after 'phone'", subject: null, text: "Phone 5551234567", codes: [] },
  {
    name: "a postcode before a city",
    subject: null,
    text: "Example GmbH, Hauptstr. 5, 10115 Berlin",
    codes: [],
  },
  { name: "a US ZIP code", subject: null, text: "1 Market St, San Francisco, CA 94105", codes: [] },
  { name: "a zip code keyword", subject: null, text: "Enter your zip code 94105 to see stores.", codes: [] },
  { name: "a percentage", subject: "Save 2500% more", text: "Battery at 1000%", codes: [] },
  {
    name: "a version number",
    subject: "Release v1.2.3",
    text: "Version 2.14.1 is out; build 40211 fixes it.",
    codes: [],
  },
  { name: "a promo code", subject: null, text: "Use promo code SPRING24 for 20% off.", codes: [] },
  {
    name: "a flight number alone in the subject",
    subject: "Flight LH1234 is delayed",
    text: "New departure 18:05.",
    codes: [],
  },
  { name: "an IP address", subject: null, text: "Sign-in from 192.168.10.24", codes: [] },
  { name: "numbers inside a link", subject: null, text: "https://example.com/track/918273645\n", codes: [] },
  { name: "an address with digits", subject: null, text: "Write to support1234@example.com", codes: [] },
  { name: "a date as YYYYMMDD", subject: "Backup 20260302", text: "Done.", codes: [] },
  {
    name: "an order number in a code's sentence",
    subject: null,
    text: "Your code is 123456 and your order number is 987654.",
    codes: ["123456"],
  },
  {
    name: "a pull request number near 'code'",
    subject: null,
    text: "Please review the code in PR 4821 today.",
    codes: [],
  },
  { name: "an error code", subject: null, text: "The server returned error code 50013.", codes: [] },
  {
    name: "'use' far from a number",
    subject: null,
    text: "You can use up to 5000 credits this month.",
    codes: [],
  },
  {
    name: "a card number written in groups",
    subject: null,
    text: "Use code on card 4242 4242 4242 4242.",
    codes: [],
  },
  {
    name: "a year and a time in the code's sentence",
    subject: null,
    text: "Your code 482913 expires on March 3, 2026 at 09:41.",
    codes: ["482913"],
  },
  {
    name: "a time zone after a time",
    subject: "test Sun, 14 Oct 2012 16:09:01 -0700",
    text: "test",
    codes: [],
  },
  {
    name: "a list's counter in the subject",
    subject: "[dev-help][60666] How are builds cached?",
    text: "Hi all",
    codes: [],
  },
  {
    name: "a diagnostic code's port number",
    subject: null,
    text: "Diagnostic code: smtp; 550 5.1.1 (TCP|192.0.2.7|47323|25)",
    codes: [],
  },
  {
    name: "a person's mail",
    subject: "Lunch?",
    text: "Are you free on Thursday at 12:30? Table for 4.",
    codes: [],
  },
  { name: "no text at all", subject: null, text: null, codes: [] },
];

describe("extractCodes finds", () => {
  for (const { name, subject, text, codes } of WITH_CODES) {
    test(name, () => {
      expect(extractCodes({ subject, text }).map((code) => code.value)).toEqual(codes);
    });
  }
});

describe("extractCodes never takes", () => {
  for (const { name, subject, text, codes } of WITHOUT_CODES) {
    test(name, () => {
      expect(extractCodes({ subject, text }).map((code) => code.value)).toEqual(codes);
    });
  }
});

describe("context", () => {
  test("the sentence around the code", () => {
    expect(
      extractCodes({
        subject: null,
        text: "Hi Alice,\n\nYour verification code is 482913. It expires in 10 minutes.\n",
      }),
    ).toEqual([{ value: "482913", context: "Your verification code is 482913." }]);
  });

  test("a code on the next line: the announcing sentence and the code's line", () => {
    expect(extractCodes({ subject: null, text: "Your verification code:\n\n  740215\n" })).toEqual([
      { value: "740215", context: "Your verification code: 740215" },
    ]);
  });

  test("CJK text: full-width digits and punctuation read as ASCII", () => {
    expect(extractCodes({ subject: null, text: "您的验证码是３９２０１５，5分钟内有效。" })).toEqual([
      { value: "392015", context: "您的验证码是392015, 5分钟内有效。" },
    ]);
  });

  test("a long line is cut to about 200 characters around the code", () => {
    const text = `${"word ".repeat(100)}your code is 918273 ${"more ".repeat(100)}`;
    const [code] = extractCodes({ subject: null, text });
    expect(code?.value).toBe("918273");
    expect(code?.context.length).toBeLessThanOrEqual(202);
    expect(code?.context).toContain("your code is 918273");
  });
});

test("a megabyte of digits and keywords is read in linear time", () => {
  expectLinearTime((n) => {
    const text = "code 12 34 56 78 2026-01-01 +1 555 000 0000 ".repeat(n);
    const subject = "code ".repeat(n / 2.5);
    return () => extractCodes({ subject, text });
  }, 25_000);
});
