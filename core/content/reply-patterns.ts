/**
 * What mail clients write around the quoted history of a reply: attribution
 * lines, header blocks, forward and original-message markers, and the
 * signatures phones append. The tables hold what the clients write; reply.ts
 * decides when a match counts.
 *
 * Every test here runs on one line of bounded length (`MAX_MARKER_LINE`), and
 * no pattern has a quantified group inside a quantified group, so a hostile
 * line costs its length and no more.
 */

/** Lines longer than this are body text, never an attribution, a header or a marker. */
export const MAX_MARKER_LINE = 400;

/** A line as the tables expect it: trimmed, no-break spaces as spaces, runs of whitespace as one space. */
export function normalizeLine(line: string): string {
  return line.replace(/[\s\u00a0\u202f]+/g, " ").trim();
}

export interface AttributionRule {
  /** The end of the line: the verb and the colon. */
  end: RegExp;
  /** Also needed somewhere in the line. */
  contains?: RegExp;
  /**
   * With a date or time in the line, what makes the attribution sure enough to
   * end the new text even with no `>` quote after it; null: never that sure.
   */
  sure: RegExp | null;
}

/**
 * Attribution lines ("On <date>, <who> wrote:"), by language. Gmail, Apple
 * Mail, Thunderbird, Yahoo and Outlook for Mac all start English ones with
 * "On"; the date formats differ, and the rule only asks for one to be there.
 */
export const ATTRIBUTIONS: AttributionRule[] = [
  // English: "On Mon, Mar 2, 2026 at 9:41 AM Jane Doe <jane@x.com> wrote:", "Jane Doe <jane@x.com> wrote:"
  { end: /\s(?:wrote|writes|said):$/, sure: /^On\s|@/ },
  // German: "Am 02.03.2026 um 09:41 schrieb Jane Doe <jane@x.com>:", "Jane Doe schrieb am 02.03.2026:"
  { end: /:$/, contains: /\sschrieb(?:\s|:$)/, sure: /^Am\s|@/ },
  // French: "Le lun. 2 mars 2026 à 09:41, Jane Doe <jane@x.com> a écrit :"
  { end: /\sa écrit ?:$/, sure: /^Le\s|@/ },
  // Spanish: "El lun, 2 mar 2026 a las 9:41, Jane Doe (<jane@x.com>) escribió:"
  { end: /\sescribió ?:$/, sure: /^El\s|@/ },
  // Portuguese: "Em seg., 2 de mar. de 2026 às 09:41, Jane Doe <jane@x.com> escreveu:"
  { end: /\sescreveu ?:$/, sure: /^Em\s|@/ },
  // Italian: "Il giorno lun 2 mar 2026 alle ore 09:41 Jane Doe <jane@x.com> ha scritto:"
  { end: /\sha scritto ?:$/, sure: /^Il\s|@/ },
  // Dutch: "Op ma 2 mrt 2026 om 09:41 schreef Jane Doe <jane@x.com>:"
  { end: /:$/, contains: /\sschreef(?:\s|:$)/, sure: /^Op\s|@/ },
  // Swedish, Norwegian, Danish: "Den mån 2 mars 2026 kl 09:41 skrev Jane Doe <jane@x.com>:"
  { end: /:$/, contains: /\sskrev(?:\s|:$)/, sure: /^Den\s|@/ },
  // Russian: "2 марта 2026 г., в 09:41, Jane <jane@x.com> написал(а):", "02.03.2026 09:41, Jane пишет:"
  { end: /(?:написал|написала|написал\(а\)|пишет) ?:$/, sure: /./ },
  // Polish: "pon., 2 mar 2026 o 09:41 Jane Doe <jane@x.com> napisał(a):"
  { end: /napisał(?:a|\(a\))? ?:$/, sure: /./ },
  // Japanese: "2026/03/02 9:41、Jane <jane@x.com>のメール:", "…のメッセージ:"
  { end: /(?:のメッセージ|のメール|は書きました) ?[:：]$/, sure: /./ },
  // Chinese: "Jane Doe <jane@x.com> 于2026年3月2日周一 09:41写道："
  { end: /(?:写道|寫道) ?[:：]$/, sure: /./ },
  // Korean: "2026년 3월 2일 (월) 오전 9:41, Jane Doe <jane@x.com>님이 작성:"
  { end: /작성 ?[:：]$/, sure: /./ },
  // Gmail in languages without a verb: "пн, 2 мар. 2026 г. в 09:41, Jane Doe <jane@x.com>:"
  { end: /<[^\s<>@]{1,64}@[^\s<>]{1,255}> ?:$/, sure: null },
];

