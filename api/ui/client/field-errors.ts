import { ApiProblem } from "./api";

/**
 * The API's field errors next to their fields: each `errors[].location` of a
 * problem+json answer (`body.url`, `body.mailbox_id`) is written under the
 * control it names, which is marked invalid and described by that line.
 */

export interface Field {
  control: HTMLInputElement | HTMLSelectElement;
  /** The line under the control, `<p id="<control id>-error">`. */
  error: HTMLElement;
  /**
   * Put before a lower-case message: "The URL" + "must use http or https". Empty
   * for a field whose messages say what they are about ("x@y is not on one of…").
   */
  name: string;
}

/** Links a control to its error line, and clears the error once the control is edited. */
export function bindField(
  control: HTMLInputElement | HTMLSelectElement,
  error: HTMLElement,
  name: string,
): Field {
  const field = { control, error, name };
  const described = new Set((control.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
  described.add(error.id);
  control.setAttribute("aria-describedby", [...described].join(" "));
  control.addEventListener("input", () => clearErrors([field]));
  return field;
}

export function clearErrors(fields: Iterable<Field>): void {
  for (const { control, error } of fields) {
    control.removeAttribute("aria-invalid");
    error.textContent = "";
    error.hidden = true;
  }
}

/**
 * Shows each field error of `error` under its field (keyed by location) and
 * focuses the first. Returns false when none of them names a field here.
 */
export function showErrors(error: unknown, fields: Readonly<Record<string, Field>>): boolean {
  if (!(error instanceof ApiProblem)) return false;
  const messages = new Map<Field, string[]>();
  for (const problem of error.errors) {
    const field = fields[problem.location];
    if (field) messages.set(field, [...(messages.get(field) ?? []), sentence(field.name, problem.message)]);
  }
  for (const [field, lines] of messages) {
    field.control.setAttribute("aria-invalid", "true");
    field.error.textContent = lines.join(" ");
    field.error.hidden = false;
  }
  const [first] = messages.keys();
  first?.control.focus();
  return first !== undefined;
}

function sentence(name: string, message: string): string {
  const text = name && /^[a-z]/.test(message) ? `${name} ${message}` : message;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
