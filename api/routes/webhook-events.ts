import type { OpenAPIHono } from "@hono/zod-openapi";
import { WEBHOOK_EVENTS, WebhookHeadersSchema } from "../../core/resources/events";
import type { AppEnv } from "../context";

/**
 * The events we POST to endpoints, under OpenAPI 3.1's top-level `webhooks`
 * (one entry per event type, keyed by it): the body's schema with an example,
 * the Standard Webhooks headers, and what the receiver's answer means. Nothing
 * is served here; /openapi.json and /docs describe them.
 */

const DESCRIPTION = [
  "OmniMail POSTs the event as JSON to the endpoint's URL, signed per Standard Webhooks",
  "(the three `webhook-*` headers). Verify the signature over the raw body before parsing it,",
  "e.g. `new Webhook(secret).verify(body, headers)` with the `standardwebhooks` package.",
  "\n\nDelivery is at least once: deduplicate on `webhook-id`. There is no bearer token; the signature authenticates the sender.",
].join(" ");

const RESPONSES = {
  "2XX": { description: "Delivered: any 2xx within 15 s; the body is kept (cut) in the delivery log" },
  "410": {
    description: 'Gone: the endpoint is disabled and receives nothing more until `PATCH {"enabled": true}`',
  },
  default: {
    description:
      "Anything else (also a redirect, which is not followed, or no answer in 15 s): retried on the schedule (by default after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; ±20 %, a longer `Retry-After` honoured), then dead and replayable",
  },
} as const;

export function registerWebhookEvents(app: OpenAPIHono<AppEnv>): void {
  for (const [type, event] of Object.entries(WEBHOOK_EVENTS)) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      tags: ["Webhook events"],
      operationId: `event-${type.replaceAll(".", "-")}`,
      summary: event.summary,
      description: DESCRIPTION,
      // The signature headers, not an API key, authenticate the call.
      security: [],
      request: {
        headers: WebhookHeadersSchema,
        body: {
          required: true,
          content: { "application/json": { schema: event.schema, example: event.example } },
        },
      },
      responses: RESPONSES,
    });
  }
}