/** A date or a time: a clock time, a four-digit year, or a numeric date such as 3/2/26. */
export const DATE_EVIDENCE = /\d{1,2}[:.]\d{2}|\d{4}|\d{1,2}\/\d{1,2}\/\d{2}/;

export type HeaderKind = "from" | "date" | "to" | "cc" | "subject" | "reply-to";

/** Field names of quoted header blocks (Outlook's "From: / Sent: / To: / Subject:", forwards), by language. */
export const HEADER_FIELDS = new Map<string, HeaderKind>([
  ...fields("from", [
    "from",
    "von",
    "de",
    "da",
    "van",
    "från",
    "fra",
    "от",
    "od",
    "expéditeur",
    "remitente",
    "差出人",
    "发件人",
    "寄件者",
    "보낸 사람",
  ]),
  ...fields("date", [
    "sent",
    "date",
    "gesendet",
    "datum",
    "envoyé",
    "enviado",
    "enviada",
    "fecha",
    "data",
    "inviato",
    "verzonden",
    "skickat",
    "sendt",
    "отправлено",
    "дата",
    "wysłano",
    "送信日時",
    "日付",
    "发送时间",
    "日期",
    "寄件日期",
    "보낸 날짜",
  ]),
  ...fields("to", [
    "to",
    "an",
    "à",
    "a",
    "para",
    "aan",
    "till",
    "til",
    "кому",
    "do",
    "destinataire",
    "宛先",
    "收件人",
    "받는 사람",
  ]),
  ...fields("cc", ["cc", "kopie", "copie", "kopia", "копия", "抄送", "副本", "참조"]),
  ...fields("subject", [
    "subject",
    "betreff",
    "objet",
    "asunto",
    "assunto",
    "oggetto",
    "onderwerp",
    "ämne",
    "emne",
    "тема",
    "temat",
    "件名",
    "主题",
    "主旨",
    "제목",
  ]),
  ...fields("reply-to", ["reply-to", "antwort an"]),
]);

function fields(kind: HeaderKind, names: string[]): Array<[string, HeaderKind]> {
  return names.map((name) => [name, kind]);
}

/**
 * The field a header-block line starts with ("From: …", "*Sent:* …", "De : …"),
 * or null. The name must end (at a `:` or a full-width `：`) within 32
 * characters.
 */
export function headerKindOf(line: string): HeaderKind | null {
  const limit = Math.min(line.length, 32);
  let colon = -1;
  for (let index = 0; index < limit; index++) {
    const code = line.charCodeAt(index);
    if (code === 58 || code === 0xff1a) {
      colon = index;
      break;
    }
  }
  if (colon < 1) return null;
  // Outlook's text part bolds the names as `*From:*`; French puts a space before the colon.
  let start = 0;
  let end = colon;
  while (start < end && (line[start] === "*" || line[start] === " ")) start++;
  while (end > start && (line[end - 1] === "*" || line[end - 1] === " " || line[end - 1] === "\u00a0")) end--;
  return HEADER_FIELDS.get(line.slice(start, end).toLowerCase()) ?? null;
}

