import { h } from "./dom";
import { state } from "./state";
import type { Rule } from "./types";

/** How a rule reads on the page: its conditions, its scope, and one line for both. */

const CONDITIONS: Array<[keyof Rule["match"], string]> = [
  ["sender", "sender"],
  ["sender_domain", "sender domain"],
  ["client_ip", "client"],
  ["rcpt", "recipient"],
];

function conditionsOf(rule: Rule): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const [key, label] of CONDITIONS) {
    const value = rule.match[key];
    if (value) found.push([label, value]);
  }
  return found;
}

/** `sender *@spam.example, client 203.0.113.0/24`, each value as code; or "every recipient". */
export function matchNodes(rule: Rule): HTMLElement {
  const conditions = conditionsOf(rule);
  if (!conditions.length) return h("span", { class: "muted" }, "every recipient");
  return h(
    "span",
    { class: "conditions" },
    conditions.map(([label, value], index) => [index ? ", " : null, `${label} `, h("code", {}, value)]),
  );
}

export function scopeText(rule: Rule): string {
  const { mailbox_id: mailboxId, domain_id: domainId } = rule.scope;
  const parts: string[] = [];
  if (mailboxId) parts.push(state.mailboxes.find((item) => item.id === mailboxId)?.address ?? mailboxId);
  if (domainId) parts.push(`domain ${domainId}`);
  return parts.length ? parts.join(", ") : "all mailboxes";
}

/** `reject sender *@spam.example (priority 10)`: for confirmations and the test's answer. */
export function ruleLine(rule: Rule): string {
  const conditions = conditionsOf(rule);
  const what = conditions.length
    ? conditions.map(([label, value]) => `${label} ${value}`).join(", ")
    : "every recipient";
  const scope = rule.scope.mailbox_id || rule.scope.domain_id ? ` of ${scopeText(rule)}` : "";
  return `${rule.action} ${what}${scope} (priority ${rule.priority})`;
}

export function actionClass(action: Rule["action"]): string {
  if (action === "reject") return "fail";
  if (action === "quarantine") return "warn";
  return "pass";
}
