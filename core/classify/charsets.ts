/**
 * Charset labels that mail carries but the WHATWG Encoding Standard does not
 * list, mapped to the WHATWG label for what the sender meant. TextDecoder
 * (Bun, browsers, Workers) knows only the WHATWG labels, so a body labelled
 * `latin_1` or `cp936` would otherwise not decode at all.
 *
 * Where the names come from (each cited by name, none copied):
 * - Python's `encodings.aliases` (the `email` package writes these: `latin_1`,
 *   `iso8859_15`, `eucgb2312_cn`, `big5_tw`, `utf_8`, `koi8_r`, `mac_roman`, …);
 * - Java's `java.nio.charset.Charset` canonical names and aliases (`MS932`,
 *   `MS936`, `MS949`, `MS950`, `ISO2022JP`, `x-windows-949`, `x-mswin-936`, …);
 * - the IANA Character Sets registry (`csShiftJIS`, `ms_kanji`,
 *   `ks_c_5601-1987`, `ANSI_X3.4-1968`, `ISO_8859-1`, …) and what old MUAs
 *   write (`x-sjis`, `shift-jis`, `utf8`).
 *
 * Targets are what the Encoding Standard decodes those bytes as: every Latin-1
 * and ASCII label is windows-1252 there, GB2312 is GBK, EUC-KR is UHC
 * (windows-949), Shift_JIS is windows-31j, Big5 is Big5-HKSCS, and ISO-8859-9
 * and -11 are windows-1254 and windows-874. A `null` target is a charset no
 * TextDecoder implements (UTF-7, HZ, ISO-2022-KR/CN: the Standard's
 * "replacement" encoding): better no text than the wrong one.
 *
 * Keys are in Python's spelling (`aliasKey`); exported so a test can construct
 * a TextDecoder for every target.
 */
export const CHARSET_ALIASES: ReadonlyMap<string, string | null> = new Map<string, string | null>([
  // Simplified Chinese
  ["eucgb2312_cn", "gb2312"],
  ["euc_cn", "gb2312"],
  ["euccn", "gb2312"],
  ["gb2312_1980", "gb2312"],
  ["gb2312_80", "gb2312"],
  ["gb_2312_80", "gb2312"],
  ["chinese", "gb2312"],
  ["cp936", "gbk"],
  ["ms936", "gbk"],
  ["936", "gbk"],
  ["windows_936", "gbk"],
  ["x_mswin_936", "gbk"],
  ["gb18030_2000", "gb18030"],
  ["hz", null],
  ["hz_gb", null],
  ["hz_gb_2312", null],
  ["iso_2022_cn", null],
  ["iso_2022_cn_ext", null],
  // Traditional Chinese
  ["big5_tw", "big5"],
  ["csbig5", "big5"],
  ["big5hkscs", "big5"],
  ["big5_hkscs", "big5"],
  ["cp950", "big5"],
  ["ms950", "big5"],
  ["x_windows_950", "big5"],
  ["x_ms950_hkscs", "big5"],
  // Korean
  ["ks_c_5601_1987", "euc-kr"],
  ["ks_c_5601", "euc-kr"],
  ["ks_x_1001", "euc-kr"],
  ["euc_kr", "euc-kr"],
  ["cp949", "euc-kr"],
  ["ms949", "euc-kr"],
  ["uhc", "euc-kr"],
  ["x_windows_949", "euc-kr"],
  ["iso_2022_kr", null],
  ["csiso2022kr", null],
  // Japanese
  ["x_sjis", "shift_jis"],
  ["shift_jis", "shift_jis"],
  ["sjis", "shift_jis"],
  ["s_jis", "shift_jis"],
  ["shiftjis", "shift_jis"],
  ["ms_kanji", "shift_jis"],
  ["mskanji", "shift_jis"],
  ["csshiftjis", "shift_jis"],
  ["cp932", "shift_jis"],
  ["ms932", "shift_jis"],
  ["windows_31j", "shift_jis"],
  ["euc_jp", "euc-jp"],
  ["eucjp", "euc-jp"],
  ["ujis", "euc-jp"],
  ["u_jis", "euc-jp"],
  ["iso2022_jp", "iso-2022-jp"],
  ["iso2022jp", "iso-2022-jp"],
  ["iso_2022_jp", "iso-2022-jp"],
  ["csiso2022jp", "iso-2022-jp"],
  // Western European, ASCII
  ["latin_1", "windows-1252"],
  ["latin1", "windows-1252"],
  ["latin", "windows-1252"],
  ["l1", "windows-1252"],
  ["iso8859_1", "windows-1252"],
  ["iso_8859_1", "windows-1252"],
  ["iso8859", "windows-1252"],
  ["8859", "windows-1252"],
  ["cp819", "windows-1252"],
  ["iso_ir_100", "windows-1252"],
  ["csisolatin1", "windows-1252"],
  ["ascii", "windows-1252"],
  ["us_ascii", "windows-1252"],
  ["us", "windows-1252"],
  ["646", "windows-1252"],
  ["iso646_us", "windows-1252"],
  ["ansi_x3.4_1968", "windows-1252"],
  ["cp367", "windows-1252"],
  ["csascii", "windows-1252"],
  ["iso8859_15", "iso-8859-15"],
  ["iso_8859_15", "iso-8859-15"],
  ["latin9", "iso-8859-15"],
  ["latin_9", "iso-8859-15"],
  ["l9", "iso-8859-15"],
  // The other ISO-8859 parts in Python's spelling
  ["iso8859_2", "iso-8859-2"],
  ["iso8859_3", "iso-8859-3"],
  ["iso8859_4", "iso-8859-4"],
  ["iso8859_5", "iso-8859-5"],
  ["iso8859_6", "iso-8859-6"],
  ["iso8859_7", "iso-8859-7"],
  ["iso8859_8", "iso-8859-8"],
  ["iso8859_9", "windows-1254"],
  ["iso8859_10", "iso-8859-10"],
  ["iso8859_11", "windows-874"],
  ["iso8859_13", "iso-8859-13"],
  ["iso8859_14", "iso-8859-14"],
  ["iso8859_16", "iso-8859-16"],
  // Windows code pages
  ["cp1250", "windows-1250"],
  ["cp1251", "windows-1251"],
  ["cp1252", "windows-1252"],
  ["cp1253", "windows-1253"],
  ["cp1254", "windows-1254"],
  ["cp1255", "windows-1255"],
  ["cp1256", "windows-1256"],
  ["cp1257", "windows-1257"],
  ["cp1258", "windows-1258"],
  ["windows_1250", "windows-1250"],
  ["windows_1251", "windows-1251"],
  ["windows_1252", "windows-1252"],
  ["windows_1253", "windows-1253"],
  ["windows_1254", "windows-1254"],
  ["windows_1255", "windows-1255"],
  ["windows_1256", "windows-1256"],
  ["windows_1257", "windows-1257"],
  ["windows_1258", "windows-1258"],
  ["cp874", "windows-874"],
  ["windows_874", "windows-874"],
  ["tis_620", "windows-874"],
  ["tis620", "windows-874"],
  ["cp866", "ibm866"],
  ["866", "ibm866"],
  // Cyrillic, Mac
  ["koi8_r", "koi8-r"],
  ["koi8_u", "koi8-u"],
  ["mac_roman", "macintosh"],
  ["macroman", "macintosh"],
  ["mac_cyrillic", "x-mac-cyrillic"],
  ["maccyrillic", "x-mac-cyrillic"],
  // Unicode
  ["utf8", "utf-8"],
  ["utf_8", "utf-8"],
  ["utf_8_sig", "utf-8"],
  ["u8", "utf-8"],
  ["utf", "utf-8"],
  ["cp65001", "utf-8"],
  ["utf_16_le", "utf-16le"],
  ["utf_16le", "utf-16le"],
  ["utf_16_be", "utf-16be"],
  ["utf_16be", "utf-16be"],
  ["utf_7", null],
  ["utf7", null],
  ["unicode_1_1_utf_7", null],
  ["x_unicode20utf7", null],
  ["csunicode11utf7", null],
]);

