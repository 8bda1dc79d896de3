import { api } from "./api";
import { announce, byId, whileBusy } from "./dom";
import { bindField, clearErrors, type Field, showErrors } from "./field-errors";
import { ruleAdded } from "./rules";
import type { CreateRuleBody, Rule } from "./types";

/**
 * The add-rule form (rules-page.tsx). Only the fields filled in are sent; the
 * API checks each (a sender that is no address, a CIDR that does not parse,
 * a reason that cannot go in an SMTP reply) and its refusal is shown under
 * the field it names. A refusal of the whole rule (too many) shows under the form.
 */

const TEXT_FIELDS = [
  ["rule-sender", "body.match.sender", "The sender"],
  ["rule-sender-domain", "body.match.sender_domain", "The sender domain"],
  ["rule-client-ip", "body.match.client_ip", "The client address"],
  ["rule-rcpt", "body.match.rcpt", "The recipient"],
  ["rule-priority", "body.priority", "The priority"],
  ["rule-reason", "body.reason", "The reason"],
] as const;

function value(id: string): string {
  return byId<HTMLInputElement | HTMLSelectElement>(id).value.trim();
}

function ruleBody(): CreateRuleBody {
  const body: CreateRuleBody = { action: value("rule-action") as Rule["action"] };
  const match: NonNullable<CreateRuleBody["match"]> = {};
  if (value("rule-sender")) match.sender = value("rule-sender");
  if (value("rule-sender-domain")) match.sender_domain = value("rule-sender-domain");
  if (value("rule-client-ip")) match.client_ip = value("rule-client-ip");
  if (value("rule-rcpt")) match.rcpt = value("rule-rcpt");
  if (Object.keys(match).length) body.match = match;
  if (value("rule-mailbox")) body.scope = { mailbox_id: value("rule-mailbox") };
  if (value("rule-priority")) body.priority = Number(value("rule-priority"));
  if (value("rule-reason")) body.reason = value("rule-reason");
  return body;
}

export function wireRuleForm(): void {
  const form = byId<HTMLFormElement>("rule-form");
  const submit = byId<HTMLButtonElement>("rule-add");
  const fields: Record<string, Field> = {
    "body.action": bindField(byId<HTMLSelectElement>("rule-action"), byId("rule-action-error"), "The action"),
    "body.scope.mailbox_id": bindField(
      byId<HTMLSelectElement>("rule-mailbox"),
      byId("rule-mailbox-error"),
      "The mailbox",
    ),
  };
  for (const [id, location, name] of TEXT_FIELDS) {
    fields[location] = bindField(byId<HTMLInputElement>(id), byId(`${id}-error`), name);
  }
  const formError = byId("rule-form-error");
  const clearAll = () => {
    clearErrors(Object.values(fields));
    formError.textContent = "";
    formError.hidden = true;
  };
  form.addEventListener("reset", clearAll);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void whileBusy(submit, async () => {
      clearAll();
      try {
        const rule = await api.createRule(ruleBody());
        form.reset();
        await ruleAdded(rule);
        announce("Rule added");
      } catch (error) {
        if (showErrors(error, fields)) {
          announce("Not added: see the error under the field", "error");
          return;
        }
        formError.textContent = `Not added: ${(error as Error).message}`;
        formError.hidden = false;
        announce(`Could not add the rule: ${(error as Error).message}`, "error");
      }
    });
  });
}
