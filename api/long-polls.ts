import type { WaitRefusal } from "../core/messages/wait";
import { ApiError } from "./problem";

/**
 * Long polls and event streams hold a socket each for up to a minute (a stream
 * for longer): the message long poll, the event log's `wait` and its stream all
 * take their slot from one count per process (core/messages/wait.ts, created
 * once in app.ts), and past it answer this.
 */

/** 429: this key or tenant holds as many open long polls as its limit allows. */
export function tooManyLongPolls(refusal: WaitRefusal): ApiError {
  const who =
    refusal.scope === "key"
      ? `this API key has ${refusal.limit} long polls or event streams open, the most OMNIMAIL_LONG_POLLS_PER_KEY allows`
      : `this tenant has ${refusal.limit} long polls or event streams open, the most OMNIMAIL_LONG_POLLS_PER_TENANT allows`;
  return new ApiError({
    status: 429,
    slug: "too-many-long-polls",
    title: "Too Many Requests",
    detail: `${who}; retry when one of them answers (at the latest in ${refusal.retryAfterSeconds} s)`,
    headers: { "Retry-After": String(refusal.retryAfterSeconds) },
  });
}
