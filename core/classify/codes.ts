import { splitLines } from "../content/text-lines";
import { collapseWhitespace } from "../content/whitespace";

/**
 * One-time codes (sign-in, verification, 2FA) read from a message's subject
 * and text, for a program or a test that has to type one in.
 *
 * First by keyword: a code-shaped token in the same sentence as a word that
 * announces a code ("verification code", "PIN", "código", "Bestätigungscode",
 * "код", "验证码", "인증번호", …), or on the next line after it. Only when no
 * keyword finds one: a lone code-shaped token that stands on a line of its own,
 * or is the only one in the subject.
 *
 * A code is 4–10 digits ("123456", also written "123 456" or "123-456"), or
 * 4–10 capitals and digits with at least two digits ("A7K9Q2"). Never one:
 * dates, years, times, amounts and prices, order, invoice, ticket, tracking
 * and reference numbers, phone numbers, postcodes before a city, percentages,
 * version numbers. The text read is bounded, and every pattern is linear in
 * its line.
 */

// extractLinks lives beside the codes it is used with, in a module of its own.
export { extractLinks, type MessageLink } from "./links";

export interface OneTimeCode {
  /** The code as it is typed: a split code ("123 456") without its separator. */
  value: string;
  /** The sentence or line around it, trimmed, at most about 200 characters. */
  context: string;
}

/** Characters of text read: codes are near the top; the rest of a long message is footer. */
const TEXT_LIMIT = 100_000;
/** Characters of one line read. */
const LINE_LIMIT = 1_000;
const CONTEXT_LIMIT = 200;
/** Farthest a code may be from its keyword, in characters, within one sentence. */
const KEYWORD_REACH = 120;

/** Letters and digits a token is made of (Latin, Greek, Cyrillic: CJK text runs into digits unspaced). */
const W = "[0-9A-Za-z\\u00C0-\\u024F\\u0370-\\u03FF\\u0400-\\u04FF]";
/** A token: letters and digits, joined by single punctuation ("2026-03-02", "1.234,56", "v1.2.3", "09:41"). */
const TOKEN = new RegExp(`${W}+(?:[.,:/_'-]${W}+)*`, "g");

/**
 * Words that announce a code. Latin ones stand alone (not inside a word),
 * except compounds ending in code/kode/kod/koodi (Bestätigungscode,
 * verificatiecode, verifieringskod, vahvistuskoodi).
 */
const KEYWORD = new RegExp(
  [
    "(?<![\\p{L}\\p{N}])(?:\\p{L}*(?:codes?|kode|koodi|kodu|kod|kód|kóði)|códigos?|codigos?|codice|codul|cod de verificare|passcode|one[- ]?time|otp|2fa|mfa|weryfikacyjny|jednorazowy|ověřovací|doğrulama|verifikasi|mã|код\\p{L}{0,3}|пароль|κωδικ\\p{L}*)(?![\\p{L}\\p{N}])",
    "验证码|驗證碼|校验码|校驗碼|动态码|動態碼|确认码|確認碼|认证码|認證碼|动态密码|一次性密码|認証コード|確認コード|認証番号|確認番号|ワンタイムパスワード|パスコード|セキュリティコード|인증번호|인증 번호|인증코드|인증 코드|확인 코드|확인코드|보안 코드|보안코드|รหัส|קוד|رمز|كود|कोड|ओटीपी",
  ].join("|"),
  "giu",
);
/** Words that announce a code only right beside it: "Use 662810 to sign in", "829104 is your …". */
const WEAK_KEYWORD = /(?<![\p{L}\p{N}])(?:use|enter|is your)(?![\p{L}\p{N}])/giu;
/** Only in capitals: "pin" is a verb, "tan" a colour. */
const KEYWORD_IN_CAPITALS = /(?<![\p{L}\p{N}])(?:PIN|Pin|TAN|OTP)(?![\p{L}\p{N}])/gu;

