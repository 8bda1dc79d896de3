// Per file, not only in tsconfig: Bun reads tsconfig from the working directory, which for `npm start` may be anywhere.
/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";

/**
 * The Rules page's frame: the add form, the place for the list, and the test
 * form. The client (client/rules.ts) fills the list and the mailbox choices,
 * and writes the API's refusals under the field each names (`<id>-error`).
 */

function Field(props: {
  id: string;
  label: string;
  placeholder?: string;
  type?: "text" | "number";
  hint?: string;
  required?: boolean;
  wide?: boolean;
}) {
  const hint = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div class={props.wide ? "field wide" : "field"}>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? "text"}
        autocomplete="off"
        spellcheck={false}
        placeholder={props.placeholder}
        required={props.required}
        aria-describedby={hint}
        {...(props.type === "number" ? { min: 0, max: 1_000_000, step: 1, inputmode: "numeric" } : {})}
      />
      {props.hint ? (
        <p id={hint} class="muted small">
          {props.hint}
        </p>
      ) : null}
      <p id={`${props.id}-error`} class="field-error" hidden />
    </div>
  );
}

function SelectField(props: { id: string; label: string; children: Child }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id}>{props.children}</select>
      <p id={`${props.id}-error`} class="field-error" hidden />
    </div>
  );
}

function AddRuleForm() {
  return (
    <form id="rule-form" class="settings-card" aria-labelledby="rule-form-title">
      <h2 class="section-title" id="rule-form-title">
        Add a rule
      </h2>
      <div class="rule-grid">
        <SelectField id="rule-action" label="Action">
          <option value="reject">Reject (550 5.7.1)</option>
          <option value="quarantine">Quarantine (store, hold webhooks)</option>
          <option value="accept">Accept (skip later rules and the hook)</option>
        </SelectField>
        <Field id="rule-sender" label="Sender" placeholder="*@spam.example" />
        <Field id="rule-sender-domain" label="Sender domain" placeholder="spam.example" />
        <Field id="rule-client-ip" label="Client address" placeholder="203.0.113.0/24" />
        <Field id="rule-rcpt" label="Recipient" placeholder="sales@acme.test" />
        <SelectField id="rule-mailbox" label="Mailbox">
          <option value="">All mailboxes</option>
        </SelectField>
        <Field id="rule-priority" label="Priority" type="number" placeholder="100 (lowest first)" />
        <Field
          id="rule-reason"
          label="Reason"
          placeholder="We do not accept mail from this sender"
          hint="The text of the 550 reply to a rejected sender."
          wide
        />
      </div>
      <p class="muted small">
        Sender and recipient: an address or <code>*@domain</code>. A sender domain covers its subdomains.
        Client address: an IP or CIDR, v4 or v6. An empty field matches anything; a rule with none matches
        every recipient.
      </p>
      <p id="rule-form-error" class="field-error" hidden />
      <div class="form-actions">
        <button id="rule-add" class="button primary" type="submit">
          Add rule
        </button>
      </div>
    </form>
  );
}

function TestForm() {
  return (
    <form id="rule-test-form" class="settings-card" aria-labelledby="rule-test-title">
      <h2 class="section-title" id="rule-test-title">
        Test the rules
      </h2>
      <p class="muted small">What RCPT TO would answer this sender, recipient and client. Nothing is sent.</p>
      <div class="rule-grid">
        <Field id="test-mail-from" label="Mail from" placeholder="someone@spam.example" />
        <Field id="test-rcpt-to" label="Rcpt to" placeholder="sales@acme.test" required />
        <Field id="test-client-ip" label="Client IP" placeholder="203.0.113.7" />
      </div>
      <div class="form-actions">
        <button id="rule-test" class="button" type="submit">
          Test
        </button>
      </div>
      <div id="rule-test-result" class="test-result" role="status" />
    </form>
  );
}

export function RulesPage() {
  return (
    <section class="page rules-page" aria-labelledby="rules-title">
      <div class="page-head">
        <h1 id="rules-title">Rules</h1>
        <p class="muted">
          Checked for each recipient at RCPT TO, lowest priority first: the first rule that matches decides.
        </p>
      </div>
      <h2 class="section-title" id="rule-list-title" tabindex={-1}>
        In the order they are checked
      </h2>
      <div id="rule-list" />
      <div class="rule-forms">
        <AddRuleForm />
        <TestForm />
      </div>
    </section>
  );
}
