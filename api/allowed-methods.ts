import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

/**
 * The methods the API's documented routes answer at a path, read from the
 * OpenAPI registry (every `/v1` route is registered there), so a request with
 * a method a known path does not take is `405` with `Allow` (RFC 9110 §15.5.6)
 * rather than `404`, and OPTIONS lists them. Path templates (`{id}`) match one segment whatever it
 * holds: the answer depends on the shape of the path, never on what exists.
 */
export function createAllowedMethods(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  let routes: Array<{ pattern: RegExp; method: string }> | null = null;
  return (path) => {
    routes ??= app.openAPIRegistry.definitions.flatMap((definition) =>
      definition.type === "route"
        ? [{ pattern: templatePattern(definition.route.path), method: definition.route.method.toUpperCase() }]
        : [],
    );
    const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method));
    if (methods.has("GET")) methods.add("HEAD");
    // Answered before authentication for every path that takes any method (api/app.ts).
    if (methods.size > 0) methods.add("OPTIONS");
    return [...methods].sort();
  };
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((piece) => (piece.startsWith("{") ? "[^/]+" : piece.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}/?$`);
}
