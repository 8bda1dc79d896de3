import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Errors as RFC 9457 problem+json: `type`, `title`, `status`, `detail`, and
 * `errors[]` naming each field at fault by `location` (e.g. `query.limit`,
 * `body.url`). Anything thrown in a handler ends up here via app.onError.
 */
export interface ProblemFieldError {
  location: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly slug: string;
  readonly title: string;
  readonly errors: ProblemFieldError[];
  readonly headers: Record<string, string>;
  constructor(input: {
    status: ContentfulStatusCode;
    slug: string;
    title: string;
    detail: string;
    errors?: ProblemFieldError[];
    headers?: Record<string, string>;
  }) {
    super(input.detail);
    this.name = "ApiError";
    this.status = input.status;
    this.slug = input.slug;
    this.title = input.title;
    this.errors = input.errors ?? [];
    this.headers = input.headers ?? {};
  }
}

export const problems = {
  unauthorized: (detail: string) =>
    new ApiError({
      status: 401,
      slug: "unauthorized",
      title: "Unauthorized",
      detail,
      headers: { "WWW-Authenticate": 'Bearer realm="omnimail"' },
    }),
  notFound: (detail: string) => new ApiError({ status: 404, slug: "not-found", title: "Not Found", detail }),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new ApiError({
      status: 405,
      slug: "method-not-allowed",
      title: "Method Not Allowed",
      detail: `${path} does not take ${method}; it takes ${allowed.join(", ")}`,
      headers: { Allow: allowed.join(", ") },
    }),
  conflict: (detail: string) => new ApiError({ status: 409, slug: "conflict", title: "Conflict", detail }),
  invalid: (detail: string, errors: ProblemFieldError[]) =>
    new ApiError({ status: 400, slug: "invalid-request", title: "Invalid Request", detail, errors }),
  unprocessable: (detail: string, errors: ProblemFieldError[]) =>
    new ApiError({ status: 422, slug: "unprocessable", title: "Unprocessable Content", detail, errors }),
  malformedJson: () =>
    new ApiError({
      status: 400,
      slug: "malformed-json",
      title: "Malformed JSON",
      detail: "the request body is not valid JSON",
      errors: [{ location: "body", message: "must be a JSON document" }],
    }),
  unsupportedMediaType: () =>
    new ApiError({
      status: 415,
      slug: "unsupported-media-type",
      title: "Unsupported Media Type",
      detail: "send the body as JSON with Content-Type: application/json",
      errors: [{ location: "header.content-type", message: "must be application/json" }],
    }),
  tooLarge: (maxBytes: number) =>
    new ApiError({
      status: 413,
      slug: "too-large",
      title: "Content Too Large",
      detail: `the request body is over the limit of ${maxBytes} bytes`,
      errors: [{ location: "body", message: `must be at most ${maxBytes} bytes` }],
    }),
  rateLimited: (retryAfterSeconds: number, headers: Record<string, string>, detail?: string) =>
    new ApiError({
      status: 429,
      slug: "rate-limited",
      title: "Too Many Requests",
      detail: detail ?? `this API key has used its request budget; retry in ${retryAfterSeconds} s`,
      headers: { ...headers, "Retry-After": String(retryAfterSeconds) },
    }),
} as const;

export const PROBLEM_TYPE_BASE = "urn:omnimail:problem:";

export function problemJson(c: Context, error: ApiError): Response {
  const requestId = c.get("requestId" as never) as string | undefined;
  const body = {
    type: `${PROBLEM_TYPE_BASE}${error.slug}`,
    title: error.title,
    status: error.status,
    detail: error.message,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
    ...(requestId ? { request_id: requestId } : {}),
  };
  return c.body(JSON.stringify(body), error.status, {
    "Content-Type": "application/problem+json",
    ...error.headers,
  });
}
