import { api } from "./api";
import { announce, h, whileBusy } from "./dom";
import { bindField, clearErrors, type Field, showErrors } from "./field-errors";
import { state } from "./state";
import type { Webhook, WebhookChanges } from "./types";

/**
 * The endpoint's URL and mailbox filter. Saves only what changed, in one
 * PATCH; the API's refusals (a private or malformed URL, an unknown mailbox)
 * are shown under the field they name.
 */
export function editForm(webhook: Webhook, saved: (webhook: Webhook) => void): HTMLFormElement {
  let current = webhook;
  const url = h("input", {
    id: "endpoint-url",
    type: "url",
    required: true,
    value: webhook.url,
    autocomplete: "off",
    spellcheck: "false",
  });
  const mailbox = h("select", { id: "endpoint-mailbox" }, mailboxOptions(webhook.mailbox_id));
  const urlField = bindField(url, errorLine(url), "The URL");
  const mailboxField = bindField(mailbox, errorLine(mailbox), "The mailbox");
  const fields: Record<string, Field> = { "body.url": urlField, "body.mailbox_id": mailboxField };
  const save = h("button", { type: "submit", class: "button primary", id: "endpoint-save" }, "Save changes");
  const form = h(
    "form",
    { class: "settings-form", id: "endpoint-form", "aria-labelledby": "settings-title" },
    fieldBox("URL", urlField),
    fieldBox("Mailbox", mailboxField),
    h("div", { class: "form-actions" }, save),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void whileBusy(save, async () => {
      clearErrors([urlField, mailboxField]);
      const changes = changesFrom(current, url.value.trim(), mailbox.value || null);
      if (!changes) return announce("Nothing to save: no changes");
      try {
        current = await api.updateWebhook(current.id, changes);
        saved(current);
        announce("Endpoint saved");
      } catch (error) {
        const shown = showErrors(error, fields);
        announce(
          shown ? "Not saved: see the error under the field" : `Not saved: ${(error as Error).message}`,
          "error",
        );
      }
    });
  });
  return form;
}

function changesFrom(webhook: Webhook, url: string, mailboxId: string | null): WebhookChanges | null {
  const changes: WebhookChanges = {};
  if (url !== webhook.url) changes.url = url;
  if (mailboxId !== webhook.mailbox_id) changes.mailbox_id = mailboxId;
  return Object.keys(changes).length ? changes : null;
}

function errorLine(control: HTMLElement): HTMLElement {
  return h("p", { id: `${control.id}-error`, class: "field-error", hidden: true });
}

function fieldBox(label: string, field: Field): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: field.control.id }, label),
    field.control,
    field.error,
  );
}

function mailboxOptions(selected: string | null): HTMLOptionElement[] {
  const options = [h("option", { value: "", selected: selected === null }, "All mailboxes")];
  for (const mailbox of state.mailboxes) {
    options.push(h("option", { value: mailbox.id, selected: mailbox.id === selected }, mailbox.address));
  }
  // A filter on a mailbox the list does not have still shows as itself.
  if (selected && !state.mailboxes.some((mailbox) => mailbox.id === selected)) {
    options.push(h("option", { value: selected, selected: true }, selected));
  }
  return options;
}
