// Proves that charset labels from Python's email package, Java and old MUAs map to a WHATWG label
// TextDecoder constructs (every target of the table is checked), that labels TextDecoder already
// knows pass through, that charsets no TextDecoder implements (UTF-7, HZ) give null, and that
// decodeWithCharset decodes real bytes through the table.
import { describe, expect, test } from "bun:test";
import { CHARSET_ALIASES, canonicalCharset, decodeWithCharset } from "../../core/classify/charsets";

/** Label as written in a Content-Type, and the WHATWG label it must map to (null: cannot be decoded). */
const TABLE: Array<[string, string | null]> = [
  ["eucgb2312_cn", "gb2312"],
  ["big5_tw", "big5"],
  ["ks_c_5601-1987", "euc-kr"],
  ["x-sjis", "shift_jis"],
  ["shift-jis", "shift_jis"],
  ["sjis", "shift_jis"],
  ["ms_kanji", "shift_jis"],
  ["csShiftJIS", "shift_jis"],
  ["cp936", "gbk"],
  ["ms936", "gbk"],
  ["MS949", "euc-kr"],
  ["cp949", "euc-kr"],
  ["uhc", "euc-kr"],
  ["cp950", "big5"],
  ["ms950", "big5"],
  ["latin-1", "windows-1252"],
  ["latin_1", "windows-1252"],
  ["l1", "windows-1252"],
  ["iso8859_1", "windows-1252"],
  ["iso_8859_1", "windows-1252"],
  ["iso8859_15", "iso-8859-15"],
  ["utf8", "utf-8"],
  ["utf_8", "utf-8"],
  ["utf-8-sig", "utf-8"],
  ["cp1250", "windows-1250"],
  ["cp1251", "windows-1251"],
  ["cp1252", "windows-1252"],
  ["cp1253", "windows-1253"],
  ["cp1254", "windows-1254"],
  ["cp1255", "windows-1255"],
  ["cp1256", "windows-1256"],
  ["cp1257", "windows-1257"],
  ["cp1258", "windows-1258"],
  ["cp874", "windows-874"],
  ["euc_jp", "euc-jp"],
  ["ujis", "euc-jp"],
  ["iso2022_jp", "iso-2022-jp"],
  ["koi8_r", "koi8-r"],
  ["mac_roman", "macintosh"],
  ["macroman", "macintosh"],
  ["ascii", "windows-1252"],
  ["us_ascii", "windows-1252"],
  ["646", "windows-1252"],
  ["gb18030_2000", "gb18030"],
  ["MS932", "shift_jis"],
  ["x-windows-949", "euc-kr"],
  ["iso8859_9", "windows-1254"],
  ["unicode-1-1-utf-7", null],
  ["utf-7", null],
  ["hz-gb-2312", null],
  ["iso-2022-kr", null],
];

describe("canonicalCharset", () => {
  for (const [label, target] of TABLE) {
    test(`${label} → ${target}`, () => {
      expect(canonicalCharset(label)).toBe(target);
    });
  }

  test("every target of the alias table constructs a TextDecoder on this runtime", () => {
    const targets = new Set([...CHARSET_ALIASES.values()].filter((target) => target !== null));
    expect(targets.size).toBeGreaterThan(30);
    const broken = [...targets].filter((target) => {
      try {
        new TextDecoder(target);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual([]);
  });

  test("WHATWG labels pass through, trimmed, unquoted and lower-cased", () => {
    expect(canonicalCharset("UTF-8")).toBe("utf-8");
    expect(canonicalCharset(' "ISO-8859-2" ')).toBe("iso-8859-2");
    expect(canonicalCharset("windows-1251")).toBe("windows-1251");
    expect(canonicalCharset("gb2312")).toBe("gb2312");
    expect(canonicalCharset("x-mac-cyrillic")).toBe("x-mac-cyrillic");
  });

  test("every null of the alias table is a label TextDecoder refuses too", () => {
    const refused = [...CHARSET_ALIASES].filter(([, target]) => target === null).map(([key]) => key);
    const accepted = refused.filter((key) => {
      try {
        new TextDecoder(key.replaceAll("_", "-"));
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted).toEqual([]);
  });

  test("unknown and empty labels give null", () => {
    expect(canonicalCharset("")).toBeNull();
    expect(canonicalCharset("   ")).toBeNull();
    expect(canonicalCharset("fakescii")).toBeNull();
    expect(canonicalCharset("base9000")).toBeNull();
  });
});

describe("decodeWithCharset", () => {
  const cases: Array<[string, string, number[], string]> = [
    ["a WHATWG label as it is", "iso-8859-2", [0xb1, 0xe6], "ąć"],
    ["Python's latin_1 (é as windows-1252)", "latin_1", [0x63, 0x61, 0x66, 0xe9], "café"],
    ["cp1252's smart quotes", "cp1252", [0x93, 0x68, 0x69, 0x94], "“hi”"],
    ["cp936 (GBK) 中文", "cp936", [0xd6, 0xd0, 0xce, 0xc4], "中文"],
    ["eucgb2312_cn 中文", "eucgb2312_cn", [0xd6, 0xd0, 0xce, 0xc4], "中文"],
    ["x-sjis あい", "x-sjis", [0x82, 0xa0, 0x82, 0xa2], "あい"],
    ["ks_c_5601-1987 한", "ks_c_5601-1987", [0xc7, 0xd1], "한"],
    ["big5_tw 中", "big5_tw", [0xa4, 0xa4], "中"],
    ["koi8_r Да", "koi8_r", [0xe4, 0xc1], "Да"],
    ["utf-8-sig drops the BOM", "utf-8-sig", [0xef, 0xbb, 0xbf, 0x6f, 0x6b], "ok"],
    ["mac_roman é", "mac_roman", [0x8e], "é"],
  ];
  for (const [name, label, bytes, expected] of cases) {
    test(name, () => {
      expect(decodeWithCharset(new Uint8Array(bytes), label)).toBe(expected);
    });
  }

  test("null when neither the label nor the table names a decoder", () => {
    const bytes = new TextEncoder().encode("+AGEAYgBj-");
    expect(decodeWithCharset(bytes, "utf-7")).toBeNull();
    expect(decodeWithCharset(bytes, "hz-gb-2312")).toBeNull();
    expect(decodeWithCharset(bytes, "fakescii")).toBeNull();
    expect(decodeWithCharset(bytes, "")).toBeNull();
  });

  test("bytes invalid in the charset become U+FFFD, not an error", () => {
    expect(decodeWithCharset(new Uint8Array([0x61, 0xff, 0x62]), "utf8")).toBe("a\uFFFDb");
  });
});
