/**
 * HTML character references: the named ones mail actually uses and every
 * numeric one, in one pass over the text; a reference we do not know is left
 * as it was written.
 */

/**
 * Named references, without the `&` and `;`: not all of HTML5's 2,231, the
 * ones mail uses. A Map, so that `&constructor;` finds nothing on a prototype.
 */
const NAMED = new Map<string, string>([
  ["amp", "&"],
  ["lt", "<"],
  ["gt", ">"],
  ["quot", '"'],
  ["apos", "'"],
  // The legacy names in capitals, which HTML knows too (old editors write `&AMP;`).
  ["AMP", "&"],
  ["LT", "<"],
  ["GT", ">"],
  ["QUOT", '"'],
  ["COPY", "©"],
  ["REG", "®"],
  ["nbsp", "\u00a0"],
  ["ensp", "\u2002"],
  ["emsp", "\u2003"],
  ["thinsp", "\u2009"],
  ["zwnj", "\u200c"],
  ["zwj", "\u200d"],
  ["lrm", "\u200e"],
  ["rlm", "\u200f"],
  ["shy", "\u00ad"],
  ["copy", "©"],
  ["reg", "®"],
  ["trade", "™"],
  ["TRADE", "™"],
  ["hellip", "…"],
  ["mdash", "—"],
  ["ndash", "–"],
  ["lsquo", "‘"],
  ["rsquo", "’"],
  ["sbquo", "‚"],
  ["ldquo", "“"],
  ["rdquo", "”"],
  ["bdquo", "„"],
  ["bull", "•"],
  ["middot", "·"],
  ["prime", "′"],
  ["Prime", "″"],
  ["dagger", "†"],
  ["Dagger", "‡"],
  ["permil", "‰"],
  ["lsaquo", "‹"],
  ["rsaquo", "›"],
  ["laquo", "«"],
  ["raquo", "»"],
  ["euro", "€"],
  ["pound", "£"],
  ["yen", "¥"],
  ["cent", "¢"],
  ["curren", "¤"],
  ["sect", "§"],
  ["para", "¶"],
  ["deg", "°"],
  ["plusmn", "±"],
  ["times", "×"],
  ["divide", "÷"],
  ["micro", "µ"],
  ["frac12", "½"],
  ["frac14", "¼"],
  ["frac34", "¾"],
  ["sup1", "¹"],
  ["sup2", "²"],
  ["sup3", "³"],
  ["ordf", "ª"],
  ["ordm", "º"],
  ["not", "¬"],
  ["macr", "¯"],
  ["acute", "´"],
  ["cedil", "¸"],
  ["uml", "¨"],
  ["iexcl", "¡"],
  ["iquest", "¿"],
  ["brvbar", "¦"],
  ["larr", "←"],
  ["rarr", "→"],
  ["uarr", "↑"],
  ["darr", "↓"],
  ["harr", "↔"],
  ["rArr", "⇒"],
  ["hearts", "♥"],
  ["check", "✓"],
  ["star", "☆"],
  ["starf", "★"],
  ["minus", "−"],
  ["le", "≤"],
  ["ge", "≥"],
  ["ne", "≠"],
  ["asymp", "≈"],
  ["infin", "∞"],
  ["szlig", "ß"],
  ["Agrave", "À"],
  ["Aacute", "Á"],
  ["Acirc", "Â"],
  ["Atilde", "Ã"],
  ["Auml", "Ä"],
  ["Aring", "Å"],
  ["AElig", "Æ"],
  ["Ccedil", "Ç"],
  ["Egrave", "È"],
  ["Eacute", "É"],
  ["Ecirc", "Ê"],
  ["Euml", "Ë"],
  ["Igrave", "Ì"],
  ["Iacute", "Í"],
  ["Icirc", "Î"],
  ["Iuml", "Ï"],
  ["ETH", "Ð"],
  ["Ntilde", "Ñ"],
  ["Ograve", "Ò"],
  ["Oacute", "Ó"],
  ["Ocirc", "Ô"],
  ["Otilde", "Õ"],
  ["Ouml", "Ö"],
  ["Oslash", "Ø"],
  ["Ugrave", "Ù"],
  ["Uacute", "Ú"],
  ["Ucirc", "Û"],
  ["Uuml", "Ü"],
  ["Yacute", "Ý"],
  ["THORN", "Þ"],
  ["agrave", "à"],
  ["aacute", "á"],
  ["acirc", "â"],
  ["atilde", "ã"],
  ["auml", "ä"],
  ["aring", "å"],
  ["aelig", "æ"],
  ["ccedil", "ç"],
  ["egrave", "è"],
  ["eacute", "é"],
  ["ecirc", "ê"],
  ["euml", "ë"],
  ["igrave", "ì"],
  ["iacute", "í"],
  ["icirc", "î"],
  ["iuml", "ï"],
  ["eth", "ð"],
  ["ntilde", "ñ"],
  ["ograve", "ò"],
  ["oacute", "ó"],
  ["ocirc", "ô"],
  ["otilde", "õ"],
  ["ouml", "ö"],
  ["oslash", "ø"],
  ["ugrave", "ù"],
  ["uacute", "ú"],
  ["ucirc", "û"],
  ["uuml", "ü"],
  ["yacute", "ý"],
  ["thorn", "þ"],
  ["yuml", "ÿ"],
  ["OElig", "Œ"],
  ["oelig", "œ"],
  ["Scaron", "Š"],
  ["scaron", "š"],
  ["Yuml", "Ÿ"],
  ["fnof", "ƒ"],
  ["circ", "ˆ"],
  ["tilde", "˜"],
]);

