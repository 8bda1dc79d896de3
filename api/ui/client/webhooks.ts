import { api } from "./api";
import { announce, byId, fill, h } from "./dom";
import { ago, longDate } from "./format";
import type { Delivery, Webhook } from "./types";

/** The webhooks page: endpoints, each one's delivery log, replay and test events. */

let webhooks: Webhook[] = [];
let currentId: string | null = null;
let refreshTimer = 0;

export const webhookHref = (id: string) => `#/webhooks/${id}`;

export async function showWebhooks(webhookId: string | null): Promise<void> {
  try {
    webhooks = (await api.webhooks()).data;
  } catch (error) {
    announce(`Could not load webhooks: ${(error as Error).message}`, "error");
    return;
  }
  currentId = webhookId ?? webhooks[0]?.id ?? null;
  renderEndpoints();
  await refreshDeliveries();
  window.clearInterval(refreshTimer);
  // The log changes as the drain works: keep it current while the page is open.
  refreshTimer = window.setInterval(() => {
    if (document.visibilityState === "visible") void refreshDeliveries();
  }, 3000);
}

export function leaveWebhooks(): void {
  window.clearInterval(refreshTimer);
}

function renderEndpoints(): void {
  const list = byId("webhook-list");
  if (!webhooks.length) {
    fill(
      list,
      h(
        "li",
        { class: "empty" },
        h("p", {}, "No endpoints yet. Add one above to receive message.received events."),
      ),
    );
    return;
  }
  fill(
    list,
    webhooks.map((webhook) => {
      const test = h(
        "button",
        { type: "button", class: "button small", "data-action": "test" },
        "Send test event",
      );
      test.addEventListener("click", () => void sendTest(webhook.id));
      return h(
        "li",
        { class: "endpoint", "aria-current": webhook.id === currentId ? "true" : null },
        h(
          "a",
          { href: webhookHref(webhook.id), class: "endpoint-link" },
          h("span", { class: "endpoint-url" }, webhook.url),
          h(
            "span",
            { class: "endpoint-meta" },
            h(
              "span",
              { class: `pill ${webhook.enabled ? "pass" : "fail"}` },
              webhook.enabled ? "enabled" : "disabled",
            ),
            ` ${webhook.events.join(", ")}`,
            webhook.mailbox_id ? ` · ${webhook.mailbox_id}` : " · all mailboxes",
            webhook.disabled_reason ? ` · ${webhook.disabled_reason}` : "",
          ),
        ),
        test,
      );
    }),
  );
}

async function refreshDeliveries(): Promise<void> {
  const target = byId("delivery-log");
  const id = currentId;
  if (!id) {
    fill(target, null);
    return;
  }
  try {
    const deliveries = (await api.deliveries(id)).data;
    if (id !== currentId) return;
    renderDeliveries(target, deliveries);
  } catch (error) {
    fill(target, h("p", { class: "notice warn" }, `Could not load deliveries: ${(error as Error).message}`));
  }
}

function renderDeliveries(target: HTMLElement, deliveries: Delivery[]): void {
  const webhook = webhooks.find((item) => item.id === currentId);
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
            deliveries.map((delivery) => deliveryRow(delivery, open.has(delivery.id))),
          ),
        )
      : h(
          "p",
          { class: "muted" },
          "No deliveries yet. Send a test event, or a mail to a mailbox this endpoint watches.",
        ),
  );
}

function deliveryRow(delivery: Delivery, open: boolean): HTMLElement {
  const replay = h("button", { type: "button", class: "button small", "data-action": "replay" }, "Replay");
  replay.addEventListener("click", () => void replayDelivery(delivery.id));
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
    h("td", { class: "actions" }, replay),
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

async function sendTest(id: string): Promise<void> {
  try {
    await api.sendTestEvent(id);
    announce("Test event queued");
    if (currentId !== id) location.hash = webhookHref(id);
    else await refreshDeliveries();
  } catch (error) {
    announce(`Could not send a test event: ${(error as Error).message}`, "error");
  }
}

async function replayDelivery(deliveryId: string): Promise<void> {
  if (!currentId) return;
  try {
    await api.replay(currentId, deliveryId);
    announce("Delivery queued again");
    await refreshDeliveries();
  } catch (error) {
    announce(`Could not replay: ${(error as Error).message}`, "error");
  }
}

export async function createWebhook(url: string): Promise<void> {
  try {
    const created = await api.createWebhook(url);
    const secret = byId("webhook-secret");
    fill(
      secret,
      h("strong", {}, "Endpoint created. "),
      "Its signing secret is shown only now: ",
      h("code", {}, created.secret ?? ""),
    );
    secret.hidden = false;
    location.hash = webhookHref(created.id);
  } catch (error) {
    announce(`Could not add the endpoint: ${(error as Error).message}`, "error");
  }
}
