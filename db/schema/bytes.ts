import { customType } from "drizzle-orm/sqlite-core";

/**
 * A BLOB column read and written as a Uint8Array (a Web type), so core/ needs no
 * Node `Buffer`. libSQL hands blobs back as ArrayBuffer.
 */
export const bytes = customType<{ data: Uint8Array; driverData: ArrayBuffer | Uint8Array }>({
  dataType: () => "blob",
  toDriver: (value) => value,
  fromDriver: (value) => (value instanceof Uint8Array ? value : new Uint8Array(value)),
});
