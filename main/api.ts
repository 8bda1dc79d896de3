// `npm run api`: the API alone, against a shared DATABASE_URL, with its own webhook drain
// (test events, replays, retries; leases keep drainers from double-sending).
import { loadConfigOrExit } from "../runtime/boot";
import { runUntilSignal } from "./run";

await runUntilSignal(loadConfigOrExit(), { component: "api", parts: { smtp: false } });
