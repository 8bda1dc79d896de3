import { type OpenApiDocument, resolveSchema, type SchemaObject } from "./openapi-types";

/**
 * A small valid value for a schema: the example when there is one, else the
 * default, the first enum value, or the simplest value of the type. Objects get
 * their required fields only. Used for the curl examples on /docs (and by the
 * isolation test, to send a body every route's validation accepts).
 */
export function sampleFromSchema(document: OpenApiDocument, schema: SchemaObject, depth = 0): unknown {
  const resolved = resolveSchema(document, schema);
  if (resolved.example !== undefined) return resolved.example;
  if (resolved.default !== undefined) return resolved.default;
  if (resolved.enum && resolved.enum.length > 0) return resolved.enum[0];
  if (depth > 6) return null;
  if (resolved.allOf) {
    return Object.assign(
      {},
      ...resolved.allOf.map((part) => sampleFromSchema(document, part, depth + 1) as Record<string, unknown>),
    );
  }
  const choice = resolved.anyOf?.[0] ?? resolved.oneOf?.[0];
  if (choice) return sampleFromSchema(document, choice, depth + 1);
  const type = Array.isArray(resolved.type) ? resolved.type.find((t) => t !== "null") : resolved.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const name of resolved.required ?? []) {
        const property = resolved.properties?.[name];
        if (property) out[name] = sampleFromSchema(document, property, depth + 1);
      }
      return out;
    }
    case "array":
      return resolved.items ? [sampleFromSchema(document, resolved.items, depth + 1)] : [];
    case "integer":
    case "number":
      return resolved.minimum ?? 1;
    case "boolean":
      return true;
    case "string":
      return resolved.format === "uri"
        ? "https://example.com/"
        : "x".repeat(Math.max(1, resolved.minLength ?? 1));
    default:
      return resolved.properties ? sampleFromSchema(document, { ...resolved, type: "object" }, depth) : null;
  }
}