/** Quotes and spaces trimmed, lower case: how a label is written in a Content-Type. */
function cleanLabel(label: string): string {
  return label
    .trim()
    .replace(/^["']+|["']+$/g, "")
    .trim()
    .toLowerCase();
}

/**
 * Python's spelling of a name (`encodings.normalize_encoding`): every run of
 * characters other than letters, digits and dots becomes one underscore, so
 * `latin-1`, `latin_1` and `Latin 1` are one key.
 */
function aliasKey(clean: string): string {
  return clean.replace(/[^a-z0-9.]+/g, "_").replace(/^_+|_+$/g, "");
}

function whatwgAccepts(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/**
 * The alias table's entry for `label` in any spelling (`Latin-1`, `latin_1`):
 * its WHATWG target, null for a charset no TextDecoder implements, undefined
 * when the table does not list it. A lookup only: no TextDecoder is built.
 */
export function listedCharset(label: string): string | null | undefined {
  const clean = cleanLabel(label);
  if (clean === "") return undefined;
  const key = aliasKey(clean);
  return CHARSET_ALIASES.has(key) ? (CHARSET_ALIASES.get(key) ?? null) : undefined;
}

/**
 * The WHATWG label to decode `label` with: the alias table's target for a name
 * it lists, the label itself (trimmed, lower case) when TextDecoder already
 * knows it, or null (unknown, or a charset TextDecoder cannot decode).
 */
export function canonicalCharset(label: string): string | null {
  const listed = listedCharset(label);
  if (listed !== undefined) return listed;
  const clean = cleanLabel(label);
  return clean !== "" && whatwgAccepts(clean) ? clean : null;
}

/**
 * `bytes` decoded as `label` says: first as the WHATWG label it is, then
 * through the alias table; null when neither names a charset TextDecoder has.
 * Bytes that are not valid in the charset become U+FFFD (mail is often
 * mislabelled; some text beats none).
 */
export function decodeWithCharset(bytes: Uint8Array, label: string): string | null {
  const clean = cleanLabel(label);
  if (clean === "") return null;
  for (const candidate of [clean, canonicalCharset(clean)]) {
    if (candidate === null) continue;
    try {
      return new TextDecoder(candidate).decode(bytes);
    } catch {
      // Not a label this TextDecoder knows: try the next.
    }
  }
  return null;
}
