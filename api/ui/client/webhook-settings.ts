import { api } from "./api";
import { confirmAction } from "./confirm-dialog";
import { announce, fill, h, whileBusy } from "./dom";
import { longDate } from "./format";
import { secretReveal } from "./secret-reveal";
import type { Webhook } from "./types";
import { editForm } from "./webhook-form";

/**
 * The selected endpoint's settings: its URL and mailbox filter, the enabled
 * switch (saying why it is off, e.g. after a 410), rotating the signing secret
 * with a one-time reveal, and deleting it. Every change is one API call; the
 * page then shows the endpoint as the API answered.
 */

export interface SettingsHandlers {
  changed(webhook: Webhook): void;
  deleted(id: string): void;
}

interface View {
  webhook: Webhook;
  toggle: HTMLInputElement;
  status: HTMLElement;
  secretSlot: HTMLElement;
  /** Says until when a rotated-out secret still signs beside the current one. */
  graceNote: HTMLElement;
  rotate: HTMLButtonElement;
  remove: HTMLButtonElement;
}

let view: View | null = null;
/** The secret the API just returned (create or rotate), until it has been shown for its endpoint. */
let pendingSecret: { id: string; secret: string; created: boolean } | null = null;

/** Shows `secret` once, in the settings of endpoint `id`, the next time they render. */
export function revealSecretOnce(id: string, secret: string, created: boolean): void {
  pendingSecret = { id, secret, created };
}

/** Forgets every secret on the page (leaving the page, signing out). */
export function forgetSecrets(): void {
  pendingSecret = null;
  if (view) fill(view.secretSlot, null);
}

export function renderSettings(
  target: HTMLElement,
  webhook: Webhook | undefined,
  handlers: SettingsHandlers,
): void {
  if (!webhook) {
    view = null;
    pendingSecret = null;
    target.hidden = true;
    fill(target, null);
    return;
  }
  const toggle = h("input", {
    type: "checkbox",
    role: "switch",
    id: "endpoint-enabled",
    class: "switch",
    "aria-describedby": "endpoint-status",
  });
  // A live region: when a receiver's 410 switches the endpoint off, the reason is read out as it appears.
  const status = h("div", { id: "endpoint-status", class: "endpoint-status", role: "status" });
  const secretSlot = h("div", { class: "secret-slot" });
  const graceNote = h("p", { class: "muted small", id: "secret-grace" });
  const rotate = h(
    "button",
    { type: "button", class: "button small", "data-action": "rotate-secret" },
    "Rotate secret…",
  );
  const remove = h(
    "button",
    { type: "button", class: "button small danger", "data-action": "delete-endpoint" },
    "Delete endpoint…",
  );
  view = { webhook, toggle, status, secretSlot, graceNote, rotate, remove };
  const current = view;
  syncStatus(current, webhook);
  syncGraceNote(current, webhook);

  toggle.addEventListener("change", () => void setEnabled(current, toggle.checked, handlers));
  rotate.addEventListener("click", () => void rotateSecret(current));
  remove.addEventListener("click", () => void deleteEndpoint(current, handlers));

  target.hidden = false;
  fill(
    target,
    h(
      "div",
      { class: "settings-head" },
      h("h2", { class: "section-title", id: "settings-title" }, "Endpoint settings"),
      h("label", { class: "switch-label" }, toggle, "Enabled"),
    ),
    status,
    editForm(webhook, (updated) => {
      current.webhook = updated;
      handlers.changed(updated);
    }),
    h(
      "div",
      { class: "settings-foot" },
      h(
        "div",
        { class: "settings-secret" },
        h("h3", {}, "Signing secret"),
        h(
          "p",
          { class: "muted small" },
          "Receivers verify each delivery with it. Rotating makes a new one and shows it once; the old one keeps signing beside it for 24 hours.",
        ),
        graceNote,
        rotate,
        secretSlot,
      ),
      h(
        "div",
        { class: "settings-danger" },
        h("h3", {}, "Delete"),
        h("p", { class: "muted small" }, "Stops all deliveries and removes the log."),
        remove,
      ),
    ),
  );
  if (pendingSecret?.id === webhook.id) showSecret(current, pendingSecret.secret, pendingSecret.created);
  pendingSecret = null;
}

