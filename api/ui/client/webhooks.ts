import { api } from "./api";
import { announce, byId, fill, h, whileBusy } from "./dom";
import { bindField, clearErrors, showErrors } from "./field-errors";
import { state } from "./state";
import type { Webhook } from "./types";
import { renderDeliveries } from "./webhook-deliveries";
import { forgetSecrets, renderSettings, revealSecretOnce, syncSettings } from "./webhook-settings";

/**
 * The webhooks page: the endpoints, the selected one's settings and delivery
 * log. While the page is open the log and the endpoints' states (a 410
 * disables one) are refreshed; the settings form is never redrawn under the
 * reader's hands.
 */

let webhooks: Webhook[] = [];
let currentId: string | null = null;
let refreshTimer = 0;
/** Bumped by every change made here, so a refresh that was already under way cannot undo it. */
let version = 0;

export const webhookHref = (id: string) => `#/webhooks/${id}`;

export async function showWebhooks(webhookId: string | null): Promise<void> {
  version += 1;
  try {
    webhooks = (await api.webhooks()).data;
  } catch (error) {
    announce(`Could not load webhooks: ${(error as Error).message}`, "error");
    return;
  }
  currentId = webhooks.some((webhook) => webhook.id === webhookId) ? webhookId : (webhooks[0]?.id ?? null);
  renderEndpoints();
  renderSettings(byId("webhook-settings"), current(), { changed, deleted });
  await refreshDeliveries();
  window.clearInterval(refreshTimer);
  // The log changes as the drain works: keep it current while the page is open.
  refreshTimer = window.setInterval(() => {
    if (document.visibilityState !== "visible") return;
    void refreshDeliveries();
    void refreshEndpoints();
  }, 3000);
}

export function leaveWebhooks(): void {
  window.clearInterval(refreshTimer);
  forgetSecrets();
}

const current = () => webhooks.find((webhook) => webhook.id === currentId);

function changed(updated: Webhook): void {
  version += 1;
  webhooks = webhooks.map((webhook) => (webhook.id === updated.id ? updated : webhook));
  renderEndpoints();
  void refreshDeliveries();
}

function deleted(id: string): void {
  version += 1;
  webhooks = webhooks.filter((webhook) => webhook.id !== id);
  currentId = null;
  renderEndpoints();
  renderSettings(byId("webhook-settings"), undefined, { changed, deleted });
  fill(byId("delivery-log"), null);
  const next = webhooks[0];
  if (next) location.hash = webhookHref(next.id);
  else if (location.hash === "#/webhooks") void showWebhooks(null);
  else location.hash = "#/webhooks";
  // The focused button went with the endpoint: start again at the list.
  byId("endpoints-title").focus();
}

/** Re-reads the endpoints; redraws only what changed, keeping the focus where it was. */
async function refreshEndpoints(): Promise<void> {
  const asked = version;
  let fresh: Webhook[];
  try {
    fresh = (await api.webhooks()).data;
  } catch {
    return;
  }
  if (asked !== version || JSON.stringify(fresh) === JSON.stringify(webhooks)) return;
  webhooks = fresh;
  const focused = document.activeElement;
  const list = byId("webhook-list");
  const focusKey = list.contains(focused) ? focusKeyOf(focused) : null;
  renderEndpoints();
  if (focusKey) list.querySelector<HTMLElement>(focusKey)?.focus();
  const webhook = current();
  if (webhook) syncSettings(webhook);
}

function focusKeyOf(element: Element | null): string | null {
  const item = element?.closest<HTMLElement>("[data-webhook]");
  if (!item || !element) return null;
  const action = element.getAttribute("data-action");
  return `[data-webhook="${item.dataset.webhook}"] ${action ? `[data-action="${action}"]` : "a"}`;
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
  fill(list, webhooks.map(endpointItem));
}

function endpointItem(webhook: Webhook): HTMLElement {
  const test = h(
    "button",
    { type: "button", class: "button small", "data-action": "test" },
    "Send test event",
  );
  test.addEventListener("click", () => void sendTest(webhook.id));
  const mailbox = state.mailboxes.find((item) => item.id === webhook.mailbox_id)?.address;
  return h(
    "li",
    {
      class: "endpoint",
      "data-webhook": webhook.id,
      "data-enabled": String(webhook.enabled),
      "aria-current": webhook.id === currentId ? "true" : null,
    },
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
        ` ${webhook.events.join(", ")} · `,
        webhook.mailbox_id ? (mailbox ?? webhook.mailbox_id) : "all mailboxes",
      ),
      webhook.enabled
        ? null
        : h("span", { class: "endpoint-reason" }, `Disabled: ${webhook.disabled_reason ?? "switched off"}`),
    ),
    test,
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
    renderDeliveries(target, current(), deliveries, (deliveryId) => void replayDelivery(deliveryId));
  } catch (error) {
    fill(target, h("p", { class: "notice warn" }, `Could not load deliveries: ${(error as Error).message}`));
  }
}

async function sendTest(id: string): Promise<void> {
  try {
    await api.sendTestEvent(id);
    const webhook = webhooks.find((item) => item.id === id);
    announce(
      webhook?.enabled === false
        ? "Test event queued: it waits until the endpoint is enabled"
        : "Test event queued",
    );
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

/** The add-endpoint form: its URL's refusal is shown under the field; the secret once, in the new endpoint's settings. */
export function wireWebhookForm(): void {
  const form = byId<HTMLFormElement>("webhook-form");
  const input = byId<HTMLInputElement>("webhook-url");
  const field = bindField(input, byId("webhook-url-error"), "The URL");
  const submit = byId<HTMLButtonElement>("webhook-add");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void whileBusy(submit, async () => {
      clearErrors([field]);
      try {
        const created = await api.createWebhook(input.value.trim());
        input.value = "";
        revealSecretOnce(created.id, created.secret ?? "", true);
        location.hash = webhookHref(created.id);
      } catch (error) {
        const shown = showErrors(error, { "body.url": field });
        announce(
          shown
            ? "Not added: see the error under the field"
            : `Could not add the endpoint: ${(error as Error).message}`,
          "error",
        );
      }
    });
  });
}
