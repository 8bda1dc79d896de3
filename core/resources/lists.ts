import { z } from "@hono/zod-openapi";

/** A page of any resource: `{ data, next_cursor }`, newest first (DESIGN.md, "HTTP API"). */
export function listOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() }).openapi(name);
}

/** The JSON of a page of `T`, from the same schema. */
export type Page<T> = z.infer<ReturnType<typeof listOf<z.ZodType<T>>>>;
