import { api } from "./api";
import { announce, byId, fill, h, whileBusy } from "./dom";
import { bindField, clearErrors, type Field, showErrors } from "./field-errors";
import { actionClass, ruleLine } from "./rule-text";
import { markMatchedRule, positionOf } from "./rules";
import type { RuleTestResult } from "./types";

/**
 * The test form: what RCPT TO would answer this sender, recipient and client
 * (POST /v1/rules/test, which sends nothing). Shows the reply line as the SMTP
 * edge would send it and which rule decided, marked in the list too.
 */

const DECIDED_BY: Record<RuleTestResult["decided_by"], string> = {
  rule: "A rule decided.",
  hook: "No rule decided: the domain's RCPT hook would be asked (this test does not call it).",
  quota: "No rule refused: the tenant's storage quota decided.",
  reply_address: "A reply address decided, before any rule.",
  default: "No rule matched: the recipient's mailbox decided.",
};

function verdictOf(result: RuleTestResult): { text: string; kind: string } {
  if (result.accepted && result.quarantined) return { text: "quarantined", kind: actionClass("quarantine") };
  if (result.accepted) return { text: "accepted", kind: "pass" };
  if (result.decided_by === "hook") return { text: "up to the hook", kind: "none" };
  return result.reply.startsWith("4")
    ? { text: "deferred", kind: "warn" }
    : { text: "refused", kind: "fail" };
}

function renderResult(result: RuleTestResult): void {
  const verdict = verdictOf(result);
  const { rule } = result;
  const position = rule ? positionOf(rule.id) : null;
  fill(
    byId("rule-test-result"),
    h(
      "p",
      {},
      h("span", { class: `pill ${verdict.kind}`, id: "rule-test-verdict" }, verdict.text),
      " ",
      DECIDED_BY[result.decided_by],
    ),
    h("p", { class: "reply-line", id: "rule-test-reply" }, result.reply),
    rule
      ? h(
          "p",
          { id: "rule-test-rule", "data-rule": rule.id },
          `Matched rule ${position === null ? "" : `#${position}: `}`,
          h("strong", {}, ruleLine(rule)),
          rule.reason ? ` · reason “${rule.reason}”` : "",
        )
      : null,
  );
  markMatchedRule(rule?.id ?? null);
}

export function wireRuleTest(): void {
  const form = byId<HTMLFormElement>("rule-test-form");
  const submit = byId<HTMLButtonElement>("rule-test");
  const input = (id: string) => byId<HTMLInputElement>(id);
  const fields: Record<string, Field> = {
    "body.mail_from": bindField(input("test-mail-from"), byId("test-mail-from-error"), "The sender"),
    // The API's words name the address itself: "x@y is not on one of this tenant's domains".
    "body.rcpt_to": bindField(input("test-rcpt-to"), byId("test-rcpt-to-error"), ""),
    "body.client_ip": bindField(input("test-client-ip"), byId("test-client-ip-error"), "The client IP"),
  };
  form.addEventListener("reset", () => clearErrors(Object.values(fields)));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void whileBusy(submit, async () => {
      clearErrors(Object.values(fields));
      const clientIp = input("test-client-ip").value.trim();
      try {
        renderResult(
          await api.testRules({
            // Empty is the null sender (a bounce), as MAIL FROM:<> is.
            mail_from: input("test-mail-from").value.trim(),
            rcpt_to: input("test-rcpt-to").value.trim(),
            client_ip: clientIp || null,
          }),
        );
      } catch (error) {
        fill(byId("rule-test-result"), null);
        markMatchedRule(null);
        const shown = showErrors(error, fields);
        announce(
          shown ? "Not tested: see the error under the field" : `Could not test: ${(error as Error).message}`,
          "error",
        );
      }
    });
  });
}