/** Compounds and phrases with "code" that are not one-time codes. */
const NOT_A_CODE_WORD =
  /^(?:bar|post|zip|qr|area|promo|source|quell|fehler|länder|land|gutschein|rabatt|aktions|korting|kortings|actie|rabat|discount|coupon|voucher|error|status|de|en|uni|op|geo|short|time|trans|hard|pseudo|colou?r|dress)[-\s]?(?:code|kode|kod)s?$/i;
const NOT_A_CODE_BEFORE =
  /(?:zip|postal|post|area|country|promo|promotional|discount|coupon|voucher|gift|gift card|source|qr|bar|tracking|product|error|status|dial|dialing|tax|sort|swift|bic|iban|reference|ref|booking|order|customer|client|referral|invite|invitation|dress|html|css|machine|morse|diagnostic|response|reply|exit|return|http|smtp|colou?r|airport|language|currency|shipping)[\s-]*$/i;
const NOT_A_CODE_AFTER =
  /^\s*(?:postal|postale|promo|promocional|promotionnel|de (?:réduction|descuento|desconto|promoción)|sconto|rabatowy|regional)/i;
/** A sentence about a discount: its "code" is a coupon's, unless it also says verification. */
const DISCOUNT_SENTENCE =
  /promo|discount|coupon|voucher|gutschein|rabatt|referral|réduction|descuento|sconto|korting|rabat|% off|off your/i;
const ONE_TIME_WORDS =
  /verif|secur|one[- ]?time|\botp\b|passcode|2fa|mfa|log-?in|sign[- ]?in|authenticat|bestätigung|sicherheit|anmelde|vérification|sécurité|verificación|seguridad|verifica|verificatie|beveiliging|подтвержд|провер|验证|驗證|認証|인증|weryfikac|jednorazow|ověřovací|doğrulama|verifikasi|xác minh|xác nhận|\bPIN\b|\bTAN\b/i;