/** The endpoint changed elsewhere (a 410 disabled it): update the switch and status, not the form. */
export function syncSettings(webhook: Webhook): void {
  if (view?.webhook.id !== webhook.id) return;
  if (view.webhook.enabled !== webhook.enabled || view.webhook.disabled_reason !== webhook.disabled_reason) {
    syncStatus(view, webhook);
  }
  if (view.webhook.previous_secret_expires_at !== webhook.previous_secret_expires_at) {
    syncGraceNote(view, webhook);
  }
  view.webhook = webhook;
}

function syncGraceNote(current: View, webhook: Webhook): void {
  const until = webhook.previous_secret_expires_at;
  current.graceNote.hidden = !until;
  current.graceNote.textContent = until
    ? `The previous secret also signs every delivery until ${longDate(until)}.`
    : "";
}

function syncStatus(current: View, webhook: Webhook): void {
  current.toggle.checked = webhook.enabled;
  if (webhook.enabled) {
    current.status.hidden = true;
    fill(current.status, null);
    return;
  }
  current.status.hidden = false;
  fill(
    current.status,
    h(
      "p",
      { class: "notice warn" },
      h(
        "span",
        {},
        h("strong", {}, `Disabled: ${webhook.disabled_reason ?? "switched off"}.`),
        " ",
        DISABLED_NOTE,
      ),
    ),
  );
}

const DISABLED_NOTE =
  "Mail stored meanwhile is not announced to it; deliveries already queued wait until it is enabled.";

async function setEnabled(current: View, enabled: boolean, handlers: SettingsHandlers): Promise<void> {
  await whileBusy(current.toggle, async () => {
    try {
      const updated = await api.updateWebhook(current.webhook.id, { enabled });
      syncStatus(current, updated);
      current.webhook = updated;
      handlers.changed(updated);
      // Switching off is announced by the status line, which now says why.
      if (enabled) announce("Endpoint enabled");
    } catch (error) {
      current.toggle.checked = current.webhook.enabled;
      announce(`Could not ${enabled ? "enable" : "disable"} it: ${(error as Error).message}`, "error");
    }
  });
}

async function rotateSecret(current: View): Promise<void> {
  const confirmed = await confirmAction({
    title: "Rotate the signing secret?",
    body: `Deliveries to ${current.webhook.url} are signed with a new secret from now on, and for 24 hours with the old one too, so a receiver that still checks the old one keeps accepting them while you give it the new one. The new secret is shown once.`,
    confirm: "Rotate secret",
  });
  if (!confirmed) return;
  await whileBusy(current.rotate, async () => {
    try {
      const rotated = await api.rotateSecret(current.webhook.id);
      const { secret, ...endpoint } = rotated;
      current.webhook = endpoint;
      syncGraceNote(current, endpoint);
      showSecret(current, secret ?? "", false);
    } catch (error) {
      announce(`Could not rotate the secret: ${(error as Error).message}`, "error");
    }
  });
}

function showSecret(current: View, secret: string, created: boolean): void {
  fill(
    current.secretSlot,
    secretReveal({
      title: created ? "Endpoint created." : "New signing secret.",
      note: "Copy it now: it is shown only this once.",
      secret,
      done: () => {
        fill(current.secretSlot, null);
        current.rotate.focus();
      },
    }),
  );
  current.secretSlot.querySelector<HTMLButtonElement>("[data-action=copy-secret]")?.focus();
}

async function deleteEndpoint(current: View, handlers: SettingsHandlers): Promise<void> {
  const confirmed = await confirmAction({
    title: "Delete this endpoint?",
    body: `${current.webhook.url} receives no more events, and its delivery log is deleted. This cannot be undone.`,
    confirm: "Delete endpoint",
  });
  if (!confirmed) return;
  await whileBusy(current.remove, async () => {
    try {
      await api.deleteWebhook(current.webhook.id);
      announce("Endpoint deleted");
      handlers.deleted(current.webhook.id);
    } catch (error) {
      announce(`Could not delete it: ${(error as Error).message}`, "error");
    }
  });
}
