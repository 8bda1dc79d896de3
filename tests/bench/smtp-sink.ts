import { SMTPServer } from "smtp-server";
import { exitWithParent } from "./watchdog";

/**
 * The baseline: a bare smtp-server on Bun that accepts every recipient, drains
 * DATA and answers 250. Its protocol options match OmniMail's listener (no
 * AUTH, no STARTTLS, SIZE, enhanced codes, the library's default greeting
 * delay and reverse lookup), so the ratio to it is the cost of what OmniMail
 * does with a message: parse, store, commit, log.
 *
 * Run by tests/bench/run.ts; logs `{"msg":"sink listening","port":N}` on stderr.
 */
const server = new SMTPServer({
  name: "sink.bench.localhost",
  banner: "bench sink",
  logger: false,
  authOptional: true,
  disabledCommands: ["AUTH", "STARTTLS"],
  hideSTARTTLS: true,
  hideENHANCEDSTATUSCODES: false,
  size: 26_214_400,
  maxClients: 1000,
  onData(stream, _session, callback) {
    stream.on("data", () => {});
    stream.once("end", () => callback(null, "Ok: queued as sink"));
  },
});
server.on("error", () => {});
server.listen(Number(process.env.SINK_PORT ?? 0), "127.0.0.1", () => {
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.error(JSON.stringify({ msg: "sink listening", port }));
});
exitWithParent();
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
