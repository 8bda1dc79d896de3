import { parseArgs } from "node:util";
import { CoreError } from "../core/errors";
import { createLogger } from "../core/logger";
import { createInlineStore } from "../db/store";
import { loadConfigOrExit, openDatabase } from "../runtime/boot";
import { resolveHost } from "../runtime/webhook-transport";
import { COMMANDS, resolveTenantId, UsageError } from "./commands";
import { runListen } from "./listen";
import { formatJson } from "./output";

/**
 * `npm run omnimail -- <resource> <verb> [args] [--tenant <id>] [--json]`:
 * operator commands straight on DATABASE_URL (migrations applied first, as
 * `npm start` does), no server needed. Exit 0 on success, 1 when the request
 * is refused (unknown id, conflict, invalid value), 2 on a usage mistake.
 */

const HELP = [
  "usage: npm run omnimail -- <command> [--json] [--tenant <id>]",
  "",
  "commands:",
  "  listen --url <OmniMail URL> --key <api key> --forward <local URL>   (listen --help: its options)",
  ...Object.values(COMMANDS).flatMap((verbs) => Object.values(verbs).map((command) => `  ${command.usage}`)),
  "",
  "options:",
  "  --json           print JSON (the API's shapes) instead of a table",
  "  --tenant <id>    the tenant to act for; may be left out when there is only one",
  "  --name <name>    a name for `keys create`",
  "  --mailbox <id>   the mailbox to list, for `messages list`; only its messages, for `webhooks create`",
  "  --limit <n>      messages per page of `messages list` (default 20, at most 100)",
  "  --before <id>    the page of `messages list` older than this message (it prints the id to pass)",
  "",
  "environment: DATABASE_URL (default file:./data/omnimail.db), DATABASE_AUTH_TOKEN,",
  "  OMNIMAIL_PUBLIC_URL (the base of the URLs in message JSON)",
].join("\n");

export async function runCli(argv: string[]): Promise<number> {
  // A client of a running OmniMail (its API), not of the database: its own options, no DATABASE_URL.
  if (argv[0] === "listen") return runListen(argv.slice(1));
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [resource, verb, ...args] = positionals;
  if (values.help || !resource) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const command = COMMANDS[resource]?.[verb ?? ""];
  if (!command) return usage(`unknown command: ${[resource, verb].filter(Boolean).join(" ")}`);

  const config = loadConfigOrExit();
  // Progress logs would mix with the output; only warnings and errors, on stderr.
  const database = await openDatabase(config, createLogger("warn", "cli"));
  try {
    const result = await command.run({
      db: database.db,
      store: createInlineStore(database),
      args,
      name: values.name,
      mailbox: values.mailbox,
      limit: values.limit,
      before: values.before,
      links: { publicUrl: config.http.publicUrl },
      webhookGuard: { allowPrivate: config.allowPrivateWebhooks, resolveHost },
      tenantId: () => resolveTenantId(database.db, values.tenant),
      options: {
        tenant: values.tenant,
        since: values.since,
        sender: values.sender,
        "sender-domain": values["sender-domain"],
        "client-ip": values["client-ip"],
        rcpt: values.rcpt,
        priority: values.priority,
        reason: values.reason,
        "max-messages": values["max-messages"],
        "max-bytes": values["max-bytes"],
      },
    });
    if (result.bytes) await writeStdout(result.bytes);
    else console.log(values.json ? formatJson(result.json) : result.text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usage(`${error.message}\n  ${command.usage}`);
    if (error instanceof CoreError) {
      console.error(`omnimail: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    database.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean", default: false },
      tenant: { type: "string" },
      name: { type: "string" },
      mailbox: { type: "string" },
      limit: { type: "string" },
      before: { type: "string" },
      since: { type: "string" },
      sender: { type: "string" },
      "sender-domain": { type: "string" },
      "client-ip": { type: "string" },
      rcpt: { type: "string" },
      priority: { type: "string" },
      reason: { type: "string" },
      "max-messages": { type: "string" },
      "max-bytes": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** Bytes as they are: no newline added, no text decoding. */
function writeStdout(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

function usage(message: string): number {
  console.error(`omnimail: ${message}\n\n${HELP}`);
  return 2;
}
