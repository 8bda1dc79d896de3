import { api } from "./api";
import { confirmAction } from "./confirm-dialog";
import { announce, byId, fill, h, whileBusy } from "./dom";
import { actionClass, matchNodes, ruleLine, scopeText } from "./rule-text";
import { state } from "./state";
import type { Rule } from "./types";

/**
 * The Rules page: the tenant's rules in the order RCPT TO checks them, each
 * with a delete. The add form (rule-form.ts) and the test form (rule-test.ts)
 * tell this list when a rule is added or a test names the rule that matched.
 */

let rules: Rule[] = [];
/** The rule the last test said decided, marked in the list. */
let matchedId: string | null = null;
/** Bumped on every load, so a late answer for an older one is dropped. */
let generation = 0;

export async function showRules(): Promise<void> {
  fillMailboxChoices();
  await reloadRules();
}

/** Forgets what the page showed (signing out): the next tenant's rules are not this one's. */
export function forgetRules(): void {
  generation += 1;
  rules = [];
  matchedId = null;
  fill(byId("rule-list"), null);
  fill(byId("rule-test-result"), null);
  for (const id of ["rule-form", "rule-test-form"]) byId<HTMLFormElement>(id).reset();
}

/** Every page of the rules (at most 1000 a tenant), so the order shown is the whole order. */
export async function reloadRules(): Promise<void> {
  const asked = ++generation;
  const all: Rule[] = [];
  let cursor: string | null = null;
  try {
    do {
      const page = await api.rules(cursor);
      all.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && asked === generation);
  } catch (error) {
    if (asked === generation) {
      fill(
        byId("rule-list"),
        h("p", { class: "notice warn" }, `Could not load rules: ${(error as Error).message}`),
      );
    }
    return;
  }
  if (asked !== generation) return;
  rules = all;
  renderRules();
}

/** Its place in the order checked, from 1; null when the list does not have it. */
export function positionOf(id: string): number | null {
  const index = rules.findIndex((rule) => rule.id === id);
  return index === -1 ? null : index + 1;
}

/** A rule just added: the list is read again (its place depends on its priority) and it is shown. */
export async function ruleAdded(rule: Rule): Promise<void> {
  await reloadRules();
  byId("rule-list")
    .querySelector(`[data-rule="${CSS.escape(rule.id)}"]`)
    ?.scrollIntoView({ block: "nearest" });
}

/** Marks the rule a test matched (or none). */
export function markMatchedRule(id: string | null): void {
  matchedId = id;
  for (const row of byId("rule-list").querySelectorAll<HTMLElement>("[data-rule]")) {
    if (row.dataset.rule === id) row.setAttribute("data-matched", "true");
    else row.removeAttribute("data-matched");
  }
}

function fillMailboxChoices(): void {
  const select = byId<HTMLSelectElement>("rule-mailbox");
  const chosen = select.value;
  fill(
    select,
    h("option", { value: "" }, "All mailboxes"),
    state.mailboxes.map((mailbox) =>
      h("option", { value: mailbox.id, selected: mailbox.id === chosen }, mailbox.address),
    ),
  );
}

function renderRules(): void {
  const target = byId("rule-list");
  if (!rules.length) {
    fill(
      target,
      h(
        "p",
        { class: "empty" },
        "No rules yet: every recipient is decided as without them (its mailbox, then the domain's RCPT hook).",
      ),
    );
    return;
  }
  fill(
    target,
    h(
      "table",
      { class: "data-table", id: "rule-table" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["#", "Priority", "Action", "Match", "Mailbox", "Reason"].map((name) =>
            h("th", { scope: "col" }, name),
          ),
          h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")),
        ),
      ),
      h("tbody", {}, rules.map(ruleRow)),
    ),
  );
}

function ruleRow(rule: Rule, index: number): HTMLElement {
  const remove = h(
    "button",
    {
      type: "button",
      class: "button small danger",
      "data-action": "delete-rule",
      "aria-label": `Delete rule ${index + 1}`,
    },
    "Delete…",
  );
  remove.addEventListener("click", () => void whileBusy(remove, () => deleteRule(rule)));
  return h(
    "tr",
    { "data-rule": rule.id, "data-matched": rule.id === matchedId ? "true" : null },
    h("td", { "data-label": "#" }, String(index + 1)),
    h("td", { "data-label": "Priority" }, String(rule.priority)),
    h(
      "td",
      { "data-label": "Action" },
      h("span", { class: `pill ${actionClass(rule.action)}` }, rule.action),
    ),
    h("td", { "data-label": "Match" }, matchNodes(rule)),
    h("td", { "data-label": "Mailbox" }, scopeText(rule)),
    h(
      "td",
      { "data-label": "Reason", class: "rule-reason" },
      rule.reason ?? h("span", { class: "muted" }, "—"),
    ),
    h("td", { class: "actions" }, remove),
  );
}

async function deleteRule(rule: Rule): Promise<void> {
  const yes = await confirmAction({
    title: "Delete this rule?",
    body: `${ruleLine(rule)}. Mail it matched is then decided by the next rule that matches, or as without rules.`,
    confirm: "Delete rule",
  });
  if (!yes) return;
  try {
    await api.deleteRule(rule.id);
  } catch (error) {
    announce(`Could not delete the rule: ${(error as Error).message}`, "error");
    return;
  }
  generation += 1;
  rules = rules.filter((item) => item.id !== rule.id);
  if (matchedId === rule.id) matchedId = null;
  renderRules();
  announce("Rule deleted");
  // The focused button went with its row: start again at the list.
  byId("rule-list-title").focus();
}
