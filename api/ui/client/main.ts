import { api, whenUnauthorized } from "./api";
import { byId } from "./dom";
import { showMailbox } from "./inbox";
import { installShortcuts } from "./keyboard";
import { stopLivePoll } from "./live";
import { loadMailboxes } from "./mailboxes";
import { applyFilters, readSearchForm } from "./message-list";
import { forgetRejections, leaveRejections, showRejections, wireRejections } from "./rejections";
import { wireRuleForm } from "./rule-form";
import { wireRuleTest } from "./rule-test";
import { forgetRules, showRules } from "./rules";
import { forgetApiKey, readApiKey, storeApiKey } from "./session";
import { mailboxHref } from "./state";
import { installUndoDelete, sendWaitingDelete } from "./undo-delete";
import { leaveWebhooks, showWebhooks, wireWebhookForm } from "./webhooks";

/**
 * The web inbox: sign in, then a hash router over its views (#/m/<mailbox>[/<message>],
 * #/webhooks[/<id>], #/rules and #/rejections). The API key is read from sessionStorage
 * for each request.
 */

/** The views besides the inbox, each a page of its own (body[data-view]). */
const PAGES = ["webhooks", "rules", "rejections"] as const;
type View = "inbox" | (typeof PAGES)[number];

function viewOf(name: string | undefined): View {
  return PAGES.find((page) => page === name) ?? "inbox";
}

function showSignIn(message = ""): void {
  document.body.dataset.signedIn = "false";
  byId("signin").hidden = false;
  byId("app").hidden = true;
  const error = byId("signin-error");
  error.textContent = message;
  error.hidden = !message;
  byId<HTMLInputElement>("api-key").focus();
}

async function showApp(): Promise<void> {
  document.body.dataset.signedIn = "true";
  byId("signin").hidden = true;
  byId("app").hidden = false;
  await loadMailboxes();
  await route();
}

function signOut(message = ""): void {
  // A delete waiting out its undo is sent while the key is still here.
  sendWaitingDelete();
  forgetApiKey();
  stopLivePoll();
  leaveWebhooks();
  // What this tenant's pages showed goes with its key.
  forgetRules();
  forgetRejections();
  history.replaceState(null, "", location.pathname);
  showSignIn(message);
}

async function route(): Promise<void> {
  if (document.body.dataset.signedIn !== "true") return;
  const [name, id, messageId] = location.hash.replace(/^#\/?/, "").split("/");
  const view = viewOf(name);
  for (const link of document.querySelectorAll<HTMLElement>("[data-nav]")) {
    if (link.dataset.nav === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  // Leaving a page stops what it refreshes while open.
  if (view !== "webhooks") leaveWebhooks();
  if (view !== "rejections") leaveRejections();
  document.body.dataset.view = view;
  if (view === "webhooks") return showWebhooks(id ?? null);
  if (view === "rules") return showRules();
  if (view === "rejections") return showRejections();
  if (name === "m" && id) return showMailbox(id, messageId ?? null);
  const first = (await loadMailboxes())[0];
  if (first) location.replace(mailboxHref(first.id));
}

function wireSignIn(): void {
  byId<HTMLFormElement>("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>("api-key");
    const key = input.value.trim();
    if (!key) return showSignIn("Enter an API key.");
    const button = byId<HTMLButtonElement>("signin-submit");
    button.disabled = true;
    try {
      await api.verifyKey(key);
      storeApiKey(key);
      input.value = "";
      await showApp();
    } catch (error) {
      showSignIn(
        (error as { status?: number }).status === 401
          ? "That key was not accepted. Check it and try again."
          : `Could not reach OmniMail: ${(error as Error).message}`,
      );
    } finally {
      button.disabled = false;
    }
  });
  byId("signout").addEventListener("click", () => signOut());
}

function wireSearch(): void {
  const form = byId<HTMLFormElement>("search-form");
  let timer = 0;
  const apply = () => void applyFilters(readSearchForm());
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  // Search as you type, a moment after the last key.
  form.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, 250);
  });
  // The quarantine switch belongs to the form but sits outside it, so its events do not reach the form.
  byId("quarantined").addEventListener("change", () => {
    window.clearTimeout(timer);
    apply();
  });
  form.addEventListener("reset", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, 0);
  });
}

function start(): void {
  whenUnauthorized(() => signOut("Your API key was refused (revoked?). Sign in again."));
  wireSignIn();
  wireSearch();
  wireWebhookForm();
  wireRuleForm();
  wireRuleTest();
  wireRejections();
  installShortcuts();
  installUndoDelete();
  window.addEventListener("hashchange", () => void route());
  if (readApiKey()) void showApp();
  else showSignIn();
}

start();
