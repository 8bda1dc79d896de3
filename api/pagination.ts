import { problems } from "./problem";

/**
 * Cursors are opaque to clients: base64url of the last id on the page. Our ids
 * are time-ordered, so "the rows before this id" is a stable page boundary even
 * while new mail arrives (new rows sort before page 1, never into later pages).
 */
export function encodeCursor(lastId: string): string {
  return btoa(lastId).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(
  cursor: string | undefined,
  isValidId: (id: string) => boolean,
): string | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  let decoded: string;
  try {
    decoded = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    decoded = "";
  }
  if (!isValidId(decoded)) {
    throw problems.invalid("the cursor is not one this API returned", [
      { location: "query.cursor", message: "must be the next_cursor of a previous page" },
    ]);
  }
  return decoded;
}

/** Fetches limit + 1 rows; the extra one only tells whether another page exists. */
export function pageOf<T extends { id: string }, J>(rows: T[], limit: number, toJson: (row: T) => J) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toJson),
    next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  };
}
