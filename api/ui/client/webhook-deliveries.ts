import { fill, h } from "./dom";
import { ago, longDate } from "./format";
import type { Delivery, Webhook } from "./types";

/** The delivery log of one endpoint: status, last response, every attempt, a replay button. */
export function renderDeliveries(
  target: HTMLElement,
  webhook: Webhook | undefined,
  deliveries: Delivery[],
  replay: (deliveryId: string) => void,
): void {
  const open = new Set(
    [...target.querySelectorAll<HTMLDetailsElement>("details[open]")].map((item) => item.dataset.id),
  );
  fill(
    target,
    h(
      "h2",
      { class: "section-title" },
      "Deliveries",
      webhook ? h("span", { class: "muted" }, ` to ${webhook.url}`) : null,
    ),
    deliveries.length
      ? h(
          "table",
          { class: "deliveries" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Status", "Event", "Created", "Attempts", "Last response", ""].map((name) =>
                h("th", { scope: "col" }, name),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            deliveries.map((delivery) => deliveryRow(delivery, open.has(delivery.id), replay)),
          ),
        )
      : h(
          "p",
          { class: "muted" },
          "No deliveries yet. Send a test event, or a mail to a mailbox this endpoint watches.",
        ),
  );
}

function deliveryRow(delivery: Delivery, open: boolean, replay: (deliveryId: string) => void): HTMLElement {
  const button = h("button", { type: "button", class: "button small", "data-action": "replay" }, "Replay");
  button.addEventListener("click", () => replay(delivery.id));
  const response =
    delivery.last_status !== null
      ? `HTTP ${delivery.last_status}`
      : delivery.last_error
        ? "no response"
        : "—";
  return h(
    "tr",
    { "data-delivery": delivery.id, "data-status": delivery.status },
    h(
      "td",
      { "data-label": "Status" },
      h("span", { class: `pill ${statusClass(delivery.status)}` }, delivery.status),
    ),
    h(
      "td",
      { "data-label": "Event" },
      h("code", {}, delivery.event_type),
      h("div", { class: "muted small" }, delivery.id),
    ),
    h(
      "td",
      { "data-label": "Created" },
      h(
        "time",
        { datetime: delivery.created_at, title: longDate(delivery.created_at) },
        ago(delivery.created_at),
      ),
    ),
    h("td", { "data-label": "Attempts" }, String(delivery.attempts)),
    h(
      "td",
      { "data-label": "Last response" },
      h("span", { class: "response" }, response),
      delivery.last_response_ms !== null
        ? h("span", { class: "muted" }, ` · ${delivery.last_response_ms} ms`)
        : null,
      attemptLog(delivery, open),
    ),
    h("td", { class: "actions" }, button),
  );
}

function attemptLog(delivery: Delivery, open: boolean): HTMLElement | null {
  if (!delivery.attempt_log.length && !delivery.last_error) return null;
  return h(
    "details",
    { "data-id": delivery.id, open },
    h("summary", {}, "Attempts"),
    h(
      "ol",
      { class: "attempts" },
      delivery.attempt_log.map((attempt) =>
        h(
          "li",
          {},
          h("strong", {}, attempt.status !== null ? `HTTP ${attempt.status}` : "no response"),
          ` · ${attempt.response_ms} ms · ${longDate(attempt.created_at)}`,
          // During a secret rotation's grace period the replaced secret signs too.
          attempt.signatures.length > 1
            ? h(
                "span",
                { class: "muted", "data-signatures": attempt.signatures.length },
                " · signed with the current and the previous secret",
              )
            : null,
          attempt.error && attempt.error !== `HTTP ${attempt.status}`
            ? h("div", { class: "error-text" }, attempt.error)
            : null,
          attempt.response_body ? h("pre", { class: "raw small" }, attempt.response_body) : null,
        ),
      ),
    ),
    delivery.next_attempt_at
      ? h("p", { class: "muted" }, `Next attempt ${longDate(delivery.next_attempt_at)}`)
      : null,
  );
}

function statusClass(status: Delivery["status"]): string {
  if (status === "delivered") return "pass";
  if (status === "dead") return "fail";
  if (status === "failed") return "warn";
  return "none";
}
