/**
 * Whitespace as one reads a value on a single line: every run of it (any
 * JavaScript whitespace, line breaks and U+00A0 among them) one space, none
 * at either end. Shared by the content converters and the classifiers, so a
 * link's text, an image's alt and a bounce's diagnostic flatten alike.
 */
export function collapseWhitespace(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}
