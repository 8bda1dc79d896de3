import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../../core/ids";
import { ingestMessage } from "../../core/ingest/ingest-message";
import { analyzeBody, classifyKind } from "../../core/messages/analyze";
import { parseMessage } from "../../core/messages/parse";
import { createDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { createInlineStore } from "../../db/store";
import { buildMessage, type MessageKind } from "./messages";
import { createSeeder } from "./seed";

/**
 * Where the CPU of one message goes, measured in this process one piece at a
 * time (the servers are idle meanwhile): postal-mime parsing through
 * core/messages/parse.ts, OmniMail's ingest (core/ingest/), and the
 * bare commit of the same blob and row in plain SQL with and without its FTS5 row, all
 * through the product's database factory (WAL, synchronous=FULL).
 */

export interface ComponentCost {
  name: string;
  /** CPU time of this process per operation, µs. */
  cpuMicros: number;
  /** Wall time per operation, µs (differs from CPU when it waits for fsync). */
  wallMicros: number;
  operations: number;
}

async function timeLoop(name: string, budgetMs: number, maxOps: number, op: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await op();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let operations = 0;
  while (operations < maxOps && performance.now() - started < budgetMs) {
    await op();
    operations++;
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    name,
    cpuMicros: (used.user + used.system) / operations,
    wallMicros: (wall * 1000) / operations,
    operations,
  } satisfies ComponentCost;
}

export async function benchComponents(input: { dir: string; budgetMs: number }): Promise<ComponentCost[]> {
  const costs: ComponentCost[] = [];
  const envelope = { from: "sender@sender.bench.localhost", to: "bench@omnimail.localhost" };
  const raw = { "5k": buildMessage("5k", envelope), "100k": buildMessage("100k", envelope) };
  const label = (kind: MessageKind) => (kind === "5k" ? "5 KB" : "100 KB + 2 attachments");
  for (const kind of ["5k", "100k"] as MessageKind[]) {
    costs.push(
      await timeLoop(`postal-mime parse, ${label(kind)}`, input.budgetMs, 20_000, () =>
        parseMessage(raw[kind]),
      ),
    );
  }
  // Issue 17's fields: the body's analysis (parse thread) and the kind (ingest), per message.
  for (const kind of ["5k", "100k"] as MessageKind[]) {
    const parsed = await parseMessage(raw[kind]);
    if (!parsed.ok) throw new Error("the bench message does not parse");
    costs.push(
      await timeLoop(
        `analysis (text, stripped_text, markdown, codes, links, kind), ${label(kind)}`,
        input.budgetMs,
        20_000,
        async () => {
          analyzeBody(parsed.content);
          classifyKind(parsed.content, envelope.from);
        },
      ),
    );
  }

  // The floor under every synchronous=FULL commit: one write and fsync on this disk.
  const file = openSync(join(input.dir, "fsync.probe"), "w");
  const page = new Uint8Array(4096);
  try {
    costs.push(
      await timeLoop("write 4 KB + fsync (the disk under every commit)", input.budgetMs, 5000, async () => {
        writeSync(file, page);
        fsyncSync(file);
      }),
    );
  } finally {
    closeSync(file);
  }

  const database = await createDatabase({ url: `file:${join(input.dir, "components.db")}` });
  try {
    await migrateDatabase(database);
    const now = Date.now();
    await database.client.batch(
      [
        { sql: "INSERT INTO tenants (id, name, created_at) VALUES ('tnt_bench', 'bench', ?)", args: [now] },
        {
          sql: "INSERT INTO domains (id, tenant_id, name, created_at) VALUES ('dom_bench', 'tnt_bench', 'omnimail.localhost', ?)",
          args: [now],
        },
        {
          sql: "INSERT INTO mailboxes (id, tenant_id, domain_id, local_part, local_part_key, created_at) VALUES ('mbx_bench', 'tnt_bench', 'dom_bench', '*', '*', ?)",
          args: [now],
        },
      ],
      "write",
    );
    // OmniMail's own ingest: the batch (blobs, message, FTS5 row, attachments, outbox), one commit.
    const store = createInlineStore(database);
    for (const kind of ["5k", "100k"] as MessageKind[]) {
      const parsed = await parseMessage(raw[kind]);
      // As the SMTP edge hands it over: analysed in the parse thread, so the store row is the store alone.
      if (parsed.ok) parsed.analysis = analyzeBody(parsed.content);
      costs.push(
        await timeLoop(
          `store ${label(kind)} (core ingestMessage, one batch, parse excluded)`,
          input.budgetMs,
          20_000,
          () => {
            return ingestMessage(
              { store, links: { publicUrl: "http://omnimail.bench" } },
              {
                ingress: "smtp",
                traceHeader: () =>
                  "Received: from bench by omnimail.bench; Tue, 1 Dec 2026 00:00:00 +0000\r\n",
                raw: raw[kind],
                parsed,
                envelope: {
                  mailFrom: envelope.from,
                  remoteIp: "127.0.0.1",
                  helo: "client.bench.localhost",
                  tls: null,
                },
                deliveries: [
                  {
                    messageId: newId("message"),
                    tenantId: "tnt_bench",
                    mailboxId: "mbx_bench",
                    rcptTo: [envelope.to],
                  },
                ],
              },
            );
          },
        ),
      );
    }
    // The same commit in plain SQL (blob row + message row), without and with the FTS5 row, to price the index.
    const target = {
      tenantId: "tnt_bench",
      mailboxId: "mbx_bench",
      address: envelope.to,
      newestAt: now,
      total: 1_000_000,
    };
    for (const fts of [false, true]) {
      // A year apart, so the two runs' ids (time-ordered by received_at) never collide.
      const seeder = createSeeder(
        database.client,
        { ...target, newestAt: now - (fts ? 0 : 365 * 86_400_000) },
        { rowsPerCommit: 1, fts },
      );
      costs.push(
        await timeLoop(
          `SQLite commit, plain SQL: 5 KB message blob + row${fts ? " + FTS5 row" : " only"}`,
          input.budgetMs,
          20_000,
          () => seeder.seedTo(seeder.count + 1),
        ),
      );
    }
  } finally {
    database.close();
  }
  return costs;
}
