// `npm run smtp`: the SMTP edge and its webhook drain, against a shared DATABASE_URL.
import { loadConfigOrExit } from "../runtime/boot";
import { runUntilSignal } from "./run";

await runUntilSignal(loadConfigOrExit(), { component: "smtp-edge", parts: { api: false } });