/**
 * The few that HTML still decodes without the `;` (legacy pages and old mail
 * clients write `&nbsp` and `&amp`). In attribute values they are left alone
 * when a letter, digit or `=` follows, as the HTML standard says, so a URL's
 * `?a=1&copy=2` keeps its query.
 */
const LEGACY = new Set([
  "amp",
  "lt",
  "gt",
  "quot",
  "nbsp",
  "copy",
  "reg",
  "AMP",
  "LT",
  "GT",
  "QUOT",
  "COPY",
  "REG",
]);

/**
 * C1 controls that HTML reads as windows-1252 (HTML standard, "numeric character
 * reference end state"): mail written on Windows sends `&#146;` for ’.
 */
const WINDOWS_1252 = new Map<number, number>([
  [0x80, 0x20ac],
  [0x82, 0x201a],
  [0x83, 0x0192],
  [0x84, 0x201e],
  [0x85, 0x2026],
  [0x86, 0x2020],
  [0x87, 0x2021],
  [0x88, 0x02c6],
  [0x89, 0x2030],
  [0x8a, 0x0160],
  [0x8b, 0x2039],
  [0x8c, 0x0152],
  [0x8e, 0x017d],
  [0x91, 0x2018],
  [0x92, 0x2019],
  [0x93, 0x201c],
  [0x94, 0x201d],
  [0x95, 0x2022],
  [0x96, 0x2013],
  [0x97, 0x2014],
  [0x98, 0x02dc],
  [0x99, 0x2122],
  [0x9a, 0x0161],
  [0x9b, 0x203a],
  [0x9c, 0x0153],
  [0x9e, 0x017e],
  [0x9f, 0x0178],
]);

function fromCodePoint(code: number): string {
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
  const mapped = WINDOWS_1252.get(code);
  return String.fromCodePoint(mapped ?? code);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

function isAlphanumeric(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/**
 * Decodes character references in text (`inAttribute`: in an attribute value,
 * where the legacy rule differs). One pass from `&` to `&`; each reference is
 * read at most 32 characters far.
 */
export function decodeHtmlEntities(text: string, inAttribute = false): string {
  let at = text.indexOf("&");
  if (at === -1) return text;
  const parts: string[] = [];
  let copied = 0;
  while (at !== -1) {
    const value = readReference(text, at, inAttribute);
    if (value !== null) {
      if (at > copied) parts.push(text.slice(copied, at));
      parts.push(value);
      copied = referenceEnd;
    }
    at = text.indexOf("&", value === null ? at + 1 : referenceEnd);
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

/** Where the reference `readReference` last returned ends (a variable, not an object per reference). */
let referenceEnd = 0;

/** The value of the reference at `at` (an `&`), setting `referenceEnd`; null when it is not one. */
function readReference(text: string, at: number, inAttribute: boolean): string | null {
  let position = at + 1;
  if (text.charCodeAt(position) === 35 /* "#" */) {
    position++;
    const hex = text.charCodeAt(position) === 120 || text.charCodeAt(position) === 88; // "x", "X"
    if (hex) position++;
    const digitsStart = position;
    const limit = digitsStart + (hex ? 8 : 10);
    while (position < limit && (hex ? isHexDigit : isDigit)(text.charCodeAt(position))) position++;
    if (position === digitsStart) return null;
    const code = Number.parseInt(text.slice(digitsStart, position), hex ? 16 : 10);
    if (text.charCodeAt(position) === 59 /* ";" */) position++;
    referenceEnd = position;
    return fromCodePoint(code);
  }
  const nameStart = position;
  const first = text.charCodeAt(nameStart);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) return null;
  while (position < nameStart + 32 && isAlphanumeric(text.charCodeAt(position))) position++;
  if (position - nameStart < 2) return null;
  const name = text.slice(nameStart, position);
  if (text.charCodeAt(position) === 59 /* ";" */) {
    const value = NAMED.get(name);
    if (value === undefined) return null;
    referenceEnd = position + 1;
    return value;
  }
  // No `;`: only a legacy name. In an attribute, not when a letter, digit or `=` follows it.
  for (const legacy of LEGACY) {
    if (!name.startsWith(legacy)) continue;
    const end = nameStart + legacy.length;
    if (inAttribute && (end < position || text.charCodeAt(end) === 61)) return null;
    referenceEnd = end;
    return NAMED.get(legacy) ?? "";
  }
  return null;
}
