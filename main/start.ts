// `npm start`: SMTP, the API and the webhook drain in one Bun process.
import { loadConfigOrExit } from "../runtime/boot";
import { runUntilSignal } from "./run";

await runUntilSignal(loadConfigOrExit(), { component: "omnimail" });