/** What a `---- … ----` line says, lower-cased, when it marks the start of an original or forwarded message. */
export const DASHED_MARKERS = new Set([
  "original message",
  "forwarded message",
  "ursprüngliche nachricht",
  "weitergeleitete nachricht",
  "message d'origine",
  "message d’origine",
  "message transféré",
  "mensaje original",
  "mensaje reenviado",
  "mensagem original",
  "mensagem encaminhada",
  "messaggio originale",
  "messaggio inoltrato",
  "oorspronkelijk bericht",
  "doorgestuurd bericht",
  "ursprungligt meddelande",
  "vidarebefordrat meddelande",
  "opprinnelig melding",
  "videresendt melding",
  "oprindelig meddelelse",
  "videresendt meddelelse",
  "исходное сообщение",
  "пересылаемое сообщение",
  "пересланное сообщение",
  "wiadomość oryginalna",
  "oryginalna wiadomość",
  "wiadomość przekazana dalej",
  "元のメッセージ",
  "転送されたメッセージ",
  "原始邮件",
  "转发的邮件",
  "原始郵件",
  "轉寄的郵件",
]);

/** Lines that open a forwarded message on their own (Apple Mail and others), lower-cased, spaces before `:` removed. */
export const FORWARD_LINES = new Set([
  "begin forwarded message:",
  "forwarded message:",
  "original message:",
  "anfang der weitergeleiteten nachricht:",
  "début du message réexpédié:",
  "début du message transféré:",
  "inicio del mensaje reenviado:",
  "início da mensagem reencaminhada:",
  "início da mensagem encaminhada:",
  "inizio messaggio inoltrato:",
  "begin doorgestuurd bericht:",
  "vidarebefordrat brev:",
  "videresendt brev:",
  "начало переадресованного сообщения:",
  "początek przekazywanej wiadomości:",
  "転送されたメッセージ:",
  "转发的邮件:",
]);

/** Whether a trimmed line is `--…-- phrase --…--` with a phrase of `DASHED_MARKERS`. */
export function isDashedMarker(line: string): boolean {
  let start = 0;
  while (line[start] === "-") start++;
  let end = line.length;
  while (end > start && line[end - 1] === "-") end--;
  if (start < 2 || line.length - end < 2 || end - start < 4) return false;
  return DASHED_MARKERS.has(normalizeLine(line.slice(start, end)).toLowerCase());
}

/** Whether a normalized line opens a forwarded message without dashes. */
export function isForwardLine(line: string): boolean {
  return FORWARD_LINES.has(line.toLowerCase().replace(/ :$/, ":"));
}

/** Outlook's `________________________________` above its header block (ten or more underscores). */
export function isUnderscoreRule(line: string): boolean {
  return line.length >= 10 && /^_+$/.test(line);
}

/**
 * Lines phones and mail apps append as the whole signature, matched on the
 * whole (trimmed) line.
 */
export const MOBILE_SIGNATURES: RegExp[] = [
  /^Sent from my [\w .,'’&()+-]{2,60}$/i,
  /^Sent from (?:Mail|Outlook|Yahoo Mail|Gmail|AOL Mail|ProtonMail|Proton Mail)(?: for [\w .]{2,30})?$/i,
  /^Sent from (?:Yahoo Mail|Outlook) (?:on|for) (?:Android|iPhone|iPad|iOS)$/i,
  /^Get Outlook for (?:iOS|Android|Mac|Windows)$/i,
  /^Sent via [\w .,'’&()+-]{2,60}$/i,
  /^Von meinem [\w .-]{2,40} gesendet$/i,
  /^Gesendet von meinem [\w .-]{2,40}$/i,
  /^Envoyé de mon [\w .-]{2,40}$/i,
  /^Enviado desde mi [\w .-]{2,40}$/i,
  /^Enviado do meu [\w .-]{2,40}$/i,
  /^Inviato da(?: il mio)? [\w .-]{2,40}$/i,
  /^Verzonden (?:vanaf|met) mijn [\w .-]{2,40}$/i,
  /^Skickat från min [\w .-]{2,40}$/i,
  /^Sendt fra min [\w .-]{2,40}$/i,
  /^Отправлено с (?:моего )?[\w .-]{2,40}$/iu,
  /^Wysłane z (?:mojego )?[\w .-]{2,40}$/iu,
  /^iPhoneから送信$/,
];