/** Words before a number that make it an order, invoice, ticket, account… number, not a code. */
const IDENTIFIER_BEFORE =
  /(?:^|[^\p{L}])(?:order|orders|invoice|inv|ticket|case|ref|reference|booking|reservation|confirmation number|tracking|shipment|parcel|package|account|acct|customer|client|member|membership|policy|claim|transaction|txn|receipt|bestellung|auftrag|rechnung|sendung|vorgang|pedido|factura|referencia|commande|facture|référence|dossier|ordine|fattura|riferimento|bestelling|factuur|zamówienie|faktura|заказ|счет|счёт|id|sku|item|article|artikel|pr|pull request|issue|bug|flight|room|seat|gate|platform|version|build|release|model|serial|part|ext|extension|suite|apt|no|nr|n°|nº|num|#|\p{L}+nummer|\p{L}+number)\.?\s*(?:(?:number|no|nr|num|nummer|número|numéro|numero|n°|nº|id)\.?\s*(?:(?:is|was|ist|lautet|est|es|è)\s+)?)?[:#.]?\s*$/iu;
const PHONE_BEFORE =
  /(?:tel|phone|telephone|telefon|téléphone|teléfono|telefono|fax|call|mobile|mobil|cell|hotline|whatsapp)\b[^.!?\d]{0,20}$/i;
const CURRENCY_BEFORE =
  /(?:[$€£¥₹₽₩]|\b(?:usd|eur|gbp|chf|cad|aud|jpy|cny|inr|rub|sek|nok|dkk|pln|czk|brl|mxn|rs|r\$|kr|total|amount|price|betrag|summe|preis|prix|precio|montant|importe))\s*[.:]?\s*$/i;
const UNIT_AFTER =
  /^\s?(?:[$€£¥₹₽₩%‰]|(?:usd|eur|gbp|chf|cad|aud|jpy|cny|inr|rub|sek|nok|dkk|pln|czk|brl|mxn|kr|zł|dollars?|euros?|pounds?|yen|points?|pts|miles?|km|kg|g|mb|gb|kb|tb|px|ms|mm|cm|items?|pcs|units?|kcal|mah|mhz|ghz|rpm|kwh|percent|prozent|pour ?cent|por ?ciento)(?![\p{L}\p{N}]))/iu;
const TIME_AFTER =
  /^\s?(?:uhr|h|hrs?|hours?|am|pm|a\.m\.|p\.m\.|utc|gmt|cet|cest|est|edt|pst|pdt|o'clock)(?![\p{L}\p{N}])/iu;
/** A postcode: after a line start, a comma or a US state, and before a city's capitalised name. */
const POSTCODE_BEFORE = /(?:^|,|\b[A-Z]{2})\s*$/;
const CITY_AFTER = /^\s+\p{Lu}\p{Ll}{2,}/u;
const POSTCODE_WORDS_BEFORE =
  /(?:zip|postal|postcode|post code|plz|cap|cp|código postal|code postal|индекс)\b[^.!?]{0,12}$/iu;
/** Between a keyword and a year-like code, only "is" or a colon: "code: 2024" is a code, "code valid until 2024" not. */
const DIRECTLY_AFTER =
  /^[\s:=–—-]*(?:(?:is|are|ist|lautet|est|es|è|é|är|er|on|jest|je|là|是|は|为|為)[\s:]*)?$/iu;
const DIRECTLY_BEFORE = /^\s*(?:is|est|es|ist)?\s*(?:your|the|votre|tu|ihr|il tuo)?\s*$/i;

interface Candidate {
  value: string;
  start: number;
  end: number;
  /** Letters then digits or the reverse ("LH1234", "ISO9001", "1080P"): an identifier's shape. */
  identifierShape: boolean;
  yearLike: boolean;
}

interface Keyword {
  start: number;
  end: number;
  weak: boolean;
}

interface Line {
  text: string;
  candidates: Candidate[];
  /** Valid keyword matches: where each starts and ends, and whether it counts only right beside a code. */
  keywords: Keyword[];
  sentences: Array<{ start: number; end: number }>;
}

/** URLs and addresses blanked out (same length), so their digits are never candidates. */
function maskLinks(line: string): string {
  return line.replace(/\S+/g, (word) =>
    word.includes("@") || word.includes("://") || /^www\./i.test(word) ? " ".repeat(word.length) : word,
  );
}

function sentencesOf(line: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const match of line.matchAll(/[.!?。！？](?=\s|$)/g)) {
    const end = (match.index ?? 0) + 1;
    spans.push({ start, end });
    start = end;
  }
  if (start < line.length) spans.push({ start, end: line.length });
  return spans;
}

function sentenceAt(line: Line, position: number): { start: number; end: number } {
  return (
    line.sentences.find((span) => position >= span.start && position < span.end) ?? {
      start: 0,
      end: line.text.length,
    }
  );
}

function countDigits(value: string): number {
  let digits = 0;
  for (const char of value) if (char >= "0" && char <= "9") digits++;
  return digits;
}

/** Whether the words around a token make it something other than a code. */
function isRuledOut(text: string, start: number, end: number, value: string): boolean {
  const before = text.slice(Math.max(0, start - 40), start);
  const after = text.slice(end, end + 24);
  if (/[+#№]\s?$/.test(before) || /[$€£¥₹₽₩]\s?$/.test(before)) return true;
  // A time zone after a time: "16:09:01 -0700".
  if (/\d:\d\d(?::\d\d)?\s*[+-]?$/.test(before) || /(?:^|\s)-$/.test(before)) return true;
  if (IDENTIFIER_BEFORE.test(before) || PHONE_BEFORE.test(before) || CURRENCY_BEFORE.test(before))
    return true;
  if (UNIT_AFTER.test(after)) return true;
  if (value.length === 4 && TIME_AFTER.test(after)) return true;
  if (/^\d{4,5}$/.test(value)) {
    if (POSTCODE_WORDS_BEFORE.test(before)) return true;
    if (CITY_AFTER.test(after) && POSTCODE_BEFORE.test(before)) return true;
  }
  // YYYYMMDD
  if (/^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$/.test(value)) return true;
  return false;
}

/** The code-shaped tokens of a line, those the words around them rule out already dropped. */
function candidatesOf(text: string): Candidate[] {
  const masked = maskLinks(text);
  const tokens = [...masked.matchAll(TOKEN)].map((match) => ({
    raw: match[0],
    start: match.index ?? 0,
    end: (match.index ?? 0) + match[0].length,
  }));
  const found: Candidate[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === undefined) continue;
    // Digit groups with single spaces between: "123 456" is a code written in two; three groups or
    // unequal ones ("0049 30 1234567", "+1 555 123 4567", "030 1234567") are a phone number.
    let last = i;
    while (
      /^\d+$/.test(tokens[last]?.raw ?? "") &&
      /^\d+$/.test(tokens[last + 1]?.raw ?? "") &&
      masked.slice(tokens[last]?.end, tokens[last + 1]?.start) === " "
    ) {
      last++;
    }
    if (last > i) {
      const group = tokens.slice(i, last + 1);
      const [first, second] = group;
      const splitCode =
        group.length === 2 &&
        first !== undefined &&
        second !== undefined &&
        first.raw.length === second.raw.length &&
        first.raw.length >= 3 &&
        first.raw.length <= 5 &&
        !/[+(]\s*$/.test(masked.slice(0, first.start));
      if (splitCode && first !== undefined && second !== undefined) {
        const value = first.raw + second.raw;
        if (!isRuledOut(masked, first.start, second.end, value)) {
          found.push({ value, start: first.start, end: second.end, identifierShape: false, yearLike: false });
        }
      }
      i = last;
      continue;
    }
    const candidate = candidateOf(token.raw, token.start, token.end);
    if (candidate !== null && !isRuledOut(masked, token.start, token.end, candidate.value))
      found.push(candidate);
  }
  return found;
}

function candidateOf(raw: string, start: number, end: number): Candidate | null {
  if (/^\d{4,10}$/.test(raw)) {
    const yearLike = raw.length === 4 && Number(raw) >= 1999 && Number(raw) <= 2099;
    return { value: raw, start, end, identifierShape: false, yearLike };
  }
  if (/^[A-Z0-9]{4,10}$/.test(raw) && countDigits(raw) >= 2 && countDigits(raw) < raw.length) {
    if (/^V\d+$/.test(raw)) return null;
    const identifierShape = /^[A-Z]+\d+$|^\d+[A-Z]+$/.test(raw);
    return { value: raw, start, end, identifierShape, yearLike: false };
  }
  const split = raw.match(/^(\d{3,5})-(\d{3,5})$/);
  if (split?.[1] !== undefined && split[2] !== undefined && split[1].length === split[2].length) {
    return { value: split[1] + split[2], start, end, identifierShape: false, yearLike: false };
  }
  // Google's "G-123456": the letter is printed, the digits are typed.
  const prefixed = raw.match(/^[A-Z]-(\d{4,8})$/);
  if (prefixed?.[1] !== undefined)
    return { value: prefixed[1], start, end, identifierShape: false, yearLike: false };
  return null;
}

function keywordsOf(text: string): Keyword[] {
  const found: Keyword[] = [];
  for (const [pattern, weak] of [
    [KEYWORD_IN_CAPITALS, false],
    [WEAK_KEYWORD, true],
  ] as const) {
    for (const match of text.matchAll(pattern)) {
      const start = match.index ?? 0;
      found.push({ start, end: start + match[0].length, weak });
    }
  }
  for (const match of text.matchAll(KEYWORD)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    if (NOT_A_CODE_WORD.test(match[0])) continue;
    if (/cod|kod|kód|code/i.test(match[0])) {
      if (NOT_A_CODE_BEFORE.test(text.slice(Math.max(0, start - 25), start))) continue;
      if (NOT_A_CODE_AFTER.test(text.slice(end, end + 20))) continue;
    }
    found.push({ start, end, weak: false });
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * Superset tests, on the line as written, of what readLine could find: every
 * keyword above contains one of these ASCII pieces, or a character outside
 * ASCII (CJK, Cyrillic, full-width forms that NFKC maps), so a line failing
 * the test has no keyword; a lone code is a short line with a digit.
 */
const MAY_HOLD_KEYWORD =
  /cod|kod|weryf|jednor|verifikasi|one[- ]?time|\b(?:otp|2fa|mfa|use|enter|is your|pin|tan)\b|[^\t\n\r -~]/i;
const NON_ASCII = /[^\t\n\r -~]/;
function MAY_BE_LONE_CODE(raw: string): boolean {
  return raw.trim().length <= 80 && /[0-9]|[^\t\n\r -~]/.test(raw);
}

function readLine(raw: string): Line {
  // NFKC makes full-width digits ASCII; a full-width comma must not then join "392015，5分钟" into a number.
  const cut = raw.slice(0, LINE_LIMIT);
  // ASCII is its own NFKC form.
  const text = NON_ASCII.test(cut) ? cut.replaceAll("，", ", ").normalize("NFKC") : cut;
  // Every candidate has digits (candidateOf): a line without any has none, and no tokens need reading.
  const candidates = /[0-9]/.test(text) ? candidatesOf(text) : [];
  return { text, candidates, keywords: keywordsOf(text), sentences: sentencesOf(text) };
}

/** At most CONTEXT_LIMIT characters of `text` around [from, to). */
function clip(text: string, from: number, to: number): string {
  const flat = collapseWhitespace(text);
  if (flat.length <= CONTEXT_LIMIT) return flat;
  const room = Math.max(0, CONTEXT_LIMIT - (to - from)) / 2;
  const start = Math.max(0, Math.floor(from - room));
  const end = Math.min(text.length, Math.ceil(to + room));
  return `${start > 0 ? "…" : ""}${collapseWhitespace(text.slice(start, end))}${end < text.length ? "…" : ""}`.slice(
    0,
    CONTEXT_LIMIT + 2,
  );
}

/** The codes its keywords announce in `line`, each with its sentence. */
function keywordCodes(line: Line): OneTimeCode[] {
  const codes: OneTimeCode[] = [];
  for (const candidate of line.candidates) {
    const sentence = sentenceAt(line, candidate.start);
    const sentenceText = line.text.slice(sentence.start, sentence.end);
    if (DISCOUNT_SENTENCE.test(sentenceText) && !ONE_TIME_WORDS.test(sentenceText)) continue;
    const keyword = line.keywords.find((k) => {
      if (k.start < sentence.start || k.end > sentence.end) return false;
      const gap =
        k.end <= candidate.start
          ? line.text.slice(k.end, candidate.start)
          : line.text.slice(candidate.end, k.start);
      if (k.end > candidate.start && k.start < candidate.end) return false;
      if (k.weak) return k.end <= candidate.start ? /^\s*(?:the\s+)?$/i.test(gap) : /^\s*$/.test(gap);
      return gap.length <= KEYWORD_REACH;
    });
    if (keyword === undefined) continue;
    if (candidate.yearLike) {
      const direct =
        keyword.end <= candidate.start
          ? DIRECTLY_AFTER.test(line.text.slice(keyword.end, candidate.start))
          : DIRECTLY_BEFORE.test(line.text.slice(candidate.end, keyword.start));
      if (!direct) continue;
    }
    codes.push({
      value: candidate.value,
      context: clip(sentenceText, candidate.start - sentence.start, candidate.end - sentence.start),
    });
  }
  return codes;
}

/** A keyword line with no code of its own announces the first sentence of the next one: "Your code:\n\n123456". */
function nextLineCodes(keywordLine: Line, next: Line): OneTimeCode[] {
  const keyword = keywordLine.keywords.filter((k) => !k.weak).at(-1);
  if (keyword === undefined) return [];
  const span = sentenceAt(keywordLine, keyword.start);
  const announcing = keywordLine.text.slice(span.start, span.end).trim();
  if (DISCOUNT_SENTENCE.test(announcing) && !ONE_TIME_WORDS.test(announcing)) return [];
  const first = next.sentences[0] ?? { start: 0, end: next.text.length };
  const shown = next.text.slice(first.start, first.end).trim();
  return next.candidates
    .filter((c) => c.start >= first.start && c.end <= first.end && !c.yearLike)
    .map((c) => ({
      value: c.value,
      context: clip(`${announcing} ${shown}`, announcing.length + 1, announcing.length + 1 + shown.length),
    }));
}

/** The candidate a line consists of, decoration aside ("**123456**", "[ 123 456 ]"), or null. */
function loneCandidate(line: Line): Candidate | null {
  if (line.candidates.length !== 1) return null;
  const [candidate] = line.candidates;
  if (candidate === undefined) return null;
  const outside = line.text.slice(0, candidate.start) + line.text.slice(candidate.end);
  return /^[\s*"'`«»“”„[\]()<>:|_~=-]*$/.test(outside) ? candidate : null;
}

function usableAlone(candidate: Candidate): boolean {
  return !candidate.yearLike && !candidate.identifierShape;
}

function nextNonBlank(lines: string[], from: number): number {
  for (let i = from; i < lines.length && i < from + 3; i++) if ((lines[i] ?? "").trim() !== "") return i;
  return -1;
}

function previousNonBlank(lines: string[], from: number): number {
  for (let i = from; i >= 0 && i > from - 3; i--) if ((lines[i] ?? "").trim() !== "") return i;
  return -1;
}

/**
 * The one-time codes in a message, subject first, then the text in order,
 * each value once.
 */
export function extractCodes(input: { subject: string | null; text: string | null }): OneTimeCode[] {
  const subject = input.subject === null ? null : readLine(input.subject);
  const rawLines = splitLines((input.text ?? "").slice(0, TEXT_LIMIT));
  const lines: Array<Line | undefined> = new Array(rawLines.length);
  const lineAt = (i: number): Line => {
    let line = lines[i];
    if (line === undefined) {
      line = readLine(rawLines[i] ?? "");
      lines[i] = line;
    }
    return line;
  };

  const found: OneTimeCode[] = [];
  const seen = new Set<string>();
  const add = (codes: OneTimeCode[]) => {
    for (const code of codes) {
      if (seen.has(code.value)) continue;
      seen.add(code.value);
      found.push(code);
    }
  };

  if (subject !== null) add(keywordCodes(subject));
  for (let i = 0; i < rawLines.length; i++) {
    const raw = rawLines[i] ?? "";
    // Most lines of a message hold no keyword: a cheap test skips reading them (readLine is the cost).
    if (raw.trim() === "" || !MAY_HOLD_KEYWORD.test(raw)) continue;
    const line = lineAt(i);
    if (line.keywords.length === 0) continue;
    const own = keywordCodes(line);
    add(own);
    if (own.length === 0) {
      const next = nextNonBlank(rawLines, i + 1);
      if (next !== -1) add(nextLineCodes(line, lineAt(next)));
    }
  }
  if (found.length > 0) return found;

  if (subject !== null) {
    // A list's tag and counter ("[dev][60666] …") is not a code.
    const usable = subject.candidates.filter(
      (c) => usableAlone(c) && !/^\s*(?:\[[^\]]*\]\s*)*\[[^\]]*$/.test(subject.text.slice(0, c.start)),
    );
    if (usable.length === 1 && usable[0] !== undefined) {
      add([{ value: usable[0].value, context: clip(subject.text, usable[0].start, usable[0].end) }]);
    }
  }
  for (let i = 0; i < rawLines.length; i++) {
    const raw = rawLines[i] ?? "";
    if (raw.trim() === "" || !MAY_BE_LONE_CODE(raw)) continue;
    const line = lineAt(i);
    const candidate = loneCandidate(line);
    if (candidate === null || !usableAlone(candidate)) continue;
    const previous = previousNonBlank(rawLines, i - 1);
    const lead = previous === -1 ? "" : lineAt(previous).text.trim();
    // "Order number:" on the line above makes the lone number an order number.
    if (lead !== "" && isRuledOut(`${lead} `, lead.length + 1, lead.length + 1, candidate.value)) continue;
    const own = line.text.trim();
    add([
      {
        value: candidate.value,
        context: clip(`${lead} ${own}`.trim(), lead.length, lead.length + 1 + own.length),
      },
    ]);
  }
  return found;
}
