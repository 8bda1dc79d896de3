import type { Context } from "hono";
import { ApiError } from "./problem";

/**
 * Stored bytes (a raw message, an attachment) served with range requests
 * (RFC 9110 §14), so a client can resume a 25 MB download or read a part of
 * it: `Accept-Ranges: bytes`, a strong `ETag` (the bytes never change under
 * their id), one `bytes=` range answered `206` with `Content-Range`, a range
 * past the end `416`. As RFC 9110 §14.2 allows, anything else in `Range` (an
 * unknown unit, bad syntax, several ranges) is ignored and the whole body is
 * sent, and so it is when `If-Range` names another version.
 */
export type ByteRange = { kind: "whole" } | { kind: "part"; start: number; end: number } | { kind: "none" };

/** What `Range` asks of a body of `size` bytes: the whole, one part (`end` inclusive), or nothing it has. */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: "none" };
    return { kind: "part", start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "none" };
  return { kind: "part", start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}

/** The response for `bytes`, whole or the part the request's `Range` asks for. */
export function serveStoredBytes(
  c: Context,
  bytes: Uint8Array,
  etag: string,
  headers: Record<string, string>,
): Response {
  const size = bytes.byteLength;
  const quoted = `"${etag}"`;
  const ifRange = c.req.header("If-Range");
  const range =
    ifRange === undefined || ifRange.trim() === quoted
      ? parseByteRange(c.req.header("Range"), size)
      : ({ kind: "whole" } as const);
  const common = { ...headers, "Accept-Ranges": "bytes", ETag: quoted };
  if (range.kind === "none") {
    throw new ApiError({
      status: 416,
      slug: "range-not-satisfiable",
      title: "Range Not Satisfiable",
      detail: `the range asked for starts past the end of the ${size} bytes`,
      errors: [{ location: "header.range", message: `must start below ${size}` }],
      headers: { "Content-Range": `bytes */${size}`, "Accept-Ranges": "bytes" },
    });
  }
  if (range.kind === "whole") {
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { ...common, "Content-Length": String(size) });
  }
  const part = bytes.subarray(range.start, range.end + 1);
  return c.body(part as Uint8Array<ArrayBuffer>, 206, {
    ...common,
    "Content-Range": `bytes ${range.start}-${range.end}/${size}`,
    "Content-Length": String(part.byteLength),
  });
}
